// EnOS OTA through the emulator (image served over loopback HTTP, streamed through
// @linkwire/ota's verifier, activated only once verified), and thing-model validation on both
// sides: the client refuses before sending, the platform answers 1204.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform } from '@linkwire/emulator';
import { compileTsl, parseTsl, type TslModel } from '@linkwire/tsl';
import { DeviceClient, type EnosError } from '@linkwire/node/enos';

const pk = 'pkOta0001';
const image = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
const md5 = createHash('md5').update(image).digest('hex');
const tsl = {
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: pk },
  properties: [
    { identifier: 'temp', name: 'temp', accessMode: 'rw', required: false, dataType: { type: 'float', specs: { min: '-40', max: '125', step: '0.1' } } },
  ],
  events: [{ identifier: 'alarm', name: 'alarm', type: 'alert', method: 'thing.event.alarm.post', outputData: [{ identifier: 'level', name: 'level', dataType: { type: 'int', specs: { min: '0', max: '5', step: '1' } } }] }],
  services: [{ identifier: 'reboot', name: 'reboot', callType: 'async', method: 'thing.service.reboot', inputData: [{ identifier: 'delay', name: 'delay', dataType: { type: 'int', specs: { min: '0', max: '60', step: '1' } } }], outputData: [] }],
};

let platform: EnosPlatform;
let files: http.Server;
let fileBase: string;
let model: ReturnType<typeof compileTsl>;

beforeAll(async () => {
  const parsed = parseTsl(tsl);
  expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
  model = compileTsl(parsed.model as TslModel, { dialect: 'enos' });
  platform = await startEnosPlatform({
    products: [{ productKey: pk, productSecret: 'ps', model }],
    devices: [{ productKey: pk, deviceKey: 'otaDevice1', deviceSecret: 'ds' }],
    firmware: () => [{ version: '2.0.0', fileUrl: `${fileBase}/good.bin`, fileSize: image.length, sign: md5, signMethod: 'md5' }],
  });
  files = http.createServer((req, res) => {
    const body = req.url === '/good.bin' ? image : image.map((b, i) => (i === 1000 ? b ^ 1 : b));
    res.writeHead(200, { 'content-length': String(body.length) }).end(Buffer.from(body));
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  fileBase = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await platform.close();
  await new Promise((r) => files.close(r));
});

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function download(url: string, feed: (chunk: Uint8Array) => void): Promise<void> {
  const res = await fetch(url);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) feed(chunk);
}

describe('EnOS OTA (ota.device.*)', () => {
  it('inform, getversion, an upgrade streamed through the verifier and activated once verified; a tampered image is never installed', async () => {
    const client = new DeviceClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'otaDevice1', deviceSecret: 'ds' });
    const errors: EnosError[] = [];
    client.on('error', (e) => errors.push(e as EnosError));
    const installed: string[] = [];
    await client.ota.onUpgrade(async (upgrade, ctx) => {
      await download(upgrade.url, (chunk) => ctx.verifier.update(chunk));
      await ctx.progress(ctx.verifier.percent ?? 0);
      const verified = ctx.verifier.finish(); // throws digest_mismatch (step -3) on a tampered image
      await ctx.activate(verified, () => void installed.push(upgrade.version));
    }, { allowHttp: true });
    await client.connect();
    expect((await client.ota.reportVersion('1.0.0'))!.code).toBe(200);
    expect(platform.device(pk, 'otaDevice1')!.otaVersion).toBe('1.0.0');
    const offered = await client.ota.requestFirmware();
    expect(offered).toMatchObject([{ version: '2.0.0', size: image.length, digestMethod: 'md5', digest: md5 }]);

    await expect(platform.pushUpgrade(pk, 'otaDevice1', { version: '2.0.0', fileUrl: `${fileBase}/good.bin`, fileSize: image.length, sign: md5, signMethod: 'md5' })).resolves.toMatchObject({ code: 200 });
    await until(() => platform.device(pk, 'otaDevice1')!.otaVersion === '2.0.0');
    expect(installed).toEqual(['2.0.0']);
    expect(platform.device(pk, 'otaDevice1')!.otaProgress.map((p) => p.step)).toEqual([99, 100]); // download progress stops at 99 until activated

    await platform.pushUpgrade(pk, 'otaDevice1', { version: '3.0.0', fileUrl: `${fileBase}/tampered.bin`, fileSize: image.length, sign: md5, signMethod: 'md5' });
    await until(() => platform.device(pk, 'otaDevice1')!.otaProgress.some((p) => p.step === -3));
    expect(installed).toEqual(['2.0.0']);
    expect(errors.some((e) => e.code === 'digest_mismatch')).toBe(true);

    // A command that does not decode is refused with 1220, the handler never runs.
    await expect(platform.pushUpgrade(pk, 'otaDevice1', { version: '4', fileUrl: 'ftp://x', fileSize: -1, sign: 'zz', signMethod: 'crc' })).resolves.toMatchObject({ code: 1220 });
    await client.close();
  });
});

describe('thing-model validation', () => {
  it('the client refuses data its model refuses, before sending; the platform answers 1204 to a client without a model', async () => {
    const strict = new DeviceClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'otaDevice1', deviceSecret: 'ds', model });
    await strict.connect();
    await expect(strict.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 21.5 } } })).resolves.toMatchObject({ code: 200 });
    await expect(strict.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 500 } } })).rejects.toMatchObject({ code: 'model_invalid' });
    await expect(strict.deviceData.postEvent({ eventName: 'alarm', eventParams: { level: 9 } })).rejects.toMatchObject({ code: 'model_invalid' });
    // Commands are checked before the handler runs: a refused one is answered 1204.
    let ran = 0;
    await strict.deviceCommand.onInvokeService('reboot', (_req, res) => (ran++, res.send(200)));
    await expect(platform.invokeService(pk, 'otaDevice1', 'reboot', { delay: 99 })).resolves.toMatchObject({ code: 1204 });
    await expect(platform.invokeService(pk, 'otaDevice1', 'reboot', { delay: 5 })).resolves.toMatchObject({ code: 200 });
    expect(ran).toBe(1);
    await strict.close();

    const loose = new DeviceClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'otaDevice1', deviceSecret: 'ds' });
    await loose.connect();
    const r = await loose.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 500 } } });
    expect(r.code).toBe(1204);
    expect(r.message).toMatch(/temp/);
    await loose.close();
  });
});
