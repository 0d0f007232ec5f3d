// The invokeService REST client (enos-rest-invoke-service.txt): through the emulator's API
// gateway to a connected device and back, the seed's error codes, token caching and refresh,
// signatures checked against node:crypto, junk replies.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { numRuns } from '../../../test/support/fast-check.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform } from '@linkwire/emulator';
import { createEnosRestClient as createCoreRestClient, EnosRestError, type FetchLike } from '@linkwire/enos';
import { DeviceClient, createEnosRestClient } from '@linkwire/node/enos';

const pk = 'pkRest01';
const app = { appKey: 'app-key-1', appSecret: 'app-secret-1' };
let platform: EnosPlatform;
let device: DeviceClient;
let gateway: string;

beforeAll(async () => {
  platform = await startEnosPlatform({
    products: [{ productKey: pk, productSecret: 'ps' }],
    devices: [
      { productKey: pk, deviceKey: 'yourDeviceKey', deviceSecret: 'ds', assetId: 'asset0001' },
      { productKey: pk, deviceKey: 'offline01', deviceSecret: 'ds2' },
      { productKey: pk, deviceKey: 'neverActive' },
    ],
    http: true,
    apps: [app],
  });
  gateway = `http://${platform.host}:${platform.httpPort}`;
  device = new DeviceClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'yourDeviceKey', deviceSecret: 'ds', commandTimeout: 5 });
  await device.deviceCommand.onInvokeService('identifier', (req, res) => {
    const p = req.params as { canshu1: number; canshu2: number };
    return res.send(200, { sum: p.canshu1 + p.canshu2 });
  });
  await device.deviceCommand.onInvokeService('slow', (_req, res) => {
    setTimeout(() => void res.send(200, {}).catch(() => {}), 1500);
  });
  await device.deviceCommand.onInvokeService('refuse', (_req, res) => res.send(2001, {}));
  await device.connect();
});
afterAll(async () => {
  await device.close();
  await platform.close();
});

