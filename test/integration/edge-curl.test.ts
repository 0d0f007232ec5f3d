/**
 * The seed's curl examples (aliyun-link-iot-edge-developer-guide.txt §3.3–§3.5), run as written
 * with curl as the independent client against the local edge gateway: plain HTTP on an
 * ephemeral port instead of https://127.0.0.1:9999 (so `-k` has nothing to do), and the seed's
 * masked identifiers (`a1WabAEC***`) with the stars spelt `xxx`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDriver, type DriverRuntime } from '@linkwire/edge';
import { startEdgeGateway, type EdgeGateway } from '@linkwire/emulator';
import { nodeClock, nodeDialer, nodeRandom } from '@linkwire/node';
import { lightTsl } from '../../packages/edge/test/fixtures.ts';

const run = promisify(execFile);
const PK = 'a1WabAECxxx';
const DN = 'N0hB9tiVWWZFMpALKxxx';
const GATEWAY = { productKey: 'a1EdgeGw006', deviceName: 'edge-gateway-6' };
let gw: EdgeGateway;
let driver: DriverRuntime;
let dir: string;
let base: string;
const state: Record<string, unknown> = { LightSwitch: 1 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edge-curl-'));
  gw = await startEdgeGateway({
    gateway: GATEWAY,
    drivers: [{ driverId: 'light-driver', driverSecret: 'driver-secret-1', config: JSON.stringify({ deviceList: [{ productKey: PK, deviceName: DN }] }) }],
    tsl: { [PK]: lightTsl.replace(/a1ZJTVsqj2y/g, PK) },
    functions: { 'service:helloWorld:function:helloWorld': (_event, _context, callback) => callback(null, 'HelloWorld') },
    heartbeatMs: 200,
  });
  base = `http://127.0.0.1:${gw.apiPort}`;
  driver = await connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'driver-secret-1', gateway: GATEWAY });
  const client = driver.thingAccessClient({ productKey: PK, deviceName: DN }, {
    setProperties: (p) => (Object.assign(state, p), { code: 0 }),
    getProperties: (keys) => ({ code: 0, params: Object.fromEntries(keys.map((k) => [k, state[k] as never])) }),
    callService: () => ({ code: 0 }),
  });
  await client.registerAndOnline();
});

afterAll(async () => {
  await driver?.destroy();
  await gw?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs curl with the seed's arguments (the URL's `https://127.0.0.1:9999` replaced by the gateway's). */
async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-s', '--max-time', '5', ...args.map((a) => a.replace('https://127.0.0.1:9999', base))], { cwd: dir });
  return stdout.replace(/\r\n/g, '\n');
}

const bodyOf = (response: string): string => response.slice(response.indexOf('\n\n') + 2);

