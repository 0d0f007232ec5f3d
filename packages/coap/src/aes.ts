import { cbc } from '@noble/ciphers/aes.js';
import { describe, fromHex, utf8Decode, utf8Encode } from '@linkwire/base';
import { hashHex } from '@linkwire/hash';
import { CoapError } from './errors.ts';

/** The fixed IV of Alibaba's CoAP symmetric mode: the 16 ASCII bytes `543yhjy97ae7fyfg`. */
export const ALIYUN_AES_IV: Uint8Array = utf8Encode('543yhjy97ae7fyfg');

/**
 * The AES-128 key of Alibaba's CoAP symmetric mode (port 5682): lowercase hex SHA-256 of
 * `{deviceSecret},{random}`, hex characters 16..48, decoded to 16 bytes.
 *
 * @example
 * aliyunAesKey(deviceSecret, auth.random) // Uint8Array(16)
 */
export function aliyunAesKey(deviceSecret: string, random: string): Uint8Array {
  if (typeof deviceSecret !== 'string' || typeof random !== 'string') throw new CoapError('invalid_argument', `the device secret and random are strings, got ${describe(deviceSecret)} and ${describe(random)}`);
  return fromHex(hashHex('sha256', `${deviceSecret},${random}`).substring(16, 48));
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 16) throw new CoapError('invalid_argument', 'the AES key must be 16 bytes');
}

/**
 * AES-128-CBC with PKCS#7 padding and the fixed IV.
 *
 * @example
 * const body = aliyunEncrypt(aliyunAesKey(deviceSecret, auth.random), '{"temp":21.5}');
 */
export function aliyunEncrypt(key: Uint8Array, plaintext: Uint8Array | string): Uint8Array {
  checkKey(key);
  if (typeof plaintext !== 'string' && !(plaintext instanceof Uint8Array)) throw new CoapError('invalid_argument', `plaintext is a string or a Uint8Array, got ${describe(plaintext)}`);
  return cbc(key, ALIYUN_AES_IV).encrypt(typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext);
}

/**
 * Reverses {@link aliyunEncrypt}. CBC has no integrity check: a tampered last block almost
 * always breaks the padding (`bad_padding`), a tampered earlier block only garbles the text,
 * which the payload parser or the seq check then refuses. Throws `bad_ciphertext` for a
 * length that is not a positive multiple of 16.
 *
 * @example
 * utf8Decode(aliyunDecrypt(key, response.payload))
 */
export function aliyunDecrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkKey(key);
  if (!(ciphertext instanceof Uint8Array)) throw new CoapError('bad_ciphertext', `ciphertext is a Uint8Array, got ${describe(ciphertext)}`);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new CoapError('bad_ciphertext', `ciphertext of ${ciphertext.length} bytes is not whole AES blocks`);
  try {
    return cbc(key, ALIYUN_AES_IV).decrypt(ciphertext);
  } catch {
    throw new CoapError('bad_padding', 'ciphertext does not decrypt to valid PKCS#7 padding');
  }
}

/** The encrypted decimal sequence number for option 2089. */
export function encryptSeq(key: Uint8Array, seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new CoapError('invalid_argument', `seq ${describe(seq)} is not a non-negative integer`);
  return aliyunEncrypt(key, String(seq));
}

/** Decrypts option 2089 and reads its decimal sequence number; `bad_seq` if it is not one. */
export function decryptSeq(key: Uint8Array, value: Uint8Array): number {
  const text = utf8Decode(aliyunDecrypt(key, value));
  if (!/^[0-9]{1,15}$/.test(text)) throw new CoapError('bad_seq', 'option 2089 does not decrypt to a decimal sequence number');
  return Number(text);
}
