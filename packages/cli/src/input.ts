import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromBase64, fromHex, utf8Decode } from '@linkwire/base';
import { inputError, type CliIo } from './cli.ts';

/** Reads an argument that may be the value itself, `-` (stdin) or `@path` (a file). */
export async function readArgBytes(value: string, what: string, io: CliIo): Promise<Uint8Array> {
  if (value === '-') return io.readStdin();
  if (value.startsWith('@')) return readFileArg(value.slice(1), what, io);
  return new TextEncoder().encode(value);
}

export function readFileArg(path: string, what: string, io: CliIo): Uint8Array {
  try {
    const b = readFileSync(resolve(io.cwd, path));
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${what} ${JSON.stringify(path)}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export async function readArgText(value: string, what: string, io: CliIo): Promise<string> {
  const bytes = await readArgBytes(value, what, io);
  try {
    return utf8Decode(bytes);
  } catch {
    throw inputError(`${what} is not UTF-8 text`);
  }
}

/**
 * Captured bytes as people paste them: hex (spaces, colons, `0x` prefixes and line breaks
 * allowed, as Wireshark and hexdump print it) or base64 (standard or URL-safe, padding optional).
 * Hex wins when the text could be either, since captures are usually hex.
 */
export function decodeCapture(text: string, what: string): { bytes: Uint8Array; encoding: 'hex' | 'base64' } {
  const trimmed = text.trim();
  // Hex as dumps print it: groups of whole bytes between separators (`0d 0a`, `0d:0a`, `0d0a 0d0a`,
  // `0x0d, 0x0a`). Not `-`: that is base64url's, and a capture must read one way only.
  const groups = trimmed.replace(/0x/gi, ' ').split(/[\s:,]+/).filter((g) => g !== '');
  const hex = groups.join('');
  const looksHex = groups.length > 0 && groups.every((g) => /^[0-9a-fA-F]+$/.test(g));
  if (looksHex && groups.every((g) => g.length % 2 === 0)) return { bytes: fromHex(hex), encoding: 'hex' };
  // Not even-length hex: base64 (URL-safe `-` and `_` too, padding optional), if it is that.
  const b64 = trimmed.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (b64 !== '' && /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.replace(/=+$/, '').length % 4 !== 1) {
    try {
      return { bytes: fromBase64(b64.replace(/=+$/, '').padEnd(Math.ceil(b64.replace(/=+$/, '').length / 4) * 4, '=')), encoding: 'base64' };
    } catch {
      // fall through to the errors below
    }
  }
  if (looksHex) throw inputError(`${what} has an odd number of hex digits (${hex.length})`, 'a byte is two hex digits: check the capture is complete');
  throw inputError(`${what} is neither hex nor base64`, 'paste the packet bytes as hex (10 2a 00 04 4d 51 …) or base64 (ECoABE1R…)');
}
