#!/usr/bin/env node
/**
 * The linkwire demo: starts the local platform, connects a device with the device client, and
 * shows a property post answered by the platform, a service call from the platform answered by
 * the device, a shadow delta applied by the device, and a pushed firmware image downloaded,
 * verified while streaming and activated. No cloud account needed.
 *
 *   npm start                                  the whole flow; exits 0
 *   npm start -- --device-secret wrong         the platform refuses the device; exits 1
 */
import { parseArgs } from 'node:util';
import type { PropertyParams } from '@linkwire/alink';
import { MqttConnectError } from '@linkwire/mqtt';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { startEmulator } from '@linkwire/emulator';

const device = { productKey: 'a1LwDemo01x', deviceName: 'demo-thermostat', deviceSecret: 'lw-demo-secret-7f3a9c2e' };

export const DEMO_USAGE = [
  'Usage: npm start [-- options]       (or: npx linkwire demo [options])',
  '',
  'Starts a local platform (the emulator on 127.0.0.1, an ephemeral port) and a demo device on the',
  'device client (@linkwire/device): signed CONNECT, two property posts, a service call from the',
  'platform, a shadow delta, a pushed firmware image verified and activated; prints every step.',
  '',
  'Options:',
  '  --device-secret <secret>   sign with this secret instead of the demo device\'s (a wrong one is refused: exit 1)',
  '  -h, --help                 show this help',
  '',
  'Exit codes: 0 done · 1 the platform refused the device or a post · 2 usage or an unexpected failure',
  'More tools: npx linkwire --help',
].join('\n');

export async function runDemo(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let values: { 'device-secret'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { 'device-secret': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    print(`demo: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
    print('       npm start -- --help shows the options');
    return 2;
  }
  if (values.help) {
    print(DEMO_USAGE);
    return 0;
  }
  registerNodeHash();
  const platform = await startEmulator({
    devices: [device],
    http: true, // serves the firmware images
    onEvent: (e) => {
      if (e.type === 'connected') print(`platform  authenticated ${e.deviceName}&${e.productKey} (signature verified)`);
      if (e.type === 'refused') print(`platform  refused client ${e.clientId}: ${e.reason}`);
      if (e.type === 'request' && e.topic.endsWith('/property/post')) print(`platform  received ${e.payload}`);
    },
  });
  print(`platform  emulator listening on ${platform.host}:${platform.port}`);
  const d = createNodeDeviceClient({
    ...device, deviceSecret: values['device-secret'] ?? device.deviceSecret, endpoint: { host: platform.host, port: platform.port },
    ota: { version: '1.0.0', allowHttp: true },
    onEvent: (e) => {
      if (e.type === 'error') print(`device    reported: ${e.error.message}`);
    },
  });
  try {
    // Services the platform may call: the handler's result is the reply's data.
    let mode = 'comfort';
    d.onService('SetMode', ({ mode: m }) => {
      mode = String(m);
      print(`device    service SetMode(${JSON.stringify(m)}) called by the platform → mode ${mode}`);
      return { mode };
    });
    try {
      await d.connect();
    } catch (e) {
      if (e instanceof MqttConnectError) {
        print(`device    REFUSED by the platform: ${e.message} (CONNACK ${e.returnCode})`);
        print('          check the device secret: the platform could not verify the signature.');
        return 1;
      }
      throw e;
    }
    print('device    connected (CONNACK 0), securemode=3 over TCP, thing topics subscribed, version 1.0.0 informed');

    const posts: PropertyParams[] = [{ CurrentTemperature: 21.5, TargetTemperature: 22, PowerSwitch: 1 }, { CurrentTemperature: 21.7, Humidity: 48 }];
    for (const params of posts) {
      const reply = await d.postProperties(params);
      print(`device    postProperties(${JSON.stringify(params)}) → ${JSON.stringify(reply)}`);
    }

    // A service call from the platform (the cloud API's InvokeThingService), answered by the device.
    const call = await platform.invokeService(device.productKey, device.deviceName, 'SetMode', { mode: 'eco' });
    print(`platform  invokeService SetMode → ${JSON.stringify(call)}`);

    // The shadow: the console asks for 19 °C; the device applies it, reports it, clears desired.
    const applied = new Promise<void>((resolve) =>
      d.shadow.onDelta((desired) => {
        print(`device    shadow delta ${JSON.stringify(desired)} → applied`);
        resolve();
      }),
    );
    const version = await d.shadow.update({ TargetTemperature: 22 });
    print(`device    shadow.update({ TargetTemperature: 22 }) → version ${version}`);
    print('platform  console sets desired TargetTemperature 19');
    await platform.updateShadow(device.productKey, device.deviceName, { method: 'update', state: { desired: { TargetTemperature: 19 } }, version: version + 1 });
    await applied;
    for (let i = 0; i < 50 && platform.shadow(device.productKey, device.deviceName).state.desired !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const doc = platform.shadow(device.productKey, device.deviceName);
    print(`platform  shadow now reported=${JSON.stringify(doc.state.reported)} desired=${JSON.stringify(doc.state.desired ?? null)} version=${doc.version}`);

    // OTA: the platform pushes 1.1.0; the device downloads through fetch, verifying while the
    // bytes arrive; a copy with a wrong digest is refused; only the verified image activates.
    const activated = new Promise<void>((resolve, reject) =>
      d.ota.onUpgrade(async (u) => {
        try {
          print(`device    upgrade pushed: ${u.version}, ${u.size} bytes, ${u.digestMethod} ${u.digest.slice(0, 16)}…`);
          const forged = await d.ota.download({ ...u, digest: u.digest.replace(/^./, (c) => (c === '0' ? '1' : '0')) }).then(() => 'accepted', (e: Error) => e.message.slice(0, 60));
          print(`device    the same image against a wrong digest: ${forged}… (progress -3 reported, nothing activated)`);
          const { firmware } = await d.ota.download(u);
          await d.ota.activate(firmware, (fw) => print(`device    activated firmware ${fw.version} (${fw.size} bytes verified); progress 100 reported`));
          resolve();
        } catch (e) {
          reject(e);
        }
      }),
    );
    const job = platform.pushOta({ version: '1.1.0', size: 64 * 1024 }, [device]);
    print(`platform  pushOta 1.1.0 (job ${job.jobId})`);
    await activated;

    await d.end();
    print('device    disconnected');
    print('done      signed CONNECT, 2 property posts answered 200, a service call answered, a shadow delta applied, a verified OTA');
    return 0;
  } finally {
    await d.end();
    await platform.close();
  }
}
