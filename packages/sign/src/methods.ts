import type { HashAlgorithm } from '@linkwire/hash';
import { SignError } from './errors.ts';

/** The HMAC sign methods of the Alibaba platform, in the lowercase spelling peers emit. */
export type SignMethod = 'hmacmd5' | 'hmacsha1' | 'hmacsha256';

const ALGORITHMS: Readonly<Record<SignMethod, HashAlgorithm>> = { hmacmd5: 'md5', hmacsha1: 'sha1', hmacsha256: 'sha256' };

/** Maps a sign method in any letter case (`hmacSha1`, `HmacMD5`) to its hash algorithm. */
export function signMethodAlgorithm(method: string, field = 'signMethod'): HashAlgorithm {
  const m = typeof method === 'string' ? method.toLowerCase() : '';
  if (m === 'hmacmd5' || m === 'hmacsha1' || m === 'hmacsha256') return ALGORITHMS[m];
  throw new SignError('unknown_sign_method', `unknown sign method ${JSON.stringify(method)}: expected hmacmd5, hmacsha1 or hmacsha256`, field);
}
