import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignError, mqttCredentials, parseMqttClientId, signContent, verifyMqttCredentials } from '@linkwire/sign';
import { numRuns } from '../../../test/support/fast-check.ts';
import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});

const name = fc.stringMatching(/^[A-Za-z0-9_@.:-]{4,32}$/);

describe('mqttCredentials', () => {
  it('matches a straightforward node:crypto implementation for any valid input', () => {
    fc.assert(fc.property(name, name, fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('hmacmd5', 'hmacsha1', 'hmacsha256'),
      fc.option(fc.nat(), { nil: undefined }), (pk, dn, secret, method, ts) => {
        const c = mqttCredentials({ productKey: pk, deviceName: dn, deviceSecret: secret, signMethod: method, timestamp: ts, secureMode: 3 });
        const content = `clientId${pk}.${dn}deviceName${dn}productKey${pk}` + (ts === undefined ? '' : `timestamp${ts}`);
        expect(c.password).toBe(createHmac(method.slice(4), secret).update(content).digest('hex'));
        expect(verifyMqttCredentials(c.clientId, c.username, c.password, () => secret).ok).toBe(true);
      }), { numRuns: numRuns(200) });
  });

  it('names the field at fault', () => {
    const base = { productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's' };
    const fieldOf = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(SignError); return (e as SignError).field; }
      return undefined;
    };
    expect(fieldOf(() => mqttCredentials({ ...base, productKey: '' }))).toBe('productKey');
    expect(fieldOf(() => mqttCredentials({ ...base, productKey: 'pk/x' }))).toBe('productKey');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceName: 'a'.repeat(33) }))).toBe('deviceName');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceName: 'dev+ice' }))).toBe('deviceName');
    expect(fieldOf(() => mqttCredentials({ ...base, clientId: 'x'.repeat(65) }))).toBe('clientId');
    expect(fieldOf(() => mqttCredentials({ ...base, clientId: 'a,b' }))).toBe('clientId');
    expect(fieldOf(() => mqttCredentials({ ...base, signMethod: 'hmacsha512' }))).toBe('signMethod');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceSecret: '' }))).toBe('deviceSecret');
    expect(fieldOf(() => mqttCredentials({ ...base, timestamp: '12a' }))).toBe('timestamp');
    expect(fieldOf(() => mqttCredentials({ ...(base as object), deviceName: undefined } as never))).toBe('deviceName');
  });

  it('emits the advertised method lowercased and extra keys in order', () => {
    const c = mqttCredentials({ productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's', signMethod: 'HmacSHA256', extra: { lan: 'NODE', _ss: '1' } });
    expect(c.clientId).toBe('a1b2c3d4e5f.device1|securemode=2,signmethod=hmacsha256,lan=NODE,_ss=1|');
    expect(parseMqttClientId(c.clientId)?.params).toEqual({ securemode: '2', signmethod: 'hmacsha256', lan: 'NODE', _ss: '1' });
  });

  it('signContent sorts by byte order and drops excluded keys', () => {
    expect(signContent({ b: 1, a: 'x', sign: 'no', signMethod: 'no', version: '1.0', Z: true })).toBe('Ztrueaxb1');
    expect(signContent({ '\u{1F600}': 1, '\uFFFF': 2 })).toBe('\uFFFF2\u{1F600}1');
  });

  it('verify refuses malformed input without throwing', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
      expect(verifyMqttCredentials(a, b, c, () => 'x').ok).toBe(false);
    }), { numRuns: numRuns(300) });
  });
});
