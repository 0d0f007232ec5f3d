import { describe, utf8Encode } from '@linkwire/base';
/**
 * Alibaba Cloud IoT OTA messages (aliyun-iot-platform-device-guide §9.10 and the pull flow
 * `thing.ota.firmware.get`): version inform, upgrade push, progress, firmware request.
 * Encoders build the JSON a peer sends; decoders validate what arrives and return typed
 * values or throw an {@link OtaError} listing every issue.
 * @module
 */
import type { Issue } from '@linkwire/base';
import type { DigestMethod } from './digest.ts';
import { checkMethod, encodeReply, encodeRequest, readReplyHead, writeJson, type Reply } from './envelope.ts';
import { throwIssues } from './errors.ts';
import { checkDigest, checkDigestMethod, checkedOptions, checkId, checkUrl, issue, own, parsePayload, readId, readObject, readSize, readString, requireObject, type DecodeOptions, type JsonObject, type MessageId } from './fields.ts';
import { progressStepIssue, readStep } from './progress-step.ts';
import type { VerificationTarget } from './verifier.ts';

/** A firmware image the platform offers: what to download and how to verify it. */
export interface FirmwareUpgrade extends VerificationTarget {
  readonly version: string;
  readonly size: number;
  readonly url: string;
  readonly digestMethod: DigestMethod;
  /** Lowercase hex. */
  readonly digest: string;
  /** The firmware module (absent for the default module). */
  readonly module?: string | undefined;
  /** The upgrade package's custom key/values, as the console configured them. */
  readonly extData?: JsonObject | undefined;
}

/** `/ota/device/upgrade/{pk}/{dn}`: the push (code "1000") carrying a {@link FirmwareUpgrade}. */
export interface UpgradePush {
  readonly id: MessageId;
  readonly message?: string | undefined;
  readonly upgrade: FirmwareUpgrade;
}

/** Version inform and firmware request: `{id, params: {version, module?}}`. */
export interface VersionReport {
  readonly id: MessageId;
  readonly version: string;
  readonly module?: string | undefined;
}

/** `/ota/device/progress/{pk}/{dn}`: a percentage 1–100 or a failure −1..−4. */
export interface ProgressMessage {
  readonly id: MessageId;
  readonly step: number;
  readonly desc?: string | undefined;
  readonly module?: string | undefined;
}

/** `thing.ota.firmware.get`: the device asks for the pending firmware of a module. */
export interface FirmwareGet {
  readonly id: MessageId;
  readonly module?: string | undefined;
}

const SIGN_METHOD: Record<DigestMethod, string> = { md5: 'Md5', sha256: 'SHA256' };

