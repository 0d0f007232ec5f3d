// OTA end to end: an upgrade pushed by a scripted platform over aedes, the image served by a
// real HTTP server on 127.0.0.1 that honours Range and cuts the transfer twice; the download
// resumes, verifies while streaming, and only the verified image can be activated. A tampered
// image is never activated and step -3 is reported.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyUpgradePush, type FirmwareUpgrade, type VerifiedFirmware } from '@linkwire/ota';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { ok, startPlatform, type ScriptedPlatform } from './platform.ts';

registerNodeHash();
const device = { productKey: 'a1OtaProd01', deviceName: 'ota-dev-1', deviceSecret: 'ota-secret' };
const image = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 0xff);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('OTA', () => {
  let broker: TestBroker;
  let cloud: ScriptedPlatform;
  let http: Server;
  let base: string;
  const requests: string[] = [];
  let cutsLeft = 0;
  beforeAll(async () => {
    broker = await startAedes();
    cloud = await startPlatform(broker.port);
    http = createServer((req, res) => {
      const body = req.url === '/tampered.bin' ? image.map((b, i) => (i === 1000 ? b ^ 1 : b)) : image;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      requests.push(`${req.url} ${start}`);
      res.writeHead(range ? 206 : 200, { 'content-length': String(body.length - start), ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
      const rest = body.subarray(start);
      if (cutsLeft > 0) {
        cutsLeft--;
        // Send a part, then drop the connection in the middle of the body.
        res.write(rest.subarray(0, 70_000), () => setTimeout(() => res.destroy(), 10));
      } else res.end(rest);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await cloud.close();
    await broker.close();
    await new Promise<void>((r) => http.close(() => r()));
  });

  const upgrade = (path: string, digest = sha256(image)): FirmwareUpgrade => ({ version: '2.0.0', size: image.length, url: `${base}${path}`, digestMethod: 'sha256', digest });

  it('informs the version on connect, downloads a pushed upgrade cut twice, resumes with Range, activates only the verified image', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: broker.port }, ota: { version: '1.0.0', allowHttp: true, minIntervalMs: 0 } });
    const informed = cloud.next(`/ota/device/inform/${device.productKey}/${device.deviceName}`);
    try {
      await d.connect();
      expect(JSON.parse((await informed).payload)).toMatchObject({ params: { version: '1.0.0' } });
      const installed: VerifiedFirmware[] = [];
      const done = new Promise<void>((resolve, reject) =>
        d.ota.onUpgrade(async (u) => {
          try {
            const dl = await d.ota.download(u);
            expect(dl.attempts).toBe(3);
            expect(sha256(dl.image!)).toBe(sha256(image));
            await d.ota.activate(dl.firmware, (fw) => void installed.push(fw));
            resolve();
          } catch (e) {
            reject(e);
          }
        }),
      );
      cutsLeft = 2;
      requests.length = 0;
      await cloud.publish(`/ota/device/upgrade/${device.productKey}/${device.deviceName}`, stringifyUpgradePush({ id: 1, upgrade: upgrade('/fw.bin') }));
      await done;
      // Each resume starts where the verified bytes end (what reached the device before the cut).
      const starts = requests.map((r) => Number(r.split(' ')[1]));
      expect(requests.every((r) => r.startsWith('/fw.bin '))).toBe(true);
      expect(starts).toHaveLength(3);
      expect(starts[0]).toBe(0);
      expect(starts[1]).toBeGreaterThan(0);
      expect(starts[2]).toBeGreaterThan(starts[1]!);
      expect(installed.map((f) => f.version)).toEqual(['2.0.0']);
      await expect.poll(() => cloud.seen(`/ota/device/progress/${device.productKey}/${device.deviceName}`).map((m) => (JSON.parse(m.payload) as { params: { step: string } }).params.step)).toContain('100');
    } finally {
      await d.end();
    }
  });

  it('a tampered image is refused (step -3 reported) and can never be activated', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: broker.port }, ota: { allowHttp: true } });
    try {
      await d.connect();
      const e = await d.ota.download(upgrade('/tampered.bin')).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'digest_mismatch' });
      await expect.poll(() => cloud.seen(`/ota/device/progress/${device.productKey}/${device.deviceName}`).some((m) => (JSON.parse(m.payload) as { params: { step: string } }).params.step === '-3')).toBe(true);
      let ran = false;
      const forged = { version: '2.0.0', url: `${base}/tampered.bin`, size: image.length, digestMethod: 'sha256', digest: sha256(image) } as unknown as VerifiedFirmware;
      await expect(d.ota.activate(forged, () => (ran = true))).rejects.toMatchObject({ code: 'not_verified' });
      expect(ran).toBe(false);
    } finally {
      await d.end();
    }
  });

  it('pulls pending firmware with thing.ota.firmware.get', async () => {
    cloud.answer(`/sys/${device.productKey}/${device.deviceName}/thing/ota/firmware/get`, (_t, p) => ok(p, { ...upgrade('/fw.bin'), sign: sha256(image), signMethod: 'SHA256' }));
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: broker.port }, ota: { allowHttp: true } });
    try {
      await d.connect();
      const u = await d.ota.pull();
      expect(u).toMatchObject({ version: '2.0.0', size: image.length, digestMethod: 'sha256' });
    } finally {
      await d.end();
    }
  });
});
