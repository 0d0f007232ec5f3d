import { describe, JSON_DEPTH_CEILING, JsonError, numberOption, optionsRecord, parseJson, utf8Length, type JsonValue } from '@linkwire/base';
import { ShadowError, requestError } from './errors.ts';
import type { ShadowAttributes, ShadowLimits, ShadowRequest, ShadowSectionWrite } from './types.ts';

/**
 * The limits in force when a caller gives none. Pass a partial {@link ShadowLimits} to change
 * some, e.g. `{ maxReportedAttributes: Infinity }` for a shadow not bound to the platform's 128.
 */
export const DEFAULT_SHADOW_LIMITS: Required<ShadowLimits> = Object.freeze({
  maxReportedAttributes: 128,
  maxDesiredAttributes: 128,
  maxRequestBytes: 16384,
  maxDepth: 16,
});

/**
 * A validated write of one section, detached from the caller's objects: `clear` empties the
 * section, otherwise `names[i]` gets `values[i]`, where `null` deletes (at any object level).
 */
export interface SectionWrite {
  readonly clear: boolean;
  readonly names: readonly string[];
  readonly values: readonly JsonValue[];
}

/** A request after validation: everything the reducer needs, nothing it must check again. */
export type RequestPlan =
  | { readonly method: 'get' }
  | { readonly method: 'update' | 'delete'; readonly version: number; readonly reported?: SectionWrite; readonly desired?: SectionWrite };

