import { describe, OptionError, parseJson } from '@linkwire/base';
import { signDeviceFields, verifyDeviceFields, type DeviceAuthOptions, type VerifiedDevice } from './auth.ts';
import { replyJson, requireArgument, SignError } from './errors.ts';
import { decodeForm, encodeForm } from './form.ts';
import { regionHost } from './mqtt.ts';
import { required } from './validate.ts';
import { failure, replyRecord, replyString } from './reply.ts';
import { asRecord, DEFAULT_WINDOW_MS, fail, secretTextEqual, type VerifyFailure, type VerifyOptions, type VerifyResult } from './verify.ts';

/** An HTTP request to send as is; the core does no IO. */
export interface HttpRequest {
  readonly method: 'POST';
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Reply codes of `/auth/devicename` (seed device guide §3.1, "Connect … through HTTPS"). */
export const DEVICENAME_AUTH_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  401: 'request auth error',
  460: 'param error',
  500: 'unknown error',
  5001: 'meta device not found',
  6200: 'auth type mismatch',
});

/** Reply codes of the HTTPS transport (seed §3.4, tables 3-9 for `/auth` and 3-11 for `/topic`). */
export const HTTP_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  10000: 'common error',
  10001: 'param error',
  20000: 'auth check error',
  20001: 'token is expired',
  20002: 'token is null',
  20003: 'check token error',
  20004: 'update session error',
  30001: 'publish message error',
  40000: 'request too many',
});

export interface DeviceNameAuthOptions extends DeviceAuthOptions {
  /** Resources to ask for (`mqtt`, …), sent comma-separated and not signed. */
  readonly resources?: readonly string[];
  /** Sent and not signed; omitted unless given. */
  readonly version?: string;
  /** Default `cn-shanghai`. */
  readonly regionId?: string;
}

const RESOURCE = /^[A-Za-z0-9_-]+$/;

/**
 * The MQTT-over-HTTPS auth request (seed §3.1): POST `/auth/devicename` to
 * `iot-auth.{region}.aliyuncs.com` with a form body; the reply's iotId and iotToken become the
 * CONNECT username and password ({@link mqttTokenCredentials}). clientId defaults to
 * `{productKey}.{deviceName}`, signMethod to `hmacsha256`.
 *
 * @example
 * deviceNameAuthRequest({ productKey: '123', deviceName: 'test', deviceSecret: 's', clientId: '123',
 *   timestamp: '123', signMethod: 'hmacmd5', resources: ['mqtt'] }).body
 * // 'productKey=123&deviceName=test&clientId=123&timestamp=123&signmethod=hmacmd5&sign=…&resources=mqtt'
 */
export function deviceNameAuthRequest(options: DeviceNameAuthOptions): HttpRequest {
  requireArgument(options, 'options');
  const f = signDeviceFields(options, { clientId: (pk, dn) => `${pk}.${dn}`, signMethod: 'hmacsha256' });
  const host = regionHost('iot-auth', options.regionId);
  for (const r of options.resources ?? []) {
    if (typeof r !== 'string' || !RESOURCE.test(r)) throw new SignError('invalid_field', `resource ${describe(r)} is invalid`, 'resources');
  }
  const body = encodeForm({
    productKey: f.productKey, deviceName: f.deviceName, clientId: f.clientId, timestamp: f.timestamp,
    signmethod: f.signmethod, sign: f.sign, version: options.version,
    resources: options.resources === undefined || options.resources.length === 0 ? undefined : options.resources.join(','),
  });
  return { method: 'POST', host, path: '/auth/devicename', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body };
}

/** A failed verification with the reply code the platform answers it with. */
export type VerifyFailureWithReply = VerifyFailure & { readonly replyCode: number };

export type DeviceNameAuthVerification =
  | ({ readonly ok: true; readonly resources: readonly string[] } & VerifiedDevice)
  | VerifyFailureWithReply;

function withReply(f: VerifyFailure, codes: { malformed: number; unknown: number; auth: number }): VerifyFailureWithReply {
  const replyCode = f.code === 'malformed' || f.code === 'unknown_sign_method' || f.code === 'method_not_allowed' ? codes.malformed
    : f.code === 'unknown_device' ? codes.unknown : codes.auth;
  return { ...f, replyCode };
}

/**
 * The platform side of {@link deviceNameAuthRequest}: decodes the form body, recomputes the sign
 * over every submitted field but sign/signmethod/version/resources and compares in constant
 * time. A failure carries the reply code to answer with (460, 5001 or 401).
 *
 * @example
 * const r = verifyDeviceNameAuthRequest(body, (pk, dn) => secrets.get(`${pk}/${dn}`));
 * reply(r.ok ? deviceNameAuthReply({ iotId, iotToken }) : deviceNameAuthReply({ code: r.replyCode }));
 */
