import { describe, parseJson } from '@linkwire/base';
import { replyJson, requireArgument, SignError } from './errors.ts';
import { decodeForm, encodeForm } from './form.ts';
import type { HttpRequest } from './https.ts';
import { signMethodAlgorithm } from './methods.ts';
import { appendExtra, parseMqttClientId, parseMqttUsername, regionHost, secureModeOf, type MqttTransport, type SecureMode } from './mqtt.ts';
import { hmacWith, signContent } from './params.ts';
import { failure, replyRecord, replyString } from './reply.ts';
import { required, requireSecret, type Secret } from './validate.ts';
import { STAND_IN_SECRET, asRecord, checkMethod, checkSignature, fail, secretTextEqual, unknownOr, type VerifyOptions, type VerifyResult } from './verify.ts';

/** What a product-secret registration signs: `deviceName{dn}productKey{pk}random{r}`. */
export interface RegistrationOptions {
  readonly productKey: string;
  readonly deviceName: string;
  /** The product secret, or a keyed HMAC of it for the same method. */
  readonly productSecret: Secret;
  /** A fresh random value from the caller's Random; the core has none. */
  readonly random: string;
  /** Default `hmacsha256`; any letter case, sent exactly as given. */
  readonly signMethod?: string;
}

interface SignedRegistration {
  readonly productKey: string;
  readonly deviceName: string;
  readonly random: string;
  readonly signMethod: string;
  readonly sign: string;
}

/** Signs a product-secret registration; shared by HTTPS, MQTT and sub-device proxy provisioning. */
export function signRegistration(options: RegistrationOptions, field = 'productSecret'): SignedRegistration {
  requireArgument(options, 'options');
  const productKey = required('productKey', options.productKey);
  const deviceName = required('deviceName', options.deviceName);
  const secret = requireSecret(options.productSecret, field);
  const random = required('random', options.random);
  const signMethod = options.signMethod ?? 'hmacsha256';
  const algorithm = signMethodAlgorithm(signMethod);
  const sign = hmacWith(secret, algorithm, `deviceName${deviceName}productKey${productKey}random${random}`, field);
  return { productKey, deviceName, random, signMethod, sign };
}

/**
 * Dynamic registration of a directly connected device over HTTPS (seed §9.2): POST
 * `/auth/register/device` to `iot-auth.{region}.aliyuncs.com` with productKey, deviceName,
 * random, sign and signMethod (sent exactly as given, e.g. the seed's `HmacMD5`).
 *
 * @example
 * registerDeviceRequest({ productKey: '1234556554', deviceName: 'deviceName1234', productSecret: 'ps',
 *   random: '567345', signMethod: 'HmacMD5' }).body
 * // 'productKey=1234556554&deviceName=deviceName1234&random=567345&sign=…&signMethod=HmacMD5'
 */
export function registerDeviceRequest(options: RegistrationOptions & { readonly regionId?: string }): HttpRequest {
  requireArgument(options, 'options');
  const r = signRegistration(options);
  const host = regionHost('iot-auth', options.regionId);
  const body = encodeForm({ productKey: r.productKey, deviceName: r.deviceName, random: r.random, sign: r.sign, signMethod: r.signMethod });
  return { method: 'POST', host, path: '/auth/register/device', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body };
}

export interface VerifiedRegistration {
  readonly productKey: string;
  readonly deviceName: string;
  readonly random: string;
  readonly signMethod: string;
}

