import {
  createCoapDevice, createDeviceClient, createHttpsDevice,
  type CoapDeviceOptions, type DeviceClient, type DeviceClientOptions, type DeviceTransport, type FetchLike, type HttpsDevice, type HttpsDeviceOptions, type UpstreamThing,
} from '@linkwire/device';
import { mqttBroker } from '@linkwire/sign';
import { openCoapSocket } from './coap.ts';
import { nodeDialer, type NodeEndpoint } from './dial.ts';
import { nodeClock, nodeRandom } from './runtime.ts';

const globalFetch: FetchLike = (url, init) => fetch(url, init as RequestInit) as unknown as ReturnType<FetchLike>;

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
    fetch: options.fetch ?? globalFetch,
  });
}

export interface NodeCoapDeviceOptions extends Omit<CoapDeviceOptions, 'clock' | 'random' | 'endpoint' | 'peer'> {
  /** The platform's CoAP host and port (symmetric mode: 5682). */
  readonly host: string;
  readonly port: number;
}

/**
 * The CoAP transport over a Node UDP socket (AES mode; Node has no DTLS, so `dtls` expects a
 * DTLS-terminating path in front). Close the socket when done.
 *
 * @example
 * const d = await openNodeCoapDevice({ productKey, deviceName, deviceSecret, host, port: 5682, mode: 'aes' });
 * await d.postProperties({ Temperature: 21.5 });
 * await d.close();
 */
export async function openNodeCoapDevice(options: NodeCoapDeviceOptions): Promise<UpstreamThing & { close(): Promise<void> }> {
  // Bind where the platform can answer: loopback for a local platform, every interface otherwise.
  const local = options.host === 'localhost' || options.host.startsWith('127.') || options.host === '::1';
  const socket = await openCoapSocket({ host: options.host.includes(':') ? (local ? '::1' : '::') : local ? '127.0.0.1' : '0.0.0.0' });
  const thing = createCoapDevice({ ...options, clock: nodeClock, random: nodeRandom, endpoint: socket.endpoint, peer: socket.peer(options.host, options.port) });
  return { ...thing, close: () => socket.close() };
}

/**
 * The HTTPS transport with the wall clock, Node's CSPRNG and the global fetch.
 *
 * @example
 * const d = createNodeHttpsDevice({ productKey, deviceName, deviceSecret });
 * await d.postProperties({ Temperature: 21.5 });
 */
export function createNodeHttpsDevice(options: Omit<HttpsDeviceOptions, 'clock' | 'random' | 'fetch'> & { readonly fetch?: FetchLike }): HttpsDevice {
  return createHttpsDevice({ ...options, clock: nodeClock, random: nodeRandom, fetch: options.fetch ?? globalFetch });
}

