import type tls from 'node:tls';
import type WebSocket from 'ws';
import type { Dialer } from '@linkwire/base';
import {
  DeviceClient as CoreDeviceClient, GatewayClient as CoreGatewayClient, createEnosRestClient as createCoreRestClient,
  type BrokerEndpoint, type ClientOptions, type EnosRestClient, type EnosRestClientOptions, type EnosRuntime,
} from '@linkwire/enos';
import { nodeDialer } from './dial.ts';
import { nodeClock, nodeRandom } from './runtime.ts';

export { DeviceInfo, EnosError, EnosRestError, SECURE_MODE, SubDeviceInfo, memorySecretStore } from '@linkwire/enos';
export type { ClientOptions, CommandRequest, CommandResponse, DeviceSecretStore, UpstreamResponse } from '@linkwire/enos';

/** Dials an EnOS broker URL: `tcp://` plain, `ssl://`/`tls://` with the options' ca/cert/key/pfx (X.509 devices), `ws(s)://`. */
export const enosNodeDialer: Dialer<BrokerEndpoint> = (e, events) => {
  const t = e.tls as tls.ConnectionOptions | undefined;
  if (e.protocol === 'ws' || e.protocol === 'wss') return nodeDialer({ url: e.url, ...(t !== undefined ? { ws: t as WebSocket.ClientOptions } : {}) }, events);
  return nodeDialer({ host: e.host, port: e.port, ...(e.protocol === 'tls' ? { tls: t ?? true } : {}) }, events);
};

/** The Node runtime of the EnOS clients; payloads of `message` and upRawModel are Buffers, as the seed documents. */
export const enosNodeRuntime: EnosRuntime = {
  clock: nodeClock, random: nodeRandom, dial: enosNodeDialer,
  wrapPayload: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
};

/** The seed's `DeviceClient`: `new DeviceClient(clientOptions)`. */
export class DeviceClient extends CoreDeviceClient {
  constructor(clientOptions: ClientOptions) {
    super(clientOptions, enosNodeRuntime);
  }
}

/** The seed's `GatewayClient`: `new GatewayClient(clientOptions)`. */
export class GatewayClient extends CoreGatewayClient {
  constructor(clientOptions: ClientOptions) {
    super(clientOptions, enosNodeRuntime);
  }
}

/** The invokeService REST client with Node's fetch and clock. */
export function createEnosRestClient(options: Omit<EnosRestClientOptions, 'fetch' | 'clock'> & Partial<Pick<EnosRestClientOptions, 'fetch' | 'clock'>>): EnosRestClient {
  return createCoreRestClient({ fetch: (url, init) => fetch(url, init), clock: nodeClock, ...options });
}
