#!/usr/bin/env node
/**
 * The linkwire demo: starts the local platform, connects a device with the device client, and
 * shows a property post answered by the platform, a shadow delta applied by the device, and a
 * firmware image downloaded, verified while streaming and activated. No cloud account needed.
 *
 *   npm start                                  the whole flow; exits 0
 *   npm start -- --device-secret wrong         the platform refuses the device; exits 1
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { PropertyParams } from '@linkwire/alink';
import { MqttConnectError } from '@linkwire/mqtt';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { startEmulator } from '@linkwire/emulator';

const device = { productKey: 'a1LwDemo01x', deviceName: 'demo-thermostat', deviceSecret: 'lw-demo-secret-7f3a9c2e' };

export async function runDemo(argv: readonly string[], print: (line: string) => void): Promise<number> {
  registerNodeHash();
  const { values } = parseArgs({ args: [...argv], options: { 'device-secret': { type: 'string' } } });
  const platform = await startEmulator({
    devices: [device],
    onEvent: (e) => {
      if (e.type === 'connected') print(`platform  authenticated ${e.deviceName}&${e.productKey} (signature verified)`);
      if (e.type === 'refused') print(`platform  refused client ${e.clientId}: ${e.reason}`);
      if (e.type === 'request' && e.topic.endsWith('/property/post')) print(`platform  received ${e.payload}`);
    },
  });
  // The firmware server: the image and, for contrast, a copy with one flipped byte.
  const image = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) & 0xff);
  const files = server(image);
  const base = await files.listen();
  print(`platform  emulator listening on ${platform.host}:${platform.port}, firmware on ${base}`);
  const d = createNodeDeviceClient({
    ...device, deviceSecret: values['device-secret'] ?? device.deviceSecret, endpoint: { host: platform.host, port: platform.port },
    ota: { version: '1.0.0', allowHttp: true },
    onEvent: (e) => {
      if (e.type === 'error') print(`device    reported: ${e.error.message}`);
    },
  });
  try {
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

    // OTA: download through fetch, verified while streaming; only a verified image activates.
    const digest = createHash('sha256').update(image).digest('hex');
    const upgrade = { version: '1.1.0', size: image.length, url: `${base}/firmware.bin`, digestMethod: 'sha256' as const, digest };
    const tampered = await d.ota.download({ ...upgrade, url: `${base}/tampered.bin` }).then(() => 'accepted', (e: Error) => e.message);
    print(`device    tampered image: ${tampered} (progress -3 reported, nothing activated)`);
    const { firmware } = await d.ota.download(upgrade);
    await d.ota.activate(firmware, (fw) => print(`device    activated firmware ${fw.version} (${fw.size} bytes, sha256 ${fw.digest.slice(0, 16)}…); progress 100 reported`));

    await d.end();
    print('device    disconnected');
    print('done      signed CONNECT, 2 property posts answered 200, a shadow delta applied, a verified OTA');
    return 0;
  } finally {
    await d.end();
    await files.close();
    await platform.close();
  }
}

function server(image: Uint8Array): { listen(): Promise<string>; close(): Promise<void> } {
  const s = createServer((req, res) => {
    const body = req.url === '/tampered.bin' ? image.map((b, i) => (i === 100 ? b ^ 0xff : b)) : req.url === '/firmware.bin' ? image : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  return {
    listen: () => new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`))),
    close: () => new Promise((resolve) => s.close(() => resolve())),
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  runDemo(process.argv.slice(2), (l) => console.log(l)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