export function verifyDeviceNameAuthRequest(
  body: string,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
  options?: VerifyOptions,
): DeviceNameAuthVerification {
  let fields: Record<string, string>;
  try {
    fields = decodeForm(body);
  } catch (e) {
    if (e instanceof SignError) return withReply(fail('malformed', e.message), { malformed: 460, unknown: 5001, auth: 401 });
    throw e;
  }
  const r = verifyDeviceFields(fields, deviceSecret, options);
  if (!r.ok) return withReply(r, { malformed: 460, unknown: 5001, auth: 401 });
  const resources = fields['resources'] ? fields['resources'].split(',') : [];
  return { ...r, resources };
}

export interface DeviceNameAuthSuccess {
  readonly iotId: string;
  readonly iotToken: string;
  /** The MQTT endpoint, when `mqtt` was among the requested resources. */
  readonly mqtt?: { readonly host: string; readonly port: number };
}

export type DeviceNameAuthReply = ({ readonly ok: true } & DeviceNameAuthSuccess) | { readonly ok: false; readonly code: number; readonly message: string };

/**
 * Builds the platform's `/auth/devicename` reply: `{"code":200,"data":{iotId, iotToken,
 * resources?},"message":"success"}`, or the error reply for one of {@link DEVICENAME_AUTH_ERRORS}.
 */
export function deviceNameAuthReply(reply: DeviceNameAuthSuccess | { readonly code: number; readonly message?: string }): string {
  requireArgument(reply, 'reply');
  if ('iotId' in reply) {
    const data: Record<string, unknown> = { iotId: reply.iotId, iotToken: reply.iotToken };
    if (reply.mqtt !== undefined) data['resources'] = { mqtt: { host: reply.mqtt.host, port: reply.mqtt.port } };
    return replyJson({ code: 200, data, message: 'success' });
  }
  return replyJson({ code: reply.code, message: reply.message ?? DEVICENAME_AUTH_ERRORS[reply.code] ?? 'error' });
}

/**
 * Reads the `/auth/devicename` reply (untrusted JSON, size- and depth-limited). Throws a
 * `malformed_reply` SignError when it is not a reply at all.
 *
 * @example
 * parseDeviceNameAuthReply('{"code":200,"data":{"iotId":"i","iotToken":"t"},"message":"success"}')
 * // { ok: true, iotId: 'i', iotToken: 't' }
 */
export function parseDeviceNameAuthReply(text: string | Uint8Array): DeviceNameAuthReply {
  const r = replyRecord(text);
  if (r['code'] !== 200) return failure(r, DEVICENAME_AUTH_ERRORS);
  const data = asRecord(r['data']);
  const out = { ok: true as const, iotId: replyString(data, 'iotId'), iotToken: replyString(data, 'iotToken') };
  const mqtt = asRecord(asRecord(data?.['resources'])?.['mqtt']);
  if (mqtt === undefined) return out;
  const port = mqtt['port'];
  if (typeof mqtt['host'] !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SignError('malformed_reply', 'reply resources.mqtt needs a host and a port', 'resources');
  }
  return { ...out, mqtt: { host: mqtt['host'], port } };
}

/**
 * CONNECT credentials from an `/auth/devicename` reply (seed §3.1, step 2c): username = iotId,
 * password = iotToken, clientId = the device's own identifier.
 */
export function mqttTokenCredentials(options: { readonly clientId: string; readonly iotId: string; readonly iotToken: string }): {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
} {
  requireArgument(options, 'options');
  const clientId = required('clientId', options.clientId);
  if (typeof options.iotId !== 'string' || options.iotId === '') throw new SignError('missing_field', 'iotId is required', 'iotId');
  if (typeof options.iotToken !== 'string' || options.iotToken === '') throw new SignError('missing_field', 'iotToken is required', 'iotToken');
  return { clientId, username: options.iotId, password: options.iotToken };
}

/**
 * The broker side of {@link mqttTokenCredentials}: the iotToken issued for the iotId, compared
 * exactly in constant time (a token is opaque text, not hex).
 *
 * @example
 * verifyMqttTokenCredentials('mac01', 'id1', 'tok', (iotId) => tokens.get(iotId)).ok
 */
