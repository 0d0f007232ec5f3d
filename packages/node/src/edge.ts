import net from 'node:net';
import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';

/**
 * A {@link Dialer} over plain TCP, for @linkwire/edge's `connectDriver` (a driver to its
 * gateway's local listener). It only moves bytes: open, data and close go to `events`, never
 * synchronously from inside the call; the caller owns timeouts.
 *
 * @example
 * const driver = await connectDriver({ dial: tcpDialer, endpoint: { host: '127.0.0.1', port: gateway.driverPort }, clock: nodeClock, … });
 */
export const tcpDialer: Dialer<{ readonly host: string; readonly port: number }> = (endpoint, events: TransportEvents): ByteTransport => {
  const socket = net.connect({ host: endpoint.host, port: endpoint.port });
  socket.setNoDelay(true);
  let failure: Error | undefined;
  socket.once('connect', () => events.onOpen?.());
  socket.on('data', (chunk: Buffer) => events.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  socket.on('error', (e) => (failure = e));
  socket.once('close', () => events.onClose(failure));
  return {
    send: (bytes) => void (socket.destroyed || socket.write(bytes)),
    close: () => void socket.destroy(),
  };
};
