import { AlinkError } from './errors.ts';
import { decodeJson, isJsonObject, stringifyJson, type AlinkJson, type JsonDecodeOptions } from './json.ts';
import { describe, utf8Encode } from '@linkwire/base';

/**
 * An Alink request `{id, version, params, method}` (also the platform's downstream commands).
 * Members the envelope does not name (EnOS's batch flags beside `params`, the `data` of a
 * model config push) are kept in `extra`, so decoding then encoding gives the same JSON value.
 */
export interface AlinkRequest<P = AlinkJson> {
  /** The message id, always as a string. */
  readonly id: string;
  /** The id was a JSON number on the wire (the Python SDK's OTA inform): it is written back as one. */
  readonly numericId?: boolean;
  readonly version?: string;
  readonly method?: string;
  readonly params?: P;
  /** `{"ack": 0}` asks the platform not to reply. */
  readonly sys?: { readonly [key: string]: AlinkJson };
  readonly extra?: { readonly [key: string]: AlinkJson };
}

/** A reply envelope `{id, code, data, message?}`. */
export interface AlinkReply<D = unknown> {
  readonly id: string;
  readonly numericId?: boolean;
  readonly code: number;
  /** The reply's data; `{}` when the reply has none (as the SDKs do). */
  readonly data: D;
  /** The payload had no `data` member (error pushes `{id, code, message}`): it is not written back. */
  readonly dataAbsent?: boolean;
  readonly message?: string;
  readonly version?: string;
  readonly method?: string;
  readonly extra?: { readonly [key: string]: AlinkJson };
}

const MAX_ID_LENGTH = 64;
const REQUEST_KEYS = new Set(['id', 'version', 'method', 'params', 'sys']);
const REPLY_KEYS = new Set(['id', 'code', 'data', 'message', 'version', 'method']);

/** The message id as a string; `typeof o.id !== 'string'` afterwards tells that it was a number. */
function readId(o: { [key: string]: AlinkJson }, err: string): string {
  const id = o['id'];
  if (typeof id === 'string') {
    if (id.length === 0 || id.length > MAX_ID_LENGTH) throw new AlinkError(err, `message id must be 1-${MAX_ID_LENGTH} characters`);
    return id;
  }
  if ((typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) || (typeof id === 'bigint' && id >= 0n && id < 10n ** 20n)) return id.toString();
  throw new AlinkError(err, id === undefined ? 'message has no id' : 'message id must be a string or a non-negative integer');
}

function extras(o: { [key: string]: AlinkJson }, known: Set<string>): { [key: string]: AlinkJson } | undefined {
  let out: { [key: string]: AlinkJson } | undefined;
  for (const k in o) {
    // The members every envelope has compared first: a Set lookup per key costs more.
    if (k === 'id' || k === 'method' || k === 'version') continue;
    if (!known.has(k)) (out ??= {})[k] = o[k]!;
  }
  return out;
}

function object(payload: Uint8Array | string, options: JsonDecodeOptions | undefined, err: string): { [key: string]: AlinkJson } {
  const v = decodeJson(payload, options);
  if (!isJsonObject(v)) throw new AlinkError(err, 'payload is not a JSON object');
  return v;
}

/** Reads a request envelope from an already decoded JSON value. */
export function requestFromJson(v: AlinkJson): AlinkRequest {
  return readRequest(v, true);
}

/** `lookForExtras` false: the caller's own walk saw only envelope members. */
export function readRequest(v: AlinkJson, lookForExtras: boolean): AlinkRequest {
  if (!isJsonObject(v)) throw new AlinkError('invalid_message', 'payload is not a JSON object');
  const id = readId(v, 'invalid_message');
  const numeric = typeof v['id'] !== 'string';
  const version = v['version'];
  const method = v['method'];
  const sys = v['sys'];
  if (version !== undefined && typeof version !== 'string') throw new AlinkError('invalid_message', 'version must be a string');
  if (method !== undefined && typeof method !== 'string') throw new AlinkError('invalid_message', 'method must be a string');
  if (sys !== undefined && !isJsonObject(sys)) throw new AlinkError('invalid_message', 'sys must be an object');
  const extra = lookForExtras ? extras(v, REQUEST_KEYS) : undefined;
  // The usual request in one object literal (one shape); the rest member by member.
  if (!numeric && version !== undefined && method !== undefined && sys === undefined && extra === undefined && 'params' in v) {
    return { id, version, params: v['params'], method };
  }
  const r: { -readonly [K in keyof AlinkRequest]: AlinkRequest[K] } = { id };
  if (numeric) r.numericId = true;
  if (version !== undefined) r.version = version;
  if (method !== undefined) r.method = method;
  if (sys !== undefined) r.sys = sys;
  if ('params' in v) r.params = v['params'];
  if (extra !== undefined) r.extra = extra;
  return r;
}

