import { MqttConnectError } from '@linkwire/mqtt';
import { createNodeDeviceClient } from '@linkwire/node';
import { compileTsl, parseTsl } from '@linkwire/tsl';
import { CliError, duration, EXIT, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import type { Command } from '../main.ts';
import { readSecret, SECRET_HELP } from '../secrets.ts';
import { createSimulator, type SimStats } from '../sim/device.ts';
import { DEMO_DEVICE } from '../sim/demo-fleet.ts';
import { THERMOSTAT_TSL } from '../sim/thermostat.ts';
import { loadModel } from './tsl.ts';


function statusLine(s: SimStats, id: string): string {
  return `${id}  ${s.state}  posted ${s.posts} (${s.postReplies} ok${s.postRejected ? `, ${s.postRejected} rejected` : ''})  sets ${s.sets}  calls ${s.calls}  shadow ${s.shadowVersion === undefined ? '-' : `v${s.shadowVersion}`}${s.shadowApplied ? ` (${s.shadowApplied} applied)` : ''}  fw ${s.firmware}${s.otaState !== 'idle' ? ` [${s.otaState}]` : ''}  reply ${s.lastReplyMs === undefined ? '-' : `${s.lastReplyMs.toFixed(1)} ms`}${s.errors ? `  errors ${s.errors}` : ''}`;
}

async function runDevice(p: Parsed, io: CliIo): Promise<number> {
  const c = 'device';
  const host = str(p, 'host', c, true);
  const portText = str(p, 'port', c, true);
  if ((host === undefined) !== (portText === undefined)) throw usageError('--host and --port go together', 'leave both out to run against a local emulator');
  const port = portText === undefined ? 0 : Number(portText);
  if (portText !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw usageError(`--port ${portText} is not a port number`);
  const model = p.values['tsl'] === undefined ? parseTsl(THERMOSTAT_TSL).model : (() => {
    const { model: m, issues } = loadModel(String(p.values['tsl']), io);
    const errors = issues.filter((i) => i.severity !== 'warning');
    if (errors.length > 0) throw new CliError(EXIT.input, `${String(p.values['tsl'])} is not a valid TSL model: ${errors[0]!.path}: ${errors[0]!.message}`, `run \`linkwire tsl validate ${String(p.values['tsl'])}\``);
    return m;
  })();
  const external = host !== undefined;
  const secretText = str(p, 'device-secret', c, true);
  const given = {
    productKey: str(p, 'product-key', c, true) ?? (external ? undefined : DEMO_DEVICE.productKey),
    deviceName: str(p, 'device-name', c, true) ?? (external ? undefined : DEMO_DEVICE.deviceName),
    deviceSecret: secretText === undefined ? (external ? undefined : DEMO_DEVICE.deviceSecret) : readSecret(secretText, 'device-secret', io),
  };
  if (given.productKey === undefined || given.deviceName === undefined || given.deviceSecret === undefined) {
    throw usageError('--product-key, --device-name and --device-secret are required with --host', 'the credentials of the device as the platform registered it');
  }
  const identity = { productKey: given.productKey, deviceName: given.deviceName, deviceSecret: given.deviceSecret };
  const intervalMs = duration(p, 'interval', c) ?? 5000;
  const runFor = duration(p, 'duration', c);
  const keepalive = 60;
  const json = p.json;
  const tty = io.stderrIsTty && !json;
  let status = '';
  const print = (line: string) => {
    if (tty) io.errRaw(`\r\x1b[K${line}\n${status}`);
    else if (!json) io.err(line);
  };

  let platform: { host: string; port: number; close(): Promise<void> } | undefined;
  if (!external) {
    const { startEmulator } = await import('@linkwire/emulator');
    platform = await startEmulator({ devices: [identity] });
    print(`platform  local emulator on ${platform.host}:${platform.port} (device ${identity.deviceName}&${identity.productKey})`);
  }
  const target = { host: host ?? platform!.host, port: external ? port : platform!.port };
  const firmware = str(p, 'firmware', c, true) ?? '1.0.0';
  const tsl = compileTsl(model, { policy: 'platform' });
  const device = createNodeDeviceClient({
    ...identity, endpoint: { host: target.host, port: target.port }, keepalive, tsl,
    ota: { version: firmware, allowHttp: p.values['allow-http-firmware'] === true || !external },
    mqtt: { connectTimeoutMs: 15_000, backoff: { minMs: 500, maxMs: 30_000 } },
  });
  const sim = createSimulator(device, { model, tsl, intervalMs, firmwareVersion: firmware, onEvent: print });
  const id = `${identity.deviceName}&${identity.productKey}`;
  // The client reconnects for ever; a first attempt that fails on the network ends the command instead.
  let unreachable: (e: Error) => void = () => {};
  const firstFailure = new Promise<never>((_, reject) => (unreachable = reject));
  const stopWatching = device.on((e) => void (e.type === 'disconnected' && unreachable(e.reason)));
  try {
    await Promise.race([device.connect(), firstFailure]);
  } catch (e) {
    sim.stop();
    await device.end();
    await platform?.close();
    if (e instanceof MqttConnectError) throw new CliError(EXIT.failed, `the platform refused ${id}: ${e.message}`, 'check --product-key, --device-name and --device-secret (`linkwire sign mqtt` shows the signing string)');
    throw new CliError(EXIT.network, `cannot connect to ${target.host}:${target.port}: ${(e as Error).message}`, 'is the platform running, and are --host and --port right?');
  } finally {
    stopWatching();
  }
  print(`device    ${id} connected to ${target.host}:${target.port}; posting every ${intervalMs / 1000} s (Ctrl-C stops)`);
  await sim.start();
  const started = performance.now();
  const redraw = setInterval(() => {
    status = statusLine(sim.stats, id).slice(0, Math.max(20, io.columns - 1));
    if (tty) io.errRaw(`\r\x1b[K${status}`);
  }, tty ? 250 : 60_000);
  let lastPlain = 0;
  const plain = setInterval(() => {
    if (tty || json) return;
    if (sim.stats.posts !== lastPlain) io.err(statusLine(sim.stats, id));
    lastPlain = sim.stats.posts;
  }, 10_000);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
    if (runFor !== undefined) setTimeout(resolve, runFor).unref();
  });
  clearInterval(redraw);
  clearInterval(plain);
  sim.stop();
  // Let replies to the last post arrive before disconnecting.
  await new Promise((r) => setTimeout(r, 200));
  await device.end();
  await platform?.close();
  if (tty) io.errRaw('\r\x1b[K');
  const seconds = (performance.now() - started) / 1000;
  if (json) printJson(io, { ok: true, device: id, seconds: Number(seconds.toFixed(2)), ...sim.stats, properties: sim.properties });
  else io.out(`stopped   ${statusLine(sim.stats, id)} after ${seconds.toFixed(1)} s`);
  return EXIT.ok;
}