const METHODS = new Set(['update', 'get', 'delete']);
const hasOwn = Object.hasOwn;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whitespace-only text is "the JSON file is empty" (407), not a syntax error (400). */
function isBlank(input: string | Uint8Array): boolean {
  for (let i = 0; i < input.length; i++) {
    const c = typeof input === 'string' ? input.charCodeAt(i) : input[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Validates a request (JSON text, bytes, or an already-parsed object) and copies what it
 * writes. Throws {@link ShadowError} whose `errorcode` is the Table 7-3 answer. Checks run in
 * the table's order, so a request with several faults gets the lowest code that applies.
 */
export function planRequest(input: unknown, limits: Required<ShadowLimits>): RequestPlan {
  let value: unknown = input;
  const fromText = typeof input === 'string' || input instanceof Uint8Array;
  if (fromText) {
    if (isBlank(input)) throw requestError(407, 'no content');
    const size = typeof input === 'string' ? utf8Length(input) : input.length;
    if (size > limits.maxRequestBytes) throw requestError(400, `request of ${size} bytes exceeds ${limits.maxRequestBytes}`);
    try {
      value = parseJson(input, { maxBytes: Number.POSITIVE_INFINITY, maxDepth: limits.maxDepth });
    } catch (e) {
      throw requestError(400, e instanceof JsonError ? `${e.code}: ${e.message}` : 'unparseable JSON');
    }
  }
  if (!isPlainObject(value)) throw requestError(400, 'the request is not a JSON object');
  let empty = true;
  for (const k in value) if (hasOwn(value, k)) { empty = false; break; }
  if (empty) throw requestError(407, 'the request object has no fields');
  if (hasOwn(value, '__proto__')) throw requestError(400, 'field "__proto__" is not accepted');

  if (!hasOwn(value, 'method')) throw requestError(401, 'no "method"');
  const method = value.method;
  if (typeof method !== 'string' || !METHODS.has(method)) throw requestError(406, `method ${describe(method)} is not update, get or delete`);
  if (method === 'get') return { method };

  if (!hasOwn(value, 'state') || value.state === undefined) throw requestError(402, 'no "state"');
  const version = value.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw requestError(403, '"version" must be an integer of at least 1');
  }
  const state = value.state;
  if (!isPlainObject(state)) throw requestError(400, '"state" is not an object');
  for (const k of Object.keys(state)) {
    if (k !== 'reported' && k !== 'desired') throw requestError(400, `"state" has an unknown field ${describe(k)}`);
  }
  const hasReported = hasOwn(state, 'reported');
  const hasDesired = hasOwn(state, 'desired');
  if (!hasReported && !hasDesired) throw requestError(404, '"state" has neither "reported" nor "desired"');

  const del = method === 'delete';
  // For an object, the size is that of its JSON text: {"method":…,"state":{…},"version":…}.
  const size = { bytes: 35 + method.length + String(version).length + (hasReported && hasDesired ? 1 : 0) };
  const reported = hasReported ? planSection(state.reported, 'reported', del, limits, size) : undefined;
  const desired = hasDesired ? planSection(state.desired, 'desired', del, limits, size) : undefined;
  if (!fromText && size.bytes > limits.maxRequestBytes) throw requestError(400, `request of ${size.bytes} bytes exceeds ${limits.maxRequestBytes}`);
  return { method: del ? 'delete' : 'update', version, ...(reported && { reported }), ...(desired && { desired }) };
}

/**
 * The UTF-8 length of `s` as JSON.stringify writes it: quotes, two-character escapes,
 * \u00XX for other control characters and \uDXXX for lone surrogates.
 */
function jsonStringBytes(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) n += 2;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}

function planSection(section: unknown, name: 'reported' | 'desired', del: boolean, limits: Required<ShadowLimits>, size: { bytes: number }): SectionWrite {
  const maxAttributes = name === 'reported' ? limits.maxReportedAttributes : limits.maxDesiredAttributes;
  size.bytes += name.length + 3;
  if (section === null || section === 'null') {
    size.bytes += section === null ? 4 : 6;
    return { clear: true, names: [], values: [] };
  }
  if (!isPlainObject(section)) throw requestError(400, `"${name}" is neither an object nor "null"`);
  const names = Object.keys(section);
  if (names.length === 0) throw requestError(405, `"${name}" has no attributes`);
  if (names.length > maxAttributes) throw requestError(408, `"${name}" lists ${names.length} attributes, more than ${maxAttributes}`);
  for (const n of names) if (n === '__proto__') throw requestError(400, 'attribute "__proto__" is not accepted');
  // The request, state and section objects are three levels; attribute values start at four.
  const values = names.map((n) => copyValue(section[n], `${name}.${n}`, del, 4, limits.maxDepth, size));
  size.bytes += 1 + names.length; // braces and commas, the colons counted with the names
  for (const n of names) size.bytes += jsonStringBytes(n) + 1;
  return { clear: false, names, values };
}

/**
 * Copies one attribute value, checking it is JSON. In a delete request every leaf must be
 * `null` or `"null"` (both become `null`); objects nest deletes.
 */
function copyValue(v: unknown, path: string, del: boolean, depth: number, maxDepth: number, size: { bytes: number }): JsonValue {
  if (v === null) {
    size.bytes += 4;
    return null;
  }
  if (del) {
    if (v === 'null') {
      size.bytes += 6;
      return null;
    }
    if (!isPlainObject(v)) throw requestError(400, `${path}: a delete lists attributes as "null" or null`);
  }
  switch (typeof v) {
    case 'string':
      size.bytes += jsonStringBytes(v);
      return v;
    case 'boolean':
      size.bytes += v ? 4 : 5;
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw requestError(400, `${path}: ${v} is not a JSON number`);
      size.bytes += String(v).length;
      return v;
    case 'object': {
      if (depth > maxDepth) throw requestError(400, `${path}: nesting exceeds ${maxDepth}`);
      if (Array.isArray(v)) {
        const out: JsonValue[] = new Array<JsonValue>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i], `${path}[${i}]`, false, depth + 1, maxDepth, size);
        size.bytes += v.length === 0 ? 2 : 1 + v.length;
        return out;
      }
      if (!isPlainObject(v)) break;
      const out: { [k: string]: JsonValue } = {};
      const keys = Object.keys(v);
      for (const k of keys) {
        if (k === '__proto__') throw requestError(400, `${path}: key "__proto__" is not accepted`);
        out[k] = copyValue(v[k], `${path}.${k}`, del, depth + 1, maxDepth, size);
        size.bytes += jsonStringBytes(k) + 1;
      }
      size.bytes += keys.length === 0 ? 2 : 1 + keys.length;
      return out;
    }
  }
  throw requestError(400, `${path}: not a JSON value`);
}

