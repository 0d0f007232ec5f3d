import { describe, expect, it } from 'vitest';
import { manualClock, utf8Encode } from '@linkwire/base';
import { mqttCredentials } from '@linkwire/sign';
import { MqttConnectError, createMqttSession, decodePacket, encodePacket, type MqttPacket, type MqttSessionOptions, type PublishPacket } from '@linkwire/mqtt';

function harness(extra: Partial<MqttSessionOptions> = {}) {
  const clock = manualClock(0);
  const sent: MqttPacket[] = [];
  const messages: PublishPacket[] = [];
  let closedWith: Error | undefined | null = null;
  const session = createMqttSession({
    clock, clientId: 'c1', username: 'u', password: 'p', keepalive: 60,
    send: (b) => sent.push(decodePacket(b)),
    close: (e) => { closedWith = e; },
    onMessage: (m) => messages.push(m),
    ...extra,
  });
  const server = (p: MqttPacket) => session.receive(encodePacket(p));
  return { clock, sent, messages, session, server, closed: () => closedWith };
}

async function connected(extra: Partial<MqttSessionOptions> = {}) {
  const h = harness(extra);
  const c = h.session.connect();
  h.server({ type: 'connack', sessionPresent: false, returnCode: 0 });
  await c;
  return h;
}

describe('MQTT session', () => {
  it('sends the keepalive mqttCredentials returns (the documented spread), and refuses the keepAlive spelling', async () => {
    const credentials = mqttCredentials({ productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's', keepalive: 300 });
    const h = harness({ ...credentials });
    void h.session.connect();
    expect(h.sent[0]).toMatchObject({ type: 'connect', keepalive: 300 });
    const wrong = { keepAlive: 300 } as unknown as { keepAlive?: never };
    expect(() => harness(wrong)).toThrowError(/spelled `keepalive`/);
    // @ts-expect-error: a spread that carries keepAlive does not type-check
    const typed: Partial<MqttSessionOptions> = { ...{ keepAlive: 300 } };
    void typed;
  });

  it('sends CONNECT with the credentials and resolves on CONNACK', async () => {
    const h = harness();
    const c = h.session.connect();
    expect(h.sent[0]).toEqual({ type: 'connect', protocolLevel: 4, clientId: 'c1', cleanSession: true, keepalive: 60, username: 'u', password: utf8Encode('p') });
    expect(h.session.state).toBe('connecting');
    h.server({ type: 'connack', sessionPresent: false, returnCode: 0 });
    await expect(c).resolves.toEqual({ type: 'connack', sessionPresent: false, returnCode: 0 });
    expect(h.session.state).toBe('connected');
  });

  it('rejects a refused CONNECT with the reason and closes', async () => {
    const h = harness();
    const c = h.session.connect();
    h.server({ type: 'connack', sessionPresent: false, returnCode: 4 });
    await expect(c).rejects.toThrowError(/bad username or password/);
    await expect(c).rejects.toBeInstanceOf(MqttConnectError);
    expect(h.session.state).toBe('closed');
    expect(h.closed()).toBeInstanceOf(MqttConnectError);
  });

  it('times out a CONNECT without CONNACK', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    const c = h.session.connect();
    h.clock.advance(4999);
    expect(h.session.state).toBe('connecting');
    h.clock.advance(1);
    await expect(c).rejects.toThrowError(expect.objectContaining({ code: 'connect_timeout' }));
  });

  it('pings after keepalive seconds of silence and closes when PINGRESP never comes', async () => {
    const h = await connected({ keepalive: 30 });
    h.clock.advance(29_999);
    expect(h.sent.map((p) => p.type)).toEqual(['connect']);
    h.clock.advance(1);
    expect(h.sent.at(-1)).toEqual({ type: 'pingreq' });
    h.server({ type: 'pingresp' });
    h.clock.advance(30_000);
    expect(h.sent.filter((p) => p.type === 'pingreq')).toHaveLength(2);
    h.clock.advance(30_000);
    expect(h.session.state).toBe('closed');
    expect(h.closed()).toEqual(expect.objectContaining({ code: 'keepalive_timeout' }));
  });

  it('traffic both ways postpones the ping', async () => {
    const h = await connected({ keepalive: 30 });
    h.clock.advance(20_000);
    await h.session.publish('a/b', 'x');
    h.server({ type: 'publish', topic: 'c', payload: new Uint8Array(0), qos: 0, retain: false, dup: false });
    h.clock.advance(20_000);
    expect(h.sent.some((p) => p.type === 'pingreq')).toBe(false);
    h.clock.advance(10_000);
    expect(h.sent.at(-1)).toEqual({ type: 'pingreq' });
  });

  it('a session that only sends still pings, and notices a half-open connection', async () => {
    const h = await connected({ keepalive: 10, pingTimeoutMs: 2000 });
    for (let t = 0; t < 11; t++) {
      await h.session.publish('a/b', 'x');
      h.clock.advance(1000);
    }
    expect(h.sent.some((p) => p.type === 'pingreq')).toBe(true);
    h.clock.advance(2000);
    expect(h.session.state).toBe('closed');
    expect(h.closed()).toEqual(expect.objectContaining({ code: 'keepalive_timeout' }));
  });

  it('QoS 1 publish resolves on the matching PUBACK only', async () => {
    const h = await connected();
    let done = false;
    const p = h.session.publish('/sys/pk/dn/thing/event/property/post', '{}', { qos: 1 }).then(() => { done = true; });
    const pub = h.sent.at(-1) as PublishPacket;
    expect(pub).toMatchObject({ type: 'publish', qos: 1, messageId: 1 });
    h.server({ type: 'puback', messageId: 2 });
    h.server({ type: 'unsuback', messageId: 1 });
    await Promise.resolve();
    expect(done).toBe(false);
    h.server({ type: 'puback', messageId: 1 });
    await p;
    expect(done).toBe(true);
  });

  it('subscribe resolves with the granted QoS; unsubscribe on UNSUBACK', async () => {
    const h = await connected();
    const s = h.session.subscribe(['a/+', 'b/#']);
    const sub = h.sent.at(-1);
    expect(sub).toEqual({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 1 }] });
    h.server({ type: 'suback', messageId: 1, granted: [1, 0x80] });
    await expect(s).resolves.toEqual([1, 0x80]);
    const u = h.session.unsubscribe('a/+');
    h.server({ type: 'unsuback', messageId: 2 });
    await expect(u).resolves.toBeUndefined();
  });

  it('fails a request whose acknowledgement never comes, and frees its id', async () => {
    const h = await connected({ ackTimeoutMs: 1000 });
    const p = h.session.publish('a', 'x', { qos: 1 });
    h.clock.advance(1000);
    await expect(p).rejects.toThrowError(expect.objectContaining({ code: 'ack_timeout' }));
  });

  it('bounds requests in flight', async () => {
    const h = await connected({ maxInflight: 2 });
    void h.session.publish('a', 'x', { qos: 1 }).catch(() => undefined);
    void h.session.publish('a', 'x', { qos: 1 }).catch(() => undefined);
    await expect(h.session.publish('a', 'x', { qos: 1 })).rejects.toThrowError(expect.objectContaining({ code: 'too_many_inflight' }));
  });

  it('rejects pending requests when the transport closes', async () => {
    const h = await connected();
    const p = h.session.publish('a', 'x', { qos: 1 });
    h.session.transportClosed(new Error('ECONNRESET'));
    await expect(p).rejects.toThrowError(/ECONNRESET/);
    await expect(h.session.publish('a', 'x')).rejects.toThrowError(expect.objectContaining({ code: 'not_connected' }));
  });

  it('acknowledges incoming QoS 1 and QoS 2 publishes and delivers a QoS 2 duplicate once', async () => {
    const h = await connected();
    h.server({ type: 'publish', topic: 't', payload: utf8Encode('1'), qos: 1, retain: false, dup: false, messageId: 7 });
    expect(h.sent.at(-1)).toEqual({ type: 'puback', messageId: 7 });
    const q2: MqttPacket = { type: 'publish', topic: 't', payload: utf8Encode('2'), qos: 2, retain: false, dup: false, messageId: 8 };
    h.server(q2);
    h.server({ ...q2, dup: true });
    expect(h.sent.at(-1)).toEqual({ type: 'pubrec', messageId: 8 });
    h.server({ type: 'pubrel', messageId: 8 });
    expect(h.sent.at(-1)).toEqual({ type: 'pubcomp', messageId: 8 });
    expect(h.messages.map((m) => m.payload[0])).toEqual([0x31, 0x32]);
  });

  it('closes on garbage and on packets a server must not send', async () => {
    const h = await connected();
    h.session.receive(Uint8Array.of(0xf0, 0x00));
    expect(h.session.state).toBe('closed');
    expect(h.closed()).toEqual(expect.objectContaining({ code: 'invalid_packet_type' }));
    const h2 = await connected();
    h2.server({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 0 }] });
    expect(h2.closed()).toEqual(expect.objectContaining({ code: 'protocol_error' }));
  });

  it('disconnect sends DISCONNECT and closes cleanly', async () => {
    const h = await connected();
    h.session.disconnect();
    expect(h.sent.at(-1)).toEqual({ type: 'disconnect' });
    expect(h.closed()).toBeUndefined();
    expect(h.clock.pending()).toBe(0);
  });
});
