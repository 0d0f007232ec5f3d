import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtaError, checkUpgrade, compareVersions, createProgressReporter, decryptOpcUaPassword, encryptOpcUaPassword, type ProgressReport } from '@linkwire/ota';
import { opcUaSecret, version } from '@linkwire/ota/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const N = { numRuns: numRuns(200) };
const aes = (secret: string) => `aes-${Buffer.byteLength(secret) * 8}-cbc`;

describe('OPC UA password cipher', () => {
  it('matches node:crypto AES-CBC/PKCS#5 with key = secret, IV = its first 16 bytes, and round-trips', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), opcUaSecret(), (password, secret) => {
      const enc = encryptOpcUaPassword(password, secret);
      const key = Buffer.from(secret);
      const c = createCipheriv(aes(secret), key, key.subarray(0, 16));
      expect(enc).toBe(Buffer.concat([c.update(password, 'utf8'), c.final()]).toString('base64'));
      expect(decryptOpcUaPassword(enc, secret)).toBe(password);
      const d = createDecipheriv(aes(secret), key, key.subarray(0, 16));
      expect(Buffer.concat([d.update(enc, 'base64'), d.final()]).toString('utf8')).toBe(password);
    }), N);
  });

  it('tampered ciphertext fails with a typed error or decrypts to something else, never throws otherwise', () => {
    let detected = 0;
    let total = 0;
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), opcUaSecret(), fc.nat(), fc.nat({ max: 7 }), (password, secret, at, bit) => {
      const bytes = Buffer.from(encryptOpcUaPassword(password, secret), 'base64');
      bytes[at % bytes.length]! ^= 1 << bit;
      total++;
      try {
        expect(decryptOpcUaPassword(bytes.toString('base64'), secret)).not.toBe(password);
      } catch (e) {
        expect(e).toBeInstanceOf(OtaError);
        expect(['decrypt_failed', 'invalid_ciphertext']).toContain((e as OtaError).code);
        detected++;
      }
    }), { numRuns: numRuns(300) });
    // CBC has no MAC: most flips break the padding or the UTF-8, not all.
    expect(detected / total).toBeGreaterThan(0.5);
  });

  it('wrong secrets, malformed base64 and wrong lengths are typed errors', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }), (data, secret) => {
      try {
        decryptOpcUaPassword(data, secret);
      } catch (e) {
        expect(e).toBeInstanceOf(OtaError);
      }
    }), N);
    expect(() => decryptOpcUaPassword('', '0123456789abcdef')).toThrow(expect.objectContaining({ code: 'invalid_ciphertext' }));
    expect(() => decryptOpcUaPassword('====', '0123456789abcdef')).toThrow(expect.objectContaining({ code: 'invalid_ciphertext' }));
    expect(() => encryptOpcUaPassword('x', 'é'.repeat(8) + '0123456789')).toThrow(expect.objectContaining({ code: 'invalid_secret' }));
  });

  it('accepts the line breaks of Java BASE64Encoder output', () => {
    const secret = '0123456789abcdef0123456789abcdef';
    const enc = encryptOpcUaPassword('x'.repeat(100), secret);
    const wrapped = enc.replace(/(.{76})/g, '$1\r\n');
    expect(wrapped).toContain('\r\n');
    expect(decryptOpcUaPassword(wrapped, secret)).toBe('x'.repeat(100));
  });
});

