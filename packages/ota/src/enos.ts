/**
 * EnOS OTA messages under `/sys/{pk}/{dk}/ota/device/…` (methods `ota.device.*`): version
 * inform, upgrade command, progress (0–100, −1..−5) and the getversion pull. EnOS names the
 * download `fileUrl` and `fileSize` and usually sends a file-service path, not a full URL.
 * @module
 */
import { describe, type Issue, utf8Encode } from '@linkwire/base';
import type { DigestMethod } from './digest.ts';
import { checkMethod, encodeReply, encodeRequest, readReplyHead, type Reply } from './envelope.ts';
import { OtaError, throwIssues } from './errors.ts';
import { checkDigest, checkDigestMethod, checkedOptions, checkId, checkUrl, issue, own, parsePayload, readId, readObject, readSize, readString, requireObject, type DecodeOptions, type JsonObject, type MessageId } from './fields.ts';
import { progressStepIssue, readStep } from './progress-step.ts';

// EnOS accepts messages up to 512 KB (code 1008 above that).
const ENOS_MAX_MESSAGE = 512 * 1024;
import type { FirmwareUpgrade } from './alibaba.ts';

/** `ota.device.upgrade`: the command and the firmware it offers. */
export interface EnosUpgradeCommand {
  readonly id: MessageId;
  readonly upgrade: FirmwareUpgrade;
}

const enosFirmwareFields = (u: FirmwareUpgrade): JsonObject => ({
  version: u.version, sign: u.digest, signMethod: u.digestMethod, fileUrl: u.url, fileSize: u.size,
});

function readEnosFirmware(d: JsonObject, path: string, issues: Issue[], options?: DecodeOptions): FirmwareUpgrade | undefined {
  const before = issues.length;
  const version = readString(d, 'version', path, issues, { max: 64 });
  const size = readSize(d, 'fileSize', path, issues);
  const rawUrl = readString(d, 'fileUrl', path, issues, { max: 8192 });
  const url = rawUrl === undefined ? undefined : checkUrl(rawUrl, `${path}.fileUrl`, issues, { allowHttp: options?.allowHttp, allowPath: true });
  const signMethod = readString(d, 'signMethod', path, issues, { optional: true });
  const sign = readString(d, 'sign', path, issues, { optional: true, allowEmpty: true });
  let method: DigestMethod | undefined;
  let digest: string | undefined;
  if (sign === undefined || sign === '') issue(issues, `${path}.sign`, 'missing_digest', 'the firmware carries no digest (sign)');
  else if (signMethod === undefined) issue(issues, `${path}.signMethod`, 'missing_digest_method', 'sign is present but signMethod is missing');
  else {
    method = checkDigestMethod(signMethod, `${path}.signMethod`, issues);
    if (method) digest = checkDigest(sign, method, `${path}.sign`, issues);
  }
  if (issues.length > before) return undefined;
  return { version: version!, size: size!, url: url!, digestMethod: method!, digest: digest! };
}

function checkUpgrade(u: FirmwareUpgrade, what: string): void {
  requireObject(u, what);
  const issues: Issue[] = [];
  readEnosFirmware(enosFirmwareFields(u), 'params', issues, { allowHttp: true });
  if (issues.length > 0) throwIssues(what, issues);
}

/**
 * `ota.device.inform`: the device reports its firmware version after every connect.
 *
 * @example
 * ```ts
 * encodeEnosVersionInform({ id: '123', version: '1.0' });
 * // {"id":"123","version":"1.0","params":{"version":"1.0"},"method":"ota.device.inform"}
 * ```
 */
export function stringifyEnosVersionInform(v: { id: MessageId; version: string }): string {
  requireObject(v, 'encodeEnosVersionInform');
  const issues: Issue[] = [];
  checkId(v.id, 'id', issues);
  readString(v as unknown as JsonObject, 'version', 'params', issues, { max: 64 });
  if (issues.length > 0) throwIssues('EnOS version inform', issues);
  return encodeRequest(v.id, 'ota.device.inform', { version: v.version });
}

