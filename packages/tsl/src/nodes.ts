import { isRecord } from '@linkwire/base';
import type { TslIssue } from './errors.ts';
import { TSL_LIMITS, type TslDataType, type TslParam } from './model.ts';
import { childPath, error, indexPath, show, warning } from './paths.ts';

/*
 * A compiled data type is a plain record of one shape, and `test` is one function switching
 * on `kind`. Without code generation this is what keeps the hot path fast: every property
 * load sees one hidden class and every call has one target, where a tree of per-type
 * closures would make each call site megamorphic.
 */

export const INT = 0;
export const NUM = 1;
export const TEXT = 2;
export const DATE = 3;
export const BOOL = 4;
export const ENUM = 5;
export const OBJECT = 6;
export const ARRAY = 7;

export type Policy = 'strict' | 'platform';

/** Identifiers of an object node, with a lookup that is fastest when keys arrive in model order. */
export interface Keys {
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

export interface Node {
  readonly kind: number;
  readonly type: TslDataType['type'] | 'params';
  /** Number bounds (INT, NUM); text length or array size in `hi` (TEXT, ARRAY). */
  readonly lo: number;
  readonly hi: number;
  readonly values: ReadonlySet<number> | null;
  readonly keys: Keys | null;
  readonly members: readonly Node[] | null;
  readonly item: Node | null;
  /** OBJECT: all members required and nothing else (structs, strict parameter lists). */
  readonly strict: boolean;
  /** What an unknown key of an OBJECT is called in issues: `member`, `parameter`. */
  readonly what: string;
  /** `lo..hi`, rendered once for out-of-range messages. */
  readonly range: string;
}

export interface Ctx {
  readonly issues: TslIssue[];
  readonly coerce: boolean;
}

const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const hasOwn = Object.prototype.hasOwnProperty;


function node(kind: number, type: Node['type'], fields: Partial<Node>): Node {
  return {
    kind,
    type,
    lo: fields.lo ?? 0,
    hi: fields.hi ?? 0,
    values: fields.values ?? null,
    keys: fields.keys ?? null,
    members: fields.members ?? null,
    item: fields.item ?? null,
    strict: fields.strict ?? true,
    what: fields.what ?? '',
    range: `${fields.lo ?? 0}..${fields.hi ?? 0}`,
  };
}

export function makeKeys(ids: readonly string[]): Keys {
  return { ids, index: new Map(ids.map((id, i) => [id, i])) };
}

/**
 * The position of `k` in `keys`, trying `hint` first: devices send the same keys in the same
 * order every time, so comparing with the expected next key usually spares the hash lookup.
 */
export function keyAt(keys: Keys, k: string, hint: number): number {
  const ids = keys.ids;
  if (hint < ids.length && ids[hint] === k) return hint;
  const i = keys.index.get(k);
  return i === undefined ? -1 : i;
}

export function compileType(t: TslDataType): Node {
  switch (t.type) {
    case 'int':
      return node(INT, t.type, { lo: t.min ?? TSL_LIMITS.int32Min, hi: t.max ?? TSL_LIMITS.int32Max });
    case 'float':
    case 'double': {
      const limit = t.type === 'float' ? TSL_LIMITS.floatMax : Number.MAX_VALUE;
      return node(NUM, t.type, { lo: t.min ?? -limit, hi: t.max ?? limit });
    }
    case 'text':
      return node(TEXT, t.type, { hi: t.length });
    case 'date':
      return node(DATE, t.type, {});
    case 'bool':
      return node(BOOL, t.type, {});
    case 'enum':
      return node(ENUM, t.type, { values: new Set(t.values.map((e) => e.value)) });
    case 'struct':
      return paramSet(t.members, 'strict', 'member');
    case 'array':
      return node(ARRAY, t.type, { hi: t.size, item: compileType(t.item) });
  }
}

/**
 * An object of named, typed members: a struct, a service's inputData or outputData, an
 * event's outputData. Strict: every member present, nothing else. Platform-like: members may
 * be missing, unknown keys are reported as warnings and dropped from the forwarded value.
 */
export function paramSet(params: readonly TslParam[], policy: Policy, what: string): Node {
  return node(OBJECT, 'params', {
    keys: makeKeys(params.map((p) => p.identifier)),
    members: params.map((p) => compileType(p.dataType)),
    strict: policy === 'strict',
    what,
  });
}

/** Exact validity, no coercion, no allocation. */
export function test(n: Node, v: unknown): boolean {
  switch (n.kind) {
    case INT:
      return typeof v === 'number' && (v | 0) === v && v >= n.lo && v <= n.hi;
    case NUM:
      return typeof v === 'number' && v >= n.lo && v <= n.hi;
    case TEXT:
      // Code points never outnumber UTF-16 units nor fall below half of them: count only in between.
      return typeof v === 'string' && (v.length <= n.hi || (v.length <= 2 * n.hi && codePoints(v) <= n.hi));
    case DATE:
      return isDate(v);
    case BOOL:
      return v === 0 || v === 1;
    case ENUM:
      return typeof v === 'number' && n.values!.has(v);
    case OBJECT:
      return testObject(n, v);
    case ARRAY:
      return testArray(n, v);
  }
  return false;
}

// The element loop is specialised for scalar items so that a long array costs one loop, not
// one dispatch per element.
function testArray(n: Node, v: unknown): boolean {
  if (!Array.isArray(v) || v.length > n.hi) return false;
  const item = n.item!;
  const lo = item.lo;
  const hi = item.hi;
  switch (item.kind) {
    case NUM:
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number' || !(x >= lo && x <= hi)) return false;
      }
      return true;
    case INT:
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number' || (x | 0) !== x || x < lo || x > hi) return false;
      }
      return true;
    default:
      for (let i = 0; i < v.length; i++) if (!test(item, v[i])) return false;
      return true;
  }
}

