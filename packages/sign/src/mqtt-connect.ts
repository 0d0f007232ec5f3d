import { describe } from '@linkwire/base';
import { requireArgument, SignError } from './errors.ts';
import { signMethodAlgorithm, signMethodText, type SignMethod } from './methods.ts';
import type { HashAlgorithm } from '@linkwire/hash';
import { optional, required, keepaliveOption, requireSecret, type Secret } from './validate.ts';

// What a CONNECT signs and where it goes, apart from the HMAC (mqtt.ts): a browser device that
// computes the HMAC with Web Crypto bundles this file without the hash package.

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

/** What `mqttCredentials` signs, checked and laid out, before the HMAC. */
export interface MqttSigningInput {
  /** The full MQTT clientId (`{id}|securemode=…,signmethod=…|`). */
  readonly clientId: string;
  readonly username: string;
  readonly keepalive?: number;
  /** The HMAC's hash, from the sign method. */
  readonly algorithm: HashAlgorithm;
  /** The signed content: the password is the hex HMAC of it under `secret`. */
  readonly content: string;
  readonly secret: Secret;
}

/**
 * Everything `mqttCredentials` does except the HMAC, for a caller that computes it
 * elsewhere (Web Crypto in a browser, where the hash package's WASM kernels would be most of
 * the download): the same checks, the same clientId, username and signed content.
 *
 * @example
 * const input = mqttSigningInput({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 });
 * // input.content === 'clientId12345deviceNamedeviceproductKeypktimestamp789', input.algorithm === 'sha1'
 */
export function mqttSigningInput(options: MqttCredentialsOptions): MqttSigningInput {
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
  const out = { clientId: `${clientId}|${ext}|`, username: `${deviceName}&${productKey}`, algorithm, content, secret };
  return keepalive === undefined ? out : { ...out, keepalive };
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
