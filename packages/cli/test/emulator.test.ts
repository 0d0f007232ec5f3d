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
    for (const k of ['mqtt', 'mqttTls', 'mqttWs', 'mqttWss', 'http', 'https', 'coap', 'ca', 'state', 'console', 'adminApi']) expect(e[k], k).toBeDefined();
    // The admin API (of the console) lists the demo devices and takes a desired shadow that --state keeps.
    const listed = await (await fetch(`${e['adminApi']}devices`)).text();
    expect(listed).toContain('"deviceName":"sim-thermostat"');
    const desired = await fetch(`${e['adminApi']}devices/${DEMO.productKey}/${DEMO.deviceName}/shadow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ desired: { mode: 'eco' } }) });
    expect(desired.status, await desired.text()).toBeLessThan(300);
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
    // A shadow report (version 2: the console's desired write above was version 1), kept by --state.
    await device.publishAsync(`/shadow/update/${DEMO.productKey}/${DEMO.deviceName}`, JSON.stringify({ method: 'update', state: { reported: { color: 'red' } }, version: 2 }), { qos: 1 });
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
      expect(JSON.parse(shadow[0]!)).toMatchObject({ method: 'reply', payload: { status: 'success', state: { reported: { color: 'red' }, desired: { mode: 'eco' } } } });
      await d.endAsync();
    } finally {
      expect(await again.stop('SIGINT')).toBe(0);
    }
  });
});

describe('linkwire emulator --state: refusals', () => {
  it('a second emulator on the same state is refused (exit 1); a damaged record stops the start with its file, line and column (exit 3)', async () => {
    const state = join(tempDir(), 'state');
    const first = await start(['--state', state, '--quiet']);
    const second = await run(['emulator', '--port', '0', '--state', state]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`process ${first.child.pid} is using this state directory`);
    expect(await first.stop('SIGTERM')).toBe(0);
    const file = join(state, 'records', 'shadows', 'a1LwDemo01x%26sim-thermostat.json');
    (await import('node:fs')).mkdirSync(join(state, 'records', 'shadows'), { recursive: true });
    writeFileSync(file, '{"productKey": "a1LwDemo01x",\n "deviceName": tru}');
    const damaged = await run(['emulator', '--port', '0', '--state', state]);
    expect(damaged.code).toBe(3);
    expect(damaged.stderr).toContain(`${file} is not a valid record at line 2, column 16`);
    expect(damaged.stderr).toContain(`fix ${file} (line 2, column 16) or remove it`);
  });
});

describe('linkwire emulator --config: the products/devices file', () => {
  const LAMP_TSL = '{\n  "properties": [\n    { "identifier": "Brightness", "name": "b", "accessMode": "rw", "required": false,\n      "dataType": { "type": "int", "specs": { "min": "100", "max": "10" } } }\n  ],\n  "events": [],\n  "services": []\n}\n';

  it('names every problem by file, line and column of the offending value, with its path and code, and starts nothing (exit 3)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lamp.tsl.json'), LAMP_TSL);
    writeFileSync(join(dir, 'bad.json'), [
      '{',
      '  "products": [',
      '    { "productKey": "a1Lamp00001", "productSecret": "ps", "tsl": "./lamp.tsl.json" },',
      '    { "productKey": "a1Lamp00001", "tsll": {} }',
      '  ],',
      '  "devices": [',
      '    { "productKey": "a1Lamp00001", "deviceName": "lamp-01", "deviceSecret": "s1" },',
      '    { "productKey": "a1Lamp00001", "deviceName": "ab", "deviceSecret": 7 },',
      '    { "productKey": "a1Other0001", "deviceName": "lamp-01", "deviceSecret": "env:LW_TEST_UNSET_SECRET" },',
      '    { "productKey": "a1Lamp00001", "deviceName": "lamp-01" }',
      '  ]',
      '}',
    ].join('\n'));
    const r = await run(['emulator', '--config', 'bad.json'], { cwd: dir });
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      './lamp.tsl.json:4:54: error: properties[0].dataType.specs.min: min 100 is greater than max 10 [tsl:min_above_max]',
      'bad.json:4:44: error: products[1].tsll: unknown field "tsll" (did you mean "tsl"?); known: productKey, productSecret, dynamicRegistration, registerUnknownDevices, tsl, name, description [unknown_field]',
      'bad.json:4:21: error: products[1].productKey: product a1Lamp00001 is already defined at products[0] [duplicate]',
      'bad.json:8:50: error: devices[1].deviceName: deviceName "ab" is invalid: deviceName must be 4-32 letters, digits or -_@.: [invalid_name]',
      'bad.json:8:72: error: devices[1].deviceSecret: deviceSecret must be text, not number 7 [type]',
      'bad.json:9:77: error: devices[2].deviceSecret: the environment variable LW_TEST_UNSET_SECRET is not set [env_unset]',
      'bad.json:10:50: error: devices[3].deviceName: device lamp-01 of a1Lamp00001 is already defined at devices[0] [duplicate]',
      'bad.json:9:21: warning: devices[2].productKey: product a1Other0001 is not in "products": the device has no model and cannot register dynamically [unknown_product]',
      'linkwire: bad.json has 7 errors; nothing was started',
    ]);
    // Each position is where the value starts in the file.
    const text = (await import('node:fs')).readFileSync(join(dir, 'bad.json'), 'utf8').split('\n');
    expect(text[7]!.slice(49)).toMatch(/^"ab"/);
    expect(text[7]!.slice(71)).toMatch(/^7 /);
    // --json: the same issues as data.
    const j = await run(['emulator', '--config', 'bad.json', '--json'], { cwd: dir });
    const doc = JSON.parse(j.stdout) as { ok: boolean; issues: { file: string; line: number; column: number; path: string; code: string; severity: string }[] };
    expect(doc.ok).toBe(false);
    expect(doc.issues[3]).toMatchObject({ file: 'bad.json', line: 8, column: 50, path: 'devices[1].deviceName', code: 'invalid_name', severity: 'error' });
  });

  it('a syntax error, a missing model file and an inline model\'s issue are located too', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'syntax.json'), '{\n  "devices": [\n    { "productKey": "a1", }\n  ]\n}');
    const syntax = await run(['emulator', '-c', 'syntax.json'], { cwd: dir });
    expect(syntax.code).toBe(3);
    expect(syntax.stderr).toMatch(/^syntax\.json:3:27: error: .*\[syntax\]$/m);
    writeFileSync(join(dir, 'missing.json'), '{"products":[{"productKey":"a1Lamp00001","tsl":"./missing.tsl.json"}]}');
    const missing = await run(['emulator', '-c', 'missing.json'], { cwd: dir });
    expect(missing.stderr).toContain('./missing.tsl.json:1:1: error: no such file (the tsl of products[0].tsl in missing.json) [unreadable]');
    writeFileSync(join(dir, 'inline.json'), `{"products": [\n  {"productKey": "a1Lamp00001", "tsl": ${LAMP_TSL.trim()}}\n]}`);
    const inline = await run(['emulator', '-c', 'inline.json'], { cwd: dir });
    expect(inline.stderr).toContain('inline.json:5:54: error: products[0].tsl.properties[0].dataType.specs.min: min 100 is greater than max 10 [tsl:min_above_max]');
  });

  it('refuses an admin API open to the network without a token, and a short token (exit 2)', async () => {
    const open = await run(['emulator', '--port', '0', '--admin-host', '0.0.0.0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('linkwire: the admin API on 0.0.0.0 would be open to the network');
    const short = await run(['emulator', '--port', '0', '--admin-token', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--admin-token must be at least 16 characters');
  });

  it('--check says a good file is valid: models inline and by path, secrets from the environment, pre-registered devices', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lamp.tsl.json'), LAMP_TSL.replace('"100"', '"1"'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify({
      products: [{ productKey: 'a1Lamp00001', productSecret: 'env:LW_TEST_PS', tsl: './lamp.tsl.json' }, { productKey: 'a1Plain0001', tsl: { properties: [], events: [], services: [] } }],
      devices: [{ productKey: 'a1Lamp00001', deviceName: 'lamp-01', deviceSecret: 's1' }, { productKey: 'a1Lamp00001', deviceName: 'lamp-02' }],
    }, null, 2));
    const r = await run(['emulator', '-c', 'good.json', '--check'], { cwd: dir, env: { LW_TEST_PS: 'product-secret' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('good.json: 2 products, 2 devices: valid');
  });
});

describe('linkwire emulator in a terminal, and in-process', () => {
  it('prints its endpoints and the demo device\'s credentials to a person at a terminal, and stops on Ctrl-C', async () => {
    // Ctrl-C at a terminal is SIGINT to the command; `script` gives it a pseudo-terminal.
    const cmd = `stty cols 120 2>/dev/null; '${process.execPath}' '${BIN}' emulator --port 0 & pid=$!; sleep 6; kill -INT $pid; wait $pid; echo "exit=$?"`;
    const r = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: tempDir(), env: { ...process.env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(out))), 40_000);
      child.on('close', () => (clearTimeout(timer), resolve(out.replace(/\r/g, ''))));
    });
    expect(r).toMatch(/^linkwire emulator — a local Alibaba Cloud IoT platform on 127\.0\.0\.1; Ctrl-C stops it$/m);
    expect(r).toMatch(/^ {2}MQTT {7}mqtt:\/\/127\.0\.0\.1:\d+ {3}securemode=3 \(TCP\)$/m);
    expect(r).toMatch(/^ {2}MQTT\/TLS {3}mqtts:\/\/127\.0\.0\.1:\d+ {3}securemode=2; trust \/tmp\/linkwire-emulator-\d+-ca\.pem$/m);
    expect(r).toMatch(/^ {2}MQTT\/WSS {3}wss:\/\/127\.0\.0\.1:\d+\/mqtt$/m);
    expect(r).toMatch(/^ {2}CoAP {7}coap:\/\/127\.0\.0\.1:\d+/m);
    expect(r).toMatch(/^ {2}console {4}http:\/\/127\.0\.0\.1:\d+\/ {3}devices, live messages, services, shadows, OTA$/m);
    expect(r).toMatch(/^ {2}admin API {2}http:\/\/127\.0\.0\.1:\d+\/api\/ /m);
    expect(r).toMatch(/^ {2}state {6}in memory/m);
    expect(r).toMatch(/^ {2}device {5}a1LwDemo01x \/ sim-thermostat {3}secret lw-sim-secret-4b1d9e$/m);
    expect(r).toMatch(/^ {2}password {3}[0-9a-f]{64}$/m);
    expect(r).toMatch(/^ {2}try {8}mosquitto_sub -h 127\.0\.0\.1 -p \d+ /m);
    expect(r).toMatch(/stopping +\(SIGINT\)\nstopped\nexit=0/);
  });

  it('--edge: a driver with the demo credentials brings a light online, its post reaches the platform, and the stop leaves no socket or timer open', async () => {
    registerNodeHash();
    const { connectDriver, RESULT_SUCCESS } = await import('@linkwire/edge');
    const { nodeClock, nodeDialer, nodeRandom } = await import('@linkwire/node');
    // Handles by kind: listeners, sockets and timers. Earlier tests of this file may still be
    // closing some of theirs, so the check is that none of a kind is left beyond what was open before.
    const handles = () => {
      const counts: Record<string, number> = { TCPServerWrap: 0, UDPWrap: 0, TCPSocketWrap: 0, Timeout: 0 };
      for (const x of process.getActiveResourcesInfo()) if (x in counts) counts[x]!++;
      return counts;
    };
    const before = handles();
    const leftOver = () => Object.entries(handles()).filter(([k, n]) => n > before[k]!).map(([k, n]) => `${k} ${before[k]} → ${n}`);
    const out: string[] = [];
    const err: string[] = [];
    const controller = new AbortController();
    const io: CliIo = {
      out: (l) => void out.push(l), err: (l) => void err.push(l), errRaw: (t) => void err.push(t), stdoutIsTty: false, stderrIsTty: false, columns: 100,
      env: {}, cwd: tempDir(), readStdin: async () => new Uint8Array(), signal: controller.signal, now: () => Date.now(),
    };
    const done = runCli(['emulator', '--port', '0', '--edge'], io);
    await until(() => out.some((l) => l.includes('gateway')));
    const text = out.join('\n');
    expect(text).toMatch(/^ {2}edge API {3}http:\/\/127\.0\.0\.1:\d+\/2019-09-30 {3}Basic admin \/ admin1234 \(CreateAuthCookie\)$/m);
    expect(text).toMatch(/^ {2}gateway {4}edge-gateway-01&a1LwEdgeGw1 {3}connected upstream as a gateway device$/m);
    const driverPort = Number(/drivers {4}mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1]);
    await until(() => err.some((l) => /connected\s+edge-gateway-01&a1LwEdgeGw1/.test(l)));
    const driver = await connectDriver({
      dial: nodeDialer, endpoint: { host: '127.0.0.1', port: driverPort }, clock: nodeClock, random: nodeRandom,
      driverId: 'demo-light-driver', driverSecret: 'lw-demo-driver-secret', gateway: { productKey: 'a1LwEdgeGw1', deviceName: 'edge-gateway-01' },
    });
    const ok = () => ({ code: RESULT_SUCCESS });
    const light = driver.thingAccessClient({ productKey: 'a1LwLight01', deviceName: 'light-01' }, { setProperties: ok, getProperties: ok, callService: ok });
    await light.registerAndOnline();
    await light.reportProperties({ Brightness: 70 });
    await until(() => err.some((l) => l.includes('→ /sys/a1LwLight01/light-01/thing/event/property/post  {') && l.includes('"Brightness":70')));
    await until(() => err.some((l) => /← \/sys\/a1LwLight01\/light-01\/thing\/event\/property\/post_reply {2}\{.*"code":200/.test(l)));
    await driver.destroy();
    controller.abort('SIGTERM');
    expect(await done).toBe(0);
    // Every listener (MQTT ×4, HTTP ×2, CoAP, console, the edge API and driver listeners), socket and timer is gone.
    await until(() => leftOver().length === 0, 5000).catch(() => undefined);
    expect(leftOver()).toEqual([]);
  });
});
