import { describe } from '@linkwire/base';
/**
 * The two JSON envelopes OTA and config messages travel in: the Alink request
 * (`{id, version, params, method}`) and its reply (`{id, code, data, message?}`).
 * @module
 */
import type { Issue, JsonValue } from '@linkwire/base';
import { issue, own, readId, type JsonObject, type MessageId } from './fields.ts';

/** A platform reply: `code` 200 is success; others carry the platform's `message`. */
export interface Reply<T> {
  readonly id: MessageId;
  readonly code: number;
  readonly message?: string | undefined;
  /** Present when `code` is 200. */
  readonly data?: T | undefined;
}

export function encodeRequest(id: MessageId, method: string, params: JsonValue, version = '1.0'): string {
  return JSON.stringify({ id, version, params, method });
}

export function encodeReply(id: MessageId, code: number, data: JsonValue, message?: string): string {
  return JSON.stringify(message === undefined ? { id, code, data } : { id, code, data, message });
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