/** The platform side of a registration sign over already decoded fields. */
export function verifyRegistrationFields(
  fields: Readonly<Record<string, unknown>>,
  productSecret: (productKey: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<VerifiedRegistration> {
  const { productKey, deviceName, random, sign } = fields;
  const method = fields['signMethod'] ?? fields['signmethod'] ?? 'hmacmd5';
  if (typeof productKey !== 'string' || typeof deviceName !== 'string' || typeof random !== 'string' || typeof method !== 'string' || productKey === '' || deviceName === '' || random === '') {
    return fail('malformed', 'productKey, deviceName, random and sign are required');
  }
  const algorithm = checkMethod(method, options, signMethodAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  const secret = productSecret(productKey);
  const signed: Record<string, string> = Object.create(null);
  for (const k of Object.keys(fields)) if (typeof fields[k] === 'string') signed[k] = fields[k] as string;
  // Every submitted field but sign and signMethod is signed (seed §9.2, "Sign the parameters").
  // An unknown product is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const mismatch = unknownOr(secret, checkSignature(hmacWith(secret ?? STAND_IN_SECRET, algorithm, signContent(signed)), sign), 'product');
  if (mismatch !== undefined) return mismatch;
  return { ok: true, productKey, deviceName, random, signMethod: method };
}

/**
 * The platform side of {@link registerDeviceRequest}. Answer success with
 * {@link registerDeviceReply} and the device's secret.
 *
 * @example
 * const r = verifyRegisterDeviceRequest(body, (pk) => productSecrets.get(pk));
 * if (r.ok) reply(registerDeviceReply({ productKey: r.productKey, deviceName: r.deviceName, deviceSecret }));
 */
export function verifyRegisterDeviceRequest(
  body: string,
  productSecret: (productKey: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<VerifiedRegistration> {
  let fields: Record<string, string>;
  try {
    fields = decodeForm(body);
  } catch (e) {
    if (e instanceof SignError) return fail('malformed', e.message);
    throw e;
  }
  return verifyRegistrationFields(fields, productSecret, options);
}

export interface RegisteredDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: string;
}

/** The registration reply: `{"code":200,"data":{productKey, deviceName, deviceSecret},"message":"success"}` or an error. */
export function registerDeviceReply(reply: RegisteredDevice | { readonly code: number; readonly message: string }): string {
  requireArgument(reply, 'reply');
  if ('deviceSecret' in reply) {
    return replyJson({ code: 200, data: { productKey: reply.productKey, deviceName: reply.deviceName, deviceSecret: reply.deviceSecret }, message: 'success' });
  }
  return replyJson({ code: reply.code, message: reply.message });
}

/**
 * Reads the registration reply; the secret is in `deviceSecret` when `ok`.
 *
 * @example
 * parseRegisterDeviceReply('{"code":200,"data":{"productKey":"1234556554","deviceName":"deviceName1234","deviceSecret":"adsfweafdsf"},"message":"success"}')
 * // { ok: true, productKey: '1234556554', deviceName: 'deviceName1234', deviceSecret: 'adsfweafdsf' }
 */
export function parseRegisterDeviceReply(text: string | Uint8Array):
  | ({ readonly ok: true } & RegisteredDevice)
  | { readonly ok: false; readonly code: number; readonly message: string } {
  const r = replyRecord(text);
  if (r['code'] !== 200) return failure(r, {});
  const data = asRecord(r['data']);
  return { ok: true, productKey: replyString(data, 'productKey'), deviceName: replyString(data, 'deviceName'), deviceSecret: replyString(data, 'deviceSecret') };
}

/** `register`: the broker answers with the device secret; `regnwl`: no pre-registration, a device token. */
export type MqttRegistrationMode = 'register' | 'regnwl';

export interface MqttRegistrationOptions extends RegistrationOptions {
  /** Default `register`. */
  readonly mode?: MqttRegistrationMode;
  /** Default 2 (TLS), as real peers use for registration. */
  readonly secureMode?: SecureMode;
  readonly transport?: MqttTransport;
  /** Instance id of an Enterprise instance, sent as `instanceId=` when given. */
  readonly instanceId?: string;
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * CONNECT credentials for dynamic registration over MQTT (PROTOCOL-NOTES.md, "Registration over
 * MQTT"): clientId `{dn}.{pk}|random={r},authType={mode},securemode=2,signmethod={m}|`, username
 * `{dn}&{pk}`, password = HMAC(productSecret, `deviceName{dn}productKey{pk}random{r}`).
 *
 * @example
 * mqttRegisterCredentials({ productKey: 'pk', deviceName: 'device', productSecret: 'ps', random: '123', signMethod: 'hmacsha256' }).clientId
 * // 'device.pk|random=123,authType=register,securemode=2,signmethod=hmacsha256|'
 */
export function mqttRegisterCredentials(options: MqttRegistrationOptions): { readonly clientId: string; readonly username: string; readonly password: string } {
  requireArgument(options, 'options');
  const r = signRegistration(options);
  const mode = options.mode ?? 'register';
  if (mode !== 'register' && mode !== 'regnwl') throw new SignError('invalid_field', `mode ${describe(mode)} is invalid: expected register or regnwl`, 'mode');
  const secureMode = secureModeOf(options.secureMode, options.transport);
  let ext = `random=${r.random},authType=${mode},securemode=${secureMode},signmethod=${r.signMethod.toLowerCase()}`;
  if (options.instanceId !== undefined) {
    if (typeof options.instanceId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(options.instanceId)) {
      throw new SignError('invalid_field', `instanceId ${describe(options.instanceId)} is invalid`, 'instanceId');
    }
    ext += `,instanceId=${options.instanceId}`;
  }
  ext = appendExtra(ext, options.extra);
  return { clientId: `${r.deviceName}.${r.productKey}|${ext}|`, username: `${r.deviceName}&${r.productKey}`, password: r.sign };
}

export type MqttAuthType = 'device' | MqttRegistrationMode | 'connwl' | 'token';

/**
 * Which CONNECT flow a clientId belongs to, so a broker can pick the verifier: its `authType`
 * (`register`, `regnwl`, `connwl`), `device` for a device signing with its own secret, or
 * `token` for a plain id without `|…|` (iotId/iotToken from `/auth/devicename`). Undefined for a
 * malformed clientId or an unknown authType.
 *
 * @example
 * mqttAuthType('device.pk|random=1,authType=register,securemode=2,signmethod=hmacsha256|') // 'register'
 */
export function mqttAuthType(clientIdField: string): MqttAuthType | undefined {
  if (typeof clientIdField === 'string' && clientIdField !== '' && !clientIdField.includes('|')) return 'token';
  const parsed = parseMqttClientId(clientIdField);
  if (parsed === undefined) return undefined;
  const t = parsed.params['authType'];
  if (t === undefined) return 'device';
  return t === 'register' || t === 'regnwl' || t === 'connwl' ? t : undefined;
}

/**
 * The broker side of {@link mqttRegisterCredentials}. `productSecret` returns the secret of a
 * product with dynamic registration enabled.
 *
 * @example
 * if (mqttAuthType(clientId) === 'register') {
 *   const r = verifyMqttRegistration(clientId, username, password, (pk) => productSecrets.get(pk));
 *   if (r.ok) publish(mqttRegistrationReply({ mode: 'register', deviceSecret }));
 * }
 */
export function verifyMqttRegistration(
  clientIdField: string,
  username: string,
  password: string,
  productSecret: (productKey: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<VerifiedRegistration & { readonly mode: MqttRegistrationMode }> {
  const parsed = parseMqttClientId(clientIdField);
  const user = parseMqttUsername(username);
  if (parsed === undefined || user === undefined) return fail('malformed', 'malformed clientId or username');
  const mode = parsed.params['authType'];
  if (mode !== 'register' && mode !== 'regnwl') return fail('malformed', 'authType must be register or regnwl');
  if (parsed.clientId !== `${user.deviceName}.${user.productKey}`) return fail('malformed', 'clientId must be {deviceName}.{productKey}');
  const random = parsed.params['random'];
  if (random === undefined) return fail('malformed', 'random is required');
  const r = verifyRegistrationFields(
    { productKey: user.productKey, deviceName: user.deviceName, random, signMethod: parsed.params['signmethod'] ?? 'hmacmd5', sign: password },
    productSecret,
    options,
  );
  return r.ok ? { ...r, mode } : r;
}

/** What the broker publishes after a registration CONNECT: on `/ext/register` or `/ext/regnwl`. */
export type MqttRegistrationReply =
  | { readonly mode: 'register'; readonly deviceSecret: string }
  | { readonly mode: 'regnwl'; readonly clientId: string; readonly productKey: string; readonly deviceName: string; readonly deviceToken: string };

/** The broker's message for a registration: topic and JSON payload. */
export function mqttRegistrationReply(reply: MqttRegistrationReply): { readonly topic: string; readonly payload: string } {
  requireArgument(reply, 'reply');
  if (reply.mode === 'register') return { topic: '/ext/register', payload: replyJson({ deviceSecret: reply.deviceSecret }) };
  const { clientId, productKey, deviceName, deviceToken } = reply;
  return { topic: '/ext/regnwl', payload: replyJson({ clientId, productKey, deviceName, deviceToken }) };
}

/**
 * Reads the broker's registration message from its topic and payload; a message on another
 * topic or without the expected fields is a `malformed_reply` SignError.
 *
 * @example
 * parseMqttRegistrationReply('/ext/register', '{"deviceSecret":"abc"}') // { mode: 'register', deviceSecret: 'abc' }
 */
export function parseMqttRegistrationReply(topic: string, payload: string | Uint8Array): MqttRegistrationReply {
  if (topic !== '/ext/register' && topic !== '/ext/regnwl') throw new SignError('malformed_reply', `${describe(topic)} is not a registration topic`, 'topic');
  let body: Readonly<Record<string, unknown>> | undefined;
  try {
    body = asRecord(parseJson(payload, { maxBytes: 8192, maxDepth: 4 }));
  } catch (e) {
    throw new SignError('malformed_reply', `payload is not JSON: ${(e as Error).message}`, 'payload');
  }
  if (topic === '/ext/register') return { mode: 'register', deviceSecret: replyString(body, 'deviceSecret') };
  return {
    mode: 'regnwl',
    clientId: replyString(body, 'clientId'),
    productKey: replyString(body, 'productKey'),
    deviceName: replyString(body, 'deviceName'),
    deviceToken: replyString(body, 'deviceToken'),
  };
}

/**
 * CONNECT credentials after a `regnwl` registration: clientId
 * `{clientId}|authType=connwl,securemode=-2|` (plus `extra`), username `{dn}&{pk}`, password =
 * the device token.
 *
 * @example
 * mqttConnwlCredentials({ clientId: 'c1', productKey: 'pk', deviceName: 'device', deviceToken: 't' })
 * // { clientId: 'c1|authType=connwl,securemode=-2|', username: 'device&pk', password: 't' }
 */
export function mqttConnwlCredentials(options: {
  readonly clientId: string;
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceToken: string;
  readonly extra?: Readonly<Record<string, string>>;
}): { readonly clientId: string; readonly username: string; readonly password: string } {
  requireArgument(options, 'options');
  const clientId = required('clientId', options.clientId);
  const productKey = required('productKey', options.productKey);
  const deviceName = required('deviceName', options.deviceName);
  if (typeof options.deviceToken !== 'string' || options.deviceToken === '') throw new SignError('missing_field', 'deviceToken is required', 'deviceToken');
  const ext = appendExtra('authType=connwl,securemode=-2', options.extra);
  return { clientId: `${clientId}|${ext}|`, username: `${deviceName}&${productKey}`, password: options.deviceToken };
}

/** The broker side of {@link mqttConnwlCredentials}: the token compared in constant time. */
export function verifyMqttConnwl(
  clientIdField: string,
  username: string,
  password: string,
  deviceToken: (productKey: string, deviceName: string) => string | undefined,
): VerifyResult<{ readonly productKey: string; readonly deviceName: string; readonly clientId: string }> {
  const parsed = parseMqttClientId(clientIdField);
  const user = parseMqttUsername(username);
  if (parsed === undefined || user === undefined || parsed.params['authType'] !== 'connwl') return fail('malformed', 'not a connwl CONNECT');
  const token = deviceToken(user.productKey, user.deviceName);
  // A token is opaque text, not hex: compared exactly, as fixed-length digests (an unknown
  // device against the stand-in), so neither its existence nor the token's length shows.
  const equal = secretTextEqual(token, password);
  if (token === undefined) return fail('unknown_device', 'unknown device');
  if (!equal) return fail('signature_mismatch', 'device token mismatch');
  return { ok: true, productKey: user.productKey, deviceName: user.deviceName, clientId: parsed.clientId };
}
