import { describe, utf8Encode } from '@linkwire/base';
/**
 * Gateway model config (aliyun-iot-platform-device-guide §9.6): the `thing.model.config.push`
 * message (digest, digestMethod, url) and the document it points to — `modelList`,
 * `serverList`, `deviceList`, `tslList` for Modbus and OPC UA sub-devices.
 * @module
 */
import type { Issue, JsonValue } from '@linkwire/base';
import { checkReplyFields, readReplyHead, writeJson, type Reply } from './envelope.ts';
import { throwIssues } from './errors.ts';
import { checkDigest, checkDigestMethod, checkedOptions, checkId, checkUrl, isObject, issue, own, parsePayload, readId, readObject, readString, requireObject, type DecodeOptions, type JsonObject, type MessageId } from './fields.ts';
import type { VerificationTarget } from './verifier.ts';

/** Where the model config document is and its SHA-256. The push states no size. */
export interface ModelConfigTarget extends VerificationTarget {
  readonly url: string;
  readonly digestMethod: 'sha256';
  /** Lowercase hex. */
  readonly digest: string;
}

/** `thing.model.config.push` from the platform. */
export interface ModelConfigPush {
  readonly id: MessageId;
  readonly config: ModelConfigTarget;
}

function readTarget(d: JsonObject, path: string, issues: Issue[], options?: DecodeOptions): ModelConfigTarget | undefined {
  const before = issues.length;
  const rawUrl = readString(d, 'url', path, issues, { max: 8192 });
  if (rawUrl !== undefined) checkUrl(rawUrl, `${path}.url`, issues, { allowHttp: options?.allowHttp });
  // The seed: "The default method is sha256"; its own example leaves the field empty.
  const method = readString(d, 'digestMethod', path, issues, { optional: true, allowEmpty: true });
  if (method !== undefined && method !== '') checkDigestMethod(method, `${path}.digestMethod`, issues, ['sha256']);
  const digest = readString(d, 'digest', path, issues, { optional: true, allowEmpty: true });
  let hex: string | undefined;
  if (digest === undefined || digest === '') issue(issues, `${path}.digest`, 'missing_digest', 'the model config carries no digest');
  else hex = checkDigest(digest, 'sha256', `${path}.digest`, issues);
  if (issues.length > before) return undefined;
  return { url: rawUrl!, digestMethod: 'sha256', digest: hex! };
}

const targetFields = (t: ModelConfigTarget): JsonObject => ({ digest: t.digest, digestMethod: 'sha256', url: t.url });

function checkedFields(t: ModelConfigTarget, what: string): JsonObject {
  requireObject(t, what);
  const issues: Issue[] = [];
  const f = targetFields(t);
  readTarget(f, 'data', issues, { allowHttp: true });
  if (issues.length > 0) throwIssues(what, issues);
  return f;
}

/** The platform's push, in the seed's form: the fields travel in `data`, not `params`. */
export function stringifyModelConfigPush(push: ModelConfigPush): string {
  requireObject(push, 'encodeModelConfigPush');
  const issues: Issue[] = [];
  checkId(push.id, 'id', issues);
  if (issues.length > 0) throwIssues('model config push', issues);
  return writeJson({ id: push.id, version: '1.0', method: 'thing.model.config.push', data: checkedFields(push.config, 'model config push') });
}

/** {@link stringifyModelConfigPush} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeModelConfigPush(push: ModelConfigPush): Uint8Array {
  return utf8Encode(stringifyModelConfigPush(push));
}

/**
 * Decodes `thing.model.config.push`. The seed carries the fields in `data`; `params` (the
 * usual Alink request member) is accepted too.
 *
 * @example
 * ```ts
 * const { id, config } = decodeModelConfigPush(payload);
 * const verifier = createFirmwareVerifier(config, { maxSize: 4 << 20 });
 * ```
 */
