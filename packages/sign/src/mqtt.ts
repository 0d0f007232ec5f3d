import { constantTimeEqualHex } from '@linkwire/base';
import { SignError } from './errors.ts';
import { signMethodAlgorithm, type SignMethod } from './methods.ts';
import { signParams } from './params.ts';

/** `securemode`: 2 = TLS (or wss), 3 = plain TCP (or ws), -2 = the no-pre-registration flow. */
export type SecureMode = 2 | 3 | -2;

export interface MqttCredentialsOptions {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: string;
  /** The device's own id (MAC or serial number); defaults to `{productKey}.{deviceName}`. */
  readonly clientId?: string;
  /** Default `hmacsha256`. Any letter case is accepted; the clientId carries it lowercased. */
  readonly signMethod?: SignMethod | string;
  /** Default 2 (TLS). */
  readonly secureMode?: SecureMode;
  /** Milliseconds; signed and sent when given. Pass the caller's clock: the core has none. */
  readonly timestamp?: number | string;
  /** Extra clientId keys (`lan`, `_v`, `_ss`…), sent in the given order after the standard ones. */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface MqttCredentials {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
}

// Seed (device guide, error 6280): 4-32 characters of letters, digits and - _ @ . :
const NAME = /^[A-Za-z0-9_@.:-]{4,32}$/;
// The seed's own CONNECT example (§3.1) uses the two-character productKey "pk"; real product
// keys are 11 characters. Accept 1-32 of the same alphabet so the documented vector signs.
const PRODUCT_KEY = /^[A-Za-z0-9_@.:-]{1,32}$/;
const PARAM = /^[^|,=\u0000-\u001f]*$/;

function check(field: string, value: unknown, re: RegExp, rule: string): string {
  if (typeof value !== 'string' || value === '') throw new SignError('missing_field', `${field} is required`, field);
  if (!re.test(value)) throw new SignError('invalid_field', `${field} ${JSON.stringify(value)} is invalid: ${rule}`, field);
  return value;
}

/**
 * CONNECT credentials for a directly connected device with its own secret (seed §3.1):
 * clientId `{clientId}|securemode=…,signmethod=…,timestamp=…|`, username
 * `{deviceName}&{productKey}`, password = HMAC hex over the sorted content.
 *
 * @example
 * mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret',
 *   clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 })
 * // { clientId: '12345|securemode=3,signmethod=hmacsha1,timestamp=789|',
 * //   username: 'device&pk', password: 'fafd82a3d602b37fb0fa8b7892f24a477f851a14' }
 */
export function mqttCredentials(options: MqttCredentialsOptions): MqttCredentials {
  const productKey = check('productKey', options.productKey, PRODUCT_KEY, '1-32 letters, digits or -_@.:');
  const deviceName = check('deviceName', options.deviceName, NAME, '4-32 letters, digits or -_@.:');
  if (typeof options.deviceSecret !== 'string' || options.deviceSecret === '') {
    throw new SignError('missing_field', 'deviceSecret is required', 'deviceSecret');
  }
  const clientId = options.clientId ?? `${productKey}.${deviceName}`;
  check('clientId', clientId, /^[^|,]{1,64}$/, 'at most 64 characters, without | or ,');
  const method = (options.signMethod ?? 'hmacsha256').toLowerCase();
  signMethodAlgorithm(method);
  const secureMode = options.secureMode ?? 2;
  if (secureMode !== 2 && secureMode !== 3 && secureMode !== -2) {
    throw new SignError('invalid_field', `secureMode ${String(secureMode)} is invalid: expected 2, 3 or -2`, 'secureMode');
  }
  const timestamp = options.timestamp === undefined ? undefined : String(options.timestamp);
  if (timestamp !== undefined && !/^\d{1,16}$/.test(timestamp)) {
    throw new SignError('invalid_field', `timestamp ${JSON.stringify(timestamp)} is invalid: expected decimal milliseconds`, 'timestamp');
  }
  let ext = `securemode=${secureMode},signmethod=${method}`;
  if (timestamp !== undefined) ext += `,timestamp=${timestamp}`;
  for (const [k, v] of Object.entries(options.extra ?? {})) {
    if (!/^[A-Za-z0-9_]+$/.test(k) || !PARAM.test(v)) throw new SignError('invalid_field', `extra clientId key ${JSON.stringify(k)} is invalid`, 'extra');
    ext += `,${k}=${v}`;
  }
  const password = signParams({ clientId, deviceName, productKey, timestamp }, options.deviceSecret, method);
  return { clientId: `${clientId}|${ext}|`, username: `${deviceName}&${productKey}`, password };
}

export interface ParsedMqttClientId {
  readonly clientId: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Splits `{clientId}|k=v,…|` into the id and its parameters; undefined when malformed. */
export function parseMqttClientId(full: string): ParsedMqttClientId | undefined {
  const bar = full.indexOf('|');
  if (bar <= 0 || !full.endsWith('|') || full.length === bar + 1) return undefined;
  const clientId = full.slice(0, bar);
  const params: Record<string, string> = Object.create(null);
  const body = full.slice(bar + 1, -1);
  if (body.includes('|')) return undefined;
  for (const pair of body.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { clientId, params };
}

export type MqttAuthResult =
  | { readonly ok: true; readonly productKey: string; readonly deviceName: string; readonly clientId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The platform side of {@link mqttCredentials}: recomputes the password with the secret the
 * platform holds and compares in constant time (case-insensitively, as the platform does).
 */
export function verifyMqttCredentials(
  clientIdField: string,
  username: string,
  password: string,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
): MqttAuthResult {
  const parsed = parseMqttClientId(clientIdField);
  if (parsed === undefined) return { ok: false, reason: 'malformed clientId' };
  const amp = username.lastIndexOf('&');
  if (amp <= 0) return { ok: false, reason: 'malformed username' };
  const deviceName = username.slice(0, amp);
  const productKey = username.slice(amp + 1);
  const method = parsed.params['signmethod'] ?? 'hmacmd5';
  try {
    signMethodAlgorithm(method);
  } catch {
    return { ok: false, reason: `unknown sign method ${method}` };
  }
  const secret = deviceSecret(productKey, deviceName);
  if (secret === undefined) return { ok: false, reason: 'unknown device' };
  const expected = signParams({ clientId: parsed.clientId, deviceName, productKey, timestamp: parsed.params['timestamp'] }, secret, method);
  if (!constantTimeEqualHex(expected, password)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, productKey, deviceName, clientId: parsed.clientId };
}
