import { describe, stringListOption } from '@linkwire/base';
import { hashHex, hmacHex, hmacKey, type HashAlgorithm, type HmacKey } from '@linkwire/hash';
import { SignError } from './errors.ts';
import { enosDigestAlgorithm, signMethodAlgorithm } from './methods.ts';
import type { Secret } from './validate.ts';

/** Keys real peers leave out of the signed content (PROTOCOL-NOTES.md, "Signing"). */
export const DEFAULT_EXCLUDED_KEYS: readonly string[] = ['sign', 'signmethod', 'signMethod', 'version', 'resources'];

export type SignableParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** Orders strings by their UTF-8 bytes, which is code point order (UTF-16 order differs above U+D800). */
export function compareCodePoints(a: string, b: string): number {
  if (typeof a !== 'string' || typeof b !== 'string') throw new SignError('invalid_field', `compareCodePoints compares strings, got ${describe(a)} and ${describe(b)}`);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * The content an Alibaba signature covers: parameter names sorted by byte order, each followed
 * by its value, without separators. Undefined values and excluded keys are left out.
 *
 * @example
 * signContent({ productKey: 'pk', deviceName: 'device', clientId: '12345', timestamp: 789 })
 * // 'clientId12345deviceNamedeviceproductKeypktimestamp789'
 */
export function signContent(params: SignableParams, exclude: readonly string[] = DEFAULT_EXCLUDED_KEYS): string {
  if (typeof params !== 'object' || params === null) throw new SignError('invalid_field', `parameters to sign are an object, got ${describe(params)}`);
  if (exclude !== DEFAULT_EXCLUDED_KEYS) stringListOption('exclude', exclude, DEFAULT_EXCLUDED_KEYS);
  const names = Object.keys(params)
    .filter((k) => params[k] !== undefined && !exclude.includes(k))
    .sort(compareCodePoints);
  let s = '';
  for (const k of names) {
    const v: unknown = params[k];
    // Text, numbers and flags are signed as written; anything else (an object, a symbol) has no
    // agreed text form, and String() of it may throw.
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint') throw new SignError('invalid_field', `parameter ${k} cannot be signed: ${describe(v)}`, k);
    s += k + String(v);
  }
  return s;
}

// Keyed HMACs of secrets seen more than once, one map per algorithm so that the user's own
// secret string is the key (its hash is computed once by the engine). A gateway re-logging its
// sub-devices or a simulator signing a fleet repeats secrets; hashing the key pads once per
// secret instead of once per signature is most of the cost of a short HMAC. Bounded: a map
// that fills up is dropped whole. `null` marks a secret seen once, so secrets used a single
// time never pay for a key.
const KEY_CACHE_LIMIT = 512;
const keyCache: Record<HashAlgorithm, Map<string, HmacKey | null>> = { md5: new Map(), sha1: new Map(), sha256: new Map() };

function cachedHmacHex(algorithm: HashAlgorithm, secret: string, content: string): string {
  const cache = keyCache[algorithm];
  const key = cache.get(secret);
  if (key) return key.signHex(content);
  if (key === null) {
    const made = hmacKey(algorithm, secret);
    cache.set(secret, made);
    return made.signHex(content);
  }
  if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
  cache.set(secret, null);
  return hmacHex(algorithm, secret, content);
}

/** HMAC hex of `content` under `secret`; a keyed HMAC must have been made for the same method. */
export function hmacWith(secret: Secret, algorithm: HashAlgorithm, content: string, field = 'secret'): string {
  if (typeof secret === 'string') return cachedHmacHex(algorithm, secret, content);
  // Neither text nor a keyed HMAC (undefined from plain JavaScript): as requireSecret answers.
  if (typeof secret !== 'object' || secret === null || typeof (secret as Partial<HmacKey>).signHex !== 'function') throw new SignError('missing_field', `${field} is required`, field);
  // Signing with one algorithm while advertising another is the failure the notes warn about.
  if (secret.algorithm !== algorithm) {
    throw new SignError('key_method_mismatch', `the keyed HMAC is ${secret.algorithm}, but the advertised method needs ${algorithm}`, field);
  }
  return secret.signHex(content);
}

/**
 * Signs `params` with `secret` using the HMAC named by `method` (any letter case); lowercase hex.
 * Pass an {@link HmacKey} from {@link signingKey} instead of the secret to reuse its pads.
 *
 * @example
 * signParams({ productKey: 'pk', deviceName: 'device', clientId: '12345', timestamp: 789 }, 'secret', 'hmacSha1')
 * // 'fafd82a3d602b37fb0fa8b7892f24a477f851a14'
 */
export function signParams(params: SignableParams, secret: Secret, method: string, exclude?: readonly string[]): string {
  return hmacWith(secret, signMethodAlgorithm(method), signContent(params, exclude));
}

/**
 * A keyed HMAC for `method`, for signing many messages with one secret (a gateway logging in
 * its sub-devices, a simulator signing CONNECTs): the key pads are hashed once.
 *
 * @example
 * const key = signingKey('hmacsha256', productSecret);
 * for (const d of devices) mqttCredentials({ ...d, deviceSecret: key, signMethod: 'hmacsha256' });
 */
export function signingKey(method: string, secret: string): HmacKey {
  return hmacKey(signMethodAlgorithm(method), secret);
}

/**
 * EnOS's signature: the plain digest named by `method` of `content + secret`, uppercase hex by
 * default (PROTOCOL-NOTES.md: not an HMAC, even when the method is spelled `hmacsha256`).
 *
 * @example
 * enosSign('clientId123456deviceKeytestproductKey654321timestamp1548753362502', 'abcdefg', 'sha256')
 * // 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166'
 */
export function enosSign(content: string, secret: string, method: string, uppercase = true): string {
  if (typeof content !== 'string' || typeof secret !== 'string') throw new SignError('invalid_field', `EnOS signs text with a text secret, got ${describe(content)} and ${describe(secret)}`);
  return hashHex(enosDigestAlgorithm(method), content + secret, uppercase);
}
