import { describe } from './describe.ts';
import { LinkwireError } from './errors.ts';

/**
 * An option of the wrong type or out of its range: code `invalid_option`, and `option` names
 * it (`maxSessions`, `limits.maxDepth`). Options come from configuration files and plain
 * JavaScript as often as from typed code, so every public function and factory checks its
 * options once, on entry or at construction, with the helpers below; a loop whose exit depends
 * on an option never sees an unchecked one.
 */
export class OptionError extends LinkwireError {
  readonly option: string;
  constructor(option: string, expected: string, got: unknown) {
    super('invalid_option', `option ${option} must be ${expected}, got ${describe(got)}`);
    this.option = option;
  }
}

/**
 * The options argument itself: `undefined` reads as no options; anything but an object (null,
 * an array, a string) is an {@link OptionError}. Returns the record to read fields from.
 */
export function optionsRecord(name: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return EMPTY;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionError(name, 'an object', value);
  return value as Record<string, unknown>;
}
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * An integer option in `[min, max]` (`undefined` gives `fallback`). NaN, ±Infinity, fractions,
 * bigints and strings are refused; `-0` reads as `0`.
 *
 * @example
 * integerOption('maxSessions', options.maxSessions, 1000, 1) // throws OptionError for 0, -0, false, 1n
 */
export function integerOption(name: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value === 0 ? 0 : value;
}

/**
 * A number option in `[min, max]` (`undefined` gives `fallback`): NaN is refused always,
 * `Infinity` only passes when `max` is `Infinity` (a size limit may be unbounded, a timeout not).
 */
export function numberOption(name: string, value: unknown, fallback: number, min = 0, max = Number.MAX_VALUE): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new OptionError(name, `a number from ${min} to ${max}`, value);
  }
  return value === 0 ? 0 : value;
}

/** One of `allowed` (compared with `===`); `undefined` gives `fallback`. */
export function enumOption<T extends string | number | boolean>(name: string, value: unknown, allowed: readonly T[], fallback: T): T;
export function enumOption<T extends string | number | boolean>(name: string, value: unknown, allowed: readonly T[]): T | undefined;
export function enumOption<T extends string | number | boolean>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new OptionError(name, `one of ${allowed.map((a) => describe(a)).join(', ')}`, value);
  return value as T;
}

/** A boolean option; `undefined` gives `fallback`. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionError(name, 'true or false', value);
  return value;
}

/** A list of strings (a real array, every element a string); `undefined` gives `fallback`. Returns a frozen copy. */
export function stringListOption(name: string, value: unknown, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw new OptionError(name, 'a list of strings', value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') throw new OptionError(`${name}[${i}]`, 'a string', value[i]);
  }
  return Object.freeze(value.slice()) as readonly string[];
}

/** A required option: its value, or an {@link OptionError} when it is missing. */
export function requiredOption(name: string, value: unknown): unknown {
  if (value === undefined) throw new OptionError(name, 'given', value);
  return value;
}

/** A required function option. */
export function requiredFunction<F extends (...args: never[]) => unknown>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new OptionError(name, 'a function', value);
  return value as F;
}

/** A string option; `undefined` gives `fallback`. */
export function stringOption(name: string, value: unknown, fallback: string): string;
export function stringOption(name: string, value: unknown): string | undefined;
export function stringOption(name: string, value: unknown, fallback?: string): string | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new OptionError(name, 'a string', value);
  return value;
}

/** A function option; `undefined` gives `fallback`. */
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown, fallback: F): F;
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined;
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown, fallback?: F): F | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new OptionError(name, 'a function', value);
  return value as F;
}
