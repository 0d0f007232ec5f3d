import { checkJsonTree, isRecord, type Issue } from '@linkwire/base';
import type { AlinkRequest } from './envelope.ts';
import { forbiddenProto } from './json.ts';

/**
 * A few combinators for the shapes of Alink params. A check appends issues instead of
 * throwing, so one pass reports every problem with its path (`params[3].deviceName`).
 */
export type Check = (v: unknown, path: string, issues: Issue[]) => void;

/** A request's check: appends what is wrong with its params (and the members beside them). */
export type RequestCheck = (r: AlinkRequest, issues: Issue[]) => void;

export const addIssue = (issues: Issue[], path: string, code: string, message: string): void => {
  issues.push({ path, code, message });
};

export const anyValue: Check = () => {};

export const str: Check = (v, path, issues) => {
  if (typeof v !== 'string') addIssue(issues, path, 'expected_string', `${path} must be a string`);
};

export const nonEmptyStr: Check = (v, path, issues) => {
  if (typeof v !== 'string' || v.length === 0) addIssue(issues, path, 'expected_string', `${path} must be a non-empty string`);
};

export const int: Check = (v, path, issues) => {
  if (!(typeof v === 'number' && Number.isInteger(v)) && typeof v !== 'bigint') addIssue(issues, path, 'expected_integer', `${path} must be an integer`);
};

export const num: Check = (v, path, issues) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) addIssue(issues, path, 'expected_number', `${path} must be a finite number`);
};

/** A decimal integer written as a number or a string (peers send both: `"step": "-1"`, `"timestamp": 1524448722000`). */
export const intOrDigits: Check = (v, path, issues) => {
  if (typeof v === 'string' ? !/^-?\d{1,20}$/.test(v) : !(typeof v === 'number' && Number.isInteger(v)) && typeof v !== 'bigint') {
    addIssue(issues, path, 'expected_integer', `${path} must be an integer or a string of digits`);
  }
};

/** An object with the listed members; `optional` ones may be absent. Other members are allowed. */
export function obj(required: Readonly<Record<string, Check>>, optional: Readonly<Record<string, Check>> = {}): Check {
  const req = Object.entries(required);
  const opt = Object.entries(optional);
  return (v, path, issues) => {
    if (!isRecord(v)) return addIssue(issues, path, 'expected_object', `${path} must be an object`);
    for (const [k, check] of req) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) addIssue(issues, `${path}.${k}`, 'missing', `${path}.${k} is required`);
      else check(v[k], `${path}.${k}`, issues);
    }
    for (const [k, check] of opt) {
      if (Object.prototype.hasOwnProperty.call(v, k) && v[k] !== undefined) check(v[k], `${path}.${k}`, issues);
    }
  };
}

export function arr(item: Check, max = Infinity): Check {
  return (v, path, issues) => {
    if (!Array.isArray(v)) return addIssue(issues, path, 'expected_array', `${path} must be an array`);
    if (v.length > max) addIssue(issues, path, 'too_many', `${path} has ${v.length} items, at most ${max} are allowed`);
    for (let i = 0; i < v.length; i++) item(v[i], `${path}[${i}]`, issues);
  };
}

/** A map from identifiers to values: keys must be non-empty, at most `max` entries. */
export function map(value: Check, max = Infinity, tooManyCode = 'too_many'): Check {
  return (v, path, issues) => {
    if (!isRecord(v)) return addIssue(issues, path, 'expected_object', `${path} must be an object`);
    const keys = Object.keys(v);
    const count = keys.length;
    for (const k of keys) {
      if (k.length === 0) addIssue(issues, path, 'empty_key', `${path} has an empty identifier`);
      value(v[k], `${path}.${k}`, issues);
    }
    if (count > max) addIssue(issues, path, tooManyCode, `${path} has ${count} entries, at most ${max} are allowed`);
  };
}

export const objectParams: Check = obj({});
export const stringList: Check = arr(str);

/** A request whose `params` are required and checked by `check`. */
export const params = (check: Check): RequestCheck => (r, issues) => {
  if (r.params === undefined) issues.push({ path: 'params', code: 'missing', message: 'params is required' });
  else check(r.params, 'params', issues);
};

/** A request whose `params`, when present, are checked by `check`. */
export const optionalParams = (check: Check): RequestCheck => (r, issues) => {
  if (r.params !== undefined) check(r.params, 'params', issues);
};

/** The platform refuses a property post with more than 200 properties (code 6106). */
export const MAX_PROPERTIES = 200;

/**
 * Property params: identifiers to values in either form, plain (`"Power": "on"`) or timed
 * (`"Power": {"value": "on", "time": 1524448722000}`). An object with exactly the members
 * `value` and `time` is the timed form, so its `time` must be an integer.
 *
 * This is the hot path of every property post: one loop, no allocation unless it finds a
 * problem, and when `json` is given it also does the JSON walk's work (depth, `__proto__`,
 * integers beyond 2^53) for the values, so that the params object is iterated only once.
 * Returns true if an integer beyond 2^53 may have been rounded.
 */
export function checkProperties(v: unknown, path: string, issues: Issue[], json?: { readonly maxDepth: number; readonly depth: number }): boolean {
  if (!isRecord(v)) return void issues.push({ path, code: 'expected_object', message: `${path} must be an object` }), false;
  let rounded = false;
  let count = 0;
  for (const k in v) {
    count++;
    if (json !== undefined && k === '__proto__') throw forbiddenProto();
    const x = v[k];
    if (typeof x === 'object') {
      if (x !== null) {
        if (json !== undefined && checkJsonTree(x, json.maxDepth, json.depth + 1)) rounded = true;
        if ('time' in x && 'value' in x) {
          const time = (x as Record<string, unknown>)['time'];
          if (!(typeof time === 'number' && Number.isInteger(time)) && typeof time !== 'bigint' && Object.keys(x).length === 2) {
            issues.push({ path: `${path}.${k}.time`, code: 'expected_integer', message: `${path}.${k}.time must be an integer` });
          }
        }
      }
    } else if (typeof x === 'number' && (!Number.isFinite(x) || x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER)) {
      if (!Number.isFinite(x)) issues.push({ path: `${path}.${k}`, code: 'expected_number', message: `${path}.${k} must be finite` });
      else rounded = true;
    }
    if (k.length === 0) issues.push({ path, code: 'empty_key', message: `${path} has an empty identifier` });
  }
  if (count > MAX_PROPERTIES) issues.push({ path, code: 'too_many_properties', message: `${path} has ${count} properties, at most ${MAX_PROPERTIES} are allowed (platform code 6106)` });
  return rounded;
}

export const properties: Check = (v, path, issues) => void checkProperties(v, path, issues);
