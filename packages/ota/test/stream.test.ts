// Issue 22: the streaming verifier gives the same answer however the download is split, and
// its cost is linear in bytes even when the bytes arrive one at a time.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtaError, createFirmwareVerifier, type FirmwareUpgrade } from '@linkwire/ota';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_RATIO, costRatio, splitAt, splitPoints } from '../../../test/support/stream.ts';

const upgradeOf = (image: Uint8Array, method: 'md5' | 'sha256', size = image.length): FirmwareUpgrade => ({
  version: '1.0.1', size, url: 'https://ota.example.com/fw.bin', digestMethod: method,
  digest: createHash(method).update(image).digest('hex'),
});

/** Feeds the chunks; the outcome is what a caller can observe: ok, or the error code, step and offset. */
function verify(upgrade: FirmwareUpgrade, chunks: readonly Uint8Array[]): { ok: true; received: number } | { ok: false; code: string; step: number | undefined; offset: number | undefined } {
  const v = createFirmwareVerifier(upgrade);
  try {
    for (const c of chunks) v.update(c);
    return { ok: true, received: v.finish().size };
  } catch (e) {
    expect(e).toBeInstanceOf(OtaError);
    const err = e as OtaError;
    return { ok: false, code: err.code, step: err.step, offset: err.offset };
  }
}

describe('createFirmwareVerifier under any split', () => {
  // The image the verifier sees may be the right one, flipped, cut short or overlong.
  const scenario = fc.record({
    image: fc.uint8Array({ maxLength: 2000 }),
    method: fc.constantFrom('md5' as const, 'sha256' as const),
    damage: fc.constantFrom('none', 'flip', 'short', 'long'),
    at: fc.nat(),
  }).chain((s) => {
    let fed = s.image;
    if (s.damage === 'flip' && fed.length > 0) {
      fed = fed.slice();
      fed[s.at % fed.length]! ^= 1;
    } else if (s.damage === 'short' && fed.length > 0) fed = fed.subarray(0, s.at % fed.length);
    else if (s.damage === 'long') fed = new Uint8Array([...fed, s.at & 255]);
    return fc.tuple(fc.constant(upgradeOf(s.image, s.method)), fc.constant(fed), splitPoints(fed.length));
  });

  it('arbitrary split points give the unsplit result', () => {
    fc.assert(fc.property(scenario, ([upgrade, fed, points]) => {
      const whole = verify(upgrade, [fed]);
      expect(verify(upgrade, splitAt(fed, points))).toEqual(whole);
    }), { numRuns: numRuns(200) });
  });

  for (const method of ['md5', 'sha256'] as const) {
    it(`cost (${method}): 256 KiB in 1-byte chunks costs at most ${MAX_COST_RATIO}× 64 KiB (linear is 4×)`, () => {
      const ratio = costRatio((bytes) => {
        const image = new Uint8Array(bytes).map((_, i) => i * 31);
        const upgrade = upgradeOf(image, method);
        return () => {
          const v = createFirmwareVerifier(upgrade);
          for (let i = 0; i < image.length; i++) v.update(image.subarray(i, i + 1));
          v.finish();
        };
      });
      expect(ratio).toBeLessThan(MAX_COST_RATIO);
    });
  }
});
