/**
 * One safe way to put an untrusted value into an error message. `String(value)` and
 * `JSON.stringify(value)` are not: a bigint breaks `JSON.stringify`, a null-prototype object or
 * `{ toString: 0 }` breaks `String`, a symbol breaks template literals, and an array nested a few
 * thousand deep overflows the stack inside `Array.prototype.join`.
 */

/** Longest text {@link describe} returns unless told otherwise (the ellipsis included). */
export const DESCRIBE_MAX_LENGTH = 80;

/**
 * A short, bounded description of any value for an error message: strings quoted (and cut),
 * numbers as written (`-0`, `NaN` and `Infinity` included), bigints with their `n`, symbols,
 * functions by name, arrays and typed arrays by length, other objects by their first keys. It
 * never calls a method of the value, never recurses, and never throws (a Proxy whose traps
 * throw reads as `an object`).
 *
 * @example
 * describe(123n)                        // '123n'
 * describe(Object.create(null))         // 'object {}'
 * describe({ toString: 0, method: 'x' }) // 'object {toString, method}'
 */
export function describe(value: unknown, maxLength: number = DESCRIBE_MAX_LENGTH): string {
  const limit = typeof maxLength === 'number' && maxLength >= 8 ? Math.floor(Math.min(maxLength, 4096)) : DESCRIBE_MAX_LENGTH;
  let text: string;
  try {
    text = describeUnbounded(value, limit);
  } catch {
    text = typeof value === 'object' ? 'an object' : 'a value';
  }
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function describeUnbounded(v: unknown, limit: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > limit ? `${v.slice(0, limit)}` : v) + (v.length > limit ? '…' : '');
    case 'number':
      return Object.is(v, -0) ? '-0' : `${v}`;
    case 'bigint':
      return `${v}n`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'symbol': {
      const d = Symbol.prototype.toString.call(v);
      return d;
    }
    case 'function': {
      const name = Object.getOwnPropertyDescriptor(v, 'name')?.value;
      return typeof name === 'string' && name !== '' ? `function ${name}` : 'a function';
    }
    default:
      break;
  }
  if (v === null) return 'null';
  const o = v as object;
  if (Array.isArray(o)) return `array(${o.length})`;
  if (ArrayBuffer.isView(o)) {
    const tag = Object.prototype.toString.call(o).slice(8, -1);
    return `${tag}(${(o as { byteLength: number }).byteLength} bytes)`;
  }
  if (o instanceof Error) {
    const message = Object.getOwnPropertyDescriptor(o, 'message')?.value;
    return typeof message === 'string' ? `error ${JSON.stringify(message.slice(0, limit))}` : 'an error';
  }
  // Own enumerable keys only, read without touching values (a getter never runs).
  const keys: string[] = [];
  let length = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    if (length > limit) {
      keys.push('…');
      break;
    }
    keys.push(k.length > 24 ? `${k.slice(0, 24)}…` : k);
    length += k.length + 2;
  }
  return `object {${keys.join(', ')}}`;
}