export function decodeModelConfigPush(payload: string | Uint8Array, options?: DecodeOptions): ModelConfigPush {
  const o = parsePayload(payload, 'model config push', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  const m = own(o, 'method');
  if (m !== undefined && m !== 'thing.model.config.push') issue(issues, 'method', 'wrong_method', `method is ${describe(m)}, expected thing.model.config.push`);
  const key = own(o, 'data') === undefined && own(o, 'params') !== undefined ? 'params' : 'data';
  const d = readObject(o, key, '', issues);
  const config = d && readTarget(d, key, issues, options);
  if (issues.length > 0) throwIssues('model config push', issues);
  return { id: id!, config: config! };
}

/** The device's reply: code and the push's data echoed, as in the seed. */
export function stringifyModelConfigPushReply(reply: Reply<ModelConfigTarget>): string {
  requireObject(reply, 'encodeModelConfigPushReply');
  const issues: Issue[] = [];
  checkId(reply.id, 'id', issues);
  if (!Number.isSafeInteger(reply.code)) issue(issues, 'code', 'invalid_type', 'code must be an integer');
  if (issues.length > 0) throwIssues('model config push reply', issues);
  const data = reply.data === undefined ? {} : checkedFields(reply.data, 'model config push reply');
  checkReplyFields(reply.code, reply.message);
  return writeJson({ id: reply.id, code: reply.code, message: reply.message ?? (reply.code === 200 ? 'success' : 'failure'), data });
}

/** {@link stringifyModelConfigPushReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeModelConfigPushReply(reply: Reply<ModelConfigTarget>): Uint8Array {
  return utf8Encode(stringifyModelConfigPushReply(reply));
}

/** Decodes the model config push reply (the platform side). */
export function decodeModelConfigPushReply(payload: string | Uint8Array, options?: DecodeOptions): Reply<ModelConfigTarget> {
  const o = parsePayload(payload, 'model config push reply', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const { id, code, message } = readReplyHead(o, issues);
  const d = readObject(o, 'data', '', issues, true);
  const data = d !== undefined && Object.keys(d).length > 0 ? readTarget(d, 'data', issues, { allowHttp: true }) : undefined;
  if (issues.length > 0) throwIssues('model config push reply', issues);
  return { id: id!, code: code!, ...(message === undefined ? {} : { message }), ...(data === undefined ? {} : { data }) };
}

// The document ----------------------------------------------------------------------------

/** A property, service or event entry of a `modelList` product (Modbus or OPC UA extension). */
export interface ModelEntry {
  readonly identifier: string;
  readonly [key: string]: JsonValue;
}

export interface ModelListItem {
  readonly profile: { readonly productKey: string; readonly [key: string]: JsonValue };
  readonly properties?: readonly ModelEntry[];
  readonly services?: readonly ModelEntry[];
  readonly events?: readonly ModelEntry[];
  readonly [key: string]: unknown;
}

/** A `serverList` channel: Modbus RTU/TCP (`protocol`) or OPC UA (no `protocol`, a `url`). */
export interface ServerChannel {
  readonly serverId: string;
  readonly name?: string;
  readonly protocol?: 'RTU' | 'TCP';
  /** OPC UA only: AES-encrypted with the device secret; see `decryptOpcUaPassword`. */
  readonly password?: string;
  readonly [key: string]: JsonValue | undefined;
}

export interface DeviceListItem {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceConfig: { readonly serverId: string; readonly [key: string]: JsonValue };
  readonly [key: string]: JsonValue;
}

export interface TslListItem {
  readonly profile: { readonly productKey: string; readonly [key: string]: JsonValue };
  readonly [key: string]: JsonValue;
}

/** The model config document a gateway downloads from the push's `url`. */
export interface ModelConfigDocument {
  readonly modelList: readonly ModelListItem[];
  readonly serverList: readonly ServerChannel[];
  readonly deviceList: readonly DeviceListItem[];
  readonly tslList: readonly TslListItem[];
}

const OPERATE_TYPES = ['coilStatus', 'inputStatus', 'holdingRegister', 'inputRegister'];
const SEC_POLICIES = ['None', 'Basic128Rsa15', 'Basic256'];
const SEC_MODES = ['None', 'Sign', 'SignAndEncrypt'];

function list(o: JsonObject, key: string, issues: Issue[], each: (item: JsonObject, path: string) => void): void {
  const v = own(o, key);
  if (v === undefined) return;
  if (!Array.isArray(v)) return void issue(issues, key, 'invalid_type', `${key} must be a list`);
  v.forEach((item, i) => {
    const path = `${key}.${i}`;
    if (!isObject(item)) issue(issues, path, 'invalid_type', 'each entry must be an object');
    else each(item, path);
  });
}

function profile(item: JsonObject, path: string, issues: Issue[]): void {
  const p = readObject(item, 'profile', path, issues);
  if (p) readString(p, 'productKey', `${path}.profile`, issues, { max: 64 });
}

function integer(o: JsonObject, key: string, path: string, issues: Issue[], min: number, max: number, required = false): void {
  const v = own(o, key);
  if (v === undefined) {
    if (required) issue(issues, `${path}.${key}`, 'missing_field', `${key} is missing`);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) issue(issues, `${path}.${key}`, 'invalid_field', `${key} must be an integer in ${min}..${max}`);
}

function oneOf(o: JsonObject, key: string, path: string, issues: Issue[], allowed: readonly string[]): void {
  const v = own(o, key);
  if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) issue(issues, `${path}.${key}`, 'invalid_field', `${key} must be one of ${allowed.join(', ')}`);
}

function entries(item: JsonObject, path: string, issues: Issue[]): void {
  for (const key of ['properties', 'services', 'events']) {
    const v = own(item, key);
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      issue(issues, `${path}.${key}`, 'invalid_type', `${key} must be a list`);
      continue;
    }
    v.forEach((e, i) => {
      const p = `${path}.${key}.${i}`;
      if (!isObject(e)) return void issue(issues, p, 'invalid_type', 'each entry must be an object');
      readString(e, 'identifier', p, issues, { max: 128 });
      oneOf(e, 'operateType', p, issues, OPERATE_TYPES);
      integer(e, 'trigger', p, issues, 1, 2);
      integer(e, 'pollingTime', p, issues, 0, 2 ** 31 - 1);
    });
  }
}

