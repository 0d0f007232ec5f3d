import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  activateFirmware, createFirmwareVerifier, decodeConfigPush, decodeModelConfigPush, stringifyConfigPush, stringifyModelConfigPush,
  parseModelConfigDocument, type VerifiedFirmware,
} from '@linkwire/ota';
import { SEED_MODEL_CONFIG_DOCUMENT } from './seed-fixtures.ts';

describe('the activation gate, at the type level', () => {
  it('a VerifiedFirmware cannot be written as a literal or built from a target', () => {
    const looksRight = { url: 'https://x.example.com/f', size: 0, digestMethod: 'md5', digest: 'd41d8cd98f00b204e9800998ecf8427e', version: '1', configId: undefined, module: undefined } as const;
    // @ts-expect-error the brand is a module-private unique symbol
    const forged: VerifiedFirmware = looksRight;
    expect(() => activateFirmware(forged, () => 'installed')).toThrow(expect.objectContaining({ code: 'not_verified', step: -3 }));
    // @ts-expect-error a target is not a verified image either
    expect(() => activateFirmware(looksRight, () => 'installed')).toThrow(expect.objectContaining({ code: 'not_verified' }));
  });
});

describe('config files and model config documents go through the same verifier', () => {
  it('remote config file: push → verify → use', () => {
    const body = new TextEncoder().encode('{"sampleRate":10}');
    const digest = createHash('sha256').update(body).digest('hex');
    const { config } = decodeConfigPush(stringifyConfigPush({ id: '9', config: { configId: 'cfg1', size: body.length, url: 'https://oss.example.com/c.json', digestMethod: 'sha256', digest, getType: 'file' } }));
    const v = createFirmwareVerifier(config);
    v.update(body);
    expect(v.finish()).toMatchObject({ configId: 'cfg1', version: undefined, size: body.length });
  });

  it('model config: push → verify (no stated size, bounded by maxSize) → parse the seed document', () => {
    const bytes = new TextEncoder().encode(SEED_MODEL_CONFIG_DOCUMENT);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const { config } = decodeModelConfigPush(stringifyModelConfigPush({ id: 1, config: { url: 'https://oss.example.com/m.json', digestMethod: 'sha256', digest } }));
    const v = createFirmwareVerifier(config, { maxSize: 1 << 20 });
    for (let o = 0; o < bytes.length; o += 1000) v.update(bytes.subarray(o, o + 1000));
    const verified = v.finish();
    const doc = activateFirmware(verified, () => parseModelConfigDocument(bytes));
    expect(doc.serverList.map((s) => s.serverId)).toEqual(['D73251B4277742', '586CB066D6A34', '55A9D276A7ED470', '44895C63E3FF401']);
    const tampered = bytes.slice();
    tampered[10]! ^= 1;
    const t = createFirmwareVerifier(config);
    t.update(tampered);
    expect(() => t.finish()).toThrow(expect.objectContaining({ code: 'digest_mismatch', step: -3 }));
  });
});
