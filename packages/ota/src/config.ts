import { describe, utf8Encode } from '@linkwire/base';
/**
 * Remote configuration (aliyun-iot-platform-device-guide §9.11): `thing.config.get` and its
 * reply, `thing.config.push` and its reply. A config file is downloaded and verified exactly
 * like firmware: pass the decoded {@link ConfigFile} to `createFirmwareVerifier`.
 * @module
 */
import type { Issue } from '@linkwire/base';
import { checkMethod, checkReplyFields, encodeReply, encodeRequest, readReplyHead, writeJson, type Reply } from './envelope.ts';
import { throwIssues } from './errors.ts';
import { checkDigest, checkDigestMethod, checkedOptions, checkId, checkUrl, issue, own, parsePayload, readId, readObject, readSize, readString, requireObject, type DecodeOptions, type JsonObject, type MessageId } from './fields.ts';
import type { VerificationTarget } from './verifier.ts';

/** A configuration file the platform offers. The only sign method is SHA-256. */
export interface ConfigFile extends VerificationTarget {
  readonly configId: string;
  readonly size: number;
  readonly url: string;
  readonly digestMethod: 'sha256';
  /** Lowercase hex. */
  readonly digest: string;
  readonly getType: 'file';
}

/** `thing.config.get`: the device asks for its product's configuration. */
export interface ConfigGet {
  readonly id: MessageId;
  /** Only `product` exists today. */
  readonly configScope?: 'product';
  /** Only `file` exists today. */
  readonly getType?: 'file';
}

/** `thing.config.push`: the platform pushes a configuration. */
export interface ConfigPush {
  readonly id: MessageId;
  readonly config: ConfigFile;
}

/** Platform codes of a config get reply besides 200 (§9.11). */
export const CONFIG_ERROR_CODES = { 6713: 'thing config function is not available', 6710: 'no data' } as const;

function readConfig(d: JsonObject, path: string, issues: Issue[], options?: DecodeOptions): ConfigFile | undefined {
  const before = issues.length;
  const configId = readString(d, 'configId', path, issues, { max: 128 });
  const size = readSize(d, 'configSize', path, issues);
  const rawUrl = readString(d, 'url', path, issues, { max: 8192 });
  if (rawUrl !== undefined) checkUrl(rawUrl, `${path}.url`, issues, { allowHttp: options?.allowHttp });
  const sign = readString(d, 'sign', path, issues, { optional: true, allowEmpty: true });
  const signMethod = readString(d, 'signMethod', path, issues, { optional: true });
  let digest: string | undefined;
  if (sign === undefined || sign === '') issue(issues, `${path}.sign`, 'missing_digest', 'the configuration carries no digest (sign)');
  else if (signMethod === undefined) issue(issues, `${path}.signMethod`, 'missing_digest_method', 'sign is present but signMethod is missing');
  else if (checkDigestMethod(signMethod, `${path}.signMethod`, issues, ['sha256'])) digest = checkDigest(sign, 'sha256', `${path}.sign`, issues);
  const getType = own(d, 'getType');
  if (getType !== undefined && getType !== 'file') issue(issues, `${path}.getType`, 'invalid_field', `getType ${describe(getType)} is not "file"`);
  if (issues.length > before) return undefined;
  return { configId: configId!, size: size!, url: rawUrl!, digestMethod: 'sha256', digest: digest!, getType: 'file' };
}

function configFields(c: ConfigFile): JsonObject {
  requireObject(c, 'the config file');
  const issues: Issue[] = [];
  const fields = { configId: c.configId, configSize: c.size, sign: c.digest, signMethod: 'Sha256', url: c.url, getType: c.getType ?? 'file' };
  readConfig(fields, 'config', issues, { allowHttp: true });
  if (issues.length > 0) throwIssues('config file', issues);
  return fields;
}

/**
 * The device's config request.
 *
 * @example
 * ```ts
 * encodeConfigGet({ id: 123 });
 * // {"id":123,"version":"1.0","params":{"configScope":"product","getType":"file"},"method":"thing.config.get"}
 * ```
 */
export function stringifyConfigGet(g: ConfigGet): string {
  requireObject(g, 'encodeConfigGet');
  const issues: Issue[] = [];
  checkId(g.id, 'id', issues);
  if (g.configScope !== undefined && g.configScope !== 'product') issue(issues, 'params.configScope', 'invalid_field', 'configScope must be "product"');
  if (g.getType !== undefined && g.getType !== 'file') issue(issues, 'params.getType', 'invalid_field', 'getType must be "file"');
  if (issues.length > 0) throwIssues('config get', issues);
  return encodeRequest(g.id, 'thing.config.get', { configScope: 'product', getType: 'file' });
}

