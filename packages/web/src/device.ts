import { toHex, utf8Encode } from '@linkwire/base';
import { createDeviceClient, hashPackageHmac, type DeviceClient, type DeviceClientOptions, type FetchLike, type HmacHex } from '@linkwire/device';
import { mqttBroker } from '@linkwire/sign/connect';
import { webDialer, type WebEndpoint } from './dial.ts';
import { webClock, webRandom } from './runtime.ts';

export interface WebDeviceClientOptions extends Omit<DeviceClientOptions<WebEndpoint>, 'clock' | 'random' | 'dial' | 'endpoint' | 'transport' | 'fetch'> {
  /** Default: `wss://` to the product's endpoint in `regionId` (or of `instanceId`), port 443. */
  readonly endpoint?: WebEndpoint;
  readonly regionId?: string;
  readonly instanceId?: string;
  /** Default: the global fetch. */
  readonly fetch?: FetchLike;
}

interface Subtle {
  importKey(format: 'raw', key: Uint8Array, algorithm: { name: 'HMAC'; hash: string }, extractable: false, usages: ['sign']): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

/**
 * CONNECT passwords through Web Crypto (HMAC-SHA1 and HMAC-SHA256; a few hundred bytes once
 * per connection, where instantiating the WASM kernels would cost more than the HMAC). MD5 is
 * not in Web Crypto, nor is `crypto.subtle` on an insecure (http:) page: those load the hash
 * package on demand.
 */
export const webCryptoHmac: HmacHex = (algorithm, secret, content) => {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (subtle === undefined || algorithm === 'md5') return hashPackageHmac(algorithm, secret, content);
  return subtle
    .importKey('raw', utf8Encode(secret), { name: 'HMAC', hash: algorithm === 'sha1' ? 'SHA-1' : 'SHA-256' }, false, ['sign'])
    .then((key) => subtle.sign('HMAC', key, utf8Encode(content)))
    .then((mac) => toHex(new Uint8Array(mac)));
};

/**
 * The device and gateway client in browsers, Deno and Bun: {@link createDeviceClient} over a
 * WebSocket, with the platform's timers, Web Crypto and fetch. `securemode` follows the URL
 * (wss → 2, ws → 3).
 *
 * @example
 * const device = createWebDeviceClient({ productKey, deviceName, deviceSecret });
 * await device.connect();
 */
export function createWebDeviceClient(options: WebDeviceClientOptions): DeviceClient {
  const endpoint: WebEndpoint = options.endpoint ?? {
    url: mqttBroker({ productKey: options.productKey, transport: 'wss', ...(options.regionId === undefined ? {} : { regionId: options.regionId }), ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }) }).url,
  };
  const g = globalThis as unknown as { fetch?: FetchLike };
  return createDeviceClient({
    ...options, clock: webClock, random: webRandom, dial: webDialer, endpoint, transport: endpoint.url.startsWith('wss:') ? 'wss' : 'ws',
    fetch: options.fetch ?? ((url, init) => g.fetch!(url, init)),
    hmac: options.hmac ?? webCryptoHmac,
  });
}