export const deviceCommands: Command[] = [
  {
    spec: {
      name: 'device', summary: 'run one simulated device from a TSL model against a platform',
      usage: ['device [--tsl model.json] [--interval 5s]', 'device --host <h> --port <p> --product-key <pk> --device-name <dn> --device-secret <s> [--tsl model.json]'],
      description: [
        'Posts valid random property values on an interval (read-only properties move, writable ones keep what was set), answers property sets and gets and service calls from the model (invalid input gets 460 with the issues), applies shadow control pushes and reports them, and takes OTA upgrades (download, verify while streaming, progress, new version). Reconnects with backoff and re-signs each CONNECT.',
        'Without --host it starts a local emulator with the device registered, so `linkwire device` alone shows the whole loop. Without --tsl it simulates a thermostat. A live status line on a terminal; event lines when stderr is not one. Ctrl-C stops cleanly (exit 0).',
      ],
      options: {
        tsl: { type: 'string', value: '<model.json>', description: 'the thing model (default: a built-in thermostat)' },
        host: { type: 'string', value: '<host>', description: 'the MQTT endpoint (TCP); default: a local emulator' },
        port: { type: 'string', value: '<port>', description: 'its port' },
        'product-key': { type: 'string', value: '<pk>', description: 'the device\'s product key' },
        'device-name': { type: 'string', value: '<dn>', description: 'the device name' },
        'device-secret': { type: 'string', value: '<secret>', description: `the device secret: ${SECRET_HELP}` },
        interval: { type: 'string', value: '<duration>', description: 'time between property posts', default: '5s' },
        duration: { type: 'string', value: '<duration>', description: 'stop after this long (default: until Ctrl-C)' },
        firmware: { type: 'string', value: '<version>', description: 'the firmware version reported at start', default: '1.0.0' },
        'allow-http-firmware': { type: 'boolean', description: 'accept http:// firmware URLs (always on against the local emulator)' },
      },
      examples: [
        'linkwire device',
        'linkwire device --tsl lamp.tsl.json --host 127.0.0.1 --port 1883 --product-key a1B2c3D4e5F --device-name lamp-01 --device-secret env:SECRET --interval 2s',
      ],
    },
    run: runDevice,
  },
];
