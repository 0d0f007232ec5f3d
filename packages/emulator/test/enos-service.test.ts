// The EnOS dialect's broker hooks (src/enos/service.ts) under hostile input: any CONNECT is
// refused or admitted without throwing, an Alibaba login still reaches the Alibaba hooks, a
// device's subscriptions and publications never reach another device's topics, and any
// publish on any topic is answered or ignored, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '@linkwire/base';
import type { ConnectPacket } from '@linkwire/mqtt';
import { enosMqttCredentials } from '@linkwire/sign';
import { numRuns } from '../../../test/support/fast-check.ts';
import type { Broker, BrokerHooks, Link } from '../src/broker.ts';
import { createEnosService } from '../src/enos/service.ts';

const pk = 'pkHooks01';

function setup(env: { requireTimestamp?: boolean } = {}) {
  const delivered: { topic: string; payload: Uint8Array }[] = [];
  const broker: Broker = {
    accept: () => ({ receive: () => undefined, ended: () => undefined }),
    deliver: (topic, payload) => (delivered.push({ topic, payload }), 1),
    isOnline: () => true,
    kick: () => undefined,
    connections: 0,
    close: () => undefined,
  };
  const base: BrokerHooks = {
    authenticate: () => ({ ok: false, returnCode: 4, reason: 'alibaba' }),
    principal: (key) => ({ key, actsFor: () => false, manages: () => false }),
    authorizePublish: () => 'deny',
    onMessage: () => undefined,
    onEvent: () => undefined,
    now: () => Date.now(),
  };
  const service = createEnosService(
    { products: [{ productKey: pk, productSecret: 'ps' }], devices: [{ productKey: pk, deviceKey: 'alice001', deviceSecret: 'a' }, { productKey: pk, deviceKey: 'bob00001', deviceSecret: 'b' }] },
    { now: () => Date.now(), broker: () => broker, ...env },
  );
  return { hooks: service.hooks(base), delivered, service };
}

const link: Link = { transport: 'tcp', write: () => undefined, close: () => undefined };
const connect = (clientId: string, username: string | undefined, password: Uint8Array | undefined): ConnectPacket =>
  ({ type: 'connect', protocolName: 'MQTT', protocolLevel: 4, clientId, cleanSession: true, keepalive: 60, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) }) as ConnectPacket;

function login(hooks: BrokerHooks, deviceKey: string, secret: string): string {
  const c = enosMqttCredentials({ productKey: pk, deviceKey, deviceSecret: secret, timestamp: Date.now() });
  const r = hooks.authenticate(connect(c.clientId, c.username, utf8Encode(c.password)), link);
  if (!r.ok) throw new Error(r.reason);
  return r.key;
}

