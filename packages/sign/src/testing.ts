/**
 * fast-check arbitraries for credentials: valid identities, secrets and sign methods in the
 * spellings peers send, full option sets for the builders, and malformed inputs the builders
 * must refuse. For property tests of code built on (or compatible with) @linkwire/sign.
 * @module
 */
import fc from 'fast-check';
import type { EnosMqttCredentialsOptions } from './enos.ts';
import type { MqttCredentialsOptions } from './mqtt.ts';

/** A productKey: 1-32 of the name alphabet (real ones are 11 letters and digits). */
export const productKey = (): fc.Arbitrary<string> => fc.stringMatching(/^[A-Za-z0-9_@.:-]{1,32}$/);

/** A deviceName or EnOS deviceKey: 4-32 of letters, digits and -_@.: (seed error 6280). */
export const deviceName = (): fc.Arbitrary<string> => fc.stringMatching(/^[A-Za-z0-9_@.:-]{4,32}$/);

/** A clientId: 1-64 printable ASCII characters other than | , = (they delimit the CONNECT clientId). */
export const clientId = (): fc.Arbitrary<string> => fc.stringMatching(/^[\x20-\x2b\x2d-\x3c\x3e-\x7b\x7d\x7e]{1,64}$/);

/** A secret: 1-48 graphemes of any script (the HMAC key is its UTF-8 bytes). */
export const secret = (): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', minLength: 1, maxLength: 48 });

/** A random value for registration: 1-32 letters and digits. */
export const random = (): fc.Arbitrary<string> => fc.stringMatching(/^[A-Za-z0-9]{1,32}$/);

/** A millisecond timestamp as 13 digits. */
export const timestamp = (): fc.Arbitrary<string> => fc.integer({ min: 1e12, max: 9_999_999_999_999 }).map(String);

function mixCase(s: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
}

/** An Alibaba sign method in any letter case (`hmacSha1`, `HMACMD5`…). */
export const signMethod = (): fc.Arbitrary<string> => fc.constantFrom('hmacmd5', 'hmacsha1', 'hmacsha256').chain(mixCase);

/** An EnOS sign method: the plain and `hmac…` spellings, any case. */
export const enosSignMethod = (): fc.Arbitrary<string> =>
  fc.constantFrom('sha256', 'sha1', 'md5', 'hmacsha256', 'hmacsha1', 'hmacmd5').chain(mixCase);

/** Parameters for `signParams`: names and values of printable text. */
export const signableParams = (): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 24 }), { maxKeys: 8 });

/** Complete, valid options for `mqttCredentials`. */
export const mqttCredentialsOptions = (): fc.Arbitrary<MqttCredentialsOptions> =>
  fc.record(
    {
      productKey: productKey(),
      deviceName: deviceName(),
      deviceSecret: secret(),
      clientId: clientId(),
      signMethod: signMethod(),
      secureMode: fc.constantFrom(2 as const, 3 as const),
      timestamp: timestamp(),
      keepalive: fc.integer({ min: 30, max: 1200 }),
    },
    { requiredKeys: ['productKey', 'deviceName', 'deviceSecret'] },
  );

/** Complete, valid options for `enosMqttCredentials` in securemode 2. */
export const enosMqttCredentialsOptions = (): fc.Arbitrary<EnosMqttCredentialsOptions> =>
  fc.record({
    productKey: productKey(),
    deviceKey: deviceName(),
    deviceSecret: secret(),
    signMethod: enosSignMethod(),
    timestamp: timestamp(),
  });

/** deviceNames the builders must refuse: too short, too long, or with a character outside the alphabet. */
export const malformedDeviceName = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{0,3}$/),
    fc.stringMatching(/^[A-Za-z0-9]{33,40}$/),
    fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{2,10}$/), fc.constantFrom('/', '+', '#', ' ', '|', '&', '\u0000', 'é'), fc.stringMatching(/^[A-Za-z0-9]{2,10}$/)).map(
      ([a, c, b]) => a + c + b,
    ),
  );

/** clientIds the builders must refuse: empty, over 64 bytes, or holding | , = or a control character. */
export const malformedClientId = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(''),
    fc.stringMatching(/^[A-Za-z0-9]{65,80}$/),
    fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{0,10}$/), fc.constantFrom('|', ',', '=', '\n', '\u0000'), fc.stringMatching(/^[A-Za-z0-9]{0,10}$/)).map(([a, c, b]) => a + c + b),
  );

/** Timestamps the builders must refuse: empty, non-digits, or more than 16 digits. */
export const malformedTimestamp = (): fc.Arbitrary<string> =>
  fc.oneof(fc.constant(''), fc.stringMatching(/^\d{0,5}[a-z .+-]\d{0,5}$/), fc.stringMatching(/^\d{17,20}$/));

/** Keep Alive values outside the platform's 30-1200 seconds. */
export const malformedKeepalive = (): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min: -1000, max: 29 }), fc.integer({ min: 1201, max: 100_000 }), fc.double({ min: 30.1, max: 1199.9, noInteger: true }));
