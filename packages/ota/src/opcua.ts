/**
 * OPC UA channel passwords in the gateway model config (aliyun-iot-platform-device-guide
 * §9.6): AES-CBC, key = the device secret's bytes, IV = its first 16 bytes, PKCS#5 padding,
 * base64. The key length follows the secret: 16, 24 or 32 bytes (AES-128/192/256).
 * @module
 */
import { cbc } from '@noble/ciphers/aes.js';
import { fromBase64, toBase64, utf8Decode, utf8Encode } from '@linkwire/base';
import { OtaError } from './errors.ts';

function keyAndIv(deviceSecret: string): { key: Uint8Array; iv: Uint8Array } {
  if (typeof deviceSecret !== 'string') throw new OtaError('invalid_secret', 'the device secret must be a string');
  const key = utf8Encode(deviceSecret);
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new OtaError('invalid_secret', `an AES key is 16, 24 or 32 bytes; the device secret is ${key.length}`);
  }
  return { key, iv: key.slice(0, 16) };
}

/**
 * Encrypts an OPC UA password the way the platform does (the seed's Java `aesEncrypt`).
 *
 * @example
 * ```ts
 * encryptOpcUaPassword('test123', 'testTNmjyWHQzniA8wEkTNmjyWHQtest'); // '7lBTkjb1RBAltOSgBBsCdA=='
 * ```
 */
export function encryptOpcUaPassword(password: string, deviceSecret: string): string {
  const { key, iv } = keyAndIv(deviceSecret);
  if (typeof password !== 'string') throw new OtaError('invalid_password', 'the password must be a string');
  return toBase64(cbc(key, iv).encrypt(utf8Encode(password)));
}

/**
 * Decrypts an OPC UA channel password from a `serverList` entry. Throws `invalid_ciphertext`
 * for bad base64 or a length that is not whole blocks, `decrypt_failed` for bad padding or
 * text that is not UTF-8. CBC carries no authentication: a tampered ciphertext is caught
 * only when it breaks the padding or the UTF-8 (almost always, not always).
 *
 * @example
 * ```ts
 * decryptOpcUaPassword('7lBTkjb1RBAltOSgBBsCdA==', 'testTNmjyWHQzniA8wEkTNmjyWHQtest'); // 'test123'
 * ```
 */
export function decryptOpcUaPassword(encrypted: string, deviceSecret: string): string {
  const { key, iv } = keyAndIv(deviceSecret);
  if (typeof encrypted !== 'string') throw new OtaError('invalid_ciphertext', 'the encrypted password must be a string');
  let data: Uint8Array;
  try {
    // Java's BASE64Encoder (the seed's example) breaks lines every 76 characters.
    data = fromBase64(encrypted.replace(/\r?\n/g, ''));
  } catch (e) {
    throw new OtaError('invalid_ciphertext', `the encrypted password is not base64: ${(e as Error).message}`);
  }
  if (data.length === 0 || data.length % 16 !== 0) {
    throw new OtaError('invalid_ciphertext', `the encrypted password is ${data.length} bytes, not a whole number of AES blocks`);
  }
  let plain: Uint8Array;
  try {
    plain = cbc(key, iv).decrypt(data);
  } catch {
    throw new OtaError('decrypt_failed', 'the password did not decrypt: wrong device secret or damaged data (bad padding)');
  }
  try {
    return utf8Decode(plain, { fatal: true });
  } catch {
    throw new OtaError('decrypt_failed', 'the password did not decrypt: wrong device secret or damaged data (not UTF-8)');
  }
}