describe('invokeService through the API gateway to the device and back', () => {
  it("the seed's request sample: inputData in, the device's output back as outputData", async () => {
    const rest = createEnosRestClient({ apiGateway: gateway, ...app, orgId: 'yourOrgId' });
    const r = await rest.invokeService({ productKey: pk, deviceKey: 'yourDeviceKey', serviceId: 'identifier', timeout: 30, inputData: { canshu2: 22.2, canshu1: 11 } });
    expect(r.commandId).toMatch(/^\d+$/);
    expect(r.outputData).toEqual({ sum: 33.2 });
    // By assetId too.
    await expect(rest.invokeService({ assetId: 'asset0001', serviceId: 'identifier', inputData: { canshu1: 1, canshu2: 2 } })).resolves.toMatchObject({ outputData: { sum: 3 } });
    // A cached command (pendingTtl > 0) is answered at once, without outputData.
    const cached = await rest.invokeService({ productKey: pk, deviceKey: 'yourDeviceKey', serviceId: 'identifier', pendingTtl: 1000, inputData: { canshu1: 1, canshu2: 1 } });
    expect(cached.outputData).toBeUndefined();
  });

  it("the seed's error codes: 11900 offline, 11888 not activated, 11915 no answer in time; a device's own code", async () => {
    const rest = createEnosRestClient({ apiGateway: gateway, ...app, orgId: 'o1' });
    const offline = await rest.invokeService({ productKey: pk, deviceKey: 'offline01', serviceId: 'identifier', inputData: {} }).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(EnosRestError);
    expect(offline).toMatchObject({ code: 'device_offline', enosCode: 11900, meaning: 'The device is offline: the instant command cannot be sent.' });
    await expect(rest.invokeService({ productKey: pk, deviceKey: 'neverActive', serviceId: 'identifier', inputData: {} })).rejects.toMatchObject({ enosCode: 11888, code: 'device_not_activated' });
    await expect(rest.invokeService({ productKey: pk, deviceKey: 'yourDeviceKey', serviceId: 'slow', timeout: 1, inputData: {} })).rejects.toMatchObject({ enosCode: 11915, code: 'response_timeout' });
    await expect(rest.invokeService({ productKey: pk, deviceKey: 'yourDeviceKey', serviceId: 'refuse', inputData: {} })).rejects.toMatchObject({ enosCode: 2001, code: 'api_error' });
  });

  it("pendingTtl and timeout are checked against the seed's ranges before any request", async () => {
    let calls = 0;
    const rest = createCoreRestClient({ apiGateway: gateway, ...app, orgId: 'o1', clock: { now: Date.now }, fetch: async () => (calls++, { status: 500, text: async () => '' }) });
    for (const bad of [{ pendingTtl: -1 }, { pendingTtl: 172_801 }, { pendingTtl: 1.5 }, { timeout: 0 }, { timeout: 61 }]) {
      await expect(rest.invokeService({ productKey: pk, deviceKey: 'd', serviceId: 's', inputData: {}, ...bad })).rejects.toMatchObject({ code: 'invalid_argument' });
    }
    await expect(rest.invokeService({ productKey: pk, deviceKey: 'd', assetId: 'a', serviceId: 's', inputData: {} } as never)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(rest.invokeService({ productKey: pk, deviceKey: 'd', serviceId: 's', inputData: [] as never })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(calls).toBe(0);
  });
});

/** A fetch that records every request and answers with `respond`. */
function recording(respond: (url: string, body: string, n: number) => { status: number; body: string }) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers, body: init.body });
    const r = respond(url, init.body, calls.length);
    return { status: r.status, text: async () => r.body };
  };
  return { calls, fetch };
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const tokenReply = (t: string, expire = 7200) => ({ status: 200, body: JSON.stringify({ status: 0, msg: 'Success', data: { accessToken: t, expire } }) });
const okReply = { status: 200, body: JSON.stringify({ code: 0, msg: 'Success', submsg: null, requestId: '7d863d517eae4f18a2776452eb1305bb', data: { commandId: '2078724684846989312', outputData: {} } }) };

