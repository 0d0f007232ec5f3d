import { describe } from '@linkwire/base';
import type { HashAlgorithm } from '@linkwire/hash';
import { SignError } from './errors.ts';

/** The HMAC sign methods of the Alibaba platform, in the lowercase spelling peers emit. */
export type SignMethod = 'hmacmd5' | 'hmacsha1' | 'hmacsha256';

const ALGORITHMS: Readonly<Record<SignMethod, HashAlgorithm>> = { hmacmd5: 'md5', hmacsha1: 'sha1', hmacsha256: 'sha256' };

/**
 * Maps a sign method in any letter case (`hmacSha1`, `HmacMD5`) to its hash algorithm.
 *
 * @example
 * signMethodAlgorithm('HmacSHA256') // 'sha256'
 */
export function signMethodAlgorithm(method: string, field = 'signMethod'): HashAlgorithm {
  const m = typeof method === 'string' ? method.toLowerCase() : '';
  if (m === 'hmacmd5' || m === 'hmacsha1' || m === 'hmacsha256') return ALGORITHMS[m];
  throw new SignError('unknown_sign_method', `unknown sign method ${describe(method)}: expected hmacmd5, hmacsha1 or hmacsha256`, field);
}

/** A sign method option in lower case (`fallback` when absent); a non-string is `unknown_sign_method`. */
export function signMethodText(method: unknown, fallback: string, field = 'signMethod'): string {
  if (method === undefined) return fallback;
  if (typeof method !== 'string') throw new SignError('unknown_sign_method', `unknown sign method ${describe(method)}`, field);
  return method.toLowerCase();
}

/** The digest names EnOS advertises in `signmethod`; each selects a plain digest, not an HMAC. */
export type EnosSignMethod = 'sha256' | 'sha1' | 'md5';

/**
 * Maps an EnOS sign method to its plain digest. EnOS accepts both the bare names and the
 * `hmac…` spellings, and in both cases hashes content + secret without an HMAC
 * (PROTOCOL-NOTES.md, "Envision EnOS").
 *
 * @example
 * enosDigestAlgorithm('hmacsha1') // 'sha1'
 */
export function enosDigestAlgorithm(method: string, field = 'signMethod'): HashAlgorithm {
  let m = typeof method === 'string' ? method.toLowerCase() : '';
  if (m.startsWith('hmac')) m = m.slice(4);
  if (m === 'sha256' || m === 'sha1' || m === 'md5') return m;
  throw new SignError('unknown_sign_method', `unknown sign method ${describe(method)}: expected sha256, sha1 or md5`, field);
}