/**
 * Validates a model config document: the four lists, each entry's required fields, and the
 * documented enumerations (Modbus operateType and trigger, OPC UA secPolicy and secMode).
 * Returns every issue; an empty list means valid.
 */
export function validateModelConfigDocument(value: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!isObject(value as JsonValue)) return [{ path: '', code: 'invalid_type', message: 'the document must be a JSON object' }];
  const doc = value as JsonObject;
  list(doc, 'modelList', issues, (item, path) => {
    profile(item, path, issues);
    entries(item, path, issues);
  });
  list(doc, 'serverList', issues, (s, path) => {
    readString(s, 'serverId', path, issues, { max: 128 });
    readString(s, 'name', path, issues, { optional: true, max: 128 });
    const protocol = own(s, 'protocol');
    if (protocol === 'RTU') {
      readString(s, 'serialPort', path, issues, { max: 64 });
      integer(s, 'baudRate', path, issues, 1, 10_000_000, true);
      integer(s, 'byteSize', path, issues, 5, 8);
      integer(s, 'stopBits', path, issues, 1, 2);
      const parity = own(s, 'parity');
      if (parity !== undefined && !(typeof parity === 'number' && [0, 1, 2].includes(parity)) && !(typeof parity === 'string' && ['E', 'O', 'N'].includes(parity))) {
        issue(issues, `${path}.parity`, 'invalid_field', 'parity must be E, O, N or 0, 1, 2');
      }
    } else if (protocol === 'TCP') {
      readString(s, 'ip', path, issues, { max: 255 });
      integer(s, 'port', path, issues, 1, 65535, true);
    } else if (protocol === undefined) {
      readString(s, 'url', path, issues, { max: 2048 });
      readString(s, 'password', path, issues, { optional: true, allowEmpty: true, max: 1024 });
      readString(s, 'userName', path, issues, { optional: true, allowEmpty: true, max: 256 });
      oneOf(s, 'secPolicy', path, issues, SEC_POLICIES);
      oneOf(s, 'secMode', path, issues, SEC_MODES);
      integer(s, 'timeout', path, issues, 0, 2 ** 31 - 1);
    } else issue(issues, `${path}.protocol`, 'invalid_field', 'protocol must be RTU or TCP (or absent for OPC UA)');
  });
  list(doc, 'deviceList', issues, (d, path) => {
    readString(d, 'productKey', path, issues, { max: 64 });
    readString(d, 'deviceName', path, issues, { max: 64 });
    const c = readObject(d, 'deviceConfig', path, issues);
    if (c) {
      readString(c, 'serverId', `${path}.deviceConfig`, issues, { max: 128 });
      integer(c, 'slaveId', `${path}.deviceConfig`, issues, 0, 255);
    }
  });
  list(doc, 'tslList', issues, (t, path) => profile(t, path, issues));
  return issues;
}

/**
 * Parses and validates the downloaded document (verify its digest first: the bytes given
 * here should be the ones a verifier accepted). Missing lists read as empty.
 *
 * @example
 * ```ts
 * const doc = parseModelConfigDocument(bytes);
 * for (const s of doc.serverList) if (s.password) decryptOpcUaPassword(s.password, deviceSecret);
 * ```
 */
export function parseModelConfigDocument(input: string | Uint8Array, options?: { maxBytes?: number }): ModelConfigDocument {
  const o = parsePayload(input, 'model config document', checkedOptions(options)?.maxBytes ?? 16 * 1024 * 1024);
  const issues = validateModelConfigDocument(o);
  if (issues.length > 0) throwIssues('model config document', issues);
  const get = <T>(key: string): T[] => ((own(o, key) ?? []) as unknown as T[]);
  return { modelList: get('modelList'), serverList: get('serverList'), deviceList: get('deviceList'), tslList: get('tslList') };
}
