import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { registerNodeHash } from '@linkwire/node';
import { mqttCredentials, mqttRegisterCredentials } from '@linkwire/sign';
import { BIN, run, runInTerminal, tempDir } from './support.ts';
import { runCli } from '../src/main.ts';
import type { CliIo } from '../src/cli.ts';

// `linkwire emulator` (issue 20): the platform standalone, driven as a person and a script
// would: the real bin, MQTT.js and mosquitto_pub/sub as independent devices, a restart with its
// state kept, SIGTERM and SIGINT.

const DEMO = { productKey: 'a1LwDemo01x', deviceName: 'sim-thermostat', deviceSecret: 'lw-sim-secret-4b1d9e' };
const PRODUCT_SECRET = 'lw-demo-product-secret';

interface Running {
  readonly child: ChildProcess;
  readonly doc: { ok: boolean; endpoints: Record<string, string>; devices: unknown[] };
  stderr(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts the bin with --json and resolves once it printed its endpoints. */
function start(args: readonly string[], cwd = tempDir()): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--json', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => (children.delete(child), r(code))));
    const timer = setTimeout(() => reject(new Error(`emulator did not start\n${out}\n${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({
        child, doc: JSON.parse(out.slice(0, out.indexOf('\n'))), stderr: () => err,
        stop: (signal) => (child.kill(signal), exited),
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}) before printing its endpoints\n${out}\n${err}`));
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);

function mqttjsDevice(url: string, device: { productKey: string; deviceName: string; deviceSecret: string }, clientId = device.deviceName): Promise<mqtt.MqttClient> {
  const cred = mqttCredentials({ ...device, clientId, secureMode: 3 });
  const client = mqtt.connect(url, { clientId: cred.clientId, username: cred.username, password: cred.password, reconnectPeriod: 0, protocolVersion: 4, keepalive: 60 });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

function propertyPost(id: string, params: Record<string, unknown>): string {
  return JSON.stringify({ id, version: '1.0', params, method: 'thing.event.property.post' });
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** mosquitto_sub registering a pre-registered device over TLS: the platform pushes the secret on /ext/register. */
function mosquittoRegister(tlsUrl: string, ca: string, deviceName: string, random: string): { status: number | null; stdout: string; stderr: string } {
  const cred = mqttRegisterCredentials({ productKey: DEMO.productKey, productSecret: PRODUCT_SECRET, deviceName, random });
  const r = spawnSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(portOf(tlsUrl)), '--cafile', ca, '-i', cred.clientId, '-u', cred.username, '-P', cred.password,
    '-t', '/ext/register', '-v', '-C', '1', '-W', '15'], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('linkwire emulator', () => {
  it('serves MQTT.js and mosquitto devices, keeps issued secrets and shadows across a restart, and exits 0 on SIGTERM and SIGINT', async () => {
    const state = join(tempDir(), 'state');
    const emu = await start(['--state', state]);
    expect(emu.doc.ok).toBe(true);
    const e = emu.doc.endpoints;
    for (const k of ['mqtt', 'mqttTls', 'mqttWs', 'mqttWss', 'http', 'https', 'coap', 'ca', 'state']) expect(e[k], k).toBeDefined();
    expect(e['mqtt']).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(e['ca']).toBe(join(state, 'tls', 'ca.pem'));
    const port = portOf(e['mqtt']!);
    const postTopic = `/sys/${DEMO.productKey}/${DEMO.deviceName}/thing/event/property/post`;

    // MQTT.js: a property post answered on post_reply; a value outside the thermostat's model gets 460.
    const device = await mqttjsDevice(e['mqtt']!, DEMO);
    const replies: string[] = [];
    device.on('message', (_t, payload) => replies.push(payload.toString()));
    await device.subscribeAsync(`${postTopic}_reply`, { qos: 1 });
    await device.publishAsync(postTopic, propertyPost('41', { Humidity: 40 }), { qos: 1 });
    await device.publishAsync(postTopic, propertyPost('42', { Humidity: 400 }), { qos: 1 });
    await until(() => replies.length >= 2);
    expect(replies.map((r) => JSON.parse(r))).toMatchObject([{ id: '41', code: 200 }, { id: '42', code: 460 }]);
    // A shadow report, kept by --state.
    await device.publishAsync(`/shadow/update/${DEMO.productKey}/${DEMO.deviceName}`, JSON.stringify({ method: 'update', state: { reported: { color: 'red' } }, version: 1 }), { qos: 1 });
    await device.endAsync();

    // mosquitto_pub as the same device: the post is acknowledged and the platform's log on stderr shows it and its reply.
    const pubCred = mqttCredentials({ ...DEMO, clientId: 'mosquitto-pub', secureMode: 3 });
    const pub = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-i', pubCred.clientId, '-u', pubCred.username, '-P', pubCred.password, '-q', '1',
      '-t', postTopic, '-m', propertyPost('77', { TargetTemperature: 21.5 })], { encoding: 'utf8', timeout: 20_000 });
    expect(pub.status, pub.stderr).toBe(0);
    await until(() => /← \S+post_reply  \{"code":200,.*"id":"77"/.test(emu.stderr()) || /← \S+post_reply  \{"id":"77","code":200/.test(emu.stderr()));
    expect(emu.stderr()).toMatch(/connected\s+sim-thermostat&a1LwDemo01x \(tcp\)/);
    expect(emu.stderr()).toContain(`→ ${postTopic}  {"id":"77"`);

    // mosquitto_sub over TLS (trusting the printed CA): dynamic registration of the pre-registered device.
    const reg = mosquittoRegister(e['mqttTls']!, e['ca']!, 'sim-thermostat-2', 'random-1');
    expect(reg.status, reg.stderr).toBe(0);
    const secret = (JSON.parse(reg.stdout.slice(reg.stdout.indexOf(' ') + 1)) as { deviceSecret: string }).deviceSecret;
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    const registered = { productKey: DEMO.productKey, deviceName: 'sim-thermostat-2', deviceSecret: secret };
    await (await mqttjsDevice(e['mqtt']!, registered)).endAsync();
    expect(await emu.stop('SIGTERM')).toBe(0);
    expect(emu.stderr()).toContain(`stopped; state kept in ${state}`);

    // The restart: same state directory, new ports.
    const again = await start(['--state', state]);
    try {
      const e2 = again.doc.endpoints;
      // The issued secret still connects, and it is never issued twice.
      await (await mqttjsDevice(e2['mqtt']!, registered)).endAsync();
      const twice = mosquittoRegister(e2['mqttTls']!, e2['ca']!, 'sim-thermostat-2', 'random-2');
      expect(twice.status).not.toBe(0);
      expect(twice.stderr).toMatch(/not authori[sz]ed|refused/i);
      // The shadow came back: a get answers version 1 with the reported color.
      const d = await mqttjsDevice(e2['mqtt']!, DEMO);
      const shadow: string[] = [];
      d.on('message', (_t, payload) => shadow.push(payload.toString()));
      await d.subscribeAsync(`/shadow/get/${DEMO.productKey}/${DEMO.deviceName}`, { qos: 1 });
      await d.publishAsync(`/shadow/update/${DEMO.productKey}/${DEMO.deviceName}`, JSON.stringify({ method: 'get' }), { qos: 1 });
      await until(() => shadow.length > 0);
      expect(JSON.parse(shadow[0]!)).toMatchObject({ method: 'reply', payload: { status: 'success', state: { reported: { color: 'red' } } } });
      await d.endAsync();
    } finally {
      expect(await again.stop('SIGINT')).toBe(0);
    }
  });
});