function testObject(n: Node, v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = n.keys!;
  const members = n.members!;
  const o = v as Record<string, unknown>;
  let count = 0;
  let hint = 0;
  for (const k in o) {
    const i = keyAt(keys, k, hint);
    if (i < 0 || !test(members[i]!, o[k])) return false;
    hint = i + 1;
    count++;
  }
  return !n.strict || count === members.length;
}

/**
 * Runs only for a value that failed `test` (callers test first, so valid siblings never pay
 * for a path): reports every issue under `path` and returns the value to forward, the input
 * itself unless coercion or dropping changed something.
 */
export function explain(n: Node, v: unknown, path: string, ctx: Ctx): unknown {
  switch (n.kind) {
    case OBJECT:
      return explainObject(n, v, path, ctx);
    case ARRAY:
      return explainArray(n, v, path, ctx);
  }
  let shown = v;
  if (ctx.coerce) {
    const c = coerce(n, v);
    if (c !== undefined) {
      if (test(n, c)) return c;
      shown = c;
    }
  }
  ctx.issues.push(describe(n, shown, path));
  return v;
}

function coerce(n: Node, v: unknown): unknown {
  switch (n.kind) {
    case INT:
    case NUM:
    case ENUM:
      return typeof v === 'string' && NUMBER_TEXT.test(v) ? Number(v) : undefined;
    case BOOL:
      return v === true || v === 'true' || v === '1' ? 1 : v === false || v === 'false' || v === '0' ? 0 : undefined;
  }
  return undefined;
}

function describe(n: Node, v: unknown, path: string): TslIssue {
  switch (n.kind) {
    case INT:
    case NUM:
      if (typeof v !== 'number' || !Number.isFinite(v)) return error(path, 'type', `expected ${n.kind === INT ? 'an int' : `a ${n.type}`}, got ${show(v)}`);
      if (n.kind === INT && !Number.isInteger(v)) return error(path, 'not_integer', `expected an integer, got ${v}`);
      return error(path, 'out_of_range', `${v} is outside ${n.range}`);
    case TEXT:
      if (typeof v !== 'string') return error(path, 'type', `expected text, got ${show(v)}`);
      return error(path, 'too_long', `text of ${codePoints(v)} characters exceeds the length ${n.hi}`);
    case DATE:
      return error(path, 'invalid_date', `expected UTC milliseconds as a non-negative integer or a string of up to 15 digits, got ${show(v)}`);
    case BOOL:
      return error(path, 'invalid_bool', `expected a bool as 0 or 1, got ${show(v)}`);
    default:
      if (typeof v !== 'number') return error(path, 'type', `expected an enum value, got ${show(v)}`);
      return error(path, 'not_in_enum', `${v} is not one of ${[...n.values!].join(', ')}`);
  }
}

function explainArray(n: Node, v: unknown, path: string, ctx: Ctx): unknown {
  if (!Array.isArray(v)) {
    ctx.issues.push(error(path, 'not_array', `expected an array, got ${show(v)}`));
    return v;
  }
  if (v.length > n.hi) ctx.issues.push(error(path, 'too_many_items', `${v.length} elements exceed the array size ${n.hi}`));
  const item = n.item!;
  let out: unknown[] | undefined;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (test(item, x)) continue;
    const r = explain(item, x, indexPath(path, i), ctx);
    if (r !== x) (out ??= v.slice())[i] = r;
  }
  return out ?? v;
}

function explainObject(n: Node, v: unknown, path: string, ctx: Ctx): unknown {
  if (!isRecord(v)) {
    ctx.issues.push(error(path, 'not_object', `expected an object, got ${show(v)}`));
    return v;
  }
  const keys = n.keys!;
  const members = n.members!;
  const what = n.what;
  let out: Record<string, unknown> | undefined;
  for (const k in v) {
    const i = keys.index.get(k);
    if (i === undefined) {
      if (n.strict) ctx.issues.push(error(childPath(path, k), `unknown_${what}`, `${JSON.stringify(k)} is not a defined ${what}`));
      else {
        ctx.issues.push(warning(childPath(path, k), `unknown_${what}`, `${JSON.stringify(k)} is not a defined ${what}; dropped`));
        out ??= copyKnown(v, keys, k);
      }
      continue;
    }
    const x = v[k];
    const m = members[i]!;
    const r = test(m, x) ? x : explain(m, x, childPath(path, k), ctx);
    if (r !== x) out ??= copyKnown(v, keys, k);
    if (out !== undefined) put(out, k, r);
  }
  if (n.strict) {
    for (const id of keys.ids) {
      if (!hasOwn.call(v, id)) ctx.issues.push(error(childPath(path, id), 'missing', `${what} ${JSON.stringify(id)} is missing`));
    }
  }
  return out ?? v;
}

/**
 * A copy of `v` with its known keys up to (not including) `stop`, made when the forwarded value
 * first has to differ from the input. Only known identifiers are written, never `__proto__`.
 */
function copyKnown(v: Record<string, unknown>, keys: Keys, stop: string): Record<string, unknown> {
  const has = keys.index;
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (k === stop) break;
    if (has.has(k)) put(out, k, v[k]);
  }
  return out;
}

/**
 * Writes a key of a forwarded copy. Parsed models never define `__proto__`, but a model built
 * in code might, and a plain assignment of that key would replace the copy's prototype.
 */
export function put(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

export function isDate(v: unknown): boolean {
  if (typeof v === 'number') return v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v;
  if (typeof v !== 'string' || v.length === 0 || v.length > 15) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    n++;
  }
  return n;
}
