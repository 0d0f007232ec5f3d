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

// Module-level listeners with the events on the socket itself: an idle connection costs its
// socket and one small object, not a handful of closures (10 000 clients in one process).
const EVENTS = Symbol('linkwire.events');
const FAILURE = Symbol('linkwire.failure');
interface Tagged extends net.Socket {
  [EVENTS]: TransportEvents;
  [FAILURE]?: Error;
}
function onOpen(this: Tagged): void {
  this[EVENTS].onOpen?.();
}
function onData(this: Tagged, chunk: Buffer): void {
  this[EVENTS].onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
}
function onError(this: Tagged, e: Error): void {
  this[FAILURE] ??= e;
}
function onClose(this: Tagged): void {
  this[EVENTS].onClose(this[FAILURE]);
}

function uncork(t: SocketTransport): void {
  t.corked = 0;
  t.socket.uncork();
}

/** Bytes gathered before a corked burst goes out anyway, so the broker starts on it early. */
const BATCH = 64 * 1024;

class SocketTransport implements ByteTransport {
  /** Bytes written since the socket was corked; 0 when it is not. */
  corked = 0;
  constructor(readonly socket: net.Socket) {}
  // Packets written in one turn of the event loop leave in one writev (up to BATCH bytes): a
  // burst of pipelined publishes costs a few syscalls, not one each. The uncork waits for
  // setImmediate, not nextTick: ticks run before promise continuations, so the PUBACK for a
  // reply left alone and the next request, published from the awaiting code, in a second write
  // (two syscalls and two wake-ups of the broker per round trip instead of one).
  send(bytes: Uint8Array): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (this.corked === 0) {
      socket.cork();
      setImmediate(uncork, this);
    } else if (this.corked > BATCH) {
      socket.uncork();
      socket.cork();
      this.corked = 0;
    }
    this.corked += bytes.length || 1;
    socket.write(bytes);
  }
  // What was written last (a QoS 0 publish, DISCONNECT) still leaves: the corked burst is
  // flushed and the socket ends with a FIN. A peer that never takes the bytes cannot hold the
  // socket: it is unref'd and destroyed after CLOSE_GRACE_MS.
  close(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (this.corked !== 0) uncork(this);
    socket.end();
    socket.unref();
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}

const CLOSE_GRACE_MS = 2000;

function dialSocket(host: string, port: number, tlsOptions: boolean | tls.ConnectionOptions | undefined, events: TransportEvents): ByteTransport {
  const socket = (tlsOptions
    ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ...(typeof tlsOptions === 'object' ? tlsOptions : {}) })
    : net.connect({ host, port })) as Tagged;
  socket[EVENTS] = events;
  socket.setNoDelay(true);
  socket.once(tlsOptions ? 'secureConnect' : 'connect', onOpen);
  socket.on('data', onData);
  socket.on('error', onError);
  socket.once('close', onClose);
  return new SocketTransport(socket);
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
