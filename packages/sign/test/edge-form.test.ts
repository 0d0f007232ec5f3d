import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeForm, edgeBasicAuthorization, encodeForm, parseBasicAuthorization, verifyEdgeBasicAuthorization } from '@linkwire/sign';
import { numRuns } from '../../../test/support/fast-check.ts';
import { onlySignError } from './support.ts';

describe('edge Basic authorization (edge guide §3.3)', () => {
  it('round-trips any username without : and any password, and verifies in constant time', () => {
    const user = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((u) => !u.includes(':') && !/[\u0000-\u001f\u007f]/.test(u));
    const pass = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((p) => !/[\u0000-\u001f\u007f]/.test(p));
    fc.assert(fc.property(user, pass, (u, p) => {
      const h = edgeBasicAuthorization(u, p);
      expect(h).toBe(`Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`);
      expect(parseBasicAuthorization(h)).toEqual({ username: u, password: p });
      expect(verifyEdgeBasicAuthorization(h, (x) => (x === u ? p : undefined)).ok).toBe(true);
      expect(verifyEdgeBasicAuthorization(h, () => `${p}x`).ok).toBe(false);
    }), { numRuns: numRuns(200) });
  });

  it('never throws on arbitrary headers', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (h) => {
      expect(verifyEdgeBasicAuthorization(h, () => 'x').ok).toBe(false);
      expect(verifyEdgeBasicAuthorization(`Basic ${h}`, () => 'x').ok).toBe(false);
    }), { numRuns: numRuns(300) });
    expect(parseBasicAuthorization('Bearer YWRtaW46YWRtaW4xMjM0')).toBeUndefined();
    expect(parseBasicAuthorization('Basic YWRtaW4=')).toBeUndefined();
  });
});

describe('form encoding', () => {
  it('round-trips and agrees with URLSearchParams', () => {
    const rec = fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 20 }), { maxKeys: 6 });
    fc.assert(fc.property(rec, (r) => {
      const body = encodeForm(r);
      expect({ ...decodeForm(body) }).toEqual(r);
      expect(Object.fromEntries(new URLSearchParams(body))).toEqual(r);
      expect({ ...decodeForm(new URLSearchParams(r).toString()) }).toEqual(r);
    }), { numRuns: numRuns(200) });
  });

  it('malformed bodies are typed errors', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => { onlySignError(() => decodeForm(s)); }), { numRuns: numRuns(300) });
    expect(() => decodeForm('a=1&a=2')).toThrow(expect.objectContaining({ code: 'malformed_body' }));
    expect(() => decodeForm('a=%E9')).toThrow(expect.objectContaining({ code: 'malformed_body' }));
    expect(() => decodeForm('x'.repeat(9000))).toThrow(expect.objectContaining({ code: 'malformed_body' }));
  });
});
