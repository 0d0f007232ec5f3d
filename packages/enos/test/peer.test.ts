// The EnOS client against plain brokers (aedes in-process, Debian mosquitto) with MQTT.js as an
// independent peer playing the platform: the exact bytes the client publishes, reply
// correlation by (topic, id), deadlines, late and unknown replies, commands answered, and a
// broker restart under a client that keeps its handlers.
import mqtt, { type MqttClient as PeerClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, startMosquitto, type TestBroker } from '../../../test/support/brokers.ts';
import { DeviceClient, type EnosError } from '@linkwire/node/enos';

const pk = 'pkPeer01';
const dk = 'device01';
const base = `/sys/${pk}/${dk}`;

async function peerOn(port: number): Promise<PeerClient> {
  const peer = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `platform-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 100 });
  await new Promise<void>((resolve, reject) => {
    peer.once('connect', () => resolve());
    peer.once('error', reject);
  });
  return peer;
}
const subscribe = (peer: PeerClient, topic: string): Promise<unknown> => peer.subscribeAsync(topic, { qos: 1 });
const next = (peer: PeerClient, topic: string): Promise<string> =>
  new Promise((resolve) => {
    const on = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      peer.off('message', on);
      resolve(payload.toString('utf8'));
    };
    peer.on('message', on);
  });
const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`EnOS client on ${kind}, MQTT.js as the platform`, () => {
    let broker: TestBroker;
    let peer: PeerClient;
    let client: DeviceClient;
    const errors: EnosError[] = [];
    beforeAll(async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      peer = await peerOn(broker.port);
      client = new DeviceClient({ brokerUrl: `tcp://127.0.0.1:${broker.port}`, productKey: pk, deviceKey: dk, deviceSecret: 'secret', replyTimeout: 0.3, mqttOptions: { reconnectPeriod: 0.05, maxReconnectPeriod: 0.3 } });
      client.on('error', (e) => errors.push(e as EnosError));
      await client.deviceCommand.onInvokeService('echo', (req, res) => res.send(200, req.params));
      await client.connect();
    });
    afterEach(() => void (errors.length = 0));
    afterAll(async () => {
      await client.close();
      await peer.endAsync();
      await broker.close();
    });

    it('publishes the EnOS request envelope byte for byte and resolves with the reply', async () => {
      await subscribe(peer, `${base}/thing/measurepoint/post`);
      const sent = next(peer, `${base}/thing/measurepoint/post`);
      const response = client.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 21.5, status: { value: 1, quality: 9 } }, time: 1_700_000_000_000 } });
      const wire = await sent;
      const id = (JSON.parse(wire) as { id: string }).id;
      expect(wire).toBe(`{"id":"${id}","version":"1.0","params":{"measurepoints":{"temp":21.5,"status":{"value":1,"quality":9}},"time":1700000000000},"method":"thing.measurepoint.post"}`);
      await peer.publishAsync(`${base}/thing/measurepoint/post_reply`, `{"id":"${id}","code":200,"data":""}`);
      await expect(response).resolves.toEqual({ id, code: 200, data: '' });
    });

    it('correlates by (topic, id): the same id on another reply topic resolves nothing and is reported', async () => {
      await subscribe(peer, `${base}/thing/tag/query`);
      await subscribe(peer, `${base}/thing/attribute/query`);
      const sentTag = next(peer, `${base}/thing/tag/query`);
      const tags = client.deviceData.queryTag({ tagKeys: ['a'] });
      const tagId = (JSON.parse(await sentTag) as { id: string }).id;
      const sentAttr = next(peer, `${base}/thing/attribute/query`);
      const attrs = client.deviceData.queryAttribute({});
      const attrId = (JSON.parse(await sentAttr) as { id: string }).id;
      // The tag query's id on the attribute reply topic: not the attribute query's reply.
      await peer.publishAsync(`${base}/thing/attribute/query_reply`, `{"id":"${tagId}","code":200,"data":{"wrong":1}}`);
      await until(() => errors.some((e) => e.code === 'unexpected_reply'));
      await peer.publishAsync(`${base}/thing/tag/query_reply`, `{"id":"${tagId}","code":200,"data":{"a":"1"}}`);
      await peer.publishAsync(`${base}/thing/attribute/query_reply`, `{"id":"${attrId}","code":200,"data":{"age":1}}`);
      await expect(tags).resolves.toMatchObject({ data: { a: '1' } });
      await expect(attrs).resolves.toMatchObject({ data: { age: 1 } });
    });

    it('a request without a reply rejects with reply_timeout; its late reply is not an error', async () => {
      await subscribe(peer, `${base}/thing/event/alarm/post`);
      const sent = next(peer, `${base}/thing/event/alarm/post`);
      const started = Date.now();
      const r = client.deviceData.postEvent({ eventName: 'alarm', eventParams: { level: 2 } });
      const id = (JSON.parse(await sent) as { id: string }).id;
      await expect(r).rejects.toMatchObject({ name: 'EnosError', code: 'reply_timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await peer.publishAsync(`${base}/thing/event/alarm/post_reply`, `{"id":"${id}","code":200,"data":""}`);
      await new Promise((res) => setTimeout(res, 100));
      expect(errors).toEqual([]);
    });

    it('answers a command from the peer on {topic}_reply at QoS 0 with {id, code, data}', async () => {
      await subscribe(peer, `${base}/thing/service/echo_reply`);
      const answered = next(peer, `${base}/thing/service/echo_reply`);
      await peer.publishAsync(`${base}/thing/service/echo`, '{"id":"42","version":"1.0","params":{"x":[1,2]},"method":"thing.service.echo"}');
      expect(await answered).toBe('{"id":"42","code":200,"data":{"x":[1,2]}}');
    });

    it('keeps its handlers and reply subscriptions across a broker restart', async () => {
      let connects = 0;
      client.on('connect', () => connects++);
      await broker.restart();
      await until(() => connects >= 1 && client.connected, 10_000);
      const p2 = await peerOn(broker.port);
      try {
        await subscribe(p2, `${base}/thing/service/echo_reply`);
        const answered = next(p2, `${base}/thing/service/echo_reply`);
        await p2.publishAsync(`${base}/thing/service/echo`, '{"id":"43","version":"1.0","params":{},"method":"thing.service.echo"}');
        expect(await answered).toBe('{"id":"43","code":200,"data":{}}');
        await subscribe(p2, `${base}/thing/measurepoint/post`);
        const sent = next(p2, `${base}/thing/measurepoint/post`);
        const r = client.deviceData.postMeasurepoint({ point: { measurepoints: { v: 1 } } });
        const id = (JSON.parse(await sent) as { id: string }).id;
        await p2.publishAsync(`${base}/thing/measurepoint/post_reply`, `{"id":"${id}","code":200,"data":""}`);
        await expect(r).resolves.toMatchObject({ code: 200 });
        expect(client.reconnected).toBe(true);
      } finally {
        await p2.endAsync();
      }
    });
  });
}
