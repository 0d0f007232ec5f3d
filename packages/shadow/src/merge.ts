import { JSON_DEPTH_CEILING, type JsonValue } from '@linkwire/base';
import { ShadowError } from './errors.ts';
import { isPlainObject } from './request.ts';

// A document the reducer wrote never nests beyond its limits; one handed in from elsewhere may.
const tooDeep = (): ShadowError => new ShadowError('invalid_document', `the document nests deeper than ${JSON_DEPTH_CEILING}`);

type JsonObject = { [k: string]: JsonValue };

const hasOwn = Object.hasOwn;

/**
 * Writes `value` (already a private copy) to `target[name]` by the nested merge rule: `null`
 * deletes, an object merges into an object already there (or into a new one, its `null`s
 * dropped), anything else (arrays and scalars) replaces. With `del`, objects only descend
 * into what exists, so a delete never creates anything.
 *
 * Only own properties are read: `target.constructor` of a plain object is `Object`, and a
 * merge that followed it would reach `Object.prototype`. `__proto__` never gets here (the
 * request check refuses it), so assignment always creates an own data property.
 */
export function mergeAttribute(target: JsonObject, name: string, value: JsonValue, del: boolean): void {
  if (value === null) {
    if (hasOwn(target, name)) delete target[name];
    return;
  }
  if (isPlainObject(value)) {
    const current = hasOwn(target, name) ? target[name] : undefined;
    if (isPlainObject(current)) {
      for (const k of Object.keys(value)) mergeAttribute(current as JsonObject, k, (value as JsonObject)[k]!, del);
      return;
    }
    if (del) return;
    const fresh: JsonObject = {};
    for (const k of Object.keys(value)) mergeAttribute(fresh, k, (value as JsonObject)[k]!, false);
    target[name] = fresh;
    return;
  }
  target[name] = value;
}

/** Deep equality of JSON values (own keys only, order-insensitive for objects). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (depth > JSON_DEPTH_CEILING) throw tooDeep();
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!hasOwn(b, k) || !jsonEqual(a[k], b[k], depth + 1)) return false;
  return true;
}

/** A deep copy of a JSON value (structuredClone is missing in some engines linkwire runs in). */
export function cloneJson<T extends JsonValue>(v: T, depth = 0): T {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > JSON_DEPTH_CEILING) throw tooDeep();
  if (Array.isArray(v)) return v.map((x) => cloneJson(x, depth + 1)) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    const x = cloneJson((v as JsonObject)[k]!, depth + 1);
    // A plain assignment to "__proto__" would replace the copy's prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
    else out[k] = x;
  }
  return out as T;
}