export function verifyMqttTokenCredentials(
  clientId: string,
  username: string,
  password: string,
  iotToken: (iotId: string) => string | undefined,
): VerifyResult<{ readonly iotId: string; readonly clientId: string }> {
  if (typeof clientId !== 'string' || clientId === '' || typeof username !== 'string' || username === '' || typeof password !== 'string') {
    return fail('malformed', 'clientId, username and password are required');
  }
  if (typeof iotToken !== 'function') throw new OptionError('iotToken', 'a function', iotToken);
  const token = iotToken(username);
  // Fixed-length digests compared (an unknown iotId against the stand-in): neither the token's
  // existence nor its length shows in the time taken.
  const equal = secretTextEqual(token, password);
  if (token === undefined) return fail('unknown_device', 'unknown iotId');
  if (!equal) return fail('signature_mismatch', 'iotToken mismatch');
  return { ok: true, iotId: username, clientId };
}

export interface HttpAuthOptions extends DeviceAuthOptions {
  /** Sent and not signed; default `default` as in the seed example. */
  readonly version?: string;
}

/**
 * The HTTPS transport's auth request (seed §3.4): POST `/auth` to `iot-as-http.cn-shanghai.aliyuncs.com`
 * with a JSON body in the seed's key order. clientId defaults to `{productKey}.{deviceName}`,
 * signMethod to `hmacsha1` (the seed allows hmacmd5 and hmacsha1 here).
 *
 * @example
 * httpAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', timestamp: 789 }).body
 * // '{"version":"default","clientId":"12345","signmethod":"hmacsha1","sign":"fafd82a3…","productKey":"pk","deviceName":"device","timestamp":"789"}'
 */
export function httpAuthRequest(options: HttpAuthOptions): HttpRequest {
  requireArgument(options, 'options');
  const f = signDeviceFields(options, { clientId: (pk, dn) => `${pk}.${dn}`, signMethod: 'hmacsha1' });
  const version = options.version ?? 'default';
  if (typeof version !== 'string') throw new SignError('invalid_field', 'version must be a string', 'version');
  const body = replyJson({
    version, clientId: f.clientId, signmethod: f.signmethod, sign: f.sign, productKey: f.productKey, deviceName: f.deviceName, timestamp: f.timestamp,
  });
  return { method: 'POST', host: 'iot-as-http.cn-shanghai.aliyuncs.com', path: '/auth', headers: { 'Content-Type': 'application/json' }, body };
}

export type HttpAuthVerification = ({ readonly ok: true } & VerifiedDevice) | VerifyFailureWithReply;

/**
 * The platform side of {@link httpAuthRequest}. With `options.now` the timestamp must lie within
 * 15 minutes of it (seed table 3-8) unless `windowMs` says otherwise. A failure carries the
 * reply code (10001 param error, 20000 auth check error).
 *
 * @example
 * const r = verifyHttpAuthRequest(body, lookup, { now: clock.now() });
 * reply(r.ok ? httpAuthReply({ token: issue(r.productKey, r.deviceName) }) : httpAuthReply({ code: r.replyCode }));
 */
export function verifyHttpAuthRequest(
  body: string | Uint8Array,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
  options?: VerifyOptions,
): HttpAuthVerification {
  const codes = { malformed: 10001, unknown: 20000, auth: 20000 };
  let record: Readonly<Record<string, unknown>> | undefined;
  try {
    record = asRecord(parseJson(body, { maxBytes: 8192, maxDepth: 2 }));
  } catch (e) {
    return withReply(fail('malformed', `body is not JSON: ${(e as Error).message}`), codes);
  }
  if (record === undefined) return withReply(fail('malformed', 'body must be a JSON object'), codes);
  const r = verifyDeviceFields(record, deviceSecret, options, DEFAULT_WINDOW_MS);
  return r.ok ? r : withReply(r, codes);
}

export type HttpAuthReply = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly code: number; readonly message: string };

/** Builds the `/auth` reply: `{"code":0,"message":"success","info":{"token":…}}` or an error of {@link HTTP_ERRORS}. */
export function httpAuthReply(reply: { readonly token: string } | { readonly code: number; readonly message?: string }): string {
  requireArgument(reply, 'reply');
  if ('token' in reply) return replyJson({ code: 0, message: 'success', info: { token: reply.token } });
  return replyJson({ code: reply.code, message: reply.message ?? HTTP_ERRORS[reply.code] ?? 'error' });
}

/**
 * Reads the `/auth` reply of the HTTPS transport.
 *
 * @example
 * parseHttpAuthReply('{"code":0,"message":"success","info":{"token":"6944e5bfb92e4d4ea3918d1eda3942f6"}}')
 * // { ok: true, token: '6944e5bfb92e4d4ea3918d1eda3942f6' }
 */
export function parseHttpAuthReply(text: string | Uint8Array): HttpAuthReply {
  const r = replyRecord(text);
  if (r['code'] !== 0) return failure(r, HTTP_ERRORS);
  return { ok: true, token: replyString(asRecord(r['info']), 'token') };
}