/** {@link stringifyEnosVersionInform} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosVersionInform(v: { id: MessageId; version: string }): Uint8Array {
  return utf8Encode(stringifyEnosVersionInform(v));
}

/** Decodes `ota.device.inform` (the platform side). */
export function decodeEnosVersionInform(payload: string | Uint8Array, options?: DecodeOptions): { id: MessageId; version: string } {
  const o = parsePayload(payload, 'EnOS version inform', checkedOptions(options)?.maxBytes ?? ENOS_MAX_MESSAGE);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'ota.device.inform', issues);
  const params = readObject(o, 'params', '', issues);
  const version = params && readString(params, 'version', 'params', issues, { max: 64 });
  if (issues.length > 0) throwIssues('EnOS version inform', issues);
  return { id: id!, version: version! };
}

/** The platform's `ota.device.upgrade` command (emulator and tests). */
export function stringifyEnosUpgrade(cmd: EnosUpgradeCommand): string {
  requireObject(cmd, 'encodeEnosUpgrade');
  const issues: Issue[] = [];
  checkId(cmd.id, 'id', issues);
  if (issues.length > 0) throwIssues('EnOS upgrade', issues);
  checkUpgrade(cmd.upgrade, 'EnOS upgrade');
  return encodeRequest(cmd.id, 'ota.device.upgrade', enosFirmwareFields(cmd.upgrade));
}

/** {@link stringifyEnosUpgrade} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosUpgrade(cmd: EnosUpgradeCommand): Uint8Array {
  return utf8Encode(stringifyEnosUpgrade(cmd));
}

/**
 * Decodes `ota.device.upgrade`. `fileUrl` may be an https URL or a file-service path
 * (`/…`), which the caller resolves against its EnOS API endpoint; the device answers on
 * `…/upgrade_reply` with {@link encodeEnosReply}.
 *
 * @example
 * ```ts
 * const { id, upgrade } = decodeEnosUpgrade(payload);
 * publish(`${topic}_reply`, encodeEnosReply(id));
 * ```
 */
export function decodeEnosUpgrade(payload: string | Uint8Array, options?: DecodeOptions): EnosUpgradeCommand {
  const o = parsePayload(payload, 'EnOS upgrade', checkedOptions(options)?.maxBytes ?? ENOS_MAX_MESSAGE);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'ota.device.upgrade', issues);
  const params = readObject(o, 'params', '', issues);
  const upgrade = params && readEnosFirmware(params, 'params', issues, options);
  if (issues.length > 0) throwIssues('EnOS upgrade', issues);
  return { id: id!, upgrade: upgrade! };
}

/** The device's answer to a cloud command: `{"id","code","data":{}}`. */
export function stringifyEnosReply(id: MessageId, code = 200): string {
  const issues: Issue[] = [];
  checkId(id, 'id', issues);
  if (!Number.isSafeInteger(code)) issue(issues, 'code', 'invalid_type', 'code must be an integer');
  if (issues.length > 0) throwIssues('EnOS reply', issues);
  return encodeReply(id, code, {});
}

/** {@link stringifyEnosReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosReply(id: MessageId, code = 200): Uint8Array {
  return utf8Encode(stringifyEnosReply(id, code));
}

/**
 * `ota.device.progress`: 0–100 percent, or −1 update, −2 download, −3 verification,
 * −4 flashing, −5 other failure; `desc` carries the reason.
 */
export function stringifyEnosProgress(p: { id: MessageId; step: number; desc?: string }): string {
  requireObject(p, 'encodeEnosProgress');
  const issues: Issue[] = [];
  checkId(p.id, 'id', issues);
  const why = typeof p.step === 'number' ? progressStepIssue(p.step, 'enos') : 'step must be a number';
  if (why !== undefined) issue(issues, 'params.step', 'invalid_step', why);
  readString(p as unknown as JsonObject, 'desc', 'params', issues, { optional: true, allowEmpty: true, max: 1024 });
  if (issues.length > 0) throwIssues('EnOS progress', issues);
  return encodeRequest(p.id, 'ota.device.progress', p.desc === undefined ? { step: String(p.step) } : { step: String(p.step), desc: p.desc });
}

