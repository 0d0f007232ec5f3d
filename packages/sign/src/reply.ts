import { parseJson } from '@linkwire/base';
import { SignError } from './errors.ts';
import { asRecord } from './verify.ts';

export const REPLY_LIMITS = { maxBytes: 64 * 1024, maxDepth: 8 };

/** Parses an untrusted JSON reply that must be an object with a numeric `code`. */
export function replyRecord(text: string | Uint8Array): Readonly<Record<string, unknown>> {
  let v: unknown;
  try {
    v = parseJson(text, REPLY_LIMITS);
  } catch (e) {
    throw new SignError('malformed_reply', `reply is not JSON: ${(e as Error).message}`, 'reply');
  }
  const r = asRecord(v);
  if (r === undefined || typeof r['code'] !== 'number') throw new SignError('malformed_reply', 'reply must be an object with a numeric code', 'reply');
  return r;
}

/** A required non-empty string member of a reply part. */
export function replyString(r: Readonly<Record<string, unknown>> | undefined, key: string): string {
  const v = r?.[key];
  if (typeof v !== 'string' || v === '') throw new SignError('malformed_reply', `reply lacks ${key}`, key);
  return v;
}

/** The `{ok: false}` view of an error reply, with the table's message when the reply has none. */
export function failure(r: Readonly<Record<string, unknown>>, table: Readonly<Record<number, string>>) {
  const code = r['code'] as number;
  const message = typeof r['message'] === 'string' ? r['message'] : table[code] ?? 'error';
  return { ok: false as const, code, message };
}

