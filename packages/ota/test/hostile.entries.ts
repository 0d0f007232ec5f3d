/** Every public function of @linkwire/ota under hostile data and hostile options (see test/support/fuzz). */
import { hashHex } from '@linkwire/hash';
import { manualClock } from '@linkwire/base';
import { hostileJsonText, hostileValue } from '@linkwire/base/testing';
import * as ota from '@linkwire/ota';
import { firmwareImage, malformedPayload, malformedUpgradePush } from '@linkwire/ota/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { members } from '../../../test/support/fuzz/sized.ts';
import { SEED_MODEL_CONFIG_DOCUMENT, SEED_UPGRADE_PUSH } from './seed-fixtures.ts';

const image = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const digest = hashHex('sha256', image);
const upgrade = { version: '2.0.0', size: image.length, url: 'https://oss.example.com/fw.bin', digestMethod: 'sha256', digest, module: 'MCU' };
const config = { configId: 'cfg1', size: 8, url: 'https://oss.example.com/c.json', digestMethod: 'sha256', digest, getType: 'file' };
const target = { url: 'https://oss.example.com/m.json', digestMethod: 'sha256', digest };
const payload = data(fc.oneof(malformedPayload(), malformedUpgradePush(), hostileJsonText(), fc.constantFrom(
  SEED_UPGRADE_PUSH,
  ota.stringifyVersionInform({ id: '7', version: '1.0.1', module: 'MCU' }),
  ota.stringifyProgress({ id: 1, step: 50, desc: 'd' }),
  ota.stringifyFirmwareGetReply({ id: '1', code: 200, data: upgrade as ota.FirmwareUpgrade }),
  ota.stringifyConfigPush({ id: '9', config: config as ota.ConfigFile }),
  ota.stringifyModelConfigPush({ id: 1, config: target as ota.ModelConfigTarget }),
  ota.stringifyEnosUpgrade({ id: '1', upgrade: upgrade as ota.FirmwareUpgrade }),
  SEED_MODEL_CONFIG_DOCUMENT,
)));
const decodeOptions = options({ maxBytes: 1 << 20, allowHttp: true });
const id = data(fc.oneof(fc.nat(), fc.nat().map(String)));
const verifierOptions = options({ maxSize: 1 << 20, allowHttp: true, backend: ota.defaultDigestBackend });
const targetVariant = variant({ ...upgrade }, { ...config }, { ...target, size: 8, version: '1', configId: 'c', module: 'm' });
const chunk = data(firmwareImage(16));

const decoders = Object.keys(ota).filter((k) => k.startsWith('decode')).sort();
const encoderExamples: Record<string, unknown[]> = {
  stringifyVersionInform: [{ id: '7', version: '1.0.1', module: 'MCU' }],
  stringifyFirmwareRequest: [{ id: 1, version: '1.0.1' }],
  stringifyUpgradePush: [{ id: 1, message: 'success', upgrade }],
  stringifyProgress: [{ id: 1, step: 50, desc: 'd', module: 'MCU' }],
  stringifyFirmwareGet: [{ id: '123', module: 'MCU' }],
  stringifyFirmwareGetReply: [{ id: '1', code: 200, data: upgrade, message: 'success' }],
  stringifyConfigGet: [{ id: 123 }],
  stringifyConfigGetReply: [{ id: '1', code: 200, data: config }],
  stringifyConfigPush: [{ id: '9', config }],
  stringifyEnosVersionInform: [{ id: '1', version: '1.0' }],
  stringifyEnosUpgrade: [{ id: '1', upgrade }],
  stringifyEnosProgress: [{ id: '1', step: -5, desc: 'custom' }],
  stringifyEnosGetVersionReply: [{ id: '1', code: 200, data: [upgrade] }],
  stringifyModelConfigPush: [{ id: 1, config: target }],
  stringifyModelConfigPushReply: [{ id: 1, code: 200, data: target }],
};

// The decoder's message (its encoder's example) grown to about `n` bytes by a member the
// decoder does not read.
const sizedMessage = (decoderName: string): ((n: number) => readonly unknown[]) | undefined => {
  const encoderName = decoderName.replace(/^decode/, 'encode');
  const example = encoderExamples[encoderName]?.[0];
  if (example === undefined) return undefined;
  const text = (ota as unknown as Record<string, (x: unknown) => string>)[encoderName]!(example);
  return (n) => [`${text.slice(0, -1)},"extra":{${members(n - text.length, (i) => `"k${i}":"v${i}"`)}}}`, { maxBytes: 1 << 20 }];
};