describe('EnOS broker hooks under hostile input', () => {
  it('routes logins by product: EnOS credentials to EnOS, anything else to the Alibaba hooks', () => {
    const { hooks } = setup();
    expect(login(hooks, 'alice001', 'a')).toBe(`${pk}&alice001`);
    expect(hooks.authenticate(connect('x|securemode=3,signmethod=hmacsha1|', 'dev&a1Other', undefined), link)).toEqual({ ok: false, returnCode: 4, reason: 'alibaba' });
    const wrong = enosMqttCredentials({ productKey: pk, deviceKey: 'alice001', deviceSecret: 'not-a', timestamp: Date.now() });
    expect(hooks.authenticate(connect(wrong.clientId, wrong.username, utf8Encode(wrong.password)), link)).toMatchObject({ ok: false, returnCode: 4 });
    expect(hooks.authenticate(connect(wrong.clientId, wrong.username, new Uint8Array([0xff, 0xfe])), link)).toMatchObject({ ok: false, returnCode: 4 });
  });

  it('an old CONNECT does not replay: a timestamp outside the window is refused, and none at all when the emulator requires one', () => {
    const { hooks } = setup();
    const old = enosMqttCredentials({ productKey: pk, deviceKey: 'alice001', deviceSecret: 'a', timestamp: Date.now() - 60 * 60 * 1000 });
    expect(hooks.authenticate(connect(old.clientId, old.username, utf8Encode(old.password)), link)).toMatchObject({ ok: false, returnCode: 4 });
    const strict = setup({ requireTimestamp: true }).hooks;
    const bare = enosMqttCredentials({ productKey: pk, deviceKey: 'alice001', deviceSecret: 'a', timestamp: Date.now() });
    const clientId = bare.clientId.replace(/,?timestamp=\d+/, '');
    expect(strict.authenticate(connect(clientId, bare.username, utf8Encode(bare.password)), link)).toMatchObject({ ok: false });
  });

  it('property: any CONNECT naming the EnOS product is refused (or admitted only with the right sign), never a throw', () => {
    const { hooks } = setup();
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }), (clientId, user, password) => {
        const r = hooks.authenticate(connect(clientId, `${user}&${pk}`, password), link);
        expect(r.ok).toBe(false);
      }),
      { numRuns: numRuns(300) },
    );
  });

  it("property: a device's subscriptions and publications own nothing but its own topics", () => {
    const { hooks } = setup();
    const alice = login(hooks, 'alice001', 'a');
    const segment = fc.constantFrom('sys', 'ext', 'session', pk, 'alice001', 'bob00001', '+', '#', '', 'thing', 'service', 'measurepoint', 'post', 'combine', 'login');
    const topic = fc.array(segment, { minLength: 1, maxLength: 8 }).map((s) => `/${s.join('/')}`);
    fc.assert(
      fc.property(fc.oneof(topic, fc.string({ maxLength: 60 })), (t) => {
        const owner = hooks.subscriptionOwner!(alice, t);
        expect(owner === undefined || owner === alice).toBe(true);
        if (hooks.authorizePublish(alice, t) === 'allow') expect(t.startsWith(`/sys/${pk}/alice001/`) || t.startsWith(`/ext/session/${pk}/alice001/`)).toBe(true);
      }),
      { numRuns: numRuns(500) },
    );
  });

  it('property: any payload on a request topic gets exactly one reply, on a reply topic none, never a throw', () => {
    const { hooks, delivered } = setup();
    const alice = login(hooks, 'alice001', 'a');
    const tails = fc.constantFrom('thing/measurepoint/post', 'thing/measurepoint/post/batch', 'thing/tag/query', 'thing/tag/update', 'thing/attribute/update', 'thing/topo/add', 'thing/event/x/post', 'thing/model/up_raw', 'thing/service/s_reply', 'ota/device/progress');
    const payload = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => utf8Encode(j)), fc.record({ id: fc.string(), version: fc.constant('1.0'), params: fc.anything(), method: fc.string() }).map((o) => utf8Encode(JSON.stringify(o))));
    // Well-formed envelopes with the topic's own method and any params reach the responders themselves.
    const sample = fc.oneof(
      fc.tuple(tails, payload),
      tails.chain((tail) => fc.tuple(fc.constant(tail), fc.record({ id: fc.constant('9'), version: fc.constant('1.0'), params: fc.anything(), method: fc.constant(tail.replaceAll('/', '.')) }).map((o) => utf8Encode(JSON.stringify(o))))),
    );
    fc.assert(
      fc.property(sample, ([tail, bytes]) => {
        const topic = `/sys/${pk}/alice001/${tail}`;
        delivered.length = 0;
        expect(() => hooks.onMessage(alice, topic, bytes)).not.toThrow();
        for (const d of delivered) expect(d.topic).toBe(`${topic}_reply`);
        // A request is always answered (a code for what was wrong with it); a reply never is.
        expect(delivered.length).toBe(tail.endsWith('_reply') ? 0 : 1);
      }),
      { numRuns: numRuns(300) },
    );
  });
});
