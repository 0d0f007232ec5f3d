import { hashHex } from '@linkwire/hash';
import * as ota from '@linkwire/ota';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('ota under hostile data and options', () => {
  hostileSuite('ota', ota, entries.map((e) => e.name));
});

describe('ota regressions from issues 19 and 24', () => {
  const image = new Uint8Array([1, 2, 3, 4]);
  const upgrade = { version: '2.0.0', size: 4, url: 'https://oss.example.com/fw.bin', digestMethod: 'sha256' as const, digest: hashHex('sha256', image) };
  const code = outcome;
  it('a bigint module (from the exact JSON reader) is refused when the verifier is built, so save() and resume never meet it', () => {
    expect(code(() => ota.createFirmwareVerifier({ ...upgrade, module: 12345678901234567890n as never }))).toBe('invalid_type');
    expect(code(() => ota.createFirmwareVerifier({ ...upgrade, digestMethod: Symbol('x') as never }))).toBe('unknown_digest_method');
    expect(code(() => ota.createFirmwareVerifier({ ...upgrade, version: { toString: 0 } as never }))).toBe('invalid_type');
  });
  it('hostile options are invalid_option', () => {
    expect(code(() => ota.createFirmwareVerifier(upgrade, { maxSize: NaN }))).toBe('invalid_option');
    expect(code(() => ota.createFirmwareVerifier(upgrade, { backend: { name: 'x', create: 0 } as never }))).toBe('invalid_option');
    expect(code(() => ota.createFirmwareVerifier(upgrade, null as never))).toBe('invalid_option');
    expect(code(() => ota.decodeUpgradePush('{}', { maxBytes: 1n as never }))).toBe('invalid_option');
  });
  it('a hostile saved state is corrupt_state or state_mismatch', () => {
    const v = ota.createFirmwareVerifier(upgrade);
    v.update(image.subarray(0, 2));
    const saved = v.save();
    expect(code(() => ota.resumeFirmwareVerifier(upgrade, { ...saved, digestState: Object.create(null) }))).toBe('corrupt_state');
    expect(code(() => ota.resumeFirmwareVerifier(upgrade, { ...saved, engine: Symbol('e') as never }))).toBe('state_mismatch');
    expect(code(() => ota.resumeFirmwareVerifier(upgrade, { ...saved, received: 1n as never }))).toBe('corrupt_state');
    expect(code(() => ota.resumeFirmwareVerifier(upgrade, { ...saved, digestState: 'AAAA' }))).toBe('corrupt_state');
    const again = ota.resumeFirmwareVerifier(upgrade, saved);
    again.update(image.subarray(2));
    expect(again.finish().size).toBe(4);
  });
});
