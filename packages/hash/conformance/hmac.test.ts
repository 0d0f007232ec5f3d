// Wycheproof HMAC-SHA1 / HMAC-SHA256 (vendored, see wycheproof/SOURCE.md) and RFC 2202 / RFC 4231
// on every hash backend: js, wasm and native (node:crypto registered), one-shot, keyed and streamed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@linkwire/base';
import { hashWith, registerNativeHash, type BackendName, type HashAlgorithm } from '@linkwire/hash';
import { registerNodeHash } from '../../node/src/hash.ts';
import { MACS, RFC4231_TRUNCATED, TRUNCATION } from '../test/conformance.ts';

interface MacTest { tcId: number; comment: string; key: string; msg: string; tag: string; result: 'valid' | 'invalid' | 'acceptable' }
interface MacFile { algorithm: string; numberOfTests: number; testGroups: { keySize: number; tagSize: number; tests: MacTest[] }[] }
const load = (name: string): MacFile => JSON.parse(readFileSync(new URL(`./wycheproof/${name}`, import.meta.url), 'utf8')) as MacFile;
const suites: [HashAlgorithm, MacFile][] = [['sha1', load('hmac_sha1_test.json')], ['sha256', load('hmac_sha256_test.json')]];
const BACKENDS: readonly BackendName[] = ['js', 'wasm', 'native'];

beforeAll(() => registerNodeHash());
afterAll(() => registerNativeHash(undefined));

describe('Wycheproof HMAC (C2SP/wycheproof dac1dd47, Apache-2.0)', () => {
  for (const [alg, file] of suites) {
    for (const backend of BACKENDS) {
      it(`${file.algorithm}: ${file.numberOfTests} tests on the ${backend} backend`, () => {
        const api = hashWith(backend);
        let n = 0;
        for (const g of file.testGroups) {
          for (const t of g.tests) {
            const key = fromHex(t.key);
            const msg = fromHex(t.msg);
            const bytes = g.tagSize / 8;
            const keyed = api.hmacKey(alg, key);
            // One-shot, keyed, and streamed in 7-byte pieces must agree.
            const full = api.hmacHex(alg, key, msg);
            expect(keyed.signHex(msg)).toBe(full);
            const s = keyed.create();
            for (let i = 0; i < msg.length; i += 7) s.update(msg.subarray(i, i + 7));
            expect(s.digestHex()).toBe(full);
            const tag = full.slice(0, bytes * 2);
            if (t.result === 'valid') expect(tag, `tcId ${t.tcId} ${t.comment}`).toBe(t.tag);
            else expect(tag === t.tag, `tcId ${t.tcId} ${t.comment} must not verify`).toBe(false);
            n++;
          }
        }
        expect(n).toBe(file.numberOfTests);
      });
    }
  }
});

describe('RFC 2202 and RFC 4231 HMAC vectors', () => {
  for (const backend of BACKENDS) {
    it(`all ${MACS.length + 1} on the ${backend} backend`, () => {
      const api = hashWith(backend);
      for (const [alg, key, data, hex] of MACS) {
        expect(api.hmacHex(alg, key, data)).toBe(hex);
        expect(toHex(api.hmacKey(alg, key).sign(data))).toBe(hex);
      }
      expect(api.hmacHex('sha256', new Uint8Array(20).fill(0x0c), TRUNCATION).slice(0, 32)).toBe(RFC4231_TRUNCATED);
    });
  }
});
