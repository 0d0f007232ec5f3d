import { EnosError } from './errors.ts';

/**
 * The seed's `SECURE_MODE`: how a device authenticates. `VIA_DEVICE_SECRET` (2) is static
 * authentication, also with X.509 client certificates over TLS; `VIA_PRODUCT_SECRET` (3) is
 * dynamic activation. `VIA_INTEGRATION_CHANNEL` (4, PROTOCOL-NOTES.md) is linkwire's addition:
 * the seed does not name it.
 */
export const SECURE_MODE: Readonly<{ VIA_DEVICE_SECRET: 2; VIA_PRODUCT_SECRET: 3; VIA_INTEGRATION_CHANNEL: 4 }> = Object.freeze({
  VIA_DEVICE_SECRET: 2,
  VIA_PRODUCT_SECRET: 3,
  VIA_INTEGRATION_CHANNEL: 4,
} as const);
export type SecureMode = (typeof SECURE_MODE)[keyof typeof SECURE_MODE];

function key(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new EnosError('invalid_option', `${field} is required`);
  return value;
}

/** The seed's `DeviceInfo`: names a sub-device of a gateway in deviceData and deviceCommand calls. */
export class DeviceInfo {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly productSecret: string | undefined;
  readonly deviceSecret: string | undefined;

  constructor(deviceInfo: { productKey: string; deviceKey: string; productSecret?: string; deviceSecret?: string }) {
    this.productKey = key('productKey', deviceInfo?.productKey);
    this.deviceKey = key('deviceKey', deviceInfo?.deviceKey);
    this.productSecret = deviceInfo.productSecret;
    this.deviceSecret = deviceInfo.deviceSecret;
  }
}

/** The seed's `ISubDeviceCredential`: what addTopo and the logins take besides a {@link SubDeviceInfo}. */
export interface SubDeviceCredential {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly deviceSecret?: string;
  /** Sub-device dynamic activation: the login is signed with the product secret, and its reply carries the new deviceSecret. */
  readonly productSecret?: string;
  readonly clientId?: string;
  readonly timestamp?: number | string;
  readonly cleanSession?: boolean;
}

/** The seed's `SubDeviceInfo`: a sub-device's identity and the secret its logins are signed with. */
export class SubDeviceInfo implements SubDeviceCredential {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly productSecret: string | undefined;
  readonly deviceSecret: string | undefined;
  readonly timestamp: number | string | undefined;
  readonly clientId: string | undefined;
  readonly cleanSession: boolean | undefined;

  constructor(subDeviceInfo: SubDeviceCredential) {
    this.productKey = key('productKey', subDeviceInfo?.productKey);
    this.deviceKey = key('deviceKey', subDeviceInfo?.deviceKey);
    this.productSecret = subDeviceInfo.productSecret;
    this.deviceSecret = subDeviceInfo.deviceSecret;
    this.timestamp = subDeviceInfo.timestamp;
    this.clientId = subDeviceInfo.clientId;
    this.cleanSession = subDeviceInfo.cleanSession;
  }
}

/** TLS material of the seed's clientOptions, passed to the adapter's dialer untouched. */
export interface TlsMaterial {
  readonly ca?: unknown;
  readonly pfx?: unknown;
  readonly passphrase?: string;
  readonly key?: unknown;
  readonly cert?: unknown;
}

/** Where to connect, parsed from the seed's `brokerUrl`; an adapter's dialer turns it into a socket. */
export interface BrokerEndpoint {
  readonly url: string;
  /** `tcp` (`tcp://`, `mqtt://`), `tls` (`ssl://`, `tls://`, `mqtts://`), `ws` or `wss`. */
  readonly protocol: 'tcp' | 'tls' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  /** Set for `tls` and `wss` when the options carry certificates. */
  readonly tls?: TlsMaterial;
}

const SCHEMES: Readonly<Record<string, { protocol: BrokerEndpoint['protocol']; port: number }>> = {
  tcp: { protocol: 'tcp', port: 11883 },
  mqtt: { protocol: 'tcp', port: 11883 },
  ssl: { protocol: 'tls', port: 18883 },
  tls: { protocol: 'tls', port: 18883 },
  mqtts: { protocol: 'tls', port: 18883 },
  ws: { protocol: 'ws', port: 80 },
  wss: { protocol: 'wss', port: 18885 },
};

/**
 * Parses a broker URL without the `URL` global (QuickJS has none). Default ports are EnOS's
 * (PROTOCOL-NOTES.md): TCP 11883, TLS 18883, WSS 18885.
 *
 * @example
 * parseBrokerUrl('ssl://broker.example:18883') // { protocol: 'tls', host: 'broker.example', port: 18883, url: … }
 */
export function parseBrokerUrl(url: string, tls?: TlsMaterial): BrokerEndpoint {
  if (typeof url !== 'string') throw new EnosError('invalid_option', 'brokerUrl is required');
  const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#\s]+)(?::(\d{1,5}))?(\/[^\s]*)?$/.exec(url);
  // Own entries only: `constructor://` must not find Object's constructor.
  const scheme = m === null || !Object.hasOwn(SCHEMES, m[1]!) ? undefined : SCHEMES[m[1]!];
  if (m === null || scheme === undefined) throw new EnosError('invalid_option', `brokerUrl ${JSON.stringify(url)} is not tcp://, ssl://, tls://, mqtt(s)://, ws:// or wss://host[:port]`);
  const port = m[3] === undefined ? scheme.port : Number(m[3]);
  if (port < 1 || port > 65535) throw new EnosError('invalid_option', `brokerUrl port ${port} is out of range`);
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const secure = scheme.protocol === 'tls' || scheme.protocol === 'wss';
  if (tls !== undefined && (typeof tls !== 'object' || tls === null)) throw new EnosError('invalid_option', 'the TLS material (ca, key, cert, pfx) must be an object');
  const hasTls = tls !== undefined && (tls.ca !== undefined || tls.pfx !== undefined || tls.key !== undefined || tls.cert !== undefined);
  return { url, protocol: scheme.protocol, host, port, ...(secure && hasTls ? { tls } : {}) };
}
