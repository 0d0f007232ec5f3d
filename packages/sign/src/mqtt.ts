import { describe } from '@linkwire/base';
import { requireArgument, SignError } from './errors.ts';
import { signMethodAlgorithm, signMethodText, type SignMethod } from './methods.ts';
import { hmacWith } from './params.ts';
import { optional, required, keepaliveOption, requireSecret, type Secret } from './validate.ts';
import { STAND_IN_SECRET, checkMethod, checkSignature, checkTimestamp, fail, unknownOr, type VerifyFailureCode, type VerifyOptions } from './verify.ts';

/** `securemode`: 2 = TLS (or wss), 3 = plain TCP (or ws), -2 = the no-pre-registration flow. */
export type SecureMode = 2 | 3 | -2;

/** How the CONNECT travels; selects `securemode` (tls/wss → 2, tcp/ws → 3) and the broker port. */
export type MqttTransport = 'tcp' | 'tls' | 'ws' | 'wss';

export interface MqttCredentialsOptions {
  readonly productKey: string;
  readonly deviceName: string;
  /** The device secret, or a keyed HMAC of it made with `signingKey` for the same method. */
  readonly deviceSecret: Secret;
  /** The device's own id (MAC or serial number); defaults to `{productKey}.{deviceName}`. */
  readonly clientId?: string;
  /** Default `hmacsha256`. Any letter case is accepted; the clientId carries it lowercased. */
  readonly signMethod?: SignMethod | string;
  /** Default 2 (TLS), or the mode `transport` implies. */
  readonly secureMode?: SecureMode;
  /** Alternative to `secureMode`: tls and wss give 2, tcp and ws give 3. */
  readonly transport?: MqttTransport;
  /** Milliseconds; signed and sent when given. Pass the caller's clock: the core has none. */
  readonly timestamp?: number | string;
  /** Extra clientId keys (`lan`, `_v`, `_ss`…), sent in the given order after the standard ones. */
  readonly extra?: Readonly<Record<string, string>>;
  /** CONNECT Keep Alive in seconds; checked against the platform's 30-1200 and returned. */
  readonly keepalive?: number;
  /** Spelled `keepalive`: this spelling does not type-check and throws. */
  readonly keepAlive?: never;
}

export interface MqttCredentials {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** Present when `keepalive` was given (and valid). */
  readonly keepalive?: number;
}

const EXTRA_KEY = /^[A-Za-z0-9_]+$/;
const EXTRA_VALUE = /^[^|,=\u0000-\u001f\u007f]*$/;
const RESERVED = new Set(['securemode', 'signmethod', 'timestamp', 'authtype', 'random']);

/** Appends `extra` keys to a clientId parameter list, refusing keys that would shadow ours. */
export function appendExtra(ext: string, extra: Readonly<Record<string, string>> | undefined): string {
  if (extra === undefined) return ext;
  for (const k of Object.keys(extra)) {
    const v = extra[k];
    if (!EXTRA_KEY.test(k) || RESERVED.has(k.toLowerCase()) || typeof v !== 'string' || !EXTRA_VALUE.test(v)) {
      throw new SignError('invalid_field', `extra clientId key ${describe(k)} is invalid or reserved`, 'extra');
    }
    ext += `,${k}=${v}`;
  }
  return ext;
}

export function secureModeOf(secureMode: SecureMode | undefined, transport: MqttTransport | undefined): SecureMode {
  if (secureMode !== undefined) {
    if (secureMode !== 2 && secureMode !== 3 && secureMode !== -2) {
      throw new SignError('invalid_field', `secureMode ${describe(secureMode)} is invalid: expected 2, 3 or -2`, 'secureMode');
    }
    return secureMode;
  }
  if (transport === undefined || transport === 'tls' || transport === 'wss') return 2;
  if (transport === 'tcp' || transport === 'ws') return 3;
  throw new SignError('invalid_field', `transport ${describe(transport)} is invalid: expected tcp, tls, ws or wss`, 'transport');
}

