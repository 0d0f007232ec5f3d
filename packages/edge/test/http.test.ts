import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom, utf8Decode, utf8Encode } from '@linkwire/base';
import {
  EDGE_STATUS, EdgeError, EdgeHttpError, createEdgeHttpClient, createEdgeHttpHandler, parseFunctionArn,
  type EdgeBackend, type EdgeFetch, type EdgeHttpResponse, type WatchEvent, type WatchItem,
} from '@linkwire/edge';
import { nodeClock } from '@linkwire/node';
import { cannedResponse, handlerFetch, manualBody } from './memory-fetch.ts';
import { numRuns } from '../../../test/support/fast-check.ts';

// Vectors: aliyun-link-iot-edge-developer-guide.txt §3 (the example requests and responses).
const PK = 'a1WabAEC***'.replace(/\*/g, 'x');
const DN = 'N0hB9tiVWWZFMpALK***'.replace(/\*/g, 'x');
const BASIC = `Basic ${btoa('admin:admin1234')}`;

function fakeBackend() {
  const props: Record<string, Record<string, unknown>> = { [`${PK}/${DN}`]: { LightSwitch: 1 } };
  const listeners = new Set<(e: WatchEvent) => void>();
  const backend: EdgeBackend = {
    listThings: () => [{ ProductName: '', ProductKey: PK, DeviceName: DN, DriverId: '', DriverName: 'e0bb1b48964e4519b4a52f9b719e1xxx', Tags: [], Status: 'Online', Connected: true, ConnectTime: '1572510191943' }],
    async getProperties(pk, dn, ids) {
      const p = props[`${pk}/${dn}`];
      if (p === undefined) throw new EdgeHttpError(404, `no device ${pk}/${dn}`);
      return Object.fromEntries(ids.map((i) => [i, p[i] as never]));
    },
    async setProperties(pk, dn, values) {
      const p = props[`${pk}/${dn}`];
      if (p === undefined) throw new EdgeHttpError(404, 'no device');
      Object.assign(p, values);
      return [];
    },
    async callService(pk, dn, name) {
      if (props[`${pk}/${dn}`] === undefined) throw new EdgeHttpError(404, 'no device');
      if (name === 'slow') throw new EdgeHttpError(503, 'timeout: device did not answer');
      return [];
    },
    watch(_targets, listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async invokeFunction(fn, payload) {
      if (fn.functionName === 'helloWorld') return { ok: true, body: utf8Encode(payload.length ? utf8Decode(payload) : 'HelloWorld'), contentType: 'text/html; charset=UTF-8' };
      return { ok: false, errorType: 'Handled', message: 'boom', stackTrace: ['at f'] };
    },
  };
  return { backend, props, listeners };
}

function setup(users = [{ username: 'admin', password: 'admin1234' }]) {
  const clock = manualClock(1572510000000);
  const fake = fakeBackend();
  const api = createEdgeHttpHandler({ backend: fake.backend, clock, random: seededRandom(7), users, heartbeatMs: 5000, maxWatches: 2 });
  const call = (method: string, url: string, headers: Record<string, string> = {}, body = '') =>
    api.handle({ method, url, headers, body: utf8Encode(body) }) as Promise<Extract<EdgeHttpResponse, { body: Uint8Array }>>;
  return { clock, api, call, ...fake };
}

const json = (r: Extract<EdgeHttpResponse, { body: Uint8Array }>) => JSON.parse(utf8Decode(r.body)) as Record<string, unknown>;

describe('the gateway side: createEdgeHttpHandler', () => {
  it('CreateAuthCookie answers 201 with the seed\'s body and a token cookie (seed §3.3.1)', async () => {
    const { call } = setup();
    const r = await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC });
    expect(r.status).toBe(201);
    expect(utf8Decode(r.body)).toBe('{"Code":201,"Message":"success"}');
    expect(r.headers['set-cookie']).toMatch(/^token=[0-9a-f]{64}; Max-Age=3600; Path=\//);
  });

  it('the seed\'s requests, answered in the seed\'s shapes (§3.4.1–§3.4.5, §3.5.1)', async () => {
    const { call } = setup();
    const cookie = (await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC })).headers['set-cookie']!.split(';')[0]!;
    const list = json(await call('GET', '/2019-09-30/things', { cookie }));
    expect(list).toMatchObject({ Code: 200, Message: 'success', Data: { Things: [{ DeviceName: DN, Status: 'Online', Connected: true, Tags: [] }] } });
    const get = json(await call('GET', `/2019-09-30/things/${PK}/${DN}/properties?identifiers=LightSwitch`, { cookie }));
    expect(get).toEqual({ Data: { Properties: { LightSwitch: 1 }, Timestamp: 1572510000000 }, Code: 200, Message: 'success' });
    const set = json(await call('POST', `/2019-09-30/things/${PK}/${DN}/properties`, { cookie }, '{"Properties":{"LightSwitch":0}}'));
    expect(set).toEqual({ Data: { Data: [], Timestamp: 1572510000000 }, Code: 200, Message: 'success' });
    const svc = json(await call('POST', `/2019-09-30/things/${PK}/${DN}/services`, { cookie }, '{"Services":[{"Name":"setColor","Args":{"color":"red"}}]}'));
    expect(svc).toEqual({ Data: { Services: [{ Name: 'setColor', Returns: { Message: 'success', Data: [] } }], Timestamp: 1572510000000 }, Code: 200, Message: 'success' });
    // The seed's curl examples address the bulk API with a doubled slash: //2019-09-30/things/bulk.
    const bulk = json(await call('POST', '//2019-09-30/things/bulk', { cookie }, `{"BulkAction":"GetProperties","Things":[{"ProductKey":"${PK}","DeviceName":"${DN}","Identifiers":["LightSwitch"]}]}`));
    expect(bulk).toEqual({ Data: { Results: [{ ProductKey: PK, DeviceName: DN, Returns: { Message: 'success', Data: { LightSwitch: 0 } } }], Timestamp: 1572510000000 }, Code: 200, Message: 'success' });
    const calls = json(await call('POST', '//2019-09-30/things/bulk', { cookie }, `{"BulkAction":"CallServices","Things":[{"ProductKey":"${PK}","DeviceName":"${DN}","Services":[{"Name":"setColor","Args":{"color":"red"}}]}]}`));
    expect(calls).toMatchObject({ Data: { Results: [{ Services: [{ Name: 'setColor', Returns: { Message: 'success', Data: [] } }] }] } });
    const fn = await call('POST', '/2019-09-30/functions/service:helloWorld:function:helloWorld/invocations', { cookie });
    expect([fn.status, utf8Decode(fn.body), fn.headers['content-type']]).toEqual([200, 'HelloWorld', 'text/html; charset=UTF-8']);
    const bad = await call('POST', '/2019-09-30/functions/service:x:function:broken/invocations', { cookie });
    expect([bad.status, bad.headers['x-fc-error-type'], json(bad)]).toEqual([500, 'Handled', { Message: 'boom', StackTrace: ['at f'] }]);
  });

  it('cookies expire after Max-Age, can be deleted only by their user, and are bounded in number', async () => {
    const { call, clock, api } = setup([{ username: 'admin', password: 'admin1234' }, { username: 'viewer', password: 'v' }] as never);
    const cookie = (await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC })).headers['set-cookie']!.split(';')[0]!;
    clock.advance(3599_000);
    expect((await call('GET', '/2019-09-30/things', { cookie })).status).toBe(200);
    clock.advance(1000);
    const expired = await call('GET', '/2019-09-30/things', { cookie });
    expect([expired.status, json(expired)['Code']]).toEqual([401, 401]);
    const c2 = (await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC })).headers['set-cookie']!.split(';')[0]!;
    const other = await call('DELETE', `/2019-09-30/auth/cookies/${c2.slice(6)}`, { authorization: `Basic ${btoa('viewer:v')}` });
    expect(other.status).toBe(404);
    expect((await call('DELETE', `/2019-09-30/auth/cookies/${c2.slice(6)}`, { authorization: BASIC })).status).toBe(200);
    for (let i = 0; i < 1100; i++) await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC });
    expect(api.stats.cookies).toBe(1024);
  });

  it('403 for an operation outside the user\'s permissions', async () => {
    const { call } = setup([{ username: 'admin', password: 'admin1234', permissions: ['CreateAuthCookie', 'ListThings'] }] as never);
    const cookie = (await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC })).headers['set-cookie']!.split(';')[0]!;
    expect((await call('GET', '/2019-09-30/things', { cookie })).status).toBe(200);
    const denied = await call('POST', `/2019-09-30/things/${PK}/${DN}/properties`, { cookie }, '{"Properties":{"LightSwitch":0}}');
    expect([denied.status, json(denied)['Code']]).toEqual([403, 403]);
  });

  it('Watch writes events and heartbeats on the injected clock, and is bounded in number', async () => {
    const { call, clock, listeners, api } = setup();
    const cookie = (await call('POST', '/2019-09-30/auth/cookies', { authorization: BASIC })).headers['set-cookie']!.split(';')[0]!;
    const r = (await api.handle({ method: 'POST', url: '/2019-09-30/things/bulk', headers: { cookie }, body: utf8Encode('{"BulkAction":"Watch","Things":[]}') })) as Extract<EdgeHttpResponse, { stream: unknown }>;
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const lines: string[] = [];
    r.stream.start((c) => lines.push(utf8Decode(c)), () => undefined);
    for (const l of listeners) l({ kind: 'event', productKey: 'a1t9b6Nn', deviceName: 'GjCb9LKXgcKXeluGj', event: 'propertiesChanged', args: { MeasuredIlluminance: { time: 1572510704110, value: 400 } }, timestamp: 1572510704112 });
    clock.advance(5000);
    expect(lines).toEqual([
      '{"Data":{"Timestamp":1572510704112,"Event":"propertiesChanged","ProductKey":"a1t9b6Nn","Args":{"MeasuredIlluminance":{"time":1572510704110,"value":400}},"DeviceName":"GjCb9LKXgcKXeluGj"},"Code":200,"Message":"success"}\n',
      '{"Data":{"Timestamp":1572510005000},"Code":200,"Message":"heartbeat"}\n',
    ]);
    await api.handle({ method: 'POST', url: '/2019-09-30/things/bulk', headers: { cookie }, body: utf8Encode('{"BulkAction":"Watch","Things":[]}') });
    const third = await call('POST', '/2019-09-30/things/bulk', { cookie }, '{"BulkAction":"Watch","Things":[]}');
    expect(third.status).toBe(503);
    r.stream.cancel();
    expect(api.stats.watches).toBe(1);
    expect(listeners.size).toBe(0);
  });

  it('every request gets a §3.2 status and a typed JSON body, whatever it holds (property)', async () => {
    const { api } = setup();
    const known = new Set(Object.keys(EDGE_STATUS).map(Number));
    const segment = fc.oneof(fc.constantFrom('2019-09-30', 'things', 'auth', 'cookies', 'bulk', 'functions', 'invocations', 'properties', 'services', PK, DN, '%', '%ZZ', '..', ''), fc.string());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
        fc.array(segment, { maxLength: 6 }),
        fc.option(fc.constantFrom(BASIC, 'Basic', 'Basic !!!', `Basic ${btoa('admin:')}`), { nil: undefined }),
        fc.oneof(fc.string(), fc.constantFrom('{"BulkAction":"GetProperties","Things":[{}]}', '{"Properties":{}}', '{"Services":[{"Name":5}]}')),
        async (method, parts, authorization, body) => {
          const headers: Record<string, string> = {};
          if (authorization) headers['authorization'] = authorization;
          const r = await api.handle({ method, url: `/${parts.join('/')}`, headers, body: utf8Encode(body) });
          expect(known.has(r.status)).toBe(true);
          if ('body' in r && r.status >= 400) expect(JSON.parse(utf8Decode(r.body))).toMatchObject({ Code: r.status, Message: expect.any(String) });
          if ('stream' in r) r.stream.cancel();
        },
      ),
      { numRuns: numRuns(400) },
    );
  });
});

