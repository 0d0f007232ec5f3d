import dgram from 'node:dgram';
import { createCoapEndpoint, type CoapEndpoint, type CoapEndpointOptions } from '@linkwire/coap';
import { nodeClock, nodeRandom } from './runtime.ts';

export interface NodeCoapOptions extends Omit<CoapEndpointOptions, 'clock' | 'random' | 'send'> {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; default 0 (any free port). 5682 is Alibaba's symmetric mode, 5683 plain CoAP. */
  readonly port?: number;
}

export interface NodeCoapSocket {
  readonly endpoint: CoapEndpoint;
  readonly host: string;
  readonly port: number;
  /** The endpoint's peer key for a remote address: `host:port`, or `[v6]:port`. */
  peer(host: string, port: number): string;
  close(): Promise<void>;
}

const peerKey = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function parsePeer(peer: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(peer);
  if (m === null) return undefined;
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * Runs a sans-IO CoAP endpoint over a UDP socket: datagrams in and out, Node timers, Node's
 * CSPRNG for message ids and tokens. Peers are addressed as `host:port` strings.
 *
 * @example
 * const { endpoint, peer } = await openCoapSocket({ onRequest: (x) => x.respond({ code: CoapCode.Content }) });
 * endpoint.request({ code: CoapCode.GET, options: pathOptions('/temperature'), peer: peer('127.0.0.1', 5683) }, console.log);
 */
export async function openCoapSocket(options: NodeCoapOptions = {}): Promise<NodeCoapSocket> {
  const { host = '127.0.0.1', port = 0, ...endpointOptions } = options;
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const endpoint = createCoapEndpoint({
    ...endpointOptions,
    clock: nodeClock,
    random: nodeRandom,
    send(datagram, peer) {
      const to = parsePeer(peer);
      if (to !== undefined) socket.send(datagram, to.port, to.host);
    },
  });
  socket.on('message', (msg, rinfo) => endpoint.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), peerKey(rinfo.address, rinfo.port)));
  // A UDP error (an ICMP unreachable, say) concerns one datagram, not the socket: drop it.
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  const bound = socket.address();
  return {
    endpoint,
    host: bound.address,
    port: bound.port,
    peer: peerKey,
    close: () =>
      new Promise<void>((resolve) => {
        endpoint.close();
        socket.close(() => resolve());
      }),
  };
}
