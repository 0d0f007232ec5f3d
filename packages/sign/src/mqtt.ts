import { signMethodAlgorithm, signMethodText } from './methods.ts';
import { appendExtra, mqttSigningInput, type MqttCredentials, type MqttCredentialsOptions } from './mqtt-connect.ts';
import { hmacWith } from './params.ts';
import { optional, required } from './validate.ts';

export {
  appendExtra, mqttBroker, mqttSigningInput, regionHost, secureModeOf,
  type MqttBroker, type MqttBrokerOptions, type MqttCredentials, type MqttCredentialsOptions, type MqttSigningInput, type MqttTransport, type SecureMode,
} from './mqtt-connect.ts';
import { STAND_IN_SECRET, checkMethod, checkSignature, checkTimestamp, fail, unknownOr, type VerifyFailureCode, type VerifyOptions } from './verify.ts';

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
  const input = mqttSigningInput(options);
  const password = hmacWith(input.secret, input.algorithm, input.content, 'deviceSecret');
  const out = { clientId: input.clientId, username: input.username, password };
  return input.keepalive === undefined ? out : { ...out, keepalive: input.keepalive };
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

