// The device client against the emulator's responders and cloud API (the platform side the
// emulator serves since its merge): service calls async and sync (RRPC), property set and get,
// user RRPC, raw down, NTP, an OTA job, and a gateway with sub-devices; over TCP, TLS (the
// emulator's certificate verified against its CA) and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceClient } from '@linkwire/device';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { createNodeDeviceClient, registerNodeHash, type NodeEndpoint } from '@linkwire/node';

registerNodeHash();
const device = { productKey: 'a1EmuFlow01', deviceName: 'emu-dev-1', deviceSecret: 'emu-secret-1' };
const gw = { productKey: 'a1EmuGw0001', deviceName: 'emu-gw-1', deviceSecret: 'emu-gw-secret' };
// Sub-devices may also be registered by the gateway (§9.2) or provisioned with the product secret.
const subProduct = { productKey: 'a1EmuSub001', productSecret: 'emu-sub-product-secret', registerUnknownDevices: true };
const subs = Array.from({ length: 3 }, (_, i) => ({ productKey: 'a1EmuSub001', deviceName: `emu-sub-${i}`, deviceSecret: `emu-sub-secret-${i}` }));

describe.each(['tcp', 'tls', 'ws'] as const)('against the emulator\'s responders and cloud API over %s', (transport) => {
  let platform: Emulator;
  let d: DeviceClient;
  let endpoint: NodeEndpoint;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device, gw, ...subs], products: [subProduct], http: true, ...(transport === 'tls' ? { tls: true } : {}), websocket: transport === 'ws' });
    endpoint = transport === 'tcp' ? { host: platform.host, port: platform.port }
      : transport === 'tls' ? { host: platform.host, port: platform.tlsPort!, tls: { ca: platform.ca! } }
      : { url: `ws://${platform.host}:${platform.wsPort}/mqtt` };
    d = createNodeDeviceClient({ ...device, endpoint, ota: { version: '1.0.0', allowHttp: true } });
    d.onService('echo', (params, ctx) => ({ ...params, sync: ctx.sync }));
    d.onPropertySet((p) => ({ set: Object.keys(p) }));
    d.onPropertyGet((ids) => Object.fromEntries(ids.map((id) => [id, 1])));
    d.onRawDown((bytes) => new Uint8Array([...bytes].reverse()));
    await d.onRrpc(`/${device.productKey}/${device.deviceName}/user/ask`, (payload) => `answer to ${new TextDecoder().decode(payload)}`);
    await d.connect();
  });
  afterAll(async () => {
    await d.end();
    await platform.close();
  });

  it('service calls, async and sync (RRPC), property set and get', async () => {
    expect(await platform.invokeService(device.productKey, device.deviceName, 'echo', { a: 1 })).toMatchObject({ status: 'replied', code: 200, data: { a: 1, sync: false } });
    expect(await platform.invokeService(device.productKey, device.deviceName, 'echo', { b: 2 }, { sync: true })).toMatchObject({ status: 'replied', code: 200, data: { b: 2, sync: true } });
    const calls = await Promise.all([1, 2, 3].map((n) => platform.invokeService(device.productKey, device.deviceName, 'echo', { n }, { sync: true })));
    expect(calls.map((c) => (c.status === 'replied' ? (c.data as { n: number }).n : -1))).toEqual([1, 2, 3]);
    expect(await platform.setProperties(device.productKey, device.deviceName, { Light: 1 })).toMatchObject({ status: 'replied', code: 200, data: { set: ['Light'] } });
    expect(await platform.getProperties(device.productKey, device.deviceName, ['Light'])).toMatchObject({ status: 'replied', code: 200, data: { Light: 1 } });
    expect(await platform.invokeService(device.productKey, device.deviceName, 'missing', {})).toMatchObject({ status: 'replied', code: 460 });
  });

  it('user RRPC and raw down', async () => {
    const r = await platform.rrpc(device.productKey, device.deviceName, `/${device.productKey}/${device.deviceName}/user/ask`, 'ping');
    expect(r.status === 'replied' && new TextDecoder().decode(r.payload)).toBe('answer to ping');
    const raw = await platform.sendRaw(device.productKey, device.deviceName, new Uint8Array([1, 2, 3]));
    expect(raw.status === 'replied' && [...raw.payload]).toEqual([3, 2, 1]);
  });

  it('NTP from the emulator', async () => {
    const t = await d.ntp();
    expect(Math.abs(t - Date.now())).toBeLessThan(2000);
  });

  it('an OTA job: pushed, downloaded, verified, activated, reported', async () => {
    const done = new Promise<void>((resolve, reject) =>
      d.ota.onUpgrade(async (u) => {
        try {
          const { firmware } = await d.ota.download(u);
          await d.ota.activate(firmware, () => undefined);
          // Running the new image (here without a reboot): its version is informed, as on every connect.
          await d.ota.inform(firmware.version!);
          resolve();
        } catch (e) {
          reject(e);
        }
      }),
    );
    const job = platform.pushOta({ version: '2.0.0', size: 100_000 }, [device]);
    await done;
    await expect.poll(() => [...(platform.otaJob(job.jobId)?.devices.values() ?? [])]).toEqual([{ status: 'succeeded' }]);
  });

  it('a gateway registers sub-devices, provisions them with the product secret, logs one in, reports found ones, deletes topology; firmware pulled', async () => {
    const g = createNodeDeviceClient({ ...gw, endpoint, gateway: {}, ota: { version: '1.0.0', allowHttp: true } });
    try {
      await g.connect();
      const fresh = { productKey: subProduct.productKey, deviceName: `emu-reg-${transport}` };
      const registered = await g.gateway.register([fresh]);
      expect(registered).toEqual([{ ...fresh, deviceSecret: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
      // A secret is issued once (6289 device already activated).
      await expect(g.gateway.register([fresh])).rejects.toMatchObject({ code: 'reply_error', replyCode: 6289 });
      const proxied = { productKey: subProduct.productKey, deviceName: `emu-prov-${transport}` };
      expect((await g.gateway.provision([{ ...proxied, productSecret: subProduct.productSecret, random: 'r123' }])).code).toBe(200);
      // Seed §9.3: 401 request auth error, the signature does not verify.
      await expect(g.gateway.provision([{ ...proxied, deviceName: `emu-prov2-${transport}`, productSecret: 'wrong', random: 'r124' }])).rejects.toMatchObject({ code: 'reply_error', replyCode: 401 });
      // Registered is not in the topology (6401 on login) until added with its new secret; provisioned is.
      const withSecret = { ...fresh, deviceSecret: registered[0]!.deviceSecret };
      await expect(g.gateway.login([withSecret])).rejects.toMatchObject({ replyCode: 6401 });
      expect(platform.device(proxied.productKey, proxied.deviceName)?.gateway).toEqual({ productKey: gw.productKey, deviceName: gw.deviceName });
      expect((await g.gateway.addTopo([withSecret])).code).toBe(200);
      const [sub] = await g.gateway.login([withSecret]);
      expect((await sub!.postProperties({ Temperature: 7 })).code).toBe(200);
      expect(platform.device(fresh.productKey, fresh.deviceName)?.properties['Temperature']?.value).toBe(7);
      await g.gateway.logout([fresh]);
      expect((await g.gateway.reportFound([{ productKey: subProduct.productKey, deviceName: 'emu-found-1' }])).code).toBe(200);
      await expect(g.gateway.reportFound([{ productKey: 'a1NoSuchPk1', deviceName: 'emu-found-1' }])).rejects.toMatchObject({ replyCode: 6250 });
      expect((await g.gateway.deleteTopo([fresh, proxied])).code).toBe(200);
      expect(platform.device(fresh.productKey, fresh.deviceName)?.gateway).toBeUndefined();
      expect(platform.device(gw.productKey, gw.deviceName)?.subDevices).toEqual([]);
      // Firmware pull (thing.ota.firmware.get): the pending upgrade, as the push announced it.
      const offer = platform.addFirmware({ version: '3.0.0', size: 4096 });
      platform.pushOta(offer, [gw]);
      expect(await g.ota.pull()).toMatchObject({ version: '3.0.0', size: 4096, digestMethod: 'sha256', url: offer.url });
    } finally {
      await g.end();
    }
  });

  it('a gateway: topo add, batch login, sub-device commands and posts over the gateway connection', async () => {
    const g = createNodeDeviceClient({ ...gw, endpoint, gateway: { batchSize: 2 } });
    try {
      await g.connect();
      expect((await g.gateway.addTopo(subs)).code).toBe(200);
      const handles = await g.gateway.login(subs);
      handles[1]!.onService('blink', () => ({ blinked: true }));
      for (const h of handles) expect((await h.postProperties({ Temperature: 20 })).code).toBe(200);
      expect(await platform.invokeService(subs[1]!.productKey, subs[1]!.deviceName, 'blink', {})).toMatchObject({ status: 'replied', code: 200, data: { blinked: true } });
      expect((await g.gateway.getTopo()).map((x) => x.deviceName).sort()).toEqual(subs.map((s) => s.deviceName));
      await g.gateway.logout(subs);
      expect(g.gateway.online).toHaveLength(0);
    } finally {
      await g.end();
    }
  });
});
