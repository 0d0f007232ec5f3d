import { describe, enumOption, integerOption, OptionError, optionsRecord, requiredFunction, stringOption, utf8Decode, type Clock, type Dialer, type Random } from '@linkwire/base';
import { createMqttClient, type MqttConnectParams } from '@linkwire/mqtt';
import {
  deviceNameAuthRequest, mqttConnwlCredentials, mqttRegisterCredentials, mqttTokenCredentials, parseDeviceNameAuthReply, parseMqttRegistrationReply,
  parseRegisterDeviceReply, registerDeviceRequest, type MqttRegistrationMode, type MqttRegistrationReply, type SignMethod,
} from '@linkwire/sign';
import type { DeviceTransport } from './device.ts';
import { DeviceError, asError } from './errors.ts';
import { clockOption, identityOptions, requiredString, responseText } from './options.ts';
import type { FetchLike } from './ota.ts';
import type { DeviceIdentity } from './thing.ts';
import { registrationRandom } from './upstream.ts';

/**
 * Where an obtained device secret lives. The seed insists it is kept: a device registers once,
 * and must then connect with the stored secret (registering again is refused).
 */
export interface SecretStore {
  load(): string | undefined | Promise<string | undefined>;
  save(secret: string): void | Promise<void>;
}

export interface HttpsRegistrationOptions extends DeviceIdentity {
  readonly productSecret: string;
  readonly fetch: FetchLike;
  readonly random: Random;
  /** Default `https://iot-auth.{regionId}.aliyuncs.com`. */
  readonly baseUrl?: string;
  readonly regionId?: string;
  /** Default `hmacsha256`; sent as given. */
  readonly signMethod?: string;
}

async function postForm(httpFetch: FetchLike, url: string, headers: Readonly<Record<string, string>>, body: string): Promise<string> {
  const res = await httpFetch(url, { method: 'POST', headers: { ...headers }, body });
  return responseText(res, url);
}

/** What the HTTPS provisioning calls read besides the identity. */
function checkHttpsOptions(o: Readonly<Record<string, unknown>>): void {
  requiredFunction('fetch', o['fetch']);
  for (const k of ['baseUrl', 'regionId', 'signMethod'] as const) stringOption(k, o[k]);
}

/**
 * Dynamic registration over HTTPS (一型一密, seed §9.2; Link Kit `on_device_dynamic_register`):
 * resolves with the device secret, or rejects with `registration_refused` and the code.
 *
 * @example
 * const secret = await registerDevice({ productKey, deviceName, productSecret, fetch, random });
 */