/**
 * CONNECT credentials for a directly connected device with its own secret (seed §3.1, §3.2):
 * clientId `{clientId}|securemode=…,signmethod=…,timestamp=…|`, username
 * `{deviceName}&{productKey}`, password = HMAC hex over the sorted content. The same
 * credentials serve TCP, TLS, ws and wss; only `securemode` differs.
 *
 * @example
 * mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret',
 *   clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 })
 * // { clientId: '12345|securemode=3,signmethod=hmacsha1,timestamp=789|',
 * //   username: 'device&pk', password: 'fafd82a3d602b37fb0fa8b7892f24a477f851a14' }
 */
export function mqttCredentials(options: MqttCredentialsOptions): MqttCredentials {
  requireArgument(options, 'options');
  const productKey = required('productKey', options.productKey);
  const deviceName = required('deviceName', options.deviceName);
  const secret = requireSecret(options.deviceSecret, 'deviceSecret');
  // The default id is made of two checked names, so only its length can be wrong.
  const clientId = options.clientId === undefined && productKey.length + deviceName.length < 64
    ? `${productKey}.${deviceName}`
    : required('clientId', options.clientId ?? `${productKey}.${deviceName}`);
  const method = signMethodText(options.signMethod, 'hmacsha256');
  const algorithm = signMethodAlgorithm(method);
  const secureMode = secureModeOf(options.secureMode, options.transport);
  const timestamp = optional('timestamp', options.timestamp);
  const keepalive = keepaliveOption(options);
  let ext = `securemode=${secureMode},signmethod=${method}`;
  // The four signed names are already in byte order: clientId < deviceName < productKey < timestamp.
  let content = `clientId${clientId}deviceName${deviceName}productKey${productKey}`;
  if (timestamp !== undefined) {
    ext += `,timestamp=${timestamp}`;
    content += `timestamp${timestamp}`;
  }
  ext = appendExtra(ext, options.extra);
  const password = hmacWith(secret, algorithm, content, 'deviceSecret');
  const out = { clientId: `${clientId}|${ext}|`, username: `${deviceName}&${productKey}`, password };
  return keepalive === undefined ? out : { ...out, keepalive };
}

