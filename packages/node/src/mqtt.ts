import net from 'node:net';
import tls from 'node:tls';
import { createMqttSession, type MqttSession, type MqttSessionOptions } from '@linkwire/mqtt';
import type { ConnackPacket } from '@linkwire/mqtt';
import { nodeClock } from './runtime.ts';

export interface NodeMqttOptions extends Omit<MqttSessionOptions, 'clock' | 'send' | 'close'> {
  readonly host: string;
  readonly port: number;
  /** true, or Node TLS options (ca, servername, client certificates) for `securemode=2`. */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** Called once when the connection ends, with the reason when it was not a clean disconnect. */
  readonly onClose?: (error?: Error) => void;
}

export interface NodeMqttConnection {
  readonly session: MqttSession;
  readonly connack: ConnackPacket;
  /** Sends DISCONNECT and closes the socket. */
  close(): void;
}

/**
 * Runs an MQTT session over a TCP (or TLS) socket: the adapter only moves bytes and supplies
 * timers; everything else is the sans-IO session. Resolves after a successful CONNACK.
 *
 * @example
 * const { session, close } = await connectMqtt({ host, port, ...mqttCredentials(device) });
 * await session.publish(topic, payload, { qos: 1 });
 * close();
 */
export function connectMqtt(options: NodeMqttOptions): Promise<NodeMqttConnection> {
  const { host, port, tls: tlsOptions, onClose, ...sessionOptions } = options;
  return new Promise((resolve, reject) => {
    const socket: net.Socket = tlsOptions
      ? tls.connect({ host, port, ...(typeof tlsOptions === 'object' ? tlsOptions : {}) })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    let settled = false;
    const session = createMqttSession({
      ...sessionOptions,
      clock: nodeClock,
      send: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      close: (error) => {
        socket.end();
        socket.destroySoon?.();
        onClose?.(error);
      },
    });
    socket.on('data', (chunk: Buffer) => session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
      session.transportClosed(e);
    });
    socket.on('close', () => session.transportClosed());
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      session.connect().then(
        (connack) => {
          settled = true;
          resolve({ session, connack, close: () => session.disconnect() });
        },
        (e: unknown) => {
          if (!settled) {
            settled = true;
            reject(e);
          }
        },
      );
    });
  });
}
