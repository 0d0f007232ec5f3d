import { createDeviceClient, type DeviceClient, type DeviceClientOptions, type DeviceTransport, type FetchLike } from '@linkwire/device';
import { mqttBroker } from '@linkwire/sign';
import { nodeDialer, type NodeEndpoint } from './dial.ts';
import { nodeClock, nodeRandom } from './runtime.ts';

export interface NodeDeviceClientOptions extends Omit<DeviceClientOptions<NodeEndpoint>, 'clock' | 'random' | 'dial' | 'endpoint' | 'transport' | 'fetch'> {
  /** Default: the product's TLS endpoint in `regionId` (or of `instanceId`), port 1883. */
  readonly endpoint?: NodeEndpoint;
  /** Region of a public instance, default `cn-shanghai` (seed §3.1). */
  readonly regionId?: string;
  readonly instanceId?: string;
  /** Default: the global fetch. */
  readonly fetch?: FetchLike;
}

/** `tls` for a TLS socket or `wss://`, `tcp` / `ws` otherwise: securemode follows the socket, never the other way round. */
export function nodeTransport(endpoint: NodeEndpoint): DeviceTransport {
  if ('url' in endpoint) return endpoint.url.startsWith('wss:') ? 'wss' : 'ws';
  return endpoint.tls ? 'tls' : 'tcp';
}

/**
 * The device and gateway client over Node sockets: {@link createDeviceClient} with the wall
 * clock, Node's CSPRNG, {@link nodeDialer} and the global fetch. TLS to the product's regional
 * endpoint unless an endpoint says otherwise.
 *
 * @example
 * const device = createNodeDeviceClient({ productKey, deviceName, deviceSecret });
 * await device.connect();
 * await device.postProperties({ Temperature: 21.5 });
 */
export function createNodeDeviceClient(options: NodeDeviceClientOptions): DeviceClient {
  const endpoint: NodeEndpoint = options.endpoint ?? (() => {
    const b = mqttBroker({ productKey: options.productKey, transport: 'tls', ...(options.regionId === undefined ? {} : { regionId: options.regionId }), ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }) });
    return { host: b.host, port: b.port, tls: true };
  })();
  return createDeviceClient({
    ...options, clock: nodeClock, random: nodeRandom, dial: nodeDialer, endpoint, transport: nodeTransport(endpoint),
    fetch: options.fetch ?? ((url, init) => fetch(url, init as RequestInit) as unknown as ReturnType<FetchLike>),
  });
}