/**
 * Decodes a request envelope from untrusted bytes. The id must be a string of 1-64 characters or
 * a non-negative integer; `version` and `method`, when present, strings.
 *
 * @example
 * decodeRequest('{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}').params
 * // { PowerSwitch: 1 }
 */
export function decodeRequest(payload: Uint8Array | string, options?: JsonDecodeOptions): AlinkRequest {
  return requestFromJson(object(payload, options, 'invalid_message'));
}

/** Reads a reply envelope from an already decoded JSON value. */
export function replyFromJson(v: AlinkJson): AlinkReply<AlinkJson> {
  if (!isJsonObject(v)) throw new AlinkError('invalid_reply', 'reply is not a JSON object');
  const id = readId(v, 'invalid_reply');
  const numeric = typeof v['id'] !== 'string';
  const code = v['code'];
  if (typeof code !== 'number' || !Number.isFinite(code)) throw new AlinkError('invalid_reply', 'reply has no numeric code');
  const r: { -readonly [K in keyof AlinkReply<AlinkJson>]: AlinkReply<AlinkJson>[K] } = { id, code, data: v['data'] === undefined ? {} : v['data'] };
  if (numeric) r.numericId = true;
  if (v['data'] === undefined) r.dataAbsent = true;
  const { message, version, method } = v;
  let extra = extras(v, REPLY_KEYS);
  if (typeof message === 'string') r.message = message;
  else if (message !== undefined) (extra ??= {})['message'] = message;
  if (typeof version === 'string') r.version = version;
  else if (version !== undefined) (extra ??= {})['version'] = version;
  if (typeof method === 'string') r.method = method;
  else if (method !== undefined) (extra ??= {})['method'] = method;
  if (extra !== undefined) r.extra = extra;
  return r;
}

/**
 * Decodes a reply `{id, code, data, message?}`; a numeric id becomes its decimal string and a
 * missing `data` becomes `{}`. Malformed JSON or a missing id/code is an {@link AlinkError}.
 *
 * @example
 * decodeReply('{"id":"123","code":200,"data":{}}') // { id: '123', code: 200, data: {} }
 */
export function decodeReply(payload: Uint8Array | string, options?: JsonDecodeOptions): AlinkReply<AlinkJson> {
  return replyFromJson(object(payload, options, 'invalid_reply'));
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new AlinkError('invalid_id', `message id ${describe(id)} must be a string of 1-${MAX_ID_LENGTH} characters`);
  }
}

function idText(id: string, numeric: boolean | undefined): string {
  checkId(id);
  if (numeric === true) {
    if (!/^(0|[1-9]\d{0,19})$/.test(id)) throw new AlinkError('invalid_id', `numeric message id ${describe(id)} must be decimal digits`);
    return id;
  }
  return JSON.stringify(id);
}

function writeExtra(extra: { readonly [key: string]: AlinkJson } | undefined, known: Set<string>): string {
  if (extra === undefined) return '';
  if (typeof extra !== 'object' || extra === null) throw new AlinkError('invalid_message', `extra must be an object, got ${describe(extra)}`);
  let out = '';
  for (const k of Object.keys(extra)) {
    if (known.has(k)) throw new AlinkError('invalid_message', `extra member ${describe(k)} is an envelope member`);
    const v = extra[k];
    if (v !== undefined) out += `,${JSON.stringify(k)}:${stringifyJson(v)}`;
  }
  return out;
}

