import net from 'node:net';
import type { ByteTransport, TransportEvents } from '@linkwire/base';

/**
 * A dialer over TCP for @linkwire/edge's `connectDriver` (a driver to its gateway's local
 * listener): connects, hands received bytes to `events.onData`, reports the close once.
 *
 * @example
 * const driver = await connectDriver({ dial: tcpDialer('127.0.0.1', gateway.driverPort), clock: nodeClock, … });
 */
export function tcpDialer(host: string, port: number, options: { readonly connectTimeoutMs?: number } = {}): (events: TransportEvents) => Promise<ByteTransport> {
  return (events) =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      let open = false;
      let closed = false;
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${host}:${port} timed out`)), options.connectTimeoutMs ?? 10_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        open = true;
        resolve({
          send: (bytes) => void (socket.destroyed || socket.write(bytes)),
          close: () => void socket.end(),
        });
      });
      socket.on('data', (chunk: Buffer) => events.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
      socket.on('error', (e) => {
        clearTimeout(timer);
        if (!open) reject(e);
      });
      socket.on('close', (hadError) => {
        clearTimeout(timer);
        if (!open || closed) return;
        closed = true;
        events.onClose(hadError ? new Error('the connection failed') : undefined);
      });
    });
}
