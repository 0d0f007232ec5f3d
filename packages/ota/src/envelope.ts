/**
 * The two JSON envelopes OTA and config messages travel in: the Alink request
 * (`{id, version, params, method}`) and its reply (`{id, code, data, message?}`).
 * @module
 */
import { describe, type Issue, type JsonValue } from '@linkwire/base';
import { OtaError } from './errors.ts';
import { issue, own, readId, type JsonObject, type MessageId } from './fields.ts';

/** A platform reply: `code` 200 is success; others carry the platform's `message`. */
export interface Reply<T> {
  readonly id: MessageId;
  readonly code: number;
  readonly message?: string | undefined;
  /** Present when `code` is 200. */
  readonly data?: T | undefined;
}

/**
 * JSON text of a message built from the caller's values: a bigint, a cycle or deep nesting in a
 * field the encoder does not check itself is `OtaError('invalid_message')`, not a TypeError or
 * a RangeError.
 */
export function writeJson(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw new OtaError('invalid_message', `the message cannot be written as JSON: ${describe(e instanceof Error ? e.message : e)}`);
  }
}

export function encodeRequest(id: MessageId, method: string, params: JsonValue, version = '1.0'): string {
  return writeJson({ id, version, params, method });
}

/** A reply's code and message come straight from the caller: a finite number and a string (or absent). */
export function checkReplyFields(code: unknown, message: unknown): void {
  if (typeof code !== 'number' || !Number.isFinite(code)) throw new OtaError('invalid_message', `a reply code is a number, got ${describe(code)}`);
  if (message !== undefined && typeof message !== 'string') throw new OtaError('invalid_message', `a reply message is a string, got ${describe(message)}`);
}

export function encodeReply(id: MessageId, code: number, data: JsonValue, message?: string): string {
  // Callers check the id and the data.
  checkReplyFields(code, message);
  return writeJson(message === undefined ? { id, code, data } : { id, code, data, message });
}

export function checkMethod(o: JsonObject, method: string, issues: Issue[]): void {
  const m = own(o, 'method');
  if (m !== undefined && m !== method) issue(issues, 'method', 'wrong_method', `method is ${describe(m)}, expected ${method}`);
}

/** Reads `id`, `code` (a number, or a numeric string as some peers send) and `message`. */
export function readReplyHead(o: JsonObject, issues: Issue[]): { id: MessageId | undefined; code: number | undefined; message: string | undefined } {
  const id = readId(o, '', issues);
  const c = own(o, 'code');
  let code: number | undefined;
  if (typeof c === 'number' && Number.isSafeInteger(c)) code = c;
  else if (typeof c === 'string' && /^-?\d{1,9}$/.test(c)) code = Number(c);
  else issue(issues, 'code', c === undefined ? 'missing_field' : 'invalid_type', 'code must be an integer');
  const m = own(o, 'message');
  const message = typeof m === 'string' ? m : undefined;
  return { id, code, message };
}