/** {@link stringifyEnosProgress} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosProgress(p: { id: MessageId; step: number; desc?: string }): Uint8Array {
  return utf8Encode(stringifyEnosProgress(p));
}

/** Decodes `ota.device.progress` (the platform side). */
export function decodeEnosProgress(payload: string | Uint8Array, options?: DecodeOptions): { id: MessageId; step: number; desc?: string } {
  const o = parsePayload(payload, 'EnOS progress', checkedOptions(options)?.maxBytes ?? ENOS_MAX_MESSAGE);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'ota.device.progress', issues);
  const params = readObject(o, 'params', '', issues);
  const step = params && readStep(own(params, 'step'), 'params.step', issues, 'enos');
  const desc = params && readString(params, 'desc', 'params', issues, { optional: true, allowEmpty: true, max: 1024 });
  if (issues.length > 0) throwIssues('EnOS progress', issues);
  return desc === undefined ? { id: id!, step: step! } : { id: id!, step: step!, desc };
}

/** `ota.device.getversion`: asks which firmware the device may install. */
export function stringifyEnosGetVersion(id: MessageId): string {
  const issues: Issue[] = [];
  checkId(id, 'id', issues);
  if (issues.length > 0) throwIssues('EnOS getversion', issues);
  return encodeRequest(id, 'ota.device.getversion', {});
}

/** {@link stringifyEnosGetVersion} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosGetVersion(id: MessageId): Uint8Array {
  return utf8Encode(stringifyEnosGetVersion(id));
}

/** The platform's getversion reply: a list of firmware (emulator and tests). */
export function stringifyEnosGetVersionReply(reply: Reply<readonly FirmwareUpgrade[]>): string {
  requireObject(reply, 'encodeEnosGetVersionReply');
  const issues: Issue[] = [];
  checkId(reply.id, 'id', issues);
  if (issues.length > 0) throwIssues('EnOS getversion reply', issues);
  if (reply.data !== undefined && !Array.isArray(reply.data)) throw new OtaError('invalid_message', `getversion reply data must be a list, got ${describe(reply.data)}`);
  const list = (reply.data ?? []).map((u) => (checkUpgrade(u, 'EnOS getversion reply'), enosFirmwareFields(u)));
  return encodeReply(reply.id, reply.code, list, reply.message);
}

/** {@link stringifyEnosGetVersionReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeEnosGetVersionReply(reply: Reply<readonly FirmwareUpgrade[]>): Uint8Array {
  return utf8Encode(stringifyEnosGetVersionReply(reply));
}

/** Decodes the getversion reply: every offered firmware, validated. */
export function decodeEnosGetVersionReply(payload: string | Uint8Array, options?: DecodeOptions): Reply<FirmwareUpgrade[]> {
  const o = parsePayload(payload, 'EnOS getversion reply', checkedOptions(options)?.maxBytes ?? ENOS_MAX_MESSAGE);
  const issues: Issue[] = [];
  const { id, code, message } = readReplyHead(o, issues);
  const list: FirmwareUpgrade[] = [];
  const data = own(o, 'data');
  if (code === 200 && data !== undefined && data !== null) {
    if (!Array.isArray(data)) issue(issues, 'data', 'invalid_type', 'data must be a list of firmware');
    else data.forEach((d, i) => {
      if (typeof d !== 'object' || d === null || Array.isArray(d)) issue(issues, `data.${i}`, 'invalid_type', 'a firmware entry must be an object');
      else {
        const u = readEnosFirmware(d, `data.${i}`, issues, options);
        if (u) list.push(u);
      }
    });
  }
  if (issues.length > 0) throwIssues('EnOS getversion reply', issues);
  return { id: id!, code: code!, ...(message === undefined ? {} : { message }), ...(code === 200 ? { data: list } : {}) };
}