describe('the client: createEdgeHttpClient', () => {
  it('parses the seed\'s example responses (§3.3–§3.4)', async () => {
    // The seed's texts, with its masking (***) and two extraction slips mended: ListThings' line
    // break inside `"Connected"`, and GetThingProperties' `}),` for `}},`.
    const answers: Record<string, ReturnType<typeof cannedResponse>> = {
      'POST /2019-09-30/auth/cookies': cannedResponse(201, '{"Code":201,"Message":"success"}', { 'set-cookie': 'token=57e22d4f9fb237fcf5c0b59abf621ddeecde1ef740a84fbeb78540xxxxxbbe4; Max-Age=3600; Path=/' }),
      'GET /2019-09-30/things': cannedResponse(200, '{"Data":{"Things":[{"DriverName":"e0bb1b48964e4519b4a52f9b719e1****","ConnectTime":"1572510191943","DeviceName":"GjCb9LKXgcKXeluG****","DriverId":"","ProductKey":"","Connected":true,"ProductName":"","Tags":[],"Status":"Online"}]},"Code":200,"Message":"success"}'),
      'GET /2019-09-30/things/a1WabAECxxx/N0hB9tiVWWZFMpALKxxx/properties': cannedResponse(200, '{"Data":{"Timestamp":1572512318420,"Properties":{"LightSwitch":1}},"Code":200,"Message":"success"}'),
      'POST /2019-09-30/things/a1WabAECxxx/N0hB9tiVWWZFMpALKxxx/properties': cannedResponse(200, '{"Data":{"Data":[],"Timestamp":1572512468781},"Code":200,"Message":"success"}'),
      'POST /2019-09-30/things/a1WabAECxxx/N0hB9tiVWWZFMpALKxxx/services': cannedResponse(200, '{"Data":{"Services":[{"Name":"setColor","Returns":{"Message":"success","Data":[]}}],"Timestamp":1572520667899},"Code":200,"Message":"success"}'),
      'POST /2019-09-30/things/bulk': cannedResponse(200, '{"Data":{"Results":[{"Returns":{"Message":"success","Data":{"LightSwitch":1}},"DeviceName":"N0hB9tiVWWZFMpALKxxx","ProductKey":"a1WabAECxxx"}],"Timestamp":1572521440288},"Code":200,"Message":"success"}'),
      'DELETE /2019-09-30/auth/cookies/57e22d4f9fb237fcf5c0b59abf621ddeecde1ef740a84fbeb78540xxxxxbbe4': cannedResponse(200, '{"Code":200,"Message":"success"}'),
      'POST /2019-09-30/functions/service:helloWorld:function:helloWorld/invocations': cannedResponse(200, 'HelloWorld', { 'content-type': 'text/html; charset=UTF-8' }),
    };
    const sent: { url: string; headers: Record<string, string>; body?: string }[] = [];
    const f: EdgeFetch = async (url, init) => {
      const u = new URL(url);
      sent.push({ url: `${init.method} ${u.pathname}${u.search}`, headers: init.headers, body: typeof init.body === 'string' ? init.body : init.body && utf8Decode(init.body) });
      return answers[`${init.method} ${u.pathname}`] ?? cannedResponse(404, '{"Code":404,"Message":"Not Found"}');
    };
    const c = createEdgeHttpClient({ baseUrl: 'https://127.0.0.1:9999', fetch: f, username: 'admin', password: 'admin1234' });
    expect((await c.listThings())[0]).toMatchObject({ DeviceName: 'GjCb9LKXgcKXeluG****', Status: 'Online', Connected: true });
    expect(sent[0]).toEqual({ url: 'POST /2019-09-30/auth/cookies', headers: { authorization: 'Basic YWRtaW46YWRtaW4xMjM0' }, body: undefined });
    expect(sent[1]!.headers['cookie']).toBe('token=57e22d4f9fb237fcf5c0b59abf621ddeecde1ef740a84fbeb78540xxxxxbbe4');
    expect(await c.getThingProperties('a1WabAECxxx', 'N0hB9tiVWWZFMpALKxxx', ['LightSwitch'])).toEqual({ Properties: { LightSwitch: 1 }, Timestamp: 1572512318420 });
    expect(sent.at(-1)!.url).toBe('GET /2019-09-30/things/a1WabAECxxx/N0hB9tiVWWZFMpALKxxx/properties?identifiers=LightSwitch');
    expect(await c.setThingProperties('a1WabAECxxx', 'N0hB9tiVWWZFMpALKxxx', { LightSwitch: 0 })).toEqual({ Data: [], Timestamp: 1572512468781 });
    expect(sent.at(-1)!.body).toBe('{"Properties":{"LightSwitch":0}}');
    expect((await c.callThingServices('a1WabAECxxx', 'N0hB9tiVWWZFMpALKxxx', [{ Name: 'setColor', Args: { color: 'red' } }])).Services[0]!.Returns.Message).toBe('success');
    expect(sent.at(-1)!.body).toBe('{"Services":[{"Name":"setColor","Args":{"color":"red"}}]}');
    const bulk = await c.bulkActions({ BulkAction: 'GetProperties', Things: [{ ProductKey: 'a1WabAECxxx', DeviceName: 'N0hB9tiVWWZFMpALKxxx', Identifiers: ['LightSwitch'] }] });
    expect(bulk.Results[0]!.Returns!.Data).toEqual({ LightSwitch: 1 });
    expect(sent.at(-1)!.body).toBe('{"BulkAction":"GetProperties","Things":[{"ProductKey":"a1WabAECxxx","DeviceName":"N0hB9tiVWWZFMpALKxxx","Identifiers":["LightSwitch"]}]}');
    expect((await c.invokeFunction('service:helloWorld:function:helloWorld')).text()).toBe('HelloWorld');
    await c.deleteAuthCookie();
    expect(c.token).toBeUndefined();
  });

  it('any answer from a gateway is a value or an EdgeError, never another failure (property)', async () => {
    const statuses = fc.constantFrom(200, 201, 400, 401, 403, 404, 405, 421, 500, 503, 302, 418);
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.constantFrom('{"Code":200}', '{"Code":"200","Data":{}}', '{"Code":200,"Message":"success","Data":null}', '{"Code":200,"Data":{"Things":7}}', '{"Message":5}', 'null', '[]', '{"__proto__":{}}'),
    );
    await fc.assert(
      fc.asyncProperty(statuses, bodies, fc.nat(6), async (status, body, op) => {
        const c = createEdgeHttpClient({ baseUrl: 'http://x', fetch: async () => cannedResponse(status, body, { 'set-cookie': 'token=abc' }), token: 't' });
        const calls = [
          () => c.listThings(),
          () => c.getThingProperties(PK, DN, ['LightSwitch']),
          () => c.setThingProperties(PK, DN, { LightSwitch: 1 }),
          () => c.callThingServices(PK, DN, [{ Name: 'x' }]),
          () => c.bulkActions({ BulkAction: 'GetProperties', Things: [{ ProductKey: PK, DeviceName: DN, Identifiers: ['a'] }] }),
          () => c.invokeFunction('service:a:function:b'),
          () => c.createAuthCookie().catch((e: unknown) => { if ((e as { code?: string }).code === 'invalid_request') return ''; throw e; }),
        ];
        try {
          await calls[op]!();
        } catch (e) {
          expect(e).toBeInstanceOf(EdgeError);
        }
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('validates requests before sending anything', async () => {
    const sent: string[] = [];
    const c = createEdgeHttpClient({ baseUrl: 'http://x', fetch: async (u) => (sent.push(u), cannedResponse(200, '{}')), token: 't' });
    await expect(c.getThingProperties('a1/x', 'dev-1', ['a'])).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(c.getThingProperties('a1x', 'dev-1', Array.from({ length: 101 }, (_, i) => `p${i}`))).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(c.getThingProperties('a1x', 'dev-1', ['a b'])).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(c.setThingProperties('a1x', 'dev-1', {})).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(c.invokeFunction('service:1bad:function:x')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(sent).toEqual([]);
    expect(parseFunctionArn('acs:fc:cn-shanghai:1234567890123456:service:EdgeFC:function:helloworld')).toEqual({ region: 'cn-shanghai', accountId: '1234567890123456', serviceName: 'EdgeFC', functionName: 'helloworld' });
  });

  it('signs in again once when the cookie has expired (401), against the real handler', async () => {
    const { api, clock } = setup();
    const f = handlerFetch(api);
    const c = createEdgeHttpClient({ baseUrl: 'https://127.0.0.1:9999', fetch: f, username: 'admin', password: 'admin1234' });
    await c.listThings();
    clock.advance(3600_000);
    await c.listThings();
    expect(f.calls).toEqual(['POST /2019-09-30/auth/cookies', 'GET /2019-09-30/things', 'GET /2019-09-30/things', 'POST /2019-09-30/auth/cookies', 'GET /2019-09-30/things']);
    await expect(c.getThingProperties(PK, 'NoSuchDevice', ['LightSwitch'])).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(c.callThingServices(PK, DN, [{ Name: 'slow' }]).then((r) => r.Services[0]!.Returns.Message)).resolves.toMatch(/timeout/);
  });
});

describe('Watch on the client: incremental, reconnecting, never stuck', () => {
  const event = (v: number): string => `{"Data":{"Timestamp":${v},"Event":"propertiesChanged","ProductKey":"pk","Args":{"v":{"time":${v},"value":${v}}},"DeviceName":"dn"},"Code":200,"Message":"success"}\n`;

  function scripted(bodies: ReturnType<typeof manualBody>[], statuses: number[] = [], onOpen?: (i: number) => void) {
    let n = 0;
    const f: EdgeFetch = async () => {
      const i = n++;
      onOpen?.(i);
      const s = statuses[i] ?? 200;
      if (s !== 200) return cannedResponse(s, `{"Code":${s},"Message":"nope"}`);
      const b = bodies[i];
      if (b === undefined) return new Promise(() => undefined);
      return { status: 200, headers: { get: () => null }, arrayBuffer: async () => new ArrayBuffer(0), body: b.body };
    };
    return f;
  }

  async function take(items: AsyncIterable<WatchItem>, n: number): Promise<WatchItem[]> {
    const out: WatchItem[] = [];
    for await (const i of items) {
      out.push(i);
      if (out.length === n) break;
    }
    return out;
  }

  it('a connection cut mid-stream and a stream that stops mid-event reconnect, and say so with a gap', async () => {
    const a = manualBody();
    const b = manualBody();
    const c = manualBody();
    const client = createEdgeHttpClient({ baseUrl: 'http://x', fetch: scripted([a, b, c]), token: 't' });
    const sub = client.watch([], { clock: nodeClock, minDelayMs: 1, maxDelayMs: 5 });
    const got = take(sub, 5);
    const e1 = event(1);
    a.write(e1.slice(0, 10));
    a.write(e1.slice(10) + event(2).slice(0, 30));
    await new Promise((r) => setTimeout(r, 30)); // let the reader take what was written
    a.cut(); // the socket resets in the middle of the second event
    await new Promise((r) => setTimeout(r, 30));
    b.write(event(3));
    b.write(event(4).slice(0, 50));
    b.end(); // the gateway ends the stream inside an event
    await new Promise((r) => setTimeout(r, 30));
    c.write(event(5));
    const items = await got;
    expect(items.map((i) => (i.kind === 'event' ? i.timestamp : i.kind))).toEqual([1, 'gap', 3, 'gap', 5]);
    expect((items[1] as { reason: string }).reason).toMatch(/socket hang up/);
    expect((items[3] as { reason: string }).reason).toMatch(/inside a message/);
  }, 10_000);

  it('a silent stream past the idle timeout reconnects; a 401 that survives re-sign-in ends the iteration with the error', async () => {
    const a = manualBody();
    const b = manualBody();
    // The second connection answers at once; the first stays silent after one event.
    const client = createEdgeHttpClient({ baseUrl: 'http://x', fetch: scripted([a, b], [], (i) => i === 1 && b.write(event(2))), token: 't' });
    const sub = client.watch([], { clock: nodeClock, idleTimeoutMs: 50, minDelayMs: 1, maxDelayMs: 2 });
    const got = take(sub, 3);
    a.write(event(1));
    const items = await got;
    expect(items.map((i) => i.kind)).toEqual(['event', 'gap', 'event']);
    expect((items[1] as { reason: string }).reason).toMatch(/no data for 50 ms/);

    const refused = createEdgeHttpClient({ baseUrl: 'http://x', fetch: scripted([], [403]), token: 't' });
    await expect(take(refused.watch([], { clock: nodeClock }), 1)).rejects.toMatchObject({ status: 403 });
  }, 10_000);

  it('close() ends the iteration and releases the stream', async () => {
    const a = manualBody();
    const client = createEdgeHttpClient({ baseUrl: 'http://x', fetch: scripted([a]), token: 't' });
    const sub = client.watch([], { clock: nodeClock });
    const got = take(sub, 100);
    a.write(event(1));
    await new Promise((r) => setTimeout(r, 10));
    sub.close();
    expect((await got).map((i) => i.kind)).toEqual(['event']);
  });
});

describe('hostile input (npm run fuzz, "Edge HTTP bodies")', () => {
  it('a request object of the wrong shape from an adapter is EdgeError invalid_input, not a 500 internal error (fuzz seed 1389253856: body undefined)', async () => {
    const { api } = setup();
    for (const bad of [
      { method: 'POST', url: '/2019-09-30/things/pk/dn/properties', headers: {}, body: undefined },
      { method: 'POST', url: '/2019-09-30/things/pk/dn/properties', headers: {}, body: '{}' },
      { method: 1, url: '/', headers: {}, body: new Uint8Array(0) },
      { method: 'GET', url: '/', headers: null, body: new Uint8Array(0) },
      null,
    ]) {
      await expect(api.handle(bad as never)).rejects.toMatchObject({ name: 'EdgeError', code: 'invalid_input' });
    }
  });
});