export interface ParsedMqttClientId {
  readonly clientId: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Splits `{clientId}|k=v,…|` into the id and its parameters; undefined when malformed (no
 * bars, an empty id, a pair without `=`, or a key given twice).
 *
 * @example
 * parseMqttClientId('12345|securemode=3,signmethod=hmacsha1|')
 * // { clientId: '12345', params: { securemode: '3', signmethod: 'hmacsha1' } }
 */
export function parseMqttClientId(full: string): ParsedMqttClientId | undefined {
  if (typeof full !== 'string') return undefined;
  const bar = full.indexOf('|');
  const end = full.length - 1;
  // One bar after a non-empty id, one closing bar, nothing in between but k=v pairs.
  if (bar <= 0 || end <= bar || full.indexOf('|', bar + 1) !== end) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (let start = bar + 1; ; ) {
    let comma = full.indexOf(',', start);
    if (comma < 0 || comma > end) comma = end;
    const eq = full.indexOf('=', start);
    if (eq <= start || eq >= comma) return undefined;
    const key = full.slice(start, eq);
    if (key in params) return undefined;
    params[key] = full.slice(eq + 1, comma);
    if (comma === end) return { clientId: full.slice(0, bar), params };
    start = comma + 1;
  }
}

/** Splits `{name}&{productKey}` at the last `&`; undefined when either side is empty. */
export function parseMqttUsername(username: string): { readonly deviceName: string; readonly productKey: string } | undefined {
  if (typeof username !== 'string') return undefined;
  const amp = username.lastIndexOf('&');
  if (amp <= 0 || amp === username.length - 1) return undefined;
  return { deviceName: username.slice(0, amp), productKey: username.slice(amp + 1) };
}

export type MqttAuthResult =
  | { readonly ok: true; readonly productKey: string; readonly deviceName: string; readonly clientId: string }
  | { readonly ok: false; readonly reason: string; readonly code: VerifyFailureCode };

/**
 * The platform side of {@link mqttCredentials}: recomputes the password with the secret the
 * platform holds and compares in constant time (case-insensitively, as the platform does).
 * A clientId without `signmethod` means hmacmd5, the seed's platform default.
 *
 * @example
 * verifyMqttCredentials('12345|securemode=3,signmethod=hmacsha1,timestamp=789|', 'device&pk',
 *   'FAFD82A3D602B37FB0FA8B7892F24A477F851A14', () => 'secret').ok // true
 */
export function verifyMqttCredentials(
  clientIdField: string,
  username: string,
  password: string,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
  options?: VerifyOptions,
): MqttAuthResult {
  const parsed = parseMqttClientId(clientIdField);
  if (parsed === undefined) return fail('malformed', 'malformed clientId');
  const user = parseMqttUsername(username);
  if (user === undefined) return fail('malformed', 'malformed username');
  const { deviceName, productKey } = user;
  const method = parsed.params['signmethod'] ?? 'hmacmd5';
  const algorithm = checkMethod(method, options, signMethodAlgorithm);
  if (typeof algorithm !== 'string') return algorithm.code === 'unknown_sign_method' ? { ...algorithm, reason: `unknown sign method ${method}` } : algorithm;
  const timestamp = parsed.params['timestamp'];
  const late = checkTimestamp(timestamp, options);
  if (late !== undefined) return late;
  const secret = deviceSecret(productKey, deviceName);
  let content = `clientId${parsed.clientId}deviceName${deviceName}productKey${productKey}`;
  if (timestamp !== undefined) content += `timestamp${timestamp}`;
  // An unknown device is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const mismatch = unknownOr(secret, checkSignature(hmacWith(secret ?? STAND_IN_SECRET, algorithm, content), password));
  if (mismatch !== undefined) return mismatch;
  return { ok: true, productKey, deviceName, clientId: parsed.clientId };
}

export interface MqttBrokerOptions {
  readonly productKey: string;
  /** Region of a public instance, e.g. `cn-shanghai` (the seed's default). */
  readonly regionId?: string;
  /** An Enterprise (or new public) instance id; its endpoint replaces the region one. */
  readonly instanceId?: string;
  /** Default `tls`. */
  readonly transport?: MqttTransport;
}

export interface MqttBroker {
  readonly host: string;
  readonly port: number;
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL of the broker. */
  readonly url: string;
  /** The `securemode` the transport calls for. */
  readonly secureMode: SecureMode;
}

const REGION = /^[a-z]{2}(-[a-z0-9]+)+$/;
const INSTANCE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The broker endpoint for a product: `{productKey}.iot-as-mqtt.{region}.aliyuncs.com`, port 1883
 * for TCP and TLS and 443 for ws/wss (seed §3.1, §3.2), or `{instanceId}.mqtt.iothub.aliyuncs.com`
 * for an instance.
 *
 * @example
 * mqttBroker({ productKey: 'pk', transport: 'ws' }).url // 'ws://pk.iot-as-mqtt.cn-shanghai.aliyuncs.com:443'
 */
export function mqttBroker(options: MqttBrokerOptions): MqttBroker {
  requireArgument(options, 'options');
  const productKey = required('productKey', options.productKey);
  const transport = options.transport ?? 'tls';
  const secureMode = secureModeOf(undefined, transport);
  let host: string;
  if (options.instanceId !== undefined) {
    if (typeof options.instanceId !== 'string' || !INSTANCE.test(options.instanceId)) {
      throw new SignError('invalid_field', `instanceId ${describe(options.instanceId)} is invalid`, 'instanceId');
    }
    host = `${options.instanceId}.mqtt.iothub.aliyuncs.com`;
  } else {
    const region = options.regionId ?? 'cn-shanghai';
    if (typeof region !== 'string' || !REGION.test(region)) throw new SignError('invalid_field', `regionId ${describe(region)} is invalid`, 'regionId');
    host = `${productKey}.iot-as-mqtt.${region}.aliyuncs.com`;
  }
  const port = transport === 'ws' || transport === 'wss' ? 443 : 1883;
  const scheme = transport === 'tcp' ? 'mqtt' : transport === 'tls' ? 'mqtts' : transport;
  return { host, port, url: `${scheme}://${host}:${port}`, secureMode };
}

/** Checks a region id for the HTTPS hosts of the other flows. */
export function regionHost(prefix: string, regionId: string | undefined): string {
  const region = regionId ?? 'cn-shanghai';
  if (typeof region !== 'string' || !REGION.test(region)) throw new SignError('invalid_field', `regionId ${describe(region)} is invalid`, 'regionId');
  return `${prefix}.${region}.aliyuncs.com`;
}
