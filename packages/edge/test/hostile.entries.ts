/**
 * The Edge decoders under hostile data (see test/support/fuzz): the request bodies the gateway's
 * HTTP handler reads, the response bodies and Watch lines the client reads, and the driver
 * configuration document. They run in `npm run fuzz` (the long run's "Edge HTTP bodies"
 * family); the rest of @linkwire/edge is tested in its own suites.
 */
import { manualClock, seededRandom, utf8Encode } from '@linkwire/base';
import { hostileJsonText, hostileValue } from '@linkwire/base/testing';
import * as edge from '@linkwire/edge';
import fc from 'fast-check';
import { data, decoder, entry, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { members } from '../../../test/support/fuzz/sized.ts';
import { cannedResponse } from './memory-fetch.ts';
import { LIGHT_PK, driverConfig } from './fixtures.ts';

const DN = 'LightDev2';
const BASIC = `Basic ${btoa('admin:admin1234')}`;
const backend: edge.EdgeBackend = {
  listThings: () => [{ ProductName: '', ProductKey: LIGHT_PK, DeviceName: DN, DriverId: '', DriverName: 'd', Tags: [], Status: 'Online', Connected: true, ConnectTime: '1' }],
  getProperties: async (pk, dn, ids) => {
    if (pk !== LIGHT_PK || dn !== DN) throw new edge.EdgeHttpError(404, 'no device');
    return Object.fromEntries(ids.map((i) => [i, 1]));
  },
  setProperties: async () => undefined,
  callService: async (_pk, _dn, _name, args) => args,
  watch: () => () => undefined,
  invokeFunction: async (_fn, payload) => ({ ok: true, body: payload }),
};
const handler = edge.createEdgeHttpHandler({ backend, clock: manualClock(1_572_510_000_000), random: seededRandom(7), users: [{ username: 'admin', password: 'admin1234' }], maxWatches: 2 });
const routes = fc.constantFrom(
  ['POST', `/2019-09-30/things/${LIGHT_PK}/${DN}/properties`], ['POST', `/2019-09-30/things/${LIGHT_PK}/${DN}/services`], ['POST', '//2019-09-30/things/bulk'],
  ['POST', '/2019-09-30/functions/service:s:function:f/invocations'], ['GET', `/2019-09-30/things/${LIGHT_PK}/${DN}/properties?identifiers=LightSwitch`],
  ['POST', '/2019-09-30/auth/cookies'], ['GET', '/2019-09-30/things'],
);
const validBodies = [
  '{"Properties":{"LightSwitch":0}}', '{"Services":[{"Name":"setColor","Args":{"color":"red"}}]}',
  `{"BulkAction":"GetProperties","Things":[{"ProductKey":"${LIGHT_PK}","DeviceName":"${DN}","Identifiers":["LightSwitch"]}]}`,
  `{"BulkAction":"CallServices","Things":[{"ProductKey":"${LIGHT_PK}","DeviceName":"${DN}","Services":[{"Name":"turn","Args":{"LightSwitch":1}}]}]}`,
  `{"BulkAction":"SetProperties","Things":[{"ProductKey":"${LIGHT_PK}","DeviceName":"${DN}","Properties":{"LightSwitch":1}}]}`,
];
const requestBody = fc.oneof(
  fc.constantFrom(...validBodies),
  hostileJsonText(),
  fc.constantFrom(...validBodies).chain((b) => fc.json().map((j) => b.replace(/"LightSwitch":[01]|"color":"red"|"Identifiers":\["LightSwitch"\]/, (m) => `${m.split(':')[0]}:${j}`))),
  fc.jsonValue().map((v) => JSON.stringify({ BulkAction: 'GetProperties', Things: [v] })),
).map((t) => utf8Encode(t));

// The API wants a cookie (Basic only signs in); a 401 (the cookie evicted by the fuzzed
// CreateAuthCookie calls) signs in again for the next case.
let cookie: string | undefined;
async function signIn(): Promise<string> {
  const r = await handler.handle({ method: 'POST', url: '/2019-09-30/auth/cookies', headers: { authorization: BASIC }, body: new Uint8Array(0) });
  return r.headers['set-cookie']!.split(';')[0]!;
}

/** Sends one request; a 500 "internal error" is an untyped throw the handler swallowed. */
async function handle(route: unknown, body: unknown): Promise<void> {
  // A mutant of the route (the long run's mutation stage) may be anything: the handler is then given it as method and URL.
  const [method, url] = (Array.isArray(route) ? route : [route, route]) as [string, string];
  cookie ??= await signIn();
  const r = await handler.handle({ method, url, headers: { cookie, authorization: BASIC, 'content-type': 'application/json' }, body: body as Uint8Array });
  if (r.status === 401) cookie = undefined;
  if ('stream' in r) r.stream.cancel();
  if (r.status === 500 && 'body' in r && new TextDecoder().decode(r.body).includes('internal error')) throw new Error(`the handler answered 500 internal error to ${method} ${url}`);
}

const watchLine = (n: number): Uint8Array =>
  utf8Encode(`{"Data":{"Timestamp":1,"Event":"propertiesChanged","ProductKey":"${LIGHT_PK}","DeviceName":"${DN}","Args":{${members(n - 150, (i) => `"p${i}":${i}`)}}},"Code":200,"Message":"success"}`);
const line = data(fc.oneof(hostileJsonText(), fc.constantFrom(watchLine(200), edge.encodeWatchMessage({ kind: 'heartbeat', timestamp: 1 }), edge.encodeWatchMessage({ kind: 'error', code: 500, message: 'x' })).map((b) => new TextDecoder().decode(b)), fc.uint8Array({ maxLength: 64 })));
const chunk = data(fc.oneof(fc.uint8Array({ maxLength: 64 }), hostileJsonText().map((t) => utf8Encode(`${t}\n`)), fc.constant(watchLine(200))));

/** A client whose fetch answers with `status` and `text`; each read of a body must end typed. */
async function clientReads(status: unknown, text: unknown, which: unknown): Promise<void> {
  const body = typeof text === 'string' ? text : '';
  const client = edge.createEdgeHttpClient({ baseUrl: 'https://127.0.0.1:9999', token: 't', fetch: async () => cannedResponse(typeof status === 'number' ? status : 200, body, { 'content-type': 'application/json' }) });
  switch (which) {
    case 0: await client.listThings(); break;
    case 1: await client.getThingProperties(LIGHT_PK, DN, ['LightSwitch']); break;
    case 2: await client.callThingServices(LIGHT_PK, DN, [{ Name: 'turn', Args: { LightSwitch: 1 } }]); break;
    case 3: await client.bulkActions({ BulkAction: 'GetProperties', Things: [{ ProductKey: LIGHT_PK, DeviceName: DN, Identifiers: ['LightSwitch'] }] }); break;
    default: await client.setThingProperties(LIGHT_PK, DN, { LightSwitch: 1 });
  }
}
const responseText = fc.oneof(hostileJsonText(), fc.jsonValue().map((v) => JSON.stringify({ Code: 200, Message: 'success', Data: v })), fc.constantFrom(
  '{"Code":200,"Message":"success","Data":{"Things":[{"ProductKey":"pk","DeviceName":"dn"}]}}', '{"Code":200,"Message":"success","Data":{"Properties":{"LightSwitch":1},"Timestamp":1}}',
  '{"Code":200,"Message":"success","Data":{"Services":[{"Name":"turn","Returns":{"Message":"success","Data":[]}}],"Timestamp":1}}', '{"Code":401,"Message":"unauthorized"}',
));

export const entries: FuzzEntry[] = [
  decoder('Edge HTTP bodies', entry('edge.createEdgeHttpHandler', handle, [routes, data(requestBody)]), (n) => [['POST', `/2019-09-30/things/${LIGHT_PK}/${DN}/properties`], utf8Encode(`{"Properties":{${members(n - 20, (i) => `"p${i}":${i}`)}}}`)]),
  decoder('Edge HTTP bodies', entry('edge.createEdgeHttpClient', clientReads, [data(fc.constantFrom(200, 201, 400, 401, 404, 500, 503)), data(responseText), fc.nat(4)]), (n) => [200, `{"Code":200,"Message":"success","Data":{"Properties":{${members(n - 80, (i) => `"p${i}":${i}`)}},"Timestamp":1}}`, 1]),
  decoder('Edge HTTP bodies', entry('edge.decodeWatchMessage', edge.decodeWatchMessage, [line, data(fc.constantFrom(65_536, 16))]), (n) => [watchLine(n), 1 << 20]),
  decoder('Edge HTTP bodies', entry('edge.createWatchReader', (o: unknown, a: unknown, b: unknown) => {
    const r = edge.createWatchReader(o as edge.WatchReaderOptions);
    r.push(a as Uint8Array);
    r.push(b as Uint8Array);
    r.end();
  }, [fc.oneof(fc.constant(undefined), fc.constant({ maxLineBytes: 128 }), hostileValue()), chunk, chunk]), (n) => {
    // Many lines of about 200 bytes, cut in two inside a line.
    const one = utf8Encode(`${new TextDecoder().decode(watchLine(200))}\n`);
    const all = new Uint8Array(Math.ceil(n / one.length) * one.length);
    for (let i = 0; i < all.length; i += one.length) all.set(one, i);
    const cut = Math.floor(all.length / 2) + 7;
    return [undefined, all.subarray(0, cut), all.subarray(cut)];
  }),
  decoder('Edge HTTP bodies', entry('edge.parseDriverConfig', edge.parseDriverConfig, [data(fc.oneof(hostileJsonText(), fc.constant(driverConfig(['a', 'b'])), fc.jsonValue().map((v) => JSON.stringify({ config: {}, deviceList: [v] }))))]),
    (n) => [driverConfig(Array.from({ length: Math.max(1, Math.floor(n / 150)) }, (_, i) => `dev${i}`))]),
];
