import type { TslIssue } from './errors.ts';
import { TSL_LIMITS, type TslArraySpec, type TslDataType, type TslEnumSpec, type TslNumberSpec, type TslParam, type TslStructSpec } from './model.ts';
import { childPath, error, indexPath, show, warning } from './paths.ts';

/**
 * One compiled data type. `test` is the hot path: exact, no coercion, no allocation, a plain
 * boolean. `explain` runs only after a `test` failed somewhere above it: it reports every
 * issue under `path` and returns the value to forward (the input itself unless coercion or
 * dropping changed something below).
 */
export interface Node {
  test(v: unknown): boolean;
  explain(v: unknown, path: string, ctx: Ctx): unknown;
}

export interface Ctx {
  readonly issues: TslIssue[];
  readonly coerce: boolean;
}

export type Policy = 'strict' | 'platform';

const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const hasOwn = Object.prototype.hasOwnProperty;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numberFromText(v: unknown): unknown {
  return typeof v === 'string' && NUMBER_TEXT.test(v) ? Number(v) : undefined;
}

/** Shared by leaves: a failed `test` becomes one issue, or a coerced value when allowed. */
function leaf(test: (v: unknown) => boolean, coerce: ((v: unknown) => unknown) | undefined, describe: (v: unknown) => [code: string, message: string]): Node {
  return {
    test,
    explain(v, path, ctx) {
      if (test(v)) return v;
      let shown = v;
      if (ctx.coerce && coerce !== undefined) {
        const c = coerce(v);
        if (c !== undefined) {
          if (test(c)) return c;
          shown = c;
        }
      }
      const [code, message] = describe(shown);
      ctx.issues.push(error(path, code, message));
      return v;
    },
  };
}

export function compileType(t: TslDataType): Node {
  switch (t.type) {
    case 'int':
    case 'float':
    case 'double':
      return numberNode(t);
    case 'text': {
      const max = t.length;
      // A string never has more code points than UTF-16 units, nor fewer than half of them,
      // so the count is needed only in between.
      const test = (v: unknown): boolean => typeof v === 'string' && (v.length <= max || (v.length <= 2 * max && codePoints(v) <= max));
      return leaf(test, undefined, (v) => (typeof v !== 'string' ? ['type', `expected text, got ${show(v)}`] : ['too_long', `text of ${codePoints(v)} characters exceeds the length ${max}`]));
    }
    case 'date':
      return leaf(isDate, undefined, (v) => ['invalid_date', `expected UTC milliseconds as a non-negative integer or a string of up to 15 digits, got ${show(v)}`]);
    case 'bool': {
      const test = (v: unknown): boolean => v === 0 || v === 1;
      const coerce = (v: unknown): unknown => (v === true || v === 'true' || v === '1' ? 1 : v === false || v === 'false' || v === '0' ? 0 : undefined);
      return leaf(test, coerce, (v) => ['invalid_bool', `expected a bool as 0 or 1, got ${show(v)}`]);
    }
    case 'enum':
      return enumNode(t);
    case 'struct':
      return structNode(t);
    case 'array':
      return arrayNode(t);
  }
}

function numberNode(t: TslNumberSpec): Node {
  const isInt = t.type === 'int';
  const limit = t.type === 'float' ? TSL_LIMITS.floatMax : Number.MAX_VALUE;
  const lo = t.min ?? (isInt ? TSL_LIMITS.int32Min : -limit);
  const hi = t.max ?? (isInt ? TSL_LIMITS.int32Max : limit);
  // `(v | 0) === v` is true exactly for 32-bit integers, the platform's int.
  const test = isInt
    ? (v: unknown): boolean => typeof v === 'number' && (v | 0) === v && v >= lo && v <= hi
    : (v: unknown): boolean => typeof v === 'number' && v >= lo && v <= hi;
  return leaf(test, numberFromText, (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return ['type', `expected ${t.type === 'int' ? 'an int' : `a ${t.type}`}, got ${show(v)}`];
    if (isInt && !Number.isInteger(v)) return ['not_integer', `expected an integer, got ${v}`];
    return ['out_of_range', `${v} is outside ${lo}..${hi}`];
  });
}

function enumNode(t: TslEnumSpec): Node {
  const values = new Set(t.values.map((e) => e.value));
  const test = (v: unknown): boolean => typeof v === 'number' && values.has(v);
  const list = t.values.map((e) => e.value).join(', ');
  return leaf(test, numberFromText, (v) => (typeof v !== 'number' ? ['type', `expected an enum value, got ${show(v)}`] : ['not_in_enum', `${v} is not one of ${list}`]));
}

function arrayNode(t: TslArraySpec): Node {
  const item = compileType(t.item);
  const size = t.size;
  return {
    test(v) {
      if (!Array.isArray(v) || v.length > size) return false;
      for (let i = 0; i < v.length; i++) if (!item.test(v[i])) return false;
      return true;
    },
    explain(v, path, ctx) {
      if (!Array.isArray(v)) {
        ctx.issues.push(error(path, 'not_array', `expected an array, got ${show(v)}`));
        return v;
      }
      if (v.length > size) ctx.issues.push(error(path, 'too_many_items', `${v.length} elements exceed the array size ${size}`));
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        const r = item.explain(x, indexPath(path, i), ctx);
        if (r !== x) (out ??= v.slice())[i] = r;
      }
      return out ?? v;
    },
  };
}

function structNode(t: TslStructSpec): Node {
  return paramSet(t.members, 'strict', 'member');
}

/**
 * An object of named, typed members: a struct, a service's inputData or outputData, an
 * event's outputData. Strict: every member present, nothing else. Platform-like: members may
 * be missing, unknown keys are reported as warnings and dropped from the forwarded value.
 */
export function paramSet(params: readonly TslParam[], policy: Policy, what: string): Node & { readonly members: ReadonlyMap<string, Node> } {
  const members = new Map<string, Node>();
  for (const p of params) members.set(p.identifier, compileType(p.dataType));
  const n = members.size;
  const strict = policy === 'strict';
  return {
    members,
    test(v) {
      if (!isObject(v)) return false;
      let count = 0;
      for (const k in v) {
        const m = members.get(k);
        if (m === undefined || !m.test(v[k])) return false;
        count++;
      }
      return !strict || count === n;
    },
    explain(v, path, ctx) {
      if (!isObject(v)) {
        ctx.issues.push(error(path, 'not_object', `expected an object, got ${show(v)}`));
        return v;
      }
      let changed = false;
      let out: Record<string, unknown> | undefined;
      for (const k in v) {
        const m = members.get(k);
        if (m === undefined) {
          if (strict) ctx.issues.push(error(childPath(path, k), `unknown_${what}`, `${JSON.stringify(k)} is not a defined ${what}`));
          else {
            ctx.issues.push(warning(childPath(path, k), `unknown_${what}`, `${JSON.stringify(k)} is not a defined ${what}; dropped`));
            changed = true;
          }
          continue;
        }
        const x = v[k];
        const r = m.explain(x, childPath(path, k), ctx);
        if (r !== x) changed = true;
        (out ??= {})[k] = r;
      }
      if (strict) {
        for (const id of members.keys()) {
          if (!hasOwn.call(v, id)) ctx.issues.push(error(childPath(path, id), 'missing', `${what} ${JSON.stringify(id)} is missing`));
        }
      }
      return changed ? (out ?? {}) : v;
    },
  };
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
