import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { connectMqtt, type NodeMqttConnection } from '@linkwire/node';
import { parseTsl, validatePropertyPost } from '@linkwire/tsl';
import { startAedes, startMosquitto, type TestBroker } from '../../../test/support/brokers.ts';
import { until } from '../../../test/support/until.ts';
import { THERMOSTAT_TSL } from '../src/sim/thermostat.ts';
import { json, run, runInTerminal } from './support.ts';

const device = { productKey: 'a1SimTest01', deviceName: 'sim-device-01', deviceSecret: 'sim-secret-0001' };
const model = parseTsl(THERMOSTAT_TSL).model;
const creds = ['--product-key', device.productKey, '--device-name', device.deviceName, '--device-secret', device.deviceSecret];

describe('linkwire device against the emulator', () => {
  let platform: Emulator;
  const connected: string[] = [];
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device], onEvent: (e) => void (e.type === 'connected' && connected.push(e.deviceName)) });
  });
  afterAll(() => platform.close());

  it('posts valid properties, gets replies, and applies a shadow control push from the application', async () => {
    const done = run(['device', '--host', platform.host, '--port', String(platform.port), ...creds, '--interval', '300ms', '--duration', '4s', '--json'], { timeoutMs: 30_000 });
    await until(() => connected.includes(device.deviceName), 15_000);
    // The device asks for its shadow at start; give that a moment, then the application writes desired.
    await new Promise((r) => setTimeout(r, 500));
    const version = platform.shadow(device.productKey, device.deviceName).version;
    await platform.updateShadow(device.productKey, device.deviceName, { method: 'update', state: { desired: { TargetTemperature: 21.5 } }, version: version + 1 });
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const s = json<{ posts: number; postReplies: number; postRejected: number; errors: number; shadowApplied: number; properties: Record<string, unknown> }>(r);
    expect(s.posts).toBeGreaterThanOrEqual(3);
    expect(s.postReplies).toBeGreaterThanOrEqual(s.posts - 1);
    expect(s.postRejected).toBe(0);
    expect(s.errors).toBe(0);
    expect(s.shadowApplied).toBe(1);
    expect(s.properties['TargetTemperature']).toBe(21.5);
    // The device reported what it applied, and cleared desired.
    const doc = platform.shadow(device.productKey, device.deviceName) as unknown as { state: { reported?: Record<string, unknown>; desired?: Record<string, unknown> } };
    expect(doc.state.reported?.['TargetTemperature']).toBe(21.5);
    expect(doc.state.desired?.['TargetTemperature']).toBeUndefined();
  });

  it('exits 1 with what to fix when the platform refuses the secret', async () => {
    const r = await run(['device', '--host', platform.host, '--port', String(platform.port), ...creds.slice(0, 4), '--device-secret', 'wrong', '--duration', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the platform refused ${device.deviceName}&${device.productKey}`);
    expect(r.stderr).toContain('check --product-key, --device-name and --device-secret');
  });

  it('exits 4 when nothing listens', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await run(['device', '--host', '127.0.0.1', '--port', String(port), ...creds, '--duration', '1s']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`cannot connect to 127.0.0.1:${port}`);
  });

  it('shows a live status line in a terminal and event lines in a pipe', async () => {
    const tty = await runInTerminal(['device', '--host', platform.host, '--port', String(platform.port), ...creds, '--interval', '250ms', '--duration', '2s']);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/\r\x1b\[Ksim-device-01&a1SimTest01 {2}connected {2}posted \d+ \(\d+ ok\)/);
    expect(tty.stdout).toContain('stopped   sim-device-01&a1SimTest01');
    const piped = await run(['device', '--host', platform.host, '--port', String(platform.port), ...creds, '--interval', '250ms', '--duration', '1s']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toContain('device    sim-device-01&a1SimTest01 connected to');
    expect(piped.stderr).not.toContain('\x1b[');
    expect(piped.stdout).toMatch(/^stopped {3}sim-device-01&a1SimTest01 {2}closed {2}posted \d+/);
  });
});

describe('linkwire device against a plain broker (aedes): the cloud side played by the test', () => {
  let broker: TestBroker;
  let files: http.Server;
  let port = 0;
  let filesPort = 0;
  const firmware = randomBytes(200_000);
  beforeAll(async () => {
    broker = await startAedes();
    port = broker.port;
    files = http.createServer((_req, res) => res.end(firmware));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesPort = (files.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => files.close(() => r()));
    await broker.close();
  });

  it('answers property set, property get and service calls from the model, and takes an OTA upgrade', async () => {
    const got: { topic: string; text: string }[] = [];
    const cloud: NodeMqttConnection = await connectMqtt({ host: '127.0.0.1', port, clientId: 'cloud', keepalive: 60, onMessage: (m) => got.push({ topic: m.topic, text: utf8Decode(m.payload) }) });
    const sys = `/sys/${device.productKey}/${device.deviceName}`;
    await cloud.session.subscribe([`${sys}/#`, `/ota/device/+/${device.productKey}/${device.deviceName}`]);
    const done = run(['device', '--host', '127.0.0.1', '--port', String(port), ...creds, '--interval', '1s', '--duration', '6s', '--allow-http-firmware', '--json'], { timeoutMs: 40_000 });
    await until(() => got.some((g) => g.topic === `${sys}/thing/event/property/post`), 15_000);
    const req = (id: string, method: string, params: unknown) => JSON.stringify({ id, version: '1.0', method, params });
    await cloud.session.publish(`${sys}/thing/service/property/set`, req('101', 'thing.service.property.set', { TargetTemperature: 19.5, PowerSwitch: 1 }), { qos: 1 });
    await cloud.session.publish(`${sys}/thing/service/property/set`, req('102', 'thing.service.property.set', { TargetTemperature: 99 }), { qos: 1 });
    await cloud.session.publish(`${sys}/thing/service/property/get`, req('103', 'thing.service.property.get', ['TargetTemperature', 'PowerSwitch']), { qos: 1 });
    await cloud.session.publish(`${sys}/thing/service/Reboot`, req('104', 'thing.service.Reboot', { DelaySeconds: 5 }), { qos: 1 });
    await cloud.session.publish(`${sys}/thing/service/Reboot`, req('105', 'thing.service.Reboot', { DelaySeconds: 'soon' }), { qos: 1 });
    const push = { code: '1000', id: 7, message: 'success', data: { version: '2.0.0', size: firmware.length, url: `http://127.0.0.1:${filesPort}/fw.bin`, signMethod: 'SHA256', sign: createHash('sha256').update(firmware).digest('hex') } };
    await cloud.session.publish(`/ota/device/upgrade/${device.productKey}/${device.deviceName}`, JSON.stringify(push), { qos: 1 });
    const r = await done;
    cloud.close();
    expect(r.code, r.stderr).toBe(0);
    const reply = (id: string) => {
      const g = got.find((x) => x.topic.endsWith('_reply') && (JSON.parse(x.text) as { id: string }).id === id);
      if (!g) throw new Error(`no reply to ${id}: ${JSON.stringify(got.map((x) => x.topic))}`);
      return { topic: g.topic, body: JSON.parse(g.text) as { code: number; data: Record<string, unknown>; message?: string } };
    };
    expect(reply('101')).toMatchObject({ topic: `${sys}/thing/service/property/set_reply`, body: { code: 200 } });
    expect(reply('102').body.code).toBe(460);
    expect(reply('102').body.message).toContain('params.TargetTemperature');
    expect(reply('103').body).toMatchObject({ code: 200, data: { TargetTemperature: 19.5, PowerSwitch: 1 } });
    expect(reply('104').topic).toBe(`${sys}/thing/service/Reboot_reply`);
    expect([0, 1]).toContain(reply('104').body.data['Accepted']);
    expect(reply('105').body.code).toBe(460);
    // Every property post the device made is valid for its model.
    const posts = got.filter((g) => g.topic === `${sys}/thing/event/property/post`).map((g) => JSON.parse(g.text) as { params: unknown });
    expect(posts.length).toBeGreaterThanOrEqual(4);
    for (const p of posts) expect(validatePropertyPost(model, p.params).ok).toBe(true);
    // The set was reported back in a post.
    expect(posts.some((p) => (p.params as Record<string, unknown>)['TargetTemperature'] === 19.5)).toBe(true);
    // OTA: progress up to 100 and the new version informed.
    const progress = got.filter((g) => g.topic.startsWith('/ota/device/progress/')).map((g) => (JSON.parse(g.text) as { params: { step: string } }).params.step);
    expect(progress).toContain('100');
    const informs = got.filter((g) => g.topic.startsWith('/ota/device/inform/')).map((g) => (JSON.parse(g.text) as { params: { version: string } }).params.version);
    expect(informs).toEqual(['1.0.0', '2.0.0']);
    expect(json<{ firmware: string }>(r).firmware).toBe('2.0.0');
  });
});

describe('linkwire device against mosquitto', () => {
  let broker: TestBroker;
  let port = 0;
  beforeAll(async () => {
    broker = await startMosquitto();
    port = broker.port;
  }, 20_000);
  afterAll(() => broker.close());

  it('connects with signed credentials and posts model-valid properties that a subscriber receives', async () => {
    const got: string[] = [];
    const sub = await connectMqtt({ host: '127.0.0.1', port, clientId: 'watcher', keepalive: 60, onMessage: (m) => got.push(utf8Decode(m.payload)) });
    await sub.session.subscribe(`/sys/${device.productKey}/${device.deviceName}/thing/event/property/post`);
    const r = await run(['device', '--host', '127.0.0.1', '--port', String(port), ...creds, '--interval', '300ms', '--duration', '2s', '--json']);
    sub.close();
    expect(r.code, r.stderr).toBe(0);
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const t of got) expect(validatePropertyPost(model, (JSON.parse(t) as { params: unknown }).params).ok).toBe(true);
  });
});
