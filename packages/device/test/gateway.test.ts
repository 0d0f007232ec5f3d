// A gateway with 50 sub-devices on aedes, the platform scripted with MQTT.js: batch login,
// sub-device commands over the gateway's connection, and a broker restart in the middle:
// every sub-device is logged in again before any of its queued messages goes out, none lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCombineBatchLogin, verifyCombineLogin, verifyTopoAddEntry } from '@linkwire/sign';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { ok, startPlatform, type ScriptedPlatform } from './platform.ts';

registerNodeHash();
const gw = { productKey: 'a1Gateway01', deviceName: 'gw-1', deviceSecret: 'gw-secret' };
const subs = Array.from({ length: 50 }, (_, i) => ({ productKey: 'a1SubProd01', deviceName: `sub-${i}`, deviceSecret: `sub-secret-${i}` }));
const secretOf = (pk: string, dn: string): string | undefined => subs.find((s) => s.productKey === pk && s.deviceName === dn)?.deviceSecret;

describe('gateway', () => {
  let broker: TestBroker;
  let cloud: ScriptedPlatform;
  const session = `/ext/session/${gw.productKey}/${gw.deviceName}`;
  const loggedIn: string[] = [];
  const events: string[] = [];
  beforeAll(async () => {
    broker = await startAedes();
    cloud = await startPlatform(broker.port);
    cloud.answer(`${session}/combine/batch_login`, (_t, p) => {
      const params = (JSON.parse(p.toString()) as { params: unknown }).params;
      const v = verifyCombineBatchLogin(params, secretOf);
      if (!v.ok || !v.devices.every((d) => d.ok)) return { ...ok(p), code: 6287, message: 'invalid sign' };
      for (const d of v.devices) if (d.ok) loggedIn.push(d.deviceName);
      events.push(`login ${v.devices.length}`);
      return ok(p, v.devices.map((d) => (d.ok ? { productKey: d.productKey, deviceName: d.deviceName } : {})));
    });
    cloud.answer(`${session}/combine/login`, (_t, p) => {
      const v = verifyCombineLogin((JSON.parse(p.toString()) as { params: unknown }).params, secretOf);
      return v.ok ? ok(p) : { ...ok(p), code: 6287 };
    });
    cloud.answer(`${session}/combine/batch_logout`, (_t, p) => ok(p));
    cloud.answer(`/sys/${gw.productKey}/${gw.deviceName}/thing/topo/add`, (_t, p) => {
      const params = (JSON.parse(p.toString()) as { params: unknown[] }).params;
      return params.every((e) => verifyTopoAddEntry(e, secretOf).ok) ? ok(p) : { ...ok(p), code: 6287 };
    });
    cloud.answer(`/sys/${gw.productKey}/${gw.deviceName}/thing/topo/get`, (_t, p) => ok(p, subs.slice(0, 3).map(({ productKey, deviceName }) => ({ productKey, deviceName }))));
    cloud.answer('/sys/a1SubProd01/+/thing/event/property/post', (topic, p) => {
      events.push(`post ${topic.split('/')[3]} ${(JSON.parse(p.toString()) as { params: { n: number } }).params.n}`);
      return ok(p);
    });
  });
  afterAll(async () => {
    await cloud.close();
    await broker.close();
  });

  it('logs in 50 sub-devices in batches, serves their commands, and re-logs them in after a broker restart with nothing lost', async () => {
    const d = createNodeDeviceClient({ ...gw, endpoint: { host: '127.0.0.1', port: broker.port }, gateway: { batchSize: 10 }, requestTimeoutMs: 2000, mqtt: { backoff: { minMs: 20, maxMs: 100 } } });
    try {
      await d.connect();
      expect((await d.gateway.addTopo(subs.slice(0, 5))).code).toBe(200);
      expect(await d.gateway.getTopo()).toHaveLength(3);
      const handles = await d.gateway.login(subs);
      expect(loggedIn).toHaveLength(50);
      expect(d.gateway.online).toHaveLength(50);
      handles[7]!.onPropertySet((p) => ({ got: p['Switch'] }));
      await cloud.publish('/sys/a1SubProd01/sub-7/thing/service/property/set', '{"id":"70","version":"1.0","params":{"Switch":1},"method":"thing.service.property.set"}');
      expect(JSON.parse((await cloud.next('/sys/a1SubProd01/sub-7/thing/service/property/set_reply')).payload)).toEqual({ id: '70', code: 200, data: { got: 1 } });
      for (const h of handles) expect((await h.postProperties({ n: 1 })).code).toBe(200);

      const down = new Promise<void>((r) => d.on((e) => e.type === 'disconnected' && r()));
      await broker.restart();
      await down;
      events.length = 0;
      // Posted while the gateway is offline: each waits for its sub-device's re-login.
      const posts = handles.map((h) => h.postProperties({ n: 2 }, { timeoutMs: 20_000 }));
      const replies = await Promise.all(posts);
      expect(replies.every((r) => r.code === 200)).toBe(true);
      expect(loggedIn).toHaveLength(100);
      // For every sub-device its re-login came before its post.
      for (const s of subs) {
        const post = events.indexOf(`post ${s.deviceName} 2`);
        expect(post).toBeGreaterThan(0);
        expect(events.slice(0, post).some((e) => e.startsWith('login'))).toBe(true);
      }
      expect(events.filter((e) => e.startsWith('post'))).toHaveLength(50);
      await d.gateway.logout(subs.slice(0, 10));
      expect(d.gateway.online).toHaveLength(40);
    } finally {
      await d.end();
    }
  }, 60_000);
});
