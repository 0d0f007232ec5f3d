import { LinkwireError, utf8Encode } from '@linkwire/base';
import { deepArray } from '@linkwire/base/testing';
import * as sign from '@linkwire/sign';
import { describe, expect, it } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

/** What a call came to: `returned`, `fail:<code>` for a verifier's failed result, or a typed error's code (anything else is thrown). */
const code = (f: () => unknown): string => {
  try {
    const r = f() as { ok?: boolean; code?: string } | undefined;
    return r !== undefined && r.ok === false ? `fail:${r.code}` : 'returned';
  } catch (e) {
    if (!(e instanceof LinkwireError)) throw e;
    return e.code;
  }
};

describe('sign under hostile data and options', () => {
  hostileSuite('sign', sign, entries.map((e) => e.name));
});

describe('sign regressions from issue 24', () => {
  const creds = sign.mqttCredentials({ productKey: 'a1B2c3D4e5F', deviceName: 'lamp01', deviceSecret: 'secret', timestamp: '1700000000000', signMethod: 'hmacsha1' });
  const verify = (options: unknown): string => code(() => sign.verifyMqttCredentials(creds.clientId, creds.username, creds.password, () => 'secret', options as never));
  it('verifiers refuse allowedMethods given as a string, null or a list holding a non-string, and now as a bigint, with invalid_option', () => {
    expect(verify({ allowedMethods: 'hmacsha1' })).toBe('invalid_option');
    expect(verify({ allowedMethods: null })).toBe('invalid_option');
    expect(verify({ allowedMethods: ['hmacsha1', 1] })).toBe('invalid_option');
    expect(verify({ now: 1_700_000_000_000n })).toBe('invalid_option');
    expect(verify({ allowedMethods: ['hmacsha1'], now: 1_700_000_000_000 })).toBe('returned');
  });
  it('verifyParams with an object as a parameter value fails as malformed instead of throwing', () => {
    expect(code(() => sign.verifyParams({ a: {} as never, timestamp: '1' }, 'ab', 'secret', 'hmacsha1'))).toBe('fail:malformed');
    expect(code(() => sign.verifyParams({ a: Object.create(null) as never }, 'ab', 'secret', 'hmacsha1'))).toBe('fail:malformed');
  });
  it('verifyEnosApimRequest with query: null reads as no query', () => {
    const headers = sign.enosApimHeaders({ accessToken: 't', appSecret: 's', timestamp: 1_700_000_000_000 });
    expect(code(() => sign.verifyEnosApimRequest({ headers, query: null as never }, () => 's', { now: 1_700_000_000_000 }))).toBe('returned');
    expect(code(() => sign.verifyEnosApimRequest(null as never, () => 's'))).toBe('fail:malformed');
  });
});

// Found by the mutation stage of the long decoder pass (npm run fuzz, issue 19): the case
// printed in each reproducer file, reduced.
describe('sign regressions from the mutation stage of npm run fuzz', () => {
  it('the device-field verifiers refuse a deviceSecret lookup that is not a function with invalid_option (seed 11, mutation case 3808: a TypeError)', () => {
    const body = '{"productKey":"a1B2c3D4e5F","deviceName":"lamp01","clientId":"c","sign":"ab","timestamp":"1"}';
    expect(code(() => sign.verifyCoapAuthRequest(utf8Encode(body), 'json', [-3.465559079896426e254] as never))).toBe('invalid_option');
    expect(code(() => sign.verifyHttpAuthRequest(body, 'secret' as never))).toBe('invalid_option');
    expect(code(() => sign.verifyDeviceNameAuthRequest('productKey=a1B2c3D4e5F&deviceName=lamp01&clientId=c&sign=ab', null as never))).toBe('invalid_option');
    expect(code(() => sign.verifyCoapAuthRequest(utf8Encode(body), 'json', () => 'secret'))).toBe('fail:signature_mismatch');
  });
  it('signParams with a secret that is neither text nor a keyed HMAC is missing_field (entry pass, seed 1402: undefined was a TypeError reading .algorithm)', () => {
    const params = { clientId: 0, username: 'lamp01&a1B2c3D4e5F', password: 'e67fd3a8491e4d1c33e476652f48146f04007f10' } as never;
    for (const secret of [undefined, null, 1, {}, { algorithm: 'sha1' }]) expect(code(() => sign.signParams(params, secret as never, 'hmacsha1', []))).toBe('missing_field');
    expect(code(() => sign.signParams(params, 'secret', 'hmacsha1', []))).toBe('returned');
    expect(code(() => sign.signParams(params, sign.signingKey('hmacsha1', 'secret'), 'hmacsha1', []))).toBe('returned');
  });
  it('verifyEnosApimRequest with a body that is not text fails as malformed (seed 11, mutation case 8967: an array nested 5 000 deep overflowed the stack in String())', () => {
    const timestamp = 1_700_000_000_000;
    const headers = sign.enosApimHeaders({ accessToken: 't', appSecret: 's', timestamp, body: '' });
    for (const body of [deepArray(5_000), { toString: 0 }, 1, Symbol('b')]) {
      expect(code(() => sign.verifyEnosApimRequest({ headers, body: body as never }, () => 's', { now: timestamp }))).toBe('fail:malformed');
    }
    expect(code(() => sign.enosApimSignature({ accessToken: 't', appSecret: 's', timestamp, body: deepArray(5_000) as never }))).toBe('invalid_field');
    expect(code(() => sign.verifyEnosApimRequest({ headers, body: '' }, () => 's', { now: timestamp }))).toBe('returned');
  });
});
