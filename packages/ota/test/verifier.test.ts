import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OtaError, activateFirmware, createFirmwareVerifier, hashDigestBackend, isVerifiedFirmware, resumeFirmwareVerifier,
  streamingDigestBackend, type DigestBackend, type FirmwareUpgrade, type VerifierState,
} from '@linkwire/ota';
import { chunked, imageWithUpgrade } from '@linkwire/ota/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const upgradeOf = (image: Uint8Array, method: 'md5' | 'sha256'): FirmwareUpgrade => ({
  version: '9.9.9', size: image.length, url: 'https://ota.example.com/fw.bin', digestMethod: method,
  digest: createHash(method).update(image).digest('hex'),
});

function run(upgrade: FirmwareUpgrade, chunks: readonly Uint8Array[]): { ok: true } | { ok: false; code: string; step: number | undefined } {
  try {
    const v = createFirmwareVerifier(upgrade);
    for (const c of chunks) v.update(c);
    const fw = v.finish();
    expect(isVerifiedFirmware(fw)).toBe(true);
    return { ok: true };
  } catch (e) {
    expect(e).toBeInstanceOf(OtaError);
    return { ok: false, code: (e as OtaError).code, step: (e as OtaError).step };
  }
}

const imageAndChunks = imageWithUpgrade(3000).chain(({ image, upgrade }) => chunked(image).map((chunks) => ({ image, upgrade, chunks })));

