// The platform restarts under a device and a gateway (issue 15, the emulator in place of aedes):
// the emulator is closed and started again on the same port with its state store, as a platform
// comes back after maintenance. The device reconnects and subscribes again (a restarted broker
// remembers no session), the gateway logs its sub-devices in again, messages sent while the
// platform was down are delivered, and the restarted platform's service calls are answered.
import { afterAll, expect, it } from 'vitest';
import type { DeviceClient, DeviceError, DeviceEvent } from '@linkwire/device';
import { memoryStore, startEmulator, type Emulator, type EmulatorOptions, type PlatformStore } from '@linkwire/emulator';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';

registerNodeHash();
const device = { productKey: 'a1RstDev001', deviceName: 'rst-dev', deviceSecret: 'rst-dev-secret' };
const gw = { productKey: 'a1RstGw0001', deviceName: 'rst-gw', deviceSecret: 'rst-gw-secret' };
const subs = Array.from({ length: 5 }, (_, i) => ({ productKey: 'a1RstSub001', deviceName: `rst-sub-${i}`, deviceSecret: `rst-sub-secret-${i}` }));
const fast = { backoff: { minMs: 20, maxMs: 200 } };

// One store across both lives of the platform (the emulator closes its store when it closes).
const kept = memoryStore();
const store: PlatformStore = { ...kept, close: async () => undefined };
const clients: DeviceClient[] = [];
let platform: Emulator | undefined;
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
  await platform?.close();
  await kept.close();
});

it('a device and a gateway with sub-devices through a platform restart: back, subscribed, logged in, nothing lost', async () => {
  const options: EmulatorOptions = { devices: [device, gw, ...subs], store };
  platform = await startEmulator(options);
  const port = platform.port;
  const list: DeviceEvent[] = [];
  const d = createNodeDeviceClient({ ...device, endpoint: { host: platform.host, port }, mqtt: fast, onEvent: (e) => list.push(e) });
  const g = createNodeDeviceClient({ ...gw, endpoint: { host: platform.host, port }, gateway: {}, mqtt: fast, onEvent: (e) => list.push(e) });
  clients.push(d, g);
  d.onService('ping', () => ({ pong: 1 }));
  await Promise.all([d.connect(), g.connect()]);
  expect((await g.gateway.addTopo(subs)).code).toBe(200);
  const handles = await g.gateway.login(subs);
  handles[3]!.onService('blink', () => ({ blinked: 3 }));

  await platform.close();
  platform = undefined;
  await expect.poll(() => d.state).not.toBe('connected');
  // Sent while the platform is down: held by the clients until it is back.
  const during = [d.postProperties({ Temperature: 1 }), ...handles.map((h, i) => h.postProperties({ Temperature: 10 + i }))];

  platform = await startEmulator({ ...options, port });
  expect((await Promise.all(during)).map((r) => r.code)).toEqual(during.map(() => 200));
  expect(platform.device(device.productKey, device.deviceName)?.properties['Temperature']?.value).toBe(1);
  for (const [i, s] of subs.entries()) expect(platform.device(s.productKey, s.deviceName)?.properties['Temperature']?.value).toBe(10 + i);
  // The topology came back from the store; the logins from the gateway.
  expect(platform.device(gw.productKey, gw.deviceName)?.subDevices).toHaveLength(5);
  for (const s of subs) expect(platform.device(s.productKey, s.deviceName)?.online).toBe(true);
  // Subscribed again: the restarted platform's commands reach the device and the sub-device.
  expect(await platform.invokeService(device.productKey, device.deviceName, 'ping', {})).toMatchObject({ status: 'replied', code: 200, data: { pong: 1 } });
  expect(await platform.invokeService(subs[3]!.productKey, subs[3]!.deviceName, 'blink', {})).toMatchObject({ status: 'replied', code: 200, data: { blinked: 3 } });
  expect(list.flatMap((e) => (e.type === 'error' ? [(e.error as DeviceError).code] : []))).toEqual([]);
}, 30_000);