export async function registerDevice(options: HttpsRegistrationOptions): Promise<string> {
  const o = identityOptions('registerDevice options', options);
  requiredString('productSecret', o['productSecret']);
  requiredFunction('random', o['random']);
  checkHttpsOptions(o);
  const req = registerDeviceRequest({
    productKey: options.productKey, deviceName: options.deviceName, productSecret: options.productSecret, random: registrationRandom(options.random),
    ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }), ...(options.regionId === undefined ? {} : { regionId: options.regionId }),
  });
  const r = parseRegisterDeviceReply(await postForm(options.fetch, `${(options.baseUrl ?? `https://${req.host}`).replace(/\/$/, '')}${req.path}`, req.headers, req.body));
  if (!r.ok) throw new DeviceError('registration_refused', `/auth/register/device: ${r.code} ${r.message}`, { replyCode: r.code });
  return r.deviceSecret;
}

/**
 * The stored secret, or a fresh registration whose secret is saved before it is returned.
 *
 * @example
 * const deviceSecret = await storedSecret(store, () => registerDevice({ … }));
 */
export async function storedSecret(store: SecretStore, register: () => Promise<string>): Promise<string> {
  const s = optionsRecord('store', store ?? null);
  requiredFunction('store.load', s['load']);
  requiredFunction('store.save', s['save']);
  requiredFunction('register', register);
  const known: unknown = await store.load();
  if (known !== undefined && typeof known !== 'string') throw new DeviceError('invalid_secret', `the secret store's load() answered ${describe(known)}, not a string`);
  if (known !== undefined && known !== '') return known;
  const secret: unknown = await register();
  if (typeof secret !== 'string' || secret === '') throw new DeviceError('invalid_secret', `register() answered ${describe(secret)}, not a device secret`);
  await store.save(secret);
  return secret;
}

export interface MqttRegistrationOptions<E> extends DeviceIdentity {
  readonly productSecret: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly dial: Dialer<E>;
  readonly endpoint: E;
  readonly transport: DeviceTransport;
  /** `register` (pre-registered device: the secret) or `regnwl` (no pre-registration: a token for `connwl`). */
  readonly mode?: MqttRegistrationMode;
  readonly signMethod?: SignMethod;
  readonly instanceId?: string;
  /** How long to wait for the broker's answer, default 10 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Dynamic registration over MQTT (PROTOCOL-NOTES "Registration over MQTT"): one connection
 * signed with the product secret; the broker answers on `/ext/register` (the device secret) or
 * `/ext/regnwl` (a device token) and the connection is closed.
 */
export function registerDeviceOverMqtt<E>(options: MqttRegistrationOptions<E>): Promise<MqttRegistrationReply> {
  let credentials: MqttConnectParams;
  let mode: MqttRegistrationMode;
  let timeoutMs: number;
  try {
    const o = identityOptions('registerDeviceOverMqtt options', options);
    requiredString('productSecret', o['productSecret']);
    clockOption(o['clock']);
    requiredFunction('random', o['random']);
    requiredFunction('dial', o['dial']);
    if (o['endpoint'] === undefined) throw new OptionError('endpoint', 'given', undefined);
    mode = enumOption('mode', o['mode'], ['register', 'regnwl'] as const, 'register');
    for (const k of ['transport', 'signMethod', 'instanceId'] as const) stringOption(k, o[k]);
    timeoutMs = integerOption('timeoutMs', o['timeoutMs'], 10_000, 1, 2 ** 31 - 1);
    credentials = mqttRegisterCredentials({
      productKey: options.productKey, deviceName: options.deviceName, productSecret: options.productSecret, random: registrationRandom(options.random),
      mode, transport: options.transport, ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }),
      ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
    });
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise<MqttRegistrationReply>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      cancel();
      f();
      void client.end({ flush: false });
    };
    const client = createMqttClient<E>({
      clock: options.clock, random: options.random, dial: options.dial, endpoint: options.endpoint, credentials,
      // A registration is one attempt: a refusal is an answer, not a network blip.
      retryRefused: () => false,
      onMessage(m) {
        if (m.topic !== '/ext/register' && m.topic !== '/ext/regnwl') return;
        try {
          const reply = parseMqttRegistrationReply(m.topic, m.payload);
          finish(() => resolve(reply));
        } catch (e) {
          finish(() => reject(new DeviceError('invalid_reply', `${m.topic}: ${asError(e).message}: ${utf8Decode(m.payload).slice(0, 200)}`)));
        }
      },
      onEvent(e) {
        if (e.type === 'closed' && e.error !== undefined) finish(() => reject(e.error));
      },
    });
    const cancel = options.clock.setTimer(timeoutMs, () => finish(() => reject(new DeviceError('reply_timeout', 'no registration answer from the broker'))));
  });
}

/** CONNECT credentials for a device registered with `regnwl`: `authType=connwl`, the token as password. */
export function connwlCredentials(reply: Extract<MqttRegistrationReply, { mode: 'regnwl' }>): () => MqttConnectParams {
  const c = mqttConnwlCredentials(reply);
  return () => c;
}

export interface TokenCredentialsOptions extends DeviceIdentity {
  readonly deviceSecret: string;
  readonly clock: Clock;
  readonly fetch: FetchLike;
  /** Default `https://iot-auth.{regionId}.aliyuncs.com`. */
  readonly baseUrl?: string;
  readonly regionId?: string;
  readonly signMethod?: SignMethod;
  readonly clientId?: string;
}

/**
 * The MQTT-over-HTTPS token flow (seed §3.1): before every connection attempt, `POST
 * /auth/devicename` for a fresh iotId/iotToken, which become the CONNECT username and password.
 * Pass the result as `credentials` to the device client.
 *
 * @example
 * createNodeDeviceClient({ productKey, deviceName, credentials: tokenCredentials({ productKey, deviceName, deviceSecret, clock, fetch }) })
 */
export function tokenCredentials(options: TokenCredentialsOptions): (attempt: number) => Promise<MqttConnectParams> {
  const o = identityOptions('tokenCredentials options', options);
  requiredString('deviceSecret', o['deviceSecret']);
  clockOption(o['clock']);
  checkHttpsOptions(o);
  stringOption('clientId', o['clientId']);
  const clientId = options.clientId ?? `${options.productKey}.${options.deviceName}`;
  return async () => {
    const req = deviceNameAuthRequest({
      productKey: options.productKey, deviceName: options.deviceName, deviceSecret: options.deviceSecret, clientId, timestamp: options.clock.now(), resources: ['mqtt'],
      ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }), ...(options.regionId === undefined ? {} : { regionId: options.regionId }),
    });
    const r = parseDeviceNameAuthReply(await postForm(options.fetch, `${(options.baseUrl ?? `https://${req.host}`).replace(/\/$/, '')}${req.path}`, req.headers, req.body));
    if (!r.ok) throw new DeviceError('auth_refused', `/auth/devicename: ${r.code} ${r.message}`, { replyCode: r.code });
    return mqttTokenCredentials({ clientId, iotId: r.iotId, iotToken: r.iotToken });
  };
}