export const entries: FuzzEntry[] = [
  ...decoders.map((name) => decoder('OTA messages', entry(`ota.${name}`, (ota as unknown as Record<string, (...a: never[]) => unknown>)[name]!, [payload, decodeOptions]), sizedMessage(name))),
  ...Object.entries(encoderExamples).map(([name, examples]) => entry(`ota.${name}`, (ota as unknown as Record<string, (...a: never[]) => unknown>)[name]!, [variant(...examples)])),
  // Each stringify* has an encode* twin (the same text as UTF-8 bytes): the same hostile inputs.
  ...Object.entries(encoderExamples).map(([name, examples]) => {
    const bytes = name.replace(/^stringify/, 'encode');
    return entry(`ota.${bytes}`, (ota as unknown as Record<string, (...a: never[]) => unknown>)[bytes]!, [variant(...examples)]);
  }),
  entry('ota.encodeConfigPushReply', ota.encodeConfigPushReply, [id, data(fc.constantFrom(200, 460))]),
  entry('ota.encodeEnosReply', ota.encodeEnosReply, [id, data(fc.constantFrom(200, 460))]),
  entry('ota.encodeEnosGetVersion', ota.encodeEnosGetVersion, [id]),
  entry('ota.stringifyConfigPushReply', ota.stringifyConfigPushReply, [id, data(fc.constantFrom(200, 460))]),
  entry('ota.stringifyEnosReply', ota.stringifyEnosReply, [id, data(fc.constantFrom(200, 460))]),
  entry('ota.stringifyEnosGetVersion', ota.stringifyEnosGetVersion, [id]),
  entry('ota.stringifyConfigPushReply', ota.stringifyConfigPushReply, [id, data(fc.integer())]),
  entry('ota.parseDigestMethod', ota.parseDigestMethod, [data(fc.constantFrom('md5', 'SHA256', 'Md5', 'x'))]),
  decoder('OTA messages', entry('ota.parseModelConfigDocument', ota.parseModelConfigDocument, [data(fc.oneof(fc.constant(SEED_MODEL_CONFIG_DOCUMENT), hostileJsonText())), options({ maxBytes: 1 << 20 })])),
  entry('ota.validateModelConfigDocument', ota.validateModelConfigDocument, [fc.oneof(hostileValue(), variant(JSON.parse(SEED_MODEL_CONFIG_DOCUMENT)))]),
  entry('ota.encryptOpcUaPassword', ota.encryptOpcUaPassword, [data(fc.string()), data(fc.string({ minLength: 1 }))]),
  entry('ota.decryptOpcUaPassword', ota.decryptOpcUaPassword, [data(fc.string()), data(fc.string({ minLength: 1 }))]),
  entry('ota.progressStepIssue', ota.progressStepIssue, [data(fc.integer({ min: -10, max: 110 })), data(fc.constantFrom('alibaba', 'enos'))]),
  entry('ota.createProgressReporter', (o: unknown, p: unknown, m: unknown) => {
    const r = ota.createProgressReporter(o as ota.ProgressReporterOptions);
    r.progress(p as number, m as string);
    r.fail(p as ota.FailureStep, m as string);
    r.succeed(m as string);
  }, [options({ clock: manualClock(0), everyPercent: 5, minIntervalMs: 1000, platform: 'enos' }), data(fc.integer({ min: -10, max: 110 })), data(fc.string())]),
  entry('ota.compareVersions', ota.compareVersions, [data(fc.constantFrom('1.0.0', '2.0', 'v1.2.3-rc1')), data(fc.constantFrom('1.0.0', '2.0', 'x'))]),
  entry('ota.checkUpgrade', ota.checkUpgrade, [data(fc.constantFrom('1.0.0', '2.0')), data(fc.constantFrom('1.0.1', '1.0')), options({ allowDowngrade: true })]),
  entry('ota.otaTopics', ota.otaTopics, [data(fc.constantFrom('pk', 'a/b')), data(fc.constantFrom('dn', '+'))]),
  entry('ota.enosOtaTopics', ota.enosOtaTopics, [data(fc.constantFrom('pk', 'a/b')), data(fc.constantFrom('dn', '#'))]),
  entry('ota.parseOtaTopic', ota.parseOtaTopic, [data(fc.constantFrom('/ota/device/upgrade/pk/dn', '/sys/pk/dn/thing/ota/firmware/get', '/ota/x'))]),
  entry('ota.hashDigestBackend.restore', (m: unknown, c: unknown) => ota.hashDigestBackend.restore!(m as ota.DigestMethod, c as Uint8Array), [data(fc.constantFrom('md5', 'sha256')), chunk]),
  entry('ota.streamingDigestBackend', (m: unknown, c: unknown) => {
    const d = ota.streamingDigestBackend.create(m as ota.DigestMethod);
    d.update(c as Uint8Array);
    d.digest();
  }, [data(fc.constantFrom('md5', 'sha256')), chunk]),
  entry('ota.createFirmwareVerifier', (t: unknown, o: unknown, c: unknown) => {
    const v = ota.createFirmwareVerifier(t as ota.VerificationTarget, o as ota.VerifierOptions);
    v.update(c as Uint8Array);
    v.update(image);
    const saved = v.save();
    JSON.stringify(saved);
    v.rangeHeader();
    void v.percent;
    ota.activateFirmware(v.finish(), () => undefined);
  }, [targetVariant, verifierOptions, chunk]),
  entry('ota.resumeFirmwareVerifier', (t: unknown, s: unknown, o: unknown) => {
    const v = ota.resumeFirmwareVerifier(t as ota.VerificationTarget, s as ota.VerifierState, o as ota.VerifierOptions);
    v.update(image.subarray(4));
    v.finish();
  }, [fc.constant(upgrade), variant((() => {
    const v = ota.createFirmwareVerifier(upgrade as ota.VerificationTarget);
    v.update(image.subarray(0, 4));
    return v.save();
  })()), verifierOptions]),
  entry('ota.isVerifiedFirmware', ota.isVerifiedFirmware, [hostileValue()]),
  entry('ota.activateFirmware', ota.activateFirmware, [hostileValue(), data(fc.constant(() => 1))]),
];
