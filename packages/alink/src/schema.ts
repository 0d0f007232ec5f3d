import { isRecord, type Issue } from '@linkwire/base';

/**
 * A few combinators for the shapes of Alink params. A check appends issues instead of
 * throwing, so one pass reports every problem with its path (`params[3].deviceName`).
 */
export type Check = (v: unknown, path: string, issues: Issue[]) => void;

const add = (issues: Issue[], path: string, code: string, message: string): void => {
  issues.push({ path, code, message });
};


export const anyValue: Check = () => {};

export const str: Check = (v, path, issues) => {
  if (typeof v !== 'string') add(issues, path, 'expected_string', `${path} must be a string`);
};

export const nonEmptyStr: Check = (v, path, issues) => {
  if (typeof v !== 'string' || v.length === 0) add(issues, path, 'expected_string', `${path} must be a non-empty string`);
};

export const int: Check = (v, path, issues) => {
  if (!(typeof v === 'number' && Number.isInteger(v)) && typeof v !== 'bigint') add(issues, path, 'expected_integer', `${path} must be an integer`);
};

export const num: Check = (v, path, issues) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) add(issues, path, 'expected_number', `${path} must be a finite number`);
};

export const bool: Check = (v, path, issues) => {
  if (typeof v !== 'boolean') add(issues, path, 'expected_boolean', `${path} must be true or false`);
};

/** A decimal integer written as a number or a string (peers send both: `"step": "-1"`, `"timestamp": 1524448722000`). */
export const intOrDigits: Check = (v, path, issues) => {
  if (typeof v === 'string' ? !/^-?\d{1,20}$/.test(v) : !(typeof v === 'number' && Number.isInteger(v)) && typeof v !== 'bigint') {
    add(issues, path, 'expected_integer', `${path} must be an integer or a string of digits`);
  }
};

export function range(min: number, max: number): Check {
  return (v, path, issues) => {
    const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
    if (!Number.isInteger(n) || n < min || n > max || (typeof v === 'string' && !/^-?\d+$/.test(v))) {
      add(issues, path, 'out_of_range', `${path} must be an integer from ${min} to ${max}`);
    }
  };
}

export function literal(...values: readonly unknown[]): Check {
  return (v, path, issues) => {
    if (!values.includes(v)) add(issues, path, 'unexpected_value', `${path} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  };
}

export function either(a: Check, b: Check): Check {
  return (v, path, issues) => {
    const first: Issue[] = [];
    a(v, path, first);
    if (first.length === 0) return;
    const second: Issue[] = [];
    b(v, path, second);
    if (second.length !== 0) issues.push(...(first.length <= second.length ? first : second));
  };
}

/** An object with the listed members; `optional` ones may be absent. Other members are allowed. */
export function obj(required: Readonly<Record<string, Check>>, optional: Readonly<Record<string, Check>> = {}): Check {
  const req = Object.entries(required);
  const opt = Object.entries(optional);
  return (v, path, issues) => {
    if (!isRecord(v)) return add(issues, path, 'expected_object', `${path} must be an object`);
    for (const [k, check] of req) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) add(issues, `${path}.${k}`, 'missing', `${path}.${k} is required`);
      else check(v[k], `${path}.${k}`, issues);
    }
    for (const [k, check] of opt) {
      if (Object.prototype.hasOwnProperty.call(v, k) && v[k] !== undefined) check(v[k], `${path}.${k}`, issues);
    }
  };
}

/** At least one of the named members must be present (`deviceName` on Alibaba, `deviceKey` on EnOS). */
export function oneOfMembers(names: readonly string[], check: Check): Check {
  return (v, path, issues) => {
    if (!isRecord(v)) return;
    const k = names.find((n) => Object.prototype.hasOwnProperty.call(v, n));
    if (k === undefined) add(issues, `${path}.${names[0]}`, 'missing', `${path} needs one of ${names.join(', ')}`);
    else check(v[k], `${path}.${k}`, issues);
  };
}

export function all(...checks: readonly Check[]): Check {
  return (v, path, issues) => {
    for (const c of checks) c(v, path, issues);
  };
}

export function arr(item: Check, max = Infinity): Check {
  return (v, path, issues) => {
    if (!Array.isArray(v)) return add(issues, path, 'expected_array', `${path} must be an array`);
    if (v.length > max) add(issues, path, 'too_many', `${path} has ${v.length} items, at most ${max} are allowed`);
    for (let i = 0; i < v.length; i++) item(v[i], `${path}[${i}]`, issues);
  };
}

/** A map from identifiers to values: keys must be non-empty, at most `max` entries. */
export function map(value: Check, max = Infinity, tooManyCode = 'too_many'): Check {
  return (v, path, issues) => {
    if (!isRecord(v)) return add(issues, path, 'expected_object', `${path} must be an object`);
    const keys = Object.keys(v);
    const count = keys.length;
    for (const k of keys) {
      if (k.length === 0) add(issues, path, 'empty_key', `${path} has an empty identifier`);
      value(v[k], `${path}.${k}`, issues);
    }
    if (count > max) add(issues, path, tooManyCode, `${path} has ${count} entries, at most ${max} are allowed`);
  };
}