// What an encoder is handed comes from application code, often plain JavaScript: the envelope
// must be an object and its text members strings, or the writer would stringify a bigint, a
// symbol or a deeply nested object where a string belongs.
function checkEnvelope(r: unknown, code: string): void {
  if (typeof r !== 'object' || r === null) throw new AlinkError(code, `an envelope must be an object, got ${describe(r)}`);
}

function checkText(v: unknown, name: string, code: string): void {
  if (v !== undefined && typeof v !== 'string') throw new AlinkError(code, `${name} must be a string, got ${describe(v)}`);
}

/** The JSON text of a request, members in the seeds' order: id, version, sys, params, method. */
export function stringifyRequest(r: AlinkRequest<unknown>): string {
  checkEnvelope(r, 'invalid_message');
  return requestText(r, r.version, r.method);
}

/** {@link stringifyRequest} with the version and method given apart (saves copying the request). */
export function requestText(r: AlinkRequest<unknown>, version: string | undefined, method: string | undefined): string {
  checkText(version, 'version', 'invalid_message');
  checkText(method, 'method', 'invalid_message');
  // The common request in one engine call: one flat string, where joining the members' texts
  // made a rope the UTF-8 encoder had to flatten. Member order is insertion order, as below.
  const params = r.params;
  if (r.numericId !== true && r.sys === undefined && r.extra === undefined && (params === undefined || (typeof params === 'object' && params !== null && !('toJSON' in params)))) {
    try {
      checkId(r.id);
      return JSON.stringify({ id: r.id, version, params, method });
    } catch (e) {
      // a BigInt in params: the member-by-member writer below handles it
      if (e instanceof AlinkError) throw e;
    }
  }
  let out = `{"id":${idText(r.id, r.numericId)}`;
  if (version !== undefined) out += `,"version":${JSON.stringify(version)}`;
  if (r.sys !== undefined) out += `,"sys":${stringifyJson(r.sys)}`;
  if (r.params !== undefined) out += `,"params":${stringifyJson(r.params)}`;
  if (method !== undefined) out += `,"method":${JSON.stringify(method)}`;
  return r.extra === undefined ? `${out}}` : `${out + writeExtra(r.extra, REQUEST_KEYS)}}`;
}

/**
 * Encodes a request as the UTF-8 bytes a peer publishes.
 *
 * @example
 * encodeRequest({ id: '1', version: '1.0', params: { temperature: 30.5 }, method: 'thing.service.property.set' })
 */
export function encodeRequest(r: AlinkRequest<unknown>): Uint8Array {
  return utf8Encode(stringifyRequest(r));
}

/** The JSON text of a reply: id, code, data, message, then anything else. */
export function stringifyReply(r: AlinkReply<unknown>): string {
  checkEnvelope(r, 'invalid_reply');
  checkText(r.message, 'message', 'invalid_reply');
  checkText(r.version, 'version', 'invalid_reply');
  checkText(r.method, 'method', 'invalid_reply');
  if (typeof r.code !== 'number' || !Number.isFinite(r.code)) throw new AlinkError('invalid_reply', 'reply code must be a finite number');
  let out = `{"id":${idText(r.id, r.numericId)},"code":${JSON.stringify(r.code)}`;
  if (r.data !== undefined && r.dataAbsent !== true) out += `,"data":${stringifyJson(r.data)}`;
  if (r.message !== undefined) out += `,"message":${JSON.stringify(r.message)}`;
  if (r.version !== undefined) out += `,"version":${JSON.stringify(r.version)}`;
  if (r.method !== undefined) out += `,"method":${JSON.stringify(r.method)}`;
  return `${out + writeExtra(r.extra, REPLY_KEYS)}}`;
}

/**
 * Encodes a reply; a device answering a command writes `{"id", "code", "data"}`.
 *
 * @example
 * encodeReply({ id: '123', code: 200, data: {} }) // bytes of {"id":"123","code":200,"data":{}}
 */
export function encodeReply(r: AlinkReply<unknown>): Uint8Array {
  return utf8Encode(stringifyReply(r));
}
