/**
 * Reading untrusted JSON into typed messages: every check appends an issue (path, code,
 * message) instead of throwing, so a decoder reports every problem of a message at once.
 * @module
 */
import { booleanOption, describe, isRecord, JsonError, numberOption, optionsRecord, parseJson, type Issue, type JsonValue } from '@linkwire/base';
import { OtaError } from './errors.ts';
import type { DigestMethod } from './digest.ts';

export type JsonObject = { readonly [key: string]: JsonValue };

/** A message id as the platforms send it: Alink documents a string, examples use numbers. */
export type MessageId = string | number;

/** Limits for decoding a message. */
export interface DecodeOptions {
  /** Largest accepted payload. Default 256 KiB (the Alibaba MQTT message limit), 512 KiB for EnOS. */
  readonly maxBytes?: number;
  /** Accept `http://` download URLs (the local emulator serves plain HTTP). Default false. */
  readonly allowHttp?: boolean;
}

export const DEFAULT_MAX_MESSAGE = 256 * 1024;

/** Checks a decoder's options (an `OptionError` for `null` or a wrong field) and returns them. */
export function checkedOptions(options: DecodeOptions | undefined): DecodeOptions | undefined {
  if (options === undefined) return undefined;
  const o = optionsRecord('options', options);
  numberOption('maxBytes', o['maxBytes'], 0, 0, Infinity);
  booleanOption('allowHttp', o['allowHttp'], false);
  return options;
}

/** An encoder's argument must be an object before its fields are read. */
export function requireObject(v: unknown, what: string): void {
  if (typeof v !== 'object' || v === null) throw new OtaError('invalid_message', `${what} must be an object, got ${describe(v)}`);
}

export function parsePayload(payload: string | Uint8Array, what: string, maxBytes = DEFAULT_MAX_MESSAGE): JsonObject {
  let v: JsonValue;
  try {
    v = parseJson(payload, { maxBytes, maxDepth: 32 });
  } catch (e) {
    const je = e as JsonError;
    throw new OtaError(je.code === 'too_large' ? 'too_large' : 'invalid_json', `${what}: ${je.message}`, { offset: je.offset });
  }
  if (!isObject(v)) throw new OtaError('invalid_message', `${what}: the payload is not a JSON object`);
  return v;
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return isRecord(v);
}

export function own(o: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

export function issue(issues: Issue[], path: string, code: string, message: string): undefined {
  issues.push({ path, code, message });
  return undefined;
}

// Printable text only: control characters in a version or module name end up in logs,
// topics and file names.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function readString(o: JsonObject, key: string, path: string, issues: Issue[], opts?: { optional?: boolean; max?: number; allowEmpty?: boolean }): string | undefined {
  const v = own(o, key);
  const p = join(path, key);
  if (v === undefined || v === null) return opts?.optional ? undefined : issue(issues, p, 'missing_field', `${key} is missing`);
  if (typeof v !== 'string') return issue(issues, p, 'invalid_type', `${key} must be a string`);
  if (v === '' && !opts?.allowEmpty) return issue(issues, p, 'invalid_field', `${key} is empty`);
  if (v.length > (opts?.max ?? 256)) return issue(issues, p, 'invalid_field', `${key} is longer than ${opts?.max ?? 256} characters`);
  if (CONTROL.test(v)) return issue(issues, p, 'invalid_field', `${key} contains control characters`);
  return v;
}

/** A byte count: a non-negative safe integer (JSON numbers; the platforms send Long). */
export function readSize(o: JsonObject, key: string, path: string, issues: Issue[], optional = false): number | undefined {
  const v = own(o, key);
  const p = join(path, key);
  if (v === undefined || v === null) return optional ? undefined : issue(issues, p, 'missing_size', `${key} is missing`);
  if (typeof v !== 'number') return issue(issues, p, 'invalid_size', `${key} must be a number`);
  return checkSize(v, p, issues);
}

