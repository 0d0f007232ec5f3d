import { describe, parseJson, utf8Encode, type JsonLimits, type JsonValue } from '@linkwire/base';
import { ShadowError } from './errors.ts';
import { checkDocument } from './reducer.ts';
import { isPlainObject } from './request.ts';
import type { ShadowDocument, ShadowMessage, ShadowMetadata, ShadowRequest, ShadowState, ShadowStatePayload } from './types.ts';

type Obj = Record<string, unknown>;

function fail(code: 'invalid_message' | 'invalid_document', message: string): never {
  throw new ShadowError(code, message);
}

/** A detached copy of an already-parsed value, bounded like parseJson so a cycle cannot hang or overflow. */
function copyParsed(v: unknown, code: 'invalid_message' | 'invalid_document', depth: number): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'object' && depth < 64) {
    if (Array.isArray(v)) return v.map((x) => copyParsed(x, code, depth + 1));
    if (isPlainObject(v)) {
      const out: { [k: string]: JsonValue } = {};
      for (const k of Object.keys(v)) {
        if (k === '__proto__') return fail(code, 'key "__proto__" is not accepted');
        out[k] = copyParsed(v[k], code, depth + 1);
      }
      return out;
    }
  }
  return fail(code, depth >= 64 ? 'nesting exceeds 64' : 'not a JSON value');
}

function decode(input: string | Uint8Array | JsonValue, code: 'invalid_message' | 'invalid_document', limits?: JsonLimits): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return copyParsed(input, code, 0);
  try {
    return parseJson(input, limits);
  } catch (e) {
    return fail(code, `not JSON: ${(e as Error).message}`);
  }
}

function isTimestamp(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function readSections(o: unknown, where: string, code: 'invalid_message' | 'invalid_document', times: boolean): Obj {
  if (o === undefined) return {};
  if (!isPlainObject(o)) return fail(code, `${where} is not an object`);
  const out: Obj = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k !== 'reported' && k !== 'desired') return fail(code, `${where} has an unknown field ${describe(k)}`);
    if (!isPlainObject(v)) return fail(code, `${where}.${k} is not an object`);
    if (times) {
      for (const a of Object.keys(v)) {
        const t = v[a];
        if (!isPlainObject(t) || !isTimestamp(t.timestamp)) return fail(code, `${where}.${k}.${a} has no timestamp`);
      }
    }
    // An empty section is omitted, as the reducer keeps it.
    if (Object.keys(v).length > 0) out[k] = v;
  }
  return out;
}

/** Checks the four fields every full document carries; `metadata` may be absent on the wire. */
function readDocument(o: Obj, where: string, code: 'invalid_message' | 'invalid_document'): ShadowDocument {
  if (!isPlainObject(o.state)) return fail(code, `${where}.state is not an object`);
  if (!isVersion(o.version)) return fail(code, `${where}.version is not a non-negative integer`);
  if (o.timestamp !== undefined && !isTimestamp(o.timestamp)) return fail(code, `${where}.timestamp is not a time`);
  const state = readSections(o.state, `${where}.state`, code, false) as ShadowState;
  const metadata = readSections(o.metadata, `${where}.metadata`, code, true) as ShadowMetadata;
  return { state, metadata, timestamp: (o.timestamp as number | undefined) ?? 0, version: o.version };
}

/**
 * Parses a stored shadow document (seed §7.1 format).
 *
 * @throws {ShadowError} `invalid_document`
 * @example
 * ```ts
 * const doc = parseShadowDocument('{"state":{"reported":{"color":"red"}},"metadata":{"reported":{"color":{"timestamp":1469564492}}},"timestamp":1469564492,"version":1}');
 * ```
 */
export function parseShadowDocument(input: string | Uint8Array | JsonValue, limits?: JsonLimits): ShadowDocument {
  const v = decode(input, 'invalid_document', limits);
  if (!isPlainObject(v)) return fail('invalid_document', 'a shadow document is a JSON object');
  return readDocument(v, 'document', 'invalid_document');
}

