import { hmacKey, hmacHex, type HmacKey } from '@linkwire/hash';
import { signMethodAlgorithm } from './methods.ts';

/** Keys real peers leave out of the signed content (PROTOCOL-NOTES.md, "Signing"). */
export const DEFAULT_EXCLUDED_KEYS: readonly string[] = ['sign', 'signmethod', 'signMethod', 'version', 'resources'];

export type SignableParams = Readonly<Record<string, string | number | boolean | undefined>>;

function compareCodePoints(a: string, b: string): number {
  // Byte order of the UTF-8 encodings equals code point order; UTF-16 order differs above U+D800.
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
  const names = Object.keys(params)
    .filter((k) => params[k] !== undefined && !exclude.includes(k))
    .sort(compareCodePoints);
  let s = '';
  for (const k of names) s += k + String(params[k]);
  return s;
}

/**
 * Signs `params` with `secret` using the HMAC named by `method` (any letter case); lowercase hex.
 * Pass an {@link HmacKey} instead of the secret to reuse precomputed pads.
 */
export function signParams(params: SignableParams, secret: string | HmacKey, method: string, exclude?: readonly string[]): string {
  const content = signContent(params, exclude);
  if (typeof secret !== 'string') return secret.signHex(content);
  return hmacHex(signMethodAlgorithm(method), secret, content);
}

/** A keyed HMAC for `method`, for signing many messages with one secret. */
export function signingKey(method: string, secret: string): HmacKey {
  return hmacKey(signMethodAlgorithm(method), secret);
}
