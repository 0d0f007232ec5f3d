import net from 'node:net';
import tls from 'node:tls';
import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';
import WebSocket from 'ws';

/** Where to dial: TCP (`securemode=3`), TLS (`securemode=2`, X.509 client certificates), or a `ws://`/`wss://` URL. */
export type NodeEndpoint =
  | {
    readonly host: string;
    readonly port: number;
    /** true, or Node TLS options: `ca`, `servername` (default: host), `cert` + `key` for X.509 devices. */
    readonly tls?: boolean | tls.ConnectionOptions;
  }
  | {
    /** `ws://…` or `wss://…`; the subprotocol is `mqtt`. */
    readonly url: string;
    /** TLS and header options passed to `ws` (ca, cert, key, headers). */
    readonly ws?: WebSocket.ClientOptions;
  };

/**
 * The Node {@link Dialer}: opens TCP, TLS or WebSocket connections and only moves bytes.
 * Connect timeouts are the client's (`connectTimeoutMs`): it closes a socket that did not open.
 *
 * @example
 * createMqttClient({ dial: nodeDialer, endpoint: { host: 'a1b2.iot-as-mqtt.cn-shanghai.aliyuncs.com', port: 1883 }, … })
 */
export const nodeDialer: Dialer<NodeEndpoint> = (endpoint, events) => ('url' in endpoint ? dialWebSocket(endpoint.url, endpoint.ws, events) : dialSocket(endpoint.host, endpoint.port, endpoint.tls, events));

function dialSocket(host: string, port: number, tlsOptions: boolean | tls.ConnectionOptions | undefined, events: TransportEvents): ByteTransport {
  const socket = tlsOptions
    ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ...(typeof tlsOptions === 'object' ? tlsOptions : {}) })
    : net.connect({ host, port });
  socket.setNoDelay(true);
  let failure: Error | undefined;
  socket.once(tlsOptions ? 'secureConnect' : 'connect', () => events.onOpen?.());
  socket.on('data', (chunk: Buffer) => events.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  socket.on('error', (e) => (failure ??= e));
  socket.once('close', () => events.onClose(failure));
  return {
    send: (bytes) => void (socket.destroyed || socket.write(bytes)),
    close: () => void socket.destroy(),
  };
}

function dialWebSocket(url: string, options: WebSocket.ClientOptions | undefined, events: TransportEvents): ByteTransport {
  const ws = new WebSocket(url, ['mqtt'], { perMessageDeflate: false, ...options });
  let failure: Error | undefined;
  ws.on('open', () => events.onOpen?.());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) events.onData(new Uint8Array(data.buffer, data.byteOffset, data.length));
    else {
      failure ??= new Error('the broker sent a text frame; MQTT over WebSocket is binary');
      ws.terminate();
    }
  });
  ws.on('error', (e) => (failure ??= e));
  ws.once('close', (code) => events.onClose(failure ?? (code === 1000 ? undefined : new Error(`WebSocket closed (${code})`))));
  return {
    send: (bytes) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
    },
    close: () => ws.terminate(),
  };
}
