import { isRecord, type Issue } from '@linkwire/base';
import { addIssue, type Check } from './schema.ts';

// Alternatives, ranges and combinations of checks: the gateway, OTA and EnOS
// areas use them, the device's own area does not. A file of their own, so that a browser device
// client's first chunk carries only the plain shapes of schema.ts (issue 15).

export const bool: Check = (v, path, issues) => {
  if (typeof v !== 'boolean') addIssue(issues, path, 'expected_boolean', `${path} must be true or false`);
};

export function range(min: number, max: number): Check {
  return (v, path, issues) => {
    const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
    if (!Number.isInteger(n) || n < min || n > max || (typeof v === 'string' && !/^-?\d+$/.test(v))) {
      addIssue(issues, path, 'out_of_range', `${path} must be an integer from ${min} to ${max}`);
    }
  };
}

export function literal(...values: readonly unknown[]): Check {
  return (v, path, issues) => {
    if (!values.includes(v)) addIssue(issues, path, 'unexpected_value', `${path} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
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

/** At least one of the named members must be present (`deviceName` on Alibaba, `deviceKey` on EnOS). */
export function oneOfMembers(names: readonly string[], check: Check): Check {
  return (v, path, issues) => {
    if (!isRecord(v)) return;
    const k = names.find((n) => Object.prototype.hasOwnProperty.call(v, n));
    if (k === undefined) addIssue(issues, `${path}.${names[0]}`, 'missing', `${path} needs one of ${names.join(', ')}`);
    else check(v[k], `${path}.${k}`, issues);
  };
}

export function all(...checks: readonly Check[]): Check {
  return (v, path, issues) => {
    for (const c of checks) c(v, path, issues);
  };
}