function checkVersionReport(v: VersionReport, what: string): void {
  const issues: Issue[] = [];
  checkId(v.id, 'id', issues);
  const o = v as unknown as JsonObject;
  readString(o, 'version', 'params', issues, { max: 64 });
  readString(o, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues(what, issues);
}

function versionParams(v: VersionReport): { version: string; module?: string } {
  return v.module === undefined ? { version: v.version } : { version: v.version, module: v.module };
}

/**
 * The device reports its running firmware version (on start, and after an upgrade).
 *
 * @example
 * ```ts
 * publish(otaTopics(pk, dn).inform, encodeVersionInform({ id: 1, version: '1.0.1' }));
 * // {"id":1,"params":{"version":"1.0.1"}}
 * ```
 */
export function stringifyVersionInform(v: VersionReport): string {
  requireObject(v, 'encodeVersionInform');
  checkVersionReport(v, 'version inform');
  return writeJson({ id: v.id, params: versionParams(v) });
}

/** {@link stringifyVersionInform} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeVersionInform(v: VersionReport): Uint8Array {
  return utf8Encode(stringifyVersionInform(v));
}

/** The firmware request of §9.10 (`/ota/device/request/{pk}/{dn}`): same shape as the inform. */
export function stringifyFirmwareRequest(v: VersionReport): string {
  requireObject(v, 'encodeFirmwareRequest');
  checkVersionReport(v, 'firmware request');
  return writeJson({ id: v.id, params: versionParams(v) });
}

/** {@link stringifyFirmwareRequest} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeFirmwareRequest(v: VersionReport): Uint8Array {
  return utf8Encode(stringifyFirmwareRequest(v));
}

function decodeVersionReport(payload: string | Uint8Array, what: string, options?: DecodeOptions): VersionReport {
  const o = parsePayload(payload, what, checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  const params = readObject(o, 'params', '', issues);
  const version = params && readString(params, 'version', 'params', issues, { max: 64 });
  const module = params && readString(params, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues(what, issues);
  return module === undefined ? { id: id!, version: version! } : { id: id!, version: version!, module };
}

/** Decodes a version inform (the platform side of {@link encodeVersionInform}). */
export function decodeVersionInform(payload: string | Uint8Array, options?: DecodeOptions): VersionReport {
  return decodeVersionReport(payload, 'version inform', options);
}

/** Decodes a firmware request (the platform side of {@link encodeFirmwareRequest}). */
export function decodeFirmwareRequest(payload: string | Uint8Array, options?: DecodeOptions): VersionReport {
  return decodeVersionReport(payload, 'firmware request', options);
}

/**
 * Reads the firmware fields shared by the push and the pull reply. Digest rules: `sign` +
 * `signMethod` (Md5 or SHA256, any case) name the digest; a message with only `md5` is the
 * older form and means an MD5 digest; when the method is MD5 and both `md5` and `sign` are
 * present they must agree.
 */
export function readFirmware(d: JsonObject, path: string, issues: Issue[], options?: DecodeOptions): FirmwareUpgrade | undefined {
  const before = issues.length;
  const size = readSize(d, 'size', path, issues);
  const version = readString(d, 'version', path, issues, { max: 64 });
  const rawUrl = readString(d, 'url', path, issues, { max: 8192 });
  const url = rawUrl === undefined ? undefined : checkUrl(rawUrl, `${path}.url`, issues, { allowHttp: options?.allowHttp });
  const sign = readString(d, 'sign', path, issues, { optional: true, allowEmpty: true });
  const signMethod = readString(d, 'signMethod', path, issues, { optional: true, allowEmpty: true });
  const md5 = readString(d, 'md5', path, issues, { optional: true, allowEmpty: true });
  const module = readString(d, 'module', path, issues, { optional: true, max: 64 });
  const extData = readObject(d, 'extData', path, issues, true);
  let digestMethod: DigestMethod | undefined;
  let digest: string | undefined;
  if (sign !== undefined && sign !== '') {
    if (signMethod === undefined || signMethod === '') issue(issues, `${path}.signMethod`, 'missing_digest_method', 'sign is present but signMethod is missing');
    else digestMethod = checkDigestMethod(signMethod, `${path}.signMethod`, issues);
    if (digestMethod) digest = checkDigest(sign, digestMethod, `${path}.sign`, issues);
    if (digestMethod === 'md5' && digest && md5 !== undefined && md5 !== '' && md5.toLowerCase() !== digest) {
      issue(issues, `${path}.md5`, 'digest_conflict', 'md5 and sign disagree');
    }
  } else if (md5 !== undefined && md5 !== '') {
    const method = signMethod === undefined || signMethod === '' ? 'md5' : checkDigestMethod(signMethod, `${path}.signMethod`, issues);
    if (method === 'sha256') issue(issues, `${path}.sign`, 'missing_digest', `signMethod is ${signMethod} but sign is missing`);
    else if (method === 'md5') {
      digestMethod = 'md5';
      digest = checkDigest(md5, 'md5', `${path}.md5`, issues);
    }
  } else {
    issue(issues, `${path}.sign`, 'missing_digest', 'the message carries no digest (sign or md5)');
  }
  if (issues.length > before) return undefined;
  const up: FirmwareUpgrade = { version: version!, size: size!, url: url!, digestMethod: digestMethod!, digest: digest! };
  return { ...up, ...(module === undefined ? {} : { module }), ...(extData === undefined ? {} : { extData }) };
}

function firmwareData(u: FirmwareUpgrade): JsonObject {
  requireObject(u, 'the firmware');
  checkFirmware(u);
  return {
    size: u.size, version: u.version, url: u.url,
    ...(u.digestMethod === 'md5' ? { md5: u.digest } : {}),
    sign: u.digest, signMethod: SIGN_METHOD[u.digestMethod],
    ...(u.module === undefined ? {} : { module: u.module }),
    ...(u.extData === undefined ? {} : { extData: u.extData }),
  };
}

function checkFirmware(u: FirmwareUpgrade): void {
  requireObject(u, 'the firmware');
  const issues: Issue[] = [];
  const data = { ...u, sign: u.digest, signMethod: u.digestMethod } as unknown as JsonObject;
  readFirmware(data, 'data', issues, { allowHttp: true });
  if (issues.length > 0) throwIssues('firmware upgrade', issues);
}

/**
 * The platform's upgrade push (used by the emulator and by tests). `signMethod` is spelled
 * `Md5` or `SHA256` as the console sends it, and `md5` is filled too for MD5 images.
 */
export function stringifyUpgradePush(push: UpgradePush): string {
  requireObject(push, 'encodeUpgradePush');
  const issues: Issue[] = [];
  checkId(push.id, 'id', issues);
  if (issues.length > 0) throwIssues('upgrade push', issues);
  return writeJson({ code: '1000', data: firmwareData(push.upgrade), id: push.id, message: push.message ?? 'success' });
}

/** {@link stringifyUpgradePush} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeUpgradePush(push: UpgradePush): Uint8Array {
  return utf8Encode(stringifyUpgradePush(push));
}

/**
 * Decodes and validates an upgrade push. Rejected with a reason: a missing digest, a
 * negative or fractional size, an unknown digest method, a digest of the wrong length, a
 * non-https URL (unless `allowHttp`), a code other than "1000".
 *
 * @example
 * ```ts
 * const { upgrade } = decodeUpgradePush(payload);
 * const verifier = createFirmwareVerifier(upgrade);
 * ```
 */
export function decodeUpgradePush(payload: string | Uint8Array, options?: DecodeOptions): UpgradePush {
  const o = parsePayload(payload, 'upgrade push', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const code = own(o, 'code');
  if (code !== '1000' && code !== 1000) issue(issues, 'code', 'unexpected_code', `code is ${describe(code)}, expected "1000"`);
  const id = readId(o, '', issues);
  const message = readString(o, 'message', '', issues, { optional: true, allowEmpty: true, max: 1024 });
  const data = readObject(o, 'data', '', issues);
  const upgrade = data && readFirmware(data, 'data', issues, options);
  if (issues.length > 0) throwIssues('upgrade push', issues);
  return message === undefined ? { id: id!, upgrade: upgrade! } : { id: id!, message, upgrade: upgrade! };
}

function checkProgress(p: ProgressMessage): void {
  const issues: Issue[] = [];
  checkId(p.id, 'id', issues);
  const why = typeof p.step === 'number' ? progressStepIssue(p.step, 'alibaba') : 'step must be a number';
  if (why !== undefined) issue(issues, 'params.step', 'invalid_step', why);
  const o = p as unknown as JsonObject;
  readString(o, 'desc', 'params', issues, { optional: true, allowEmpty: true, max: 1024 });
  readString(o, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues('progress', issues);
}

/**
 * A progress report: the step travels as a string, as in the seed (`"step": "-1"`).
 *
 * @example
 * ```ts
 * encodeProgress({ id: 1, step: -3, desc: 'verification failed' });
 * // {"id":1,"params":{"step":"-3","desc":"verification failed"}}
 * ```
 */
export function stringifyProgress(p: ProgressMessage): string {
  requireObject(p, 'encodeProgress');
  checkProgress(p);
  const params: Record<string, string> = { step: String(p.step) };
  if (p.desc !== undefined) params['desc'] = p.desc;
  if (p.module !== undefined) params['module'] = p.module;
  return writeJson({ id: p.id, params });
}

/** {@link stringifyProgress} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeProgress(p: ProgressMessage): Uint8Array {
  return utf8Encode(stringifyProgress(p));
}

/** Decodes a progress report; the step may arrive as a string or a number. */
export function decodeProgress(payload: string | Uint8Array, options?: DecodeOptions): ProgressMessage {
  const o = parsePayload(payload, 'progress', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  const params = readObject(o, 'params', '', issues);
  const step = params && readStep(own(params, 'step'), 'params.step', issues, 'alibaba');
  const desc = params && readString(params, 'desc', 'params', issues, { optional: true, allowEmpty: true, max: 1024 });
  const module = params && readString(params, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues('progress', issues);
  return { id: id!, step: step!, ...(desc === undefined ? {} : { desc }), ...(module === undefined ? {} : { module }) };
}

/**
 * Asks for the pending firmware (`/sys/{pk}/{dn}/thing/ota/firmware/get`), optionally of one
 * module; the answer arrives on `…/firmware/get_reply`.
 *
 * @example
 * ```ts
 * encodeFirmwareGet({ id: '123', module: 'MCU' });
 * // {"id":"123","version":"1.0","params":{"module":"MCU"},"method":"thing.ota.firmware.get"}
 * ```
 */
export function stringifyFirmwareGet(g: FirmwareGet): string {
  requireObject(g, 'encodeFirmwareGet');
  const issues: Issue[] = [];
  checkId(g.id, 'id', issues);
  readString(g as unknown as JsonObject, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues('firmware get', issues);
  return encodeRequest(g.id, 'thing.ota.firmware.get', g.module === undefined ? {} : { module: g.module });
}

/** {@link stringifyFirmwareGet} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeFirmwareGet(g: FirmwareGet): Uint8Array {
  return utf8Encode(stringifyFirmwareGet(g));
}

/** Decodes a firmware get request (the platform side). */
export function decodeFirmwareGet(payload: string | Uint8Array, options?: DecodeOptions): FirmwareGet {
  const o = parsePayload(payload, 'firmware get', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'thing.ota.firmware.get', issues);
  const params = readObject(o, 'params', '', issues, true);
  const module = params && readString(params, 'module', 'params', issues, { optional: true, max: 64 });
  if (issues.length > 0) throwIssues('firmware get', issues);
  return module === undefined ? { id: id! } : { id: id!, module };
}

/** The reply to a firmware get: `data` is the upgrade, or absent when none is pending. */
export function stringifyFirmwareGetReply(reply: Reply<FirmwareUpgrade>): string {
  requireObject(reply, 'encodeFirmwareGetReply');
  const issues: Issue[] = [];
  checkId(reply.id, 'id', issues);
  if (issues.length > 0) throwIssues('firmware get reply', issues);
  return encodeReply(reply.id, reply.code, reply.data === undefined ? {} : firmwareData(reply.data), reply.message ?? (reply.code === 200 ? 'success' : undefined));
}

/** {@link stringifyFirmwareGetReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeFirmwareGetReply(reply: Reply<FirmwareUpgrade>): Uint8Array {
  return utf8Encode(stringifyFirmwareGetReply(reply));
}

/**
 * Decodes a firmware get reply. `data` is undefined when the code is not 200 or the platform
 * has no pending firmware (`"data": {}`).
 */
export function decodeFirmwareGetReply(payload: string | Uint8Array, options?: DecodeOptions): Reply<FirmwareUpgrade> {
  const o = parsePayload(payload, 'firmware get reply', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const { id, code, message } = readReplyHead(o, issues);
  let data: FirmwareUpgrade | undefined;
  if (code === 200) {
    const d = readObject(o, 'data', '', issues, true);
    if (d !== undefined && Object.keys(d).length > 0) data = readFirmware(d, 'data', issues, options);
  }
  if (issues.length > 0) throwIssues('firmware get reply', issues);
  return { id: id!, code: code!, ...(message === undefined ? {} : { message }), ...(data === undefined ? {} : { data }) };
}
