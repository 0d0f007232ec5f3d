import type { Dialer } from '@linkwire/base';
import {
  DeviceClient as CoreDeviceClient, EnosError, GatewayClient as CoreGatewayClient, createEnosRestClient as createCoreRestClient,
  type BrokerEndpoint, type ClientOptions, type EnosRestClient, type EnosRestClientOptions, type EnosRuntime,
} from '@linkwire/enos';
import { webDialer } from './dial.ts';
import { webClock, webRandom } from './runtime.ts';

export { DeviceInfo, EnosError, EnosRestError, SECURE_MODE, SubDeviceInfo, memorySecretStore } from '@linkwire/enos';
export type { ClientOptions, CommandRequest, CommandResponse, DeviceSecretStore, UpstreamResponse } from '@linkwire/enos';

/** Browsers, Deno and Bun reach EnOS over WebSocket only (EnOS's WSS port is 18885). */
export const enosWebDialer: Dialer<BrokerEndpoint> = (e, events) => {
  if (e.protocol !== 'ws' && e.protocol !== 'wss') throw new EnosError('invalid_option', `brokerUrl ${e.url}: the web adapter dials ws:// and wss:// only`);
  return webDialer({ url: e.url }, events);
};

export const enosWebRuntime: EnosRuntime = { clock: webClock, random: webRandom, dial: enosWebDialer };

/** The seed's `DeviceClient` over WebSocket: `new DeviceClient(clientOptions)`. */
export class DeviceClient extends CoreDeviceClient {
  constructor(clientOptions: ClientOptions) {
    super(clientOptions, enosWebRuntime);
  }
}

/** The seed's `GatewayClient` over WebSocket. */
export class GatewayClient extends CoreGatewayClient {
  constructor(clientOptions: ClientOptions) {
    super(clientOptions, enosWebRuntime);
  }
}

/** The invokeService REST client with the platform's fetch. */
export function createEnosRestClient(options: Omit<EnosRestClientOptions, 'fetch' | 'clock'> & Partial<Pick<EnosRestClientOptions, 'fetch' | 'clock'>>): EnosRestClient {
  return createCoreRestClient({ fetch: (url, init) => fetch(url, init), clock: webClock, ...options });
}
