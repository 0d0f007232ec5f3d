import { booleanOption, constantTimeEqualHex, describe, isRecord, numberOption, optionsRecord, stringListOption } from '@linkwire/base';
import { hashHex, type HashAlgorithm } from '@linkwire/hash';
import { SignError } from './errors.ts';

/** What every platform-side `verify…` accepts. */
export interface VerifyOptions {
  /**
   * Sign methods this verifier accepts (any letter case). A request advertising another method
   * is refused with `method_not_allowed` even when its signature is right.
   */
  readonly allowedMethods?: readonly string[];
  /** The verifier's clock, in milliseconds. Without it no timestamp window is checked. */
  readonly now?: number;
  /**
   * Largest accepted distance between `now` and the signed timestamp, in milliseconds.
   * Defaults to the flow's documented window (15 minutes for HTTPS `/auth`), else 15 minutes.
   */
  readonly windowMs?: number;
  /** Refuse requests that carry no timestamp (the seeds make it optional). Default false. */
  readonly requireTimestamp?: boolean;
}

/** Stable reasons a verification fails; `reason` adds a human message. */
export type VerifyFailureCode =
  | 'malformed'
  | 'unknown_device'
  | 'unknown_sign_method'
  | 'method_not_allowed'
  | 'timestamp_required'
  | 'timestamp_out_of_window'
  | 'signature_mismatch';

export interface VerifyFailure {
  readonly ok: false;
  readonly code: VerifyFailureCode;
  readonly reason: string;
}

export type VerifyResult<T extends object = object> = ({ readonly ok: true } & T) | VerifyFailure;

export const fail = (code: VerifyFailureCode, reason: string): VerifyFailure => ({ ok: false, code, reason });

export const DEFAULT_WINDOW_MS = 15 * 60 * 1000;

/** The hash algorithm of `method`, or the failure to report. */
/**
 * Checks a verifier's options: an `OptionError` for `allowedMethods` that is not a list of
 * strings, a `now` or `windowMs` that is not a finite number (a bigint, NaN), a
 * `requireTimestamp` that is not a boolean. Options are the caller's configuration, so a wrong
 * one throws; requests, however malformed, never do.
 */
export function checkVerifyOptions(options: unknown): VerifyOptions | undefined {
  if (options === undefined) return undefined;
  const o = optionsRecord('options', options);
  stringListOption('allowedMethods', o['allowedMethods'], []);
  numberOption('now', o['now'], 0, -Number.MAX_VALUE, Number.MAX_VALUE);
  numberOption('windowMs', o['windowMs'], 0, 0, Number.MAX_VALUE);
  booleanOption('requireTimestamp', o['requireTimestamp'], false);
  return options as VerifyOptions;
}

export function checkMethod(method: string, options: VerifyOptions | undefined, algorithmOf: (m: string) => HashAlgorithm): HashAlgorithm | VerifyFailure {
  checkVerifyOptions(options);
  let algorithm: HashAlgorithm;
  try {
    algorithm = algorithmOf(method);
  } catch (e) {
    if (e instanceof SignError) return fail('unknown_sign_method', `unknown sign method ${describe(method)}`);
    throw e;
  }
  if (typeof method !== 'string') return fail('unknown_sign_method', `unknown sign method ${describe(method)}`);
  const allowed = options?.allowedMethods;
  if (allowed !== undefined && !allowed.some((m) => m.toLowerCase() === method.toLowerCase())) {
    return fail('method_not_allowed', `sign method ${method} is not allowed here`);
  }
  return algorithm;
}

/**
 * Milliseconds of a signed timestamp: 13-digit values are milliseconds (seed, Node SDK), and
 * values of at most 10 digits are seconds (the Python SDK sends seconds on CONNECT).
 */
export function timestampMillis(ts: string): number {
  if (typeof ts !== 'string') throw new SignError('invalid_field', `a timestamp is decimal text, got ${describe(ts)}`, 'timestamp');
  const n = Number(ts);
  return ts.length <= 10 ? n * 1000 : n;
}

/** The window check: undefined when the timestamp is acceptable. */
export function checkTimestamp(timestamp: unknown, options: VerifyOptions | undefined, defaultWindowMs = DEFAULT_WINDOW_MS): VerifyFailure | undefined {
  checkVerifyOptions(options);
  if (timestamp === undefined) return options?.requireTimestamp ? fail('timestamp_required', 'timestamp is required') : undefined;
  const ts = typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0 ? String(timestamp) : timestamp;
  if (typeof ts !== 'string' || !/^\d{1,16}$/.test(ts)) return fail('malformed', 'timestamp must be decimal digits');
  if (options?.now === undefined) return undefined;
  const window = options.windowMs ?? defaultWindowMs;
  if (Math.abs(options.now - timestampMillis(ts)) > window) return fail('timestamp_out_of_window', `timestamp ${ts} is outside the accepted window`);
  return undefined;
}

/** Constant-time, case-insensitive comparison of a presented signature with the expected lowercase hex. */
export function checkSignature(expected: string, presented: unknown): VerifyFailure | undefined {
  if (typeof presented !== 'string' || !constantTimeEqualHex(expected, presented)) return fail('signature_mismatch', 'signature mismatch');
  return undefined;
}

/**
 * Stands in for the secret of a device, product, app or user the verifier does not know. Every
 * verifier signs and compares with it exactly as with a real secret and only then reports
 * `unknown_device`, so an unknown identity costs what a wrong signature for a known one costs
 * and response timing does not tell which devices exist. It is public and never accepted: the
 * result is `unknown_device` whatever the comparison says. 32 characters, a device secret's length.
 */
export const STAND_IN_SECRET = 'linkwire-unknown-device-secret-0';

/**
 * The failure of a check that ran with `secret ?? STAND_IN_SECRET`: `unknown_device` when
 * there was no secret (checked after the work, so both paths cost the same), else `mismatch`.
 */
export function unknownOr<F>(secret: unknown, mismatch: F, what = 'device'): F | VerifyFailure {
  return secret === undefined ? fail('unknown_device', `unknown ${what}`) : mismatch;
}

/**
 * Constant-time equality of two secrets held as text (tokens, passwords) whose lengths may
 * differ: their SHA-256 digests are compared, so neither the content nor the length of the
 * expected one shows in the time taken. `expected` undefined compares against the stand-in.
 */
export function secretTextEqual(expected: string | undefined, presented: unknown): boolean {
  const got = hashHex('sha256', typeof presented === 'string' ? presented : '');
  const equal = constantTimeEqualHex(hashHex('sha256', expected ?? STAND_IN_SECRET), got);
  return equal && expected !== undefined && typeof presented === 'string';
}

/** A plain record with string keys, or undefined: what a parsed JSON object must look like here. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return isRecord(value) ? value : undefined;
}

/** A field as the string the signer put into its content: strings as they are, numbers and booleans as text. */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return undefined;
}
