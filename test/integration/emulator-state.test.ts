import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryStore, memoryStore, PlatformStoreError, startEmulator, type EmulatorEvent } from '@linkwire/emulator';
import { connectMqtt } from '@linkwire/node';
import { until } from '../support/until.ts';
import { mqttCredentials, parseRegisterDeviceReply, registerDeviceRequest } from '@linkwire/sign';

// The emulator's state across restarts (issue 20): devices with secrets issued by dynamic
// registration, shadows and OTA jobs written to a store and read back by the next process.

const product = { productKey: 'a1StatePk01', productSecret: 'state-product-secret' };
const configured = [
  { productKey: product.productKey, deviceName: 'kept-device-1', deviceSecret: 'kept-secret-1' },
  // Pre-registered without a secret: registration issues one, which must survive a restart.
  { productKey: product.productKey, deviceName: 'registers-1' },
];
const options = { devices: configured, products: [product], http: true } as const;

async function register(httpBase: string, deviceName: string, random: string) {
  const r = registerDeviceRequest({ ...product, deviceName, random });
  const res = await fetch(`${httpBase}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
  return parseRegisterDeviceReply(await res.text());
}

describe('emulator state in a PlatformStore', () => {
  it('a restart keeps issued secrets, activation, a disabled device, shadows and OTA jobs (directory store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-state-'));
    const first = await startEmulator({ ...options, store: directoryStore(dir) });
    const base1 = `http://${first.host}:${first.httpPort}`;
    const reg = await register(base1, 'registers-1', 'random-1');
    expect(reg.ok).toBe(true);
    if (!reg.ok) throw new Error('registration refused');
    const c = await connectMqtt({ host: first.host, port: first.port, ...mqttCredentials({ productKey: product.productKey, deviceName: 'registers-1', deviceSecret: reg.deviceSecret, secureMode: 3 }) });
    c.close();
    await first.updateShadow(product.productKey, 'kept-device-1', { method: 'update', state: { desired: { color: 'green' } }, version: 1 });
    const job = first.pushOta({ version: '2.0.0', size: 1000 }, [{ productKey: product.productKey, deviceName: 'kept-device-1' }]);
    await first.close();
    expect(readdirSync(join(dir, 'devices')).sort()).toEqual(['a1StatePk01%26registers-1.json']);

    const second = await startEmulator({ ...options, store: directoryStore(dir) });
    try {
      // The secret issued before the restart still connects, and is never issued again.
      const c2 = await connectMqtt({ host: second.host, port: second.port, ...mqttCredentials({ productKey: product.productKey, deviceName: 'registers-1', deviceSecret: reg.deviceSecret, secureMode: 3 }) });
      c2.close();
      expect(second.device(product.productKey, 'registers-1')).toMatchObject({ activated: true, enabled: true });
      const base2 = `http://${second.host}:${second.httpPort}`;
      expect((await register(base2, 'registers-1', 'random-2')).ok).toBe(false);
      expect(second.shadow(product.productKey, 'kept-device-1')).toMatchObject({ state: { desired: { color: 'green' } }, version: 1 });
      // The job is back, its download URL on the new listener serves the same image.
      const restored = second.otaJob(job.jobId);
      expect(restored?.devices.get(`${product.productKey}&kept-device-1`)).toEqual({ status: 'offline' });
      expect(restored!.upgrade.url.startsWith(base2)).toBe(true);
      const image = new Uint8Array(await (await fetch(restored!.upgrade.url)).arrayBuffer());
      expect(image.length).toBe(1000);
      // New jobs continue the numbering instead of overwriting the old one.
      const next = second.pushOta({ version: '2.0.1', size: 10 }, [{ productKey: product.productKey, deviceName: 'kept-device-1' }]);
      expect(Number(next.jobId)).toBeGreaterThan(Number(job.jobId));
      second.disableDevice(product.productKey, 'kept-device-1');
      await second.flushState();
      expect(readdirSync(join(dir, 'devices')).sort()).toEqual(['a1StatePk01%26kept-device-1.json', 'a1StatePk01%26registers-1.json']);
    } finally {
      await second.close();
    }
    const third = await startEmulator({ ...options, store: directoryStore(dir) });
    expect(third.device(product.productKey, 'kept-device-1')?.enabled).toBe(false);
    // A device deleted on the platform loses its record.
    await third.deleteDevice(product.productKey, 'registers-1');
    await third.flushState();
    expect(readdirSync(join(dir, 'devices'))).toEqual(['a1StatePk01%26kept-device-1.json']);
    await third.close();
  });

  it('a damaged store stops the start with a typed error naming the file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-state-'));
    const first = await startEmulator({ ...options, store: directoryStore(dir) });
    await first.updateShadow(product.productKey, 'kept-device-1', { method: 'update', state: { reported: { t: 1 } }, version: 1 });
    await first.close();
    const file = join(dir, 'shadows', 'a1StatePk01%26kept-device-1.json');
    writeFileSync(file, '{"productKey": "a1StatePk01",\n "deviceName": "kept-device-1",\n "document": {"state": }}');
    const e = await startEmulator({ ...options, store: directoryStore(dir) }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(PlatformStoreError);
    expect(e).toMatchObject({ code: 'corrupt_record', where: { file, line: 3, column: 24 } });
    // Valid JSON of the wrong shape is a typed error too.
    writeFileSync(file, JSON.stringify({ productKey: 'a1StatePk01', deviceName: 'kept-device-1', document: { state: 'x' } }));
    const shaped = await startEmulator({ ...options, store: directoryStore(dir) }).then(() => undefined, (x: unknown) => x);
    expect(shaped).toMatchObject({ code: 'invalid_record', where: { collection: 'shadows', key: 'a1StatePk01&kept-device-1' } });
    // A failed start released the directory: no lock is left behind.
    expect(readdirSync(dir)).not.toContain('lock');
  });

  it('a failing store is reported as store_error events and retried, never thrown into the platform', async () => {
    const events: EmulatorEvent[] = [];
    const inner = memoryStore();
    let failing = true;
    const flaky = { ...inner, put: async (c: string, k: string, v: never) => (failing ? Promise.reject(new PlatformStoreError('io', 'disk full')) : inner.put(c, k, v)) };
    const platform = await startEmulator({ ...options, store: flaky, onEvent: (e) => events.push(e) });
    await platform.updateShadow(product.productKey, 'kept-device-1', { method: 'update', state: { reported: { t: 1 } }, version: 1 });
    await expect(platform.flushState()).rejects.toMatchObject({ code: 'io' });
    // The background writer (every second) reports the same failure as an event.
    await until(() => events.some((e) => e.type === 'store_error'), 5000);
    expect(events.find((e) => e.type === 'store_error')).toMatchObject({ code: 'io', message: 'disk full' });
    failing = false;
    await platform.flushState();
    expect(await inner.get('shadows', `${product.productKey}&kept-device-1`)).toMatchObject({ document: { version: 1 } });
    await platform.close();
  });
});