function wireSection(w: SectionWrite, del: boolean): ShadowSectionWrite {
  if (w.clear) return 'null';
  const out: ShadowAttributes = {};
  for (let i = 0; i < w.names.length; i++) out[w.names[i]!] = del ? deleteMarks(w.values[i]!) : w.values[i]!;
  return out;
}

/** In the wire form of a delete, leaves are `"null"` as in the seed's examples. */
function deleteMarks(v: JsonValue): JsonValue {
  if (v === null) return 'null';
  const out: { [k: string]: JsonValue } = {};
  for (const [k, x] of Object.entries(v as { [k: string]: JsonValue })) out[k] = deleteMarks(x);
  return out;
}

/** The canonical wire form of a validated request. */
export function wireRequest(plan: RequestPlan): ShadowRequest {
  if (plan.method === 'get') return { method: 'get' };
  const del = plan.method === 'delete';
  const state: { reported?: ShadowSectionWrite; desired?: ShadowSectionWrite } = {};
  if (plan.reported) state.reported = wireSection(plan.reported, del);
  if (plan.desired) state.desired = wireSection(plan.desired, del);
  return { method: plan.method, state, version: plan.version };
}

/**
 * Parses and validates a shadow request, as the cloud side receives it on
 * `/shadow/update/{pk}/{dn}`. The result is a fresh object in canonical form (a delete's
 * leaves as `"null"`, a cleared section as `"null"`).
 *
 * @throws {ShadowError} with `errorcode` 400–408 as Table 7-3 assigns it.
 * @example
 * ```ts
 * const req = parseShadowRequest('{"method":"update","state":{"reported":{"color":"red"}},"version":1}');
 * // req.method === 'update', req.version === 1
 * ```
 */
export function parseShadowRequest(input: string | Uint8Array | ShadowRequest, limits?: ShadowLimits): ShadowRequest {
  return wireRequest(planRequest(input, withDefaults(limits)));
}

/**
 * The limits with defaults filled in, each checked (an `OptionError` for a limit of the wrong
 * type or range, `null` limits included); `maxDepth` is clamped to base's JSON_DEPTH_CEILING.
 */
export function withDefaults(limits: ShadowLimits | undefined): Required<ShadowLimits> {
  if (limits === undefined) return DEFAULT_SHADOW_LIMITS;
  const o = optionsRecord('limits', limits);
  const d = DEFAULT_SHADOW_LIMITS;
  // Limits that are absent or non-negative numbers (and a maxDepth from 1) are taken as they are:
  // this runs on every request. Anything else gets numberOption's typed answer below.
  const r = o.maxReportedAttributes;
  const ds = o.maxDesiredAttributes;
  const b = o.maxRequestBytes;
  const depth = o.maxDepth;
  if ((r === undefined || (typeof r === 'number' && r >= 0)) && (ds === undefined || (typeof ds === 'number' && ds >= 0)) && (b === undefined || (typeof b === 'number' && b >= 0)) && (depth === undefined || (typeof depth === 'number' && depth >= 1))) {
    return {
      maxReportedAttributes: r ?? d.maxReportedAttributes,
      maxDesiredAttributes: ds ?? d.maxDesiredAttributes,
      maxRequestBytes: b ?? d.maxRequestBytes,
      maxDepth: Math.min(depth ?? d.maxDepth, JSON_DEPTH_CEILING),
    };
  }
  return {
    maxReportedAttributes: numberOption('maxReportedAttributes', o.maxReportedAttributes, d.maxReportedAttributes, 0, Infinity),
    maxDesiredAttributes: numberOption('maxDesiredAttributes', o.maxDesiredAttributes, d.maxDesiredAttributes, 0, Infinity),
    maxRequestBytes: numberOption('maxRequestBytes', o.maxRequestBytes, d.maxRequestBytes, 0, Infinity),
    maxDepth: Math.min(numberOption('maxDepth', o.maxDepth, d.maxDepth, 1, Infinity), JSON_DEPTH_CEILING),
  };
}

export { ShadowError };