describe('tokens and signatures (PROTOCOL-NOTES.md, EnOS REST)', () => {
  it('the token request and every call are signed as node:crypto computes them; the seed sample query', async () => {
    let now = 1_700_000_000_000;
    const { calls, fetch } = recording((url) => (url.includes('token') ? tokenReply('tok1') : okReply));
    const rest = createCoreRestClient({ apiGateway: 'https://apigw.example/', ...app, clock: { now: () => now }, fetch });
    const r = await rest.invokeService({ orgId: 'yourOrgId', productKey: 'yourProductKey', deviceKey: 'yourDeviceKey', serviceId: 'identifier', pendingTtl: 1000, timeout: 30, inputData: { canshu2: 22.2, canshu1: 11 } });
    expect(r).toEqual({ commandId: '2078724684846989312', outputData: {} });
    const token = JSON.parse(calls[0]!.body) as { appKey: string; encryption: string; timestamp: number };
    expect(calls[0]!.url).toBe('https://apigw.example/apim-token-service/v2.0/token/get');
    expect(token).toEqual({ appKey: app.appKey, encryption: sha256(`${app.appKey}${now}${app.appSecret}`), timestamp: now });
    const call = calls[1]!;
    expect(call.url).toBe('https://apigw.example/connect-service/v2.1/commands?action=invokeService&orgId=yourOrgId&productKey=yourProductKey&deviceKey=yourDeviceKey&serviceId=identifier&pendingTtl=1000&timeout=30');
    expect(call.body).toBe('{"inputData":{"canshu2":22.2,"canshu1":11}}');
    const sorted = 'actioninvokeServicedeviceKeyyourDeviceKeyorgIdyourOrgIdpendingTtl1000productKeyyourProductKeyserviceIdidentifiertimeout30';
    expect(call.headers).toMatchObject({ 'apim-accesstoken': 'tok1', 'apim-timestamp': String(now), 'apim-signature': sha256(`tok1${sorted}${call.body}${now}${app.appSecret}`) });
    now += 1000;
  });

  it('caches the token, refreshes it before it expires, once more on an auth error, and shares one refresh', async () => {
    let now = 0;
    let tokens = 0;
    let refuseNext = false;
    const { calls, fetch } = recording((url) => {
      if (url.includes('token')) return tokenReply(`tok${++tokens}`, 7200);
      if (refuseNext) {
        refuseNext = false;
        return { status: 401, body: '{"code":401,"msg":"token expired"}' };
      }
      return okReply;
    });
    const rest = createCoreRestClient({ apiGateway: 'https://gw', ...app, orgId: 'o', clock: { now: () => now }, fetch });
    const call = () => rest.invokeService({ assetId: 'a1', serviceId: 's', inputData: {} });
    await Promise.all([call(), call(), call()]);
    expect(tokens).toBe(1);
    now = (7200 - 301) * 1000;
    await call();
    expect(tokens).toBe(1);
    now = (7200 - 299) * 1000; // inside the 300 s refresh margin
    await call();
    expect(tokens).toBe(2);
    refuseNext = true;
    await call();
    expect(tokens).toBe(3);
    const tokenOf = (i: number) => calls[i]!.headers['apim-accesstoken'];
    expect(tokenOf(calls.length - 1)).toBe('tok3');
    expect(tokenOf(calls.length - 3)).toBe('tok2');
  });

  it('junk replies become typed errors, never a crash', async () => {
    const bodies = ['<html>502 Bad Gateway</html>', '[1,2]', '{"code":0,"data":{}}', '{"code":0,"data":{"commandId":"1","outputData":[1]}}', '{"code":"x"}', '{"code":0,"data":{"commandId":' + '['.repeat(100) + ']}}'];
    for (const body of bodies) {
      const { fetch } = recording((url) => (url.includes('token') ? tokenReply('t') : { status: 200, body }));
      const rest = createCoreRestClient({ apiGateway: 'https://gw', ...app, orgId: 'o', clock: { now: () => 0 }, fetch });
      await expect(rest.invokeService({ assetId: 'a', serviceId: 's', inputData: {} })).rejects.toMatchObject({ name: 'EnosRestError', code: 'invalid_reply' });
    }
    const refused = recording(() => ({ status: 200, body: '{"status":401,"msg":"bad appKey"}' }));
    await expect(createCoreRestClient({ apiGateway: 'https://gw', ...app, orgId: 'o', clock: { now: () => 0 }, fetch: refused.fetch }).accessToken()).rejects.toMatchObject({ code: 'token_refused', enosCode: 401 });
    const down: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(createCoreRestClient({ apiGateway: 'https://gw', ...app, orgId: 'o', clock: { now: () => 0 }, fetch: down }).accessToken()).rejects.toMatchObject({ code: 'network' });
  });
});

describe('any reply body (property)', () => {
  it('resolves only with a well-formed result, otherwise an EnosRestError; never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.record({ code: fc.oneof(fc.constant(0), fc.integer(), fc.string()), data: fc.jsonValue() }).map((r) => JSON.stringify(r))), fc.integer({ min: 100, max: 599 }), async (body, status) => {
        const { fetch } = recording((url) => (url.includes('token') ? tokenReply('t') : { status, body }));
        const rest = createCoreRestClient({ apiGateway: 'https://gw', ...app, orgId: 'o', clock: { now: () => 0 }, fetch });
        try {
          const r = await rest.invokeService({ assetId: 'a', serviceId: 's', inputData: {} });
          expect(typeof r.commandId).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(EnosRestError);
        }
      }),
      { numRuns: numRuns(200) },
    );
  });
});
