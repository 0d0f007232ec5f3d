import { requiredFunction } from '@linkwire/base';
import { signMethodAlgorithm } from './methods.ts';
import { hmacWith, signContent } from './params.ts';
import { optional, required, requireSecret, type Secret } from './validate.ts';
import { STAND_IN_SECRET, checkMethod, checkSignature, checkTimestamp, fail, fieldText, unknownOr, type VerifyOptions, type VerifyResult } from './verify.ts';

/** What the token-issuing auth flows (HTTPS `/auth/devicename`, HTTPS `/auth`, CoAP `/auth`) sign. */
export interface DeviceAuthOptions {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: Secret;
  /** Defaults per flow (see each builder). */
  readonly clientId?: string;
  /** Milliseconds; signed and sent when given. */
  readonly timestamp?: number | string;
  /** Any letter case; sent exactly as given. */
  readonly signMethod?: string;
}

export interface SignedDeviceFields {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  readonly timestamp: string | undefined;
  readonly signmethod: string;
  readonly sign: string;
}

/**
 * Validates and signs the common fields; `extra` are further signed fields of the flow (CoAP
 * `seq`, `ackMode`). The content follows the generic rule: every submitted field except sign,
 * signmethod, version and resources, sorted by name.
 */
export function signDeviceFields(
  options: DeviceAuthOptions,
  defaults: { readonly clientId: (pk: string, dn: string) => string; readonly signMethod: string },
  extra?: Readonly<Record<string, string | undefined>>,
): SignedDeviceFields {
  const productKey = required('productKey', options.productKey);
  const deviceName = required('deviceName', options.deviceName);
  const secret = requireSecret(options.deviceSecret, 'deviceSecret');
  const clientId = required('clientId', options.clientId ?? defaults.clientId(productKey, deviceName));
  const timestamp = optional('timestamp', options.timestamp);
  const signmethod = options.signMethod ?? defaults.signMethod;
  const algorithm = signMethodAlgorithm(signmethod);
  const content = signContent({ ...extra, productKey, deviceName, clientId, timestamp });
  return { productKey, deviceName, clientId, timestamp, signmethod, sign: hmacWith(secret, algorithm, content, 'deviceSecret') };
}

export interface VerifiedDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  readonly timestamp: string | undefined;
  /** Every submitted field as text (null-prototype), for flow-specific fields such as `seq`. */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * The platform side of {@link signDeviceFields} over a decoded body. Without a method field the
 * seed's platform default, hmacmd5, applies.
 */
export function verifyDeviceFields(
  body: Readonly<Record<string, unknown>>,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
  options: VerifyOptions | undefined,
  defaultWindowMs?: number,
): VerifyResult<VerifiedDevice> {
  // The lookup is checked before the body is read: a configuration error, not a bad request.
  requiredFunction('deviceSecret', deviceSecret);
  const fields: Record<string, string> = Object.create(null);
  for (const k of Object.keys(body)) {
    const v = fieldText(body[k]);
    if (v === undefined) return fail('malformed', `field ${k} must be a string or number`);
    fields[k] = v;
  }
  const { productKey, deviceName, clientId, sign } = fields;
  if (!productKey || !deviceName || !clientId || !sign) return fail('malformed', 'productKey, deviceName, clientId and sign are required');
  if (fields['signmethod'] !== undefined && fields['signMethod'] !== undefined) return fail('malformed', 'signmethod given twice');
  const method = fields['signmethod'] ?? fields['signMethod'] ?? 'hmacmd5';
  const algorithm = checkMethod(method, options, signMethodAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  const timestamp = fields['timestamp'];
  const late = checkTimestamp(timestamp, options, defaultWindowMs);
  if (late !== undefined) return late;
  const secret = deviceSecret(productKey, deviceName);
  // An unknown device is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const mismatch = unknownOr(secret, checkSignature(hmacWith(secret ?? STAND_IN_SECRET, algorithm, signContent(fields)), sign));
  if (mismatch !== undefined) return mismatch;
  return { ok: true, productKey, deviceName, clientId, timestamp, fields };
}
