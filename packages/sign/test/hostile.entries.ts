/**
 * Every public function of @linkwire/sign under hostile data and hostile options (see
 * test/support/fuzz). Sign has many small functions of a few shapes, so each gets the same
 * pool per argument: identities and credentials (valid, and with fields made hostile),
 * requests, secret lookups, verifier options, text and hostile values.
 */
import { hostileValue } from '@linkwire/base/testing';
import * as sign from '@linkwire/sign';
import { mqttCredentialsOptions } from '@linkwire/sign/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

const identity = {
  productKey: 'a1B2c3D4e5F', deviceName: 'lamp01', deviceSecret: 'secret0123456789', clientId: 'lamp01', timestamp: '1700000000000',
  signMethod: 'hmacsha1', secureMode: 3, keepAlive: 60, productSecret: 'ps', random: 'r1', orgId: 'o', assetId: 'a', deviceKey: 'lamp01',
};
const credentials = sign.mqttCredentials({ productKey: identity.productKey, deviceName: identity.deviceName, deviceSecret: identity.deviceSecret, timestamp: identity.timestamp, signMethod: 'hmacsha1' });
const request = {
  method: 'POST', path: '/auth', headers: { 'content-type': 'application/json', 'apim-accesstoken': 't', 'apim-timestamp': '1700000000000', 'apim-signature': 'ab' },
  query: { a: '1' }, body: JSON.stringify({ productKey: identity.productKey, deviceName: identity.deviceName, clientId: 'c', sign: 'ab', timestamp: '1' }),
};
const verifyOptions = options({ allowedMethods: ['hmacsha1', 'hmacmd5'], now: 1_700_000_000_000, windowMs: 60_000, requireTimestamp: true });
const lookups = fc.constantFrom<unknown>(() => identity.deviceSecret, () => undefined, () => ({ deviceSecret: identity.deviceSecret, productSecret: 'ps' }));
const argument = fc.oneof(
  { weight: 3, arbitrary: variant(identity, credentials, request, { params: { a: 1 } }) },
  { weight: 2, arbitrary: data(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('hmacsha1', 'Hmacmd5', 'sha256', identity.productKey))) },
  { weight: 1, arbitrary: lookups },
  { weight: 2, arbitrary: verifyOptions },
  { weight: 1, arbitrary: data(mqttCredentialsOptions()) },
  { weight: 1, arbitrary: hostileValue() },
);

const names = Object.keys(sign).filter((k) => typeof (sign as Record<string, unknown>)[k] === 'function' && /^[a-z]/.test(k)).sort();
// The verifiers read what a device or a client sends: the long run's credential-verifier decoders.
export const entries: FuzzEntry[] = names.map((name) => {
  const e = entry(`sign.${name}`, (sign as unknown as Record<string, (...a: never[]) => unknown>)[name]!, [argument, argument, argument, argument]);
  return name.startsWith('verify') ? decoder('credential verifiers', e) : e;
});
