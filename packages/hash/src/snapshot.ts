/**
 * The snapshot format: the same bytes whichever backend wrote them, so a download verified on
 * WASM can resume on the JS backend after a reboot (or the other way round).
 *
 *   0  'LWH' magic, 1 byte format version (1)
 *   4  algorithm id (0 md5, 1 sha1, 2 sha256), flags (bit 0: HMAC, outer state present)
 *   6  bytes hashed so far, u64 little-endian (below 2^53)
 *  14  chaining words, u32 little-endian (4, 5 or 8 of them)
 *   …  HMAC only: the outer pad's chaining words
 *   …  the partial block: (bytes hashed mod 64) bytes
 *   …  CRC-32 (IEEE) of everything before, u32 little-endian
 *
 * The CRC makes a flipped bit or a truncated file a typed error instead of a wrong digest.
 */
import { BLOCK, STATE_WORDS, type DigestState } from './engine.ts';
import { HashError } from './errors.ts';
import type { HashAlgorithm } from './types.ts';

const ALGORITHMS: readonly HashAlgorithm[] = ['md5', 'sha1', 'sha256'];
const VERSION = 1;
const HEADER = 14;

let crcTable: Int32Array | undefined;

function crc32(bytes: Uint8Array, end: number): number {
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

const getU32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

export function encodeSnapshot(s: DigestState): Uint8Array {
  const words = STATE_WORDS[s.algorithm];
  const size = HEADER + 4 * words * (s.outer === undefined ? 1 : 2) + s.pending.length + 4;
  const out = new Uint8Array(size);
  out.set([0x4c, 0x57, 0x48, VERSION, ALGORITHMS.indexOf(s.algorithm), s.outer === undefined ? 0 : 1]);
  putU32(out, 6, s.length >>> 0);
  putU32(out, 10, Math.floor(s.length / 2 ** 32));
  let p = HEADER;
  for (let i = 0; i < words; i++, p += 4) putU32(out, p, s.h[i]!);
  if (s.outer !== undefined) for (let i = 0; i < words; i++, p += 4) putU32(out, p, s.outer[i]!);
  out.set(s.pending, p);
  p += s.pending.length;
  putU32(out, p, crc32(out, p));
  return out;
}

function corrupt(why: string, offset?: number): never {
  throw new HashError('invalid_snapshot', `invalid hash snapshot: ${why}`, offset);
}

export function decodeSnapshot(bytes: unknown): DigestState {
  if (!(bytes instanceof Uint8Array)) throw new HashError('invalid_input', 'a snapshot must be a Uint8Array');
  if (bytes.length < HEADER + 4 * 4 + 4) corrupt('too short', bytes.length);
  if (bytes[0] !== 0x4c || bytes[1] !== 0x57 || bytes[2] !== 0x48) corrupt('not a linkwire hash snapshot', 0);
  if (bytes[3] !== VERSION) corrupt(`unsupported format version ${bytes[3]}`, 3);
  const algorithm = ALGORITHMS[bytes[4]!];
  if (algorithm === undefined) corrupt('unknown algorithm id', 4);
  const flags = bytes[5]!;
  if (flags > 1) corrupt('unknown flags', 5);
  const high = getU32(bytes, 10);
  if (high >= 2 ** 21) corrupt('length out of range', 10);
  const length = high * 2 ** 32 + getU32(bytes, 6);
  const hmac = flags === 1;
  if (hmac && length < BLOCK) corrupt('HMAC state shorter than its pad block', 6);
  const words = STATE_WORDS[algorithm];
  const pendingLength = length % BLOCK;
  const end = HEADER + 4 * words * (hmac ? 2 : 1) + pendingLength;
  if (bytes.length !== end + 4) corrupt(`expected ${end + 4} bytes, got ${bytes.length}`, Math.min(bytes.length, end));
  if (getU32(bytes, end) !== crc32(bytes, end)) corrupt('checksum mismatch', end);
  const readWords = (at: number): Int32Array => {
    const w = new Int32Array(words);
    for (let i = 0; i < words; i++) w[i] = getU32(bytes, at + 4 * i);
    return w;
  };
  const h = readWords(HEADER);
  const outer = hmac ? readWords(HEADER + 4 * words) : undefined;
  return { algorithm, h, length, pending: bytes.slice(end - pendingLength, end), outer };
}