/**
 * Parses what the shadow publishes on `/shadow/get/{pk}/{dn}` (the device side): a `reply`
 * (an ack with the new version, the full state of a `get`, or an error) or a `control` push.
 * An `errorcode` sent as a number is returned as a string, the seed's form.
 *
 * @throws {ShadowError} `invalid_message`
 * @example
 * ```ts
 * const m = parseShadowMessage('{"method":"reply","payload":{"status":"success","version":1},"timestamp":1469564576}');
 * ```
 */
export function parseShadowMessage(input: string | Uint8Array | JsonValue, limits?: JsonLimits): ShadowMessage {
  const v = decode(input, 'invalid_message', limits);
  if (!isPlainObject(v)) return fail('invalid_message', 'a shadow message is a JSON object');
  const { method, payload } = v;
  if (method !== 'reply' && method !== 'control') return fail('invalid_message', `method ${describe(method)} is not reply or control`);
  if (!isTimestamp(v.timestamp)) return fail('invalid_message', 'timestamp is not a time');
  const timestamp = v.timestamp;
  if (!isPlainObject(payload)) return fail('invalid_message', 'payload is not an object');
  if (method === 'reply' && payload.status === 'error') {
    const content = payload.content;
    if (!isPlainObject(content)) return fail('invalid_message', 'payload.content is not an object');
    const code = content.errorcode;
    const text = content.errormessage;
    if ((typeof code !== 'string' && typeof code !== 'number') || !/^[1-9][0-9]{2}$/.test(String(code))) return fail('invalid_message', 'errorcode is not a three-digit code');
    if (typeof text !== 'string') return fail('invalid_message', 'errormessage is not a string');
    return { method, payload: { status: 'error', content: { errorcode: String(code) as never, errormessage: text } }, timestamp };
  }
  if (payload.status !== 'success') return fail('invalid_message', 'payload.status is neither success nor error');
  if (method === 'reply' && payload.state === undefined) {
    if (!isVersion(payload.version)) return fail('invalid_message', 'payload.version is not a non-negative integer');
    return { method, payload: { status: 'success', version: payload.version }, timestamp };
  }
  const d = readDocument(payload, 'payload', 'invalid_message');
  const full: ShadowStatePayload = { status: 'success', state: d.state, metadata: d.metadata, version: d.version, timestamp: d.timestamp };
  return method === 'control' ? { method, payload: full, timestamp } : { method, payload: full, timestamp };
}

/**
 * The document a full-state message carries (a `get` reply or a `control` push).
 *
 * @example
 * ```ts
 * const m = parseShadowMessage(payload);
 * if (m.method === 'control') cache = documentOf(m.payload);
 * ```
 */
export function documentOf(payload: ShadowStatePayload): ShadowDocument {
  if (typeof payload !== 'object' || payload === null) throw new ShadowError('invalid_document', `a state payload must be an object, got ${describe(payload)}`);
  const document = { state: payload.state, metadata: payload.metadata, timestamp: payload.timestamp, version: payload.version };
  checkDocument(document);
  return document;
}

/**
 * The MQTT payload bytes of a request, message or document: compact JSON in UTF-8, keys in
 * the order the seed shows them.
 *
 * @example
 * ```ts
 * encodeShadow({ method: 'get' }); // the bytes of '{"method":"get"}'
 * ```
 */
export function encodeShadow(value: ShadowRequest | ShadowMessage | ShadowDocument): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    // A bigint, a cycle or nesting beyond the engine's stack.
    throw new ShadowError('invalid_message', `the value cannot be written as JSON: ${describe(e instanceof Error ? e.message : e)}`);
  }
  if (typeof value !== 'object' || value === null || text === undefined) throw new ShadowError('invalid_message', `a shadow payload is an object, got ${describe(value)}`);
  return utf8Encode(text);
}
