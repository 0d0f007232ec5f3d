import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDED_KEYS, SignError, signContent, signMethodAlgorithm, signParams, signingKey, validateCredentialFields, verifyParams } from '@linkwire/sign';
import { secret, signMethod, signableParams } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const algorithmOf = (m: string) => signMethodAlgorithm(m);
const nodeSign = (params: Record<string, string>, key: string, m: string) => {
  const names = Object.keys(params).filter((k) => !DEFAULT_EXCLUDED_KEYS.includes(k)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return createHmac(algorithmOf(m), key).update(names.map((k) => k + params[k]).join('')).digest('hex');
};

describe('signParams (generic Alibaba rule)', () => {
  it('equals node:crypto HMAC over the byte-sorted content, for any params, secret and method', () => {
    fc.assert(fc.property(signableParams(), secret(), signMethod(), (params, key, m) => {
      expect(signParams(params, key, m)).toBe(nodeSign(params, key, m));
    }), { numRuns: numRuns(200) });
  });

  it('sign → verify holds; any changed value, method or secret fails', () => {
    fc.assert(fc.property(signableParams().filter((p) => signContent(p) !== ''), secret(), signMethod(), fc.nat(), (params, key, m, pick) => {
      const sign = signParams(params, key, m);
      expect(verifyParams(params, sign, key, m).ok).toBe(true);
      expect(verifyParams(params, sign.toUpperCase(), key, m).ok).toBe(true);
      const signed = Object.keys(params).filter((k) => !DEFAULT_EXCLUDED_KEYS.includes(k));
      const k = signed[pick % signed.length]!;
      expect(verifyParams({ ...params, [k]: `${params[k]}x` }, sign, key, m).ok).toBe(false);
      expect(verifyParams(params, sign, `${key}x`, m).ok).toBe(false);
      const other = ['hmacmd5', 'hmacsha1', 'hmacsha256'].find((x) => x !== m.toLowerCase())!;
      expect(verifyParams(params, sign, key, other).ok).toBe(false);
    }), { numRuns: numRuns(200) });
  });

  it('excluded keys never change the sign', () => {
    fc.assert(fc.property(signableParams(), secret(), signMethod(), fc.subarray([...DEFAULT_EXCLUDED_KEYS]), fc.string(), (params, key, m, keys, v) => {
      const withExcluded = { ...params };
      for (const k of keys) withExcluded[k] = v;
      expect(signParams(withExcluded, key, m)).toBe(signParams(Object.fromEntries(Object.entries(params).filter(([k]) => !DEFAULT_EXCLUDED_KEYS.includes(k))), key, m));
    }), { numRuns: numRuns(200) });
  });

  it('parameter order never changes the sign', () => {
    fc.assert(fc.property(signableParams(), secret(), signMethod(), (params, key, m) => {
      const reversed = Object.fromEntries(Object.entries(params).reverse());
      expect(signParams(reversed, key, m)).toBe(signParams(params, key, m));
    }), { numRuns: numRuns(200) });
  });

  it('a keyed HMAC signs exactly like the secret, and refuses another method', () => {
    fc.assert(fc.property(signableParams(), secret(), signMethod(), (params, key, m) => {
      expect(signParams(params, signingKey(m, key), m)).toBe(signParams(params, key, m));
    }), { numRuns: numRuns(100) });
    expect(() => signParams({ a: '1' }, signingKey('hmacsha1', 'k'), 'hmacsha256')).toThrow(expect.objectContaining({ code: 'key_method_mismatch' }));
  });

  it('rejects unknown methods with a typed error, and verify reports them as data', () => {
    expect(() => signParams({ a: '1' }, 'k', 'Sha256')).toThrow(SignError);
    const r = verifyParams({ a: '1' }, 'ab', 'k', 'Sha256');
    expect(r.ok ? '' : r.code).toBe('unknown_sign_method');
  });

  it('verifyParams never throws on arbitrary input', () => {
    fc.assert(fc.property(signableParams(), fc.string(), fc.string(), fc.string(), (params, sign, key, m) => {
      expect(typeof verifyParams(params, sign, key, m, { now: 0 }).ok).toBe('boolean');
    }), { numRuns: numRuns(200) });
  });
});

describe('validateCredentialFields', () => {
  it('returns every problem as data, naming the field', () => {
    const issues = validateCredentialFields({ productKey: '', deviceName: 'dev', clientId: 'a,b', keepalive: 10, timestamp: '12a', random: '' });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['productKey', 'missing_field'], ['deviceName', 'invalid_field'], ['clientId', 'invalid_field'],
      ['random', 'missing_field'], ['timestamp', 'invalid_field'], ['keepalive', 'invalid_field'],
    ]);
    expect(validateCredentialFields({ productKey: 'a1B2c3D4e5F', deviceName: 'dev-01:x', deviceKey: 'dk_1', clientId: 'x'.repeat(64), keepalive: 1200, timestamp: 1700000000000, random: 'r' })).toEqual([]);
  });

  it('counts the clientId limit in UTF-8 bytes', () => {
    expect(validateCredentialFields({ clientId: 'é'.repeat(32) })).toEqual([]);
    expect(validateCredentialFields({ clientId: 'é'.repeat(33) })).toHaveLength(1);
  });
});

describe('the keyed-HMAC cache behind string secrets', () => {
  it('signs identically on first, second and later use, across more secrets than it holds', () => {
    const content = 'clientId12345deviceNamedeviceproductKeypktimestamp789';
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 600; n += 7) {
        const key = `secret-${n}`;
        for (const m of ['hmacmd5', 'hmacsha1', 'hmacsha256']) {
          const p = { clientId: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' };
          expect(signParams(p, key, m)).toBe(createHmac(m.slice(4), key).update(content).digest('hex'));
        }
      }
    }
  });
});