describe('createFirmwareVerifier', () => {
  it('accepts the right image in any chunking (node:crypto oracle)', () => {
    fc.assert(fc.property(imageAndChunks, ({ image, upgrade }) => {
      expect(upgrade.digest).toBe(createHash(upgrade.digestMethod).update(image).digest('hex'));
    }), { numRuns: numRuns(50) });
    fc.assert(fc.property(imageAndChunks, ({ upgrade, chunks }) => {
      expect(run(upgrade, chunks)).toEqual({ ok: true });
    }), { numRuns: numRuns(200) });
  });

  it('rejects a flipped bit as a verification failure (−3)', () => {
    fc.assert(fc.property(imageWithUpgrade(2000).filter((x) => x.image.length > 0), fc.nat(), fc.nat({ max: 7 }), ({ image, upgrade }, at, bit) => {
      const bad = image.slice();
      bad[at % bad.length]! ^= 1 << bit;
      expect(run(upgrade, [bad])).toEqual({ ok: false, code: 'digest_mismatch', step: -3 });
    }), { numRuns: numRuns(200) });
  });

  it('rejects a truncated image as a download failure (−2)', () => {
    fc.assert(fc.property(imageWithUpgrade(2000).filter((x) => x.image.length > 0), fc.nat(), ({ image, upgrade }, cut) => {
      expect(run(upgrade, [image.subarray(0, cut % image.length)])).toEqual({ ok: false, code: 'size_short', step: -2 });
    }), { numRuns: numRuns(200) });
  });

  it('rejects an appended byte at the first surplus byte (−2), before hashing it', () => {
    fc.assert(fc.property(imageWithUpgrade(2000), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.boolean(), ({ image, upgrade }, extra, separate) => {
      const v = createFirmwareVerifier(upgrade);
      let err: unknown;
      try {
        if (separate) {
          v.update(image);
          v.update(extra);
        } else v.update(new Uint8Array([...image, ...extra]));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OtaError);
      expect(err).toMatchObject({ code: 'size_exceeded', step: -2, offset: image.length });
      expect(() => v.finish()).toThrow(OtaError);
      expect(v.received).toBe(separate ? image.length : 0);
    }), { numRuns: numRuns(200) });
  });

  it('gives the same result after a save/restore at any point (state through JSON)', () => {
    const tampered = fc.option(fc.nat(), { nil: undefined });
    fc.assert(fc.property(imageWithUpgrade(3000), fc.nat(), tampered, ({ image, upgrade }, cutAt, flip) => {
      const cut = image.length === 0 ? 0 : cutAt % (image.length + 1);
      const first = createFirmwareVerifier(upgrade);
      first.update(image.subarray(0, cut));
      const state = JSON.parse(JSON.stringify(first.save())) as VerifierState;
      expect(state.received).toBe(cut);
      const resumed = resumeFirmwareVerifier(upgrade, state);
      expect(resumed.rangeHeader()).toBe(`bytes=${cut}-`);
      const rest = image.slice(cut);
      if (flip !== undefined && rest.length > 0) rest[flip % rest.length]! ^= 0x80;
      resumed.update(rest);
      if (flip !== undefined && rest.length > 0) expect(() => resumed.finish()).toThrow(expect.objectContaining({ code: 'digest_mismatch' }));
      else expect(resumed.finish().digest).toBe(upgrade.digest);
      // The original verifier is unaffected by having been saved.
      first.update(image.subarray(cut));
      expect(first.finish().size).toBe(image.length);
    }), { numRuns: numRuns(150) });
  });

  it('refuses states of other upgrades and damaged states', () => {
    const up = upgradeOf(new Uint8Array(100).fill(7), 'sha256');
    const v = createFirmwareVerifier(up);
    v.update(new Uint8Array(40).fill(7));
    const state = v.save();
    const code = (f: () => unknown) => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(OtaError); return (e as OtaError).code; }
      return 'none';
    };
    expect(code(() => resumeFirmwareVerifier({ ...up, version: '9.9.10' }, state))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier({ ...up, url: 'https://ota.example.com/other.bin' }, state))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier({ ...up, module: 'mcu' }, state))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier({ ...up, size: 101 }, state))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier(upgradeOf(new Uint8Array(100), 'md5'), state))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier(up, { ...state, received: 101 }))).toBe('corrupt_state');
    expect(code(() => resumeFirmwareVerifier(up, { ...state, received: -1 }))).toBe('corrupt_state');
    expect(code(() => resumeFirmwareVerifier(up, { ...state, digestState: '!!!!' }))).toBe('corrupt_state');
    expect(code(() => resumeFirmwareVerifier(up, { ...state, engine: 'other' }))).toBe('state_mismatch');
    expect(code(() => resumeFirmwareVerifier(up, { ...state, format: 'x' } as never))).toBe('corrupt_state');
    expect(code(() => resumeFirmwareVerifier(up, null as never))).toBe('corrupt_state');
    // A snapshot of a different algorithm, or a different byte count, never resumes silently.
    const md5 = createFirmwareVerifier(upgradeOf(new Uint8Array(100), 'md5'));
    md5.update(new Uint8Array(40));
    expect(code(() => resumeFirmwareVerifier(up, { ...state, digestState: md5.save().digestState }))).toBe('corrupt_state');
  });

  it('malformed states and damaged snapshots only ever throw OtaError', () => {
    const up = upgradeOf(new Uint8Array(10), 'md5');
    fc.assert(fc.property(fc.record({ received: fc.oneof(fc.integer(), fc.double()), digestState: fc.base64String({ maxLength: 200 }) }), (patch) => {
      const v = createFirmwareVerifier(up);
      const state = { ...v.save(), ...patch };
      try {
        const r = resumeFirmwareVerifier(up, state);
        r.update(new Uint8Array(Math.max(0, 10 - r.received)));
        r.finish();
      } catch (e) {
        expect(e).toBeInstanceOf(OtaError);
      }
    }), { numRuns: numRuns(300) });
  });

  it('streams through a native (node:crypto) engine, which is not resumable', () => {
    const native: DigestBackend = {
      name: 'node:crypto',
      create(method) {
        const h = createHash(method);
        return { update: (c) => void h.update(c), digest: () => new Uint8Array(h.digest()) };
      },
    };
    const image = new Uint8Array(70_000).map((_, i) => i * 13);
    for (const method of ['md5', 'sha256'] as const) {
      const v = createFirmwareVerifier(upgradeOf(image, method), { backend: native });
      v.update(image.subarray(0, 1));
      expect(() => v.save()).toThrow(expect.objectContaining({ code: 'not_resumable' }));
      v.update(image.subarray(1));
      expect(v.finish().digestMethod).toBe(method);
      const s = createFirmwareVerifier(upgradeOf(image, method), { backend: streamingDigestBackend });
      s.update(image);
      expect(s.finish().size).toBe(image.length);
    }
  });

  it('verifies 0-byte, 1-byte, odd-sized and 64 MiB images with md5 and sha256', () => {
    const sizes = [0, 1, 63, 64, 65, 1023, 65_537, 1_000_003];
    for (const n of sizes) {
      const image = new Uint8Array(n).map((_, i) => (i * 2654435761) >>> 24);
      for (const method of ['md5', 'sha256'] as const) {
        expect(run(upgradeOf(image, method), [image.subarray(0, n >> 1), image.subarray(n >> 1)])).toEqual({ ok: true });
      }
    }
    const big = new Uint8Array(64 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i >>> 12;
    for (const method of ['md5', 'sha256'] as const) {
      const up = upgradeOf(big, method);
      const v = createFirmwareVerifier(up);
      for (let o = 0; o < big.length; o += 65536) {
        v.update(big.subarray(o, o + 65536));
        if (o === 32 * 1024 * 1024) {
          // Resume halfway, as after a reboot.
          const r = resumeFirmwareVerifier(up, JSON.parse(JSON.stringify(v.save())));
          r.update(big.subarray(o + 65536));
          expect(r.finish().digest).toBe(up.digest);
        }
      }
      expect(v.percent).toBe(100);
      const fw = v.finish();
      expect(activateFirmware(fw, (f) => f.size)).toBe(big.length);
    }
  });

  it('validates the target itself', () => {
    const up = upgradeOf(new Uint8Array(3), 'md5');
    const code = (t: unknown, o?: object) => {
      try { createFirmwareVerifier(t as FirmwareUpgrade, o); } catch (e) { expect(e).toBeInstanceOf(OtaError); return (e as OtaError).code; }
      return 'none';
    };
    expect(code(up)).toBe('none');
    expect(code({ ...up, digest: undefined })).toBe('missing_digest');
    expect(code({ ...up, digestMethod: 'sha1' })).toBe('unknown_digest_method');
    expect(code({ ...up, size: -3 })).toBe('invalid_size');
    expect(code({ ...up, url: 'ftp://x/y' })).toBe('insecure_url');
    expect(code({ ...up, url: 'http://127.0.0.1/fw' })).toBe('insecure_url');
    expect(code({ ...up, url: 'http://127.0.0.1/fw' }, { allowHttp: true })).toBe('none');
    expect(code(null)).toBe('invalid_target');
  });

  it('bounds a download of unstated size by maxSize', () => {
    const v = createFirmwareVerifier({ url: 'https://x.example.com/m.json', digestMethod: 'sha256', digest: '0'.repeat(64) }, { maxSize: 10 });
    expect(v.percent).toBeUndefined();
    v.update(new Uint8Array(10));
    expect(() => v.update(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'size_exceeded', step: -2 }));
  });

  it('the engine interface is honoured: a custom resumable engine round-trips', () => {
    expect(hashDigestBackend.restore).toBeDefined();
    const d = hashDigestBackend.create('md5');
    d.update(new Uint8Array([1, 2, 3]));
    const again = hashDigestBackend.restore!('md5', d.snapshot!());
    expect(again.digest()).toEqual(d.digest());
  });
});