describe('progress reporter', () => {
  const event = fc.oneof(
    fc.record({ kind: fc.constant('progress' as const), percent: fc.double({ min: -10, max: 120, noNaN: true }), dt: fc.nat({ max: 3000 }) }),
    fc.record({ kind: fc.constant('succeed' as const), dt: fc.nat({ max: 3000 }) }),
    fc.record({ kind: fc.constant('fail' as const), step: fc.constantFrom(-1, -2, -3, -4) as fc.Arbitrary<-1 | -2 | -3 | -4>, dt: fc.nat({ max: 3000 }) }),
  );

  it('never sends a decreasing step nor more reports than the pacing allows; the end is always sent once', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 60 }), fc.integer({ min: 1, max: 50 }), fc.nat({ max: 5000 }), (events, everyPercent, minIntervalMs) => {
      let now = 0;
      const r = createProgressReporter({ clock: { now: () => now }, everyPercent, minIntervalMs });
      const sent: { step: number; at: number }[] = [];
      let endedAt = -1;
      for (const e of events) {
        now += e.dt;
        let rep: ProgressReport | undefined;
        const wasFinished = r.finished;
        if (e.kind === 'progress') rep = r.progress(e.percent);
        else if (e.kind === 'succeed') rep = r.succeed();
        else rep = r.fail(e.step, 'failed');
        if (e.kind !== 'progress' && !wasFinished) {
          expect(rep).toBeDefined();
          endedAt = sent.length;
        }
        if (rep) sent.push({ step: rep.step, at: now });
      }
      const progress = sent.filter((_, i) => i !== endedAt);
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]!.step - progress[i - 1]!.step).toBeGreaterThanOrEqual(everyPercent);
        expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(minIntervalMs);
      }
      for (const p of progress) expect(p.step >= 1 && p.step <= 99).toBe(true);
      expect(progress.length).toBeLessThanOrEqual(Math.floor(98 / everyPercent) + 1);
      if (endedAt >= 0) expect(endedAt).toBe(sent.length - 1);
    }), N);
  });

  it('rejects bad options and non-failure steps', () => {
    const clock = { now: () => 0 };
    expect(() => createProgressReporter({ clock, everyPercent: 0 })).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'everyPercent' }));
    expect(() => createProgressReporter({ clock, minIntervalMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'minIntervalMs' }));
    expect(() => createProgressReporter({ clock }).fail(-5, 'x')).toThrow(expect.objectContaining({ code: 'invalid_step' }));
    expect(createProgressReporter({ clock, platform: 'enos' }).fail(-5, 'x')).toEqual({ step: -5, desc: 'x' });
    expect(createProgressReporter({ clock, platform: 'enos' }).progress(0)).toEqual({ step: 0 });
  });
});

describe('versions', () => {
  const numeric = fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 4 });
  it('dotted numeric order is tuple order (missing components are 0)', () => {
    fc.assert(fc.property(numeric, numeric, (a, b) => {
      let want = 0;
      for (let i = 0; i < Math.max(a.length, b.length) && want === 0; i++) want = Math.sign((a[i] ?? 0) - (b[i] ?? 0));
      expect(compareVersions(a.join('.'), b.join('.'))).toBe(want);
    }), N);
  });

  it('is antisymmetric and transitive on semver-like versions', () => {
    fc.assert(fc.property(version(), version(), version(), (a, b, c) => {
      const ab = compareVersions(a, b);
      const ba = compareVersions(b, a);
      expect(ab).toBe(ba === undefined ? undefined : ((-ba || 0) as -1 | 0 | 1));
      if (ab !== undefined && ab <= 0 && (compareVersions(b, c) ?? 1) <= 0) expect(compareVersions(a, c)).not.toBe(1);
      expect(compareVersions(a, a)).toBe(0);
    }), N);
  });

  it('the guard refuses downgrades, re-installs and unorderable versions unless turned off', () => {
    expect(checkUpgrade('2.0.0', '2.0.0')).toMatchObject({ ok: false, reason: 'same_version' });
    expect(checkUpgrade('2.0.0', '2.0.0-rc.9')).toMatchObject({ ok: false, reason: 'downgrade' });
    expect(checkUpgrade('2.0.0', 'nightly')).toMatchObject({ ok: false, reason: 'incomparable' });
    expect(checkUpgrade('2.0.0', 'nightly', { allowDowngrade: true })).toEqual({ ok: true });
    expect(compareVersions('1.0+build.5', '1.0+build.7')).toBe(0);
    expect(compareVersions('x'.repeat(200), '1')).toBeUndefined();
  });
});