export function checkSize(v: number, path: string, issues: Issue[]): number | undefined {
  if (!Number.isSafeInteger(v)) return issue(issues, path, 'invalid_size', `size ${v} is not a whole number of bytes`);
  if (v < 0) return issue(issues, path, 'invalid_size', `size ${v} is negative`);
  return v;
}

export function readId(o: JsonObject, path: string, issues: Issue[], optional = false): MessageId | undefined {
  const v = own(o, 'id');
  const p = join(path, 'id');
  if (v === undefined || v === null) return optional ? undefined : issue(issues, p, 'missing_field', 'id is missing');
  return checkId(v, p, issues);
}

export function checkId(v: unknown, path: string, issues: Issue[]): MessageId | undefined {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return issue(issues, path, 'invalid_id', `id ${describe(v)} is not a non-negative integer`);
    return v;
  }
  if (typeof v !== 'string') return issue(issues, path, 'invalid_id', 'id must be a string or a number');
  if (v === '' || v.length > 64 || CONTROL.test(v)) return issue(issues, path, 'invalid_id', 'id must be 1–64 printable characters');
  return v;
}

export function readObject(o: JsonObject, key: string, path: string, issues: Issue[], optional = false): JsonObject | undefined {
  const v = own(o, key);
  const p = join(path, key);
  if (v === undefined || v === null) return optional ? undefined : issue(issues, p, 'missing_field', `${key} is missing`);
  if (!isObject(v)) return issue(issues, p, 'invalid_type', `${key} must be an object`);
  return v;
}

/** Digest method names arrive as Md5, MD5, md5, SHA256, Sha256, sha256: any case is accepted. */
export function parseDigestMethod(name: string): DigestMethod | undefined {
  if (typeof name !== 'string') return undefined;
  const l = name.toLowerCase();
  return l === 'md5' ? 'md5' : l === 'sha256' ? 'sha256' : undefined;
}

export function checkDigestMethod(v: string, path: string, issues: Issue[], allowed: readonly DigestMethod[] = ['md5', 'sha256']): DigestMethod | undefined {
  const m = parseDigestMethod(v);
  if (m === undefined || !allowed.includes(m)) {
    return issue(issues, path, 'unknown_digest_method', `digest method ${describe(v)} is not one of ${allowed.join(', ')}`);
  }
  return m;
}

const HEX = /^[0-9a-fA-F]*$/;

/** Checks a hex digest against its method and returns it lowercased. */
export function checkDigest(v: string, method: DigestMethod, path: string, issues: Issue[]): string | undefined {
  const want = method === 'md5' ? 32 : 64;
  if (v.length !== want || !HEX.test(v)) return issue(issues, path, 'invalid_digest', `a ${method} digest is ${want} hex digits, got ${describe(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`);
  return v.toLowerCase();
}

const MAX_URL = 8192;

/**
 * A download URL: https only, unless the caller allows plain http; no whitespace or control
 * characters; a non-empty host. `allowPath` also admits a server-relative path (EnOS file
 * service paths such as `/1b30e0ea83002000/ota/kadak13`).
 */
export function checkUrl(v: string, path: string, issues: Issue[], opts?: { allowHttp?: boolean; allowPath?: boolean }): string | undefined {
  if (v.length > MAX_URL) return issue(issues, path, 'invalid_url', `url is longer than ${MAX_URL} characters`);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return issue(issues, path, 'invalid_url', `url contains a space, control character or backslash at ${i}`);
  }
  if (opts?.allowPath && v.startsWith('/') && !v.startsWith('//')) return v;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(v);
  if (m === null) return issue(issues, path, 'invalid_url', 'url is not an absolute URL');
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'https' && !(scheme === 'http' && opts?.allowHttp)) {
    return issue(issues, path, 'insecure_url', `url scheme ${scheme} is not accepted: firmware is downloaded over https${opts?.allowHttp ? ' or http' : ''}`);
  }
  const host = m[2]!.slice(m[2]!.lastIndexOf('@') + 1);
  if (host === '' || host.startsWith(':')) return issue(issues, path, 'invalid_url', 'url has no host');
  return v;
}