/** {@link stringifyConfigGet} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeConfigGet(g: ConfigGet): Uint8Array {
  return utf8Encode(stringifyConfigGet(g));
}

/** Decodes a config request (the platform side). */
export function decodeConfigGet(payload: string | Uint8Array, options?: DecodeOptions): ConfigGet {
  const o = parsePayload(payload, 'config get', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'thing.config.get', issues);
  const params = readObject(o, 'params', '', issues);
  if (params) {
    const scope = own(params, 'configScope');
    if (scope !== undefined && scope !== 'product') issue(issues, 'params.configScope', 'invalid_field', `configScope ${describe(scope)} is not "product"`);
    const getType = own(params, 'getType');
    if (getType !== undefined && getType !== 'file') issue(issues, 'params.getType', 'invalid_field', `getType ${describe(getType)} is not "file"`);
  }
  if (issues.length > 0) throwIssues('config get', issues);
  return { id: id!, configScope: 'product', getType: 'file' };
}

/** The platform's answer to a config request, in the seed's key order (emulator and tests). */
export function stringifyConfigGetReply(reply: Reply<ConfigFile>): string {
  requireObject(reply, 'encodeConfigGetReply');
  const issues: Issue[] = [];
  checkId(reply.id, 'id', issues);
  if (issues.length > 0) throwIssues('config get reply', issues);
  checkReplyFields(reply.code, reply.message);
  const body: Record<string, unknown> = { id: reply.id, version: '1.0', code: reply.code, data: reply.data === undefined ? {} : configFields(reply.data) };
  if (reply.message !== undefined) body['message'] = reply.message;
  return writeJson(body);
}

/** {@link stringifyConfigGetReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeConfigGetReply(reply: Reply<ConfigFile>): Uint8Array {
  return utf8Encode(stringifyConfigGetReply(reply));
}

/**
 * Decodes a config get reply. `data` is present only for code 200; 6713 (remote config
 * disabled) and 6710 (no data) come back as codes with the platform's message.
 */
export function decodeConfigGetReply(payload: string | Uint8Array, options?: DecodeOptions): Reply<ConfigFile> {
  const o = parsePayload(payload, 'config get reply', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const { id, code, message } = readReplyHead(o, issues);
  let data: ConfigFile | undefined;
  if (code === 200) {
    const d = readObject(o, 'data', '', issues);
    data = d && readConfig(d, 'data', issues, options);
  }
  if (issues.length > 0) throwIssues('config get reply', issues);
  return { id: id!, code: code!, ...(message === undefined ? {} : { message }), ...(data === undefined ? {} : { data }) };
}

/** The platform's config push (emulator and tests). */
export function stringifyConfigPush(push: ConfigPush): string {
  requireObject(push, 'encodeConfigPush');
  const issues: Issue[] = [];
  checkId(push.id, 'id', issues);
  if (issues.length > 0) throwIssues('config push', issues);
  return encodeRequest(push.id, 'thing.config.push', configFields(push.config));
}

/** {@link stringifyConfigPush} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeConfigPush(push: ConfigPush): Uint8Array {
  return utf8Encode(stringifyConfigPush(push));
}

/**
 * Decodes a config push and validates the file it announces; the device answers on
 * `…/config/push_reply` with {@link encodeConfigPushReply}.
 *
 * @example
 * ```ts
 * const { id, config } = decodeConfigPush(payload);
 * const verifier = createFirmwareVerifier(config);
 * ```
 */
export function decodeConfigPush(payload: string | Uint8Array, options?: DecodeOptions): ConfigPush {
  const o = parsePayload(payload, 'config push', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const id = readId(o, '', issues);
  checkMethod(o, 'thing.config.push', issues);
  const params = readObject(o, 'params', '', issues);
  const config = params && readConfig(params, 'params', issues, options);
  if (issues.length > 0) throwIssues('config push', issues);
  return { id: id!, config: config! };
}

/** The device's push reply: `{"id","code","data":{}}`. */
export function stringifyConfigPushReply(id: MessageId, code = 200): string {
  const issues: Issue[] = [];
  checkId(id, 'id', issues);
  if (!Number.isSafeInteger(code)) issue(issues, 'code', 'invalid_type', 'code must be an integer');
  if (issues.length > 0) throwIssues('config push reply', issues);
  return encodeReply(id, code, {});
}

/** {@link stringifyConfigPushReply} as UTF-8 bytes: what an MQTT publish carries (as alink's `encode*`; `stringify*` gives the text). */
export function encodeConfigPushReply(id: MessageId, code = 200): Uint8Array {
  return utf8Encode(stringifyConfigPushReply(id, code));
}

/** Decodes a config push reply (the platform side). */
export function decodeConfigPushReply(payload: string | Uint8Array, options?: DecodeOptions): Reply<Record<string, never>> {
  const o = parsePayload(payload, 'config push reply', checkedOptions(options)?.maxBytes);
  const issues: Issue[] = [];
  const { id, code, message } = readReplyHead(o, issues);
  if (issues.length > 0) throwIssues('config push reply', issues);
  return { id: id!, code: code!, ...(message === undefined ? {} : { message }) };
}