describe('the seed\'s curl examples against the local edge gateway', () => {
  it('§3.3.1 CreateAuthCookie, §3.4.1 ListThings, §3.3.2 DeleteAuthCookie', async () => {
    const created = await curl('-i', '-c', 'token.cookie', '-u', 'admin:admin1234', '-k', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/auth/cookies');
    expect(created).toMatch(/^HTTP\/1\.1 201 Created\n/);
    expect(created).toMatch(/\nset-cookie: token=[0-9a-f]{64}; Max-Age=3600; Path=\//i);
    expect(bodyOf(created)).toBe('{"Code":201,"Message":"success"}');
    const token = /token\t([0-9a-f]{64})/.exec(readFileSync(join(dir, 'token.cookie'), 'utf8'))![1]!;

    const things = JSON.parse(bodyOf(await curl('-i', '-b', 'token.cookie', '-k', 'https://127.0.0.1:9999/2019-09-30/things')));
    expect(things).toMatchObject({ Code: 200, Message: 'success', Data: { Things: [{ ProductKey: PK, DeviceName: DN, Status: 'Online', Connected: true }] } });

    const deleted = await curl('-i', '-u', 'admin:admin1234', '-k', '-X', 'DELETE', `https://127.0.0.1:9999/2019-09-30/auth/cookies/${token}`);
    expect(deleted).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(bodyOf(deleted)).toBe('{"Code":200,"Message":"success"}');
    expect(bodyOf(await curl('-i', '-b', 'token.cookie', '-k', 'https://127.0.0.1:9999/2019-09-30/things'))).toMatch(/^\{"Code":401,/);
  });

  it('§3.4.2–§3.4.5 properties, services and the three bulk actions', async () => {
    await curl('-c', 'token.cookie', '-u', 'admin:admin1234', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/auth/cookies');
    const get = JSON.parse(await curl('-b', 'token.cookie', '-k', `https://127.0.0.1:9999/2019-09-30/things/${PK}/${DN}/properties?identifiers=LightSwitch`));
    expect(get).toMatchObject({ Data: { Properties: { LightSwitch: 1 } }, Code: 200, Message: 'success' });
    const set = JSON.parse(await curl('-b', 'token.cookie', '-d', '{"Properties":{"LightSwitch":0}}', '-k', '-X', 'POST', `https://127.0.0.1:9999/2019-09-30/things/${PK}/${DN}/properties`));
    expect(set).toMatchObject({ Data: { Data: [] }, Code: 200, Message: 'success' });
    expect(state['LightSwitch']).toBe(0);
    const call = JSON.parse(bodyOf(await curl('-i', '-b', 'token.cookie', '-d', '{"Services":[{"Name":"setColor","Args":{"color":"red"}}]}', '-k', '-X', 'POST', `https://127.0.0.1:9999/2019-09-30/things/${PK}/${DN}/services`)));
    expect(call).toMatchObject({ Data: { Services: [{ Name: 'setColor', Returns: { Message: 'success', Data: [] } }] }, Code: 200, Message: 'success' });
    const bulkGet = JSON.parse(bodyOf(await curl('-i', '-b', 'token.cookie', '-d', `{"BulkAction":"GetProperties","Things":[{"ProductKey":"${PK}","DeviceName":"${DN}","Identifiers":["LightSwitch"]}]}`, '-k', '-X', 'POST', 'https://127.0.0.1:9999//2019-09-30/things/bulk')));
    expect(bulkGet).toMatchObject({ Data: { Results: [{ Returns: { Message: 'success', Data: { LightSwitch: 0 } }, DeviceName: DN, ProductKey: PK }] }, Code: 200 });
    const bulkSet = JSON.parse(bodyOf(await curl('-i', '-b', 'token.cookie', '-d', `{"BulkAction":"SetProperties","Things":[{"ProductKey":"${PK}","DeviceName":"${DN}","Properties":{"LightSwitch":1}}]}`, '-k', '-X', 'POST', 'https://127.0.0.1:9999//2019-09-30/things/bulk')));
    expect(bulkSet).toMatchObject({ Data: { Results: [{ Returns: { Message: 'success' } }] }, Code: 200 });
    const bulkCall = JSON.parse(bodyOf(await curl('-i', '-b', 'token.cookie', '-d', `{"BulkAction":"CallServices","Things":[{"ProductKey":"${PK}","DeviceName":"${DN}","Services":[{"Name":"setColor","Args":{"color":"red"}}]}]}`, '-k', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/things/bulk')));
    expect(bulkCall).toMatchObject({ Data: { Results: [{ Services: [{ Name: 'setColor', Returns: { Message: 'success' } }] }] }, Code: 200 });
  });

  it('§3.4.5 Watch: curl prints heartbeats and the device\'s reports, one JSON object a line', async () => {
    await curl('-c', 'token.cookie', '-u', 'admin:admin1234', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/auth/cookies');
    const watching = run('curl', ['-s', '-N', '--max-time', '1', '-b', 'token.cookie', '-d', '{"BulkAction":"Watch","Things":[]}', '-k', '-X', 'POST', `${base}//2019-09-30/things/bulk`], { cwd: dir }).catch((e: { stdout: string }) => e);
    await new Promise((r) => setTimeout(r, 400));
    await driver.getDeviceHandle(PK, DN)!.reportProperties({ temperature: 40 });
    const { stdout } = (await watching) as { stdout: string };
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { Message: string; Data: { Event?: string; Args?: unknown } });
    expect(lines.some((l) => l.Message === 'heartbeat')).toBe(true);
    expect(lines.find((l) => l.Data.Event === 'propertiesChanged')?.Data.Args).toMatchObject({ temperature: { value: 40 } });
  });

  it('§3.5.1 InvokeFunction: the function\'s output as the body', async () => {
    await curl('-c', 'token.cookie', '-u', 'admin:admin1234', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/auth/cookies');
    const r = await curl('-i', '-b', 'token.cookie', '-k', '-X', 'POST', 'https://127.0.0.1:9999/2019-09-30/functions/service:helloWorld:function:helloWorld/invocations');
    expect(r).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(bodyOf(r)).toBe('HelloWorld');
  });
});
