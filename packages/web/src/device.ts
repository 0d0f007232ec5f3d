import { createDeviceClient, type DeviceClient, type DeviceClientOptions, type FetchLike } from '@linkwire/device';
import { mqttBroker } from '@linkwire/sign';
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
  });
}
