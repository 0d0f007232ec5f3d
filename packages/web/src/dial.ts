import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';

/** A `ws://` or `wss://` URL, and optionally a WebSocket constructor for runtimes without a global one. */
export interface WebEndpoint {
  readonly url: string;
  readonly WebSocket?: typeof WebSocket;
}

/**
 * The web {@link Dialer}: a WebSocket with subprotocol `mqtt` and binary frames, as browsers,
 * Deno and Bun provide it. Only moves bytes; timeouts and reconnects are the client's.
 *
 * @example
 * createMqttClient({ dial: webDialer, endpoint: { url: 'wss://broker/mqtt' }, … })
 */
export const webDialer: Dialer<WebEndpoint> = (endpoint: WebEndpoint, events: TransportEvents): ByteTransport => {
  let done = false;
  const closed = (error?: Error): void => {
    if (done) return;
    done = true;
    // A later dial must not see this socket's events; the client ignores them anyway.
    queueMicrotask(() => events.onClose(error));
  };
  let ws: WebSocket;
  try {
    ws = new (endpoint.WebSocket ?? globalThis.WebSocket)(endpoint.url, ['mqtt']);
  } catch (e) {
    closed(e instanceof Error ? e : new Error(String(e)));
    return { send() {}, close() {} };
  }
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => events.onOpen?.();
  ws.onmessage = (ev: MessageEvent) => {
    if (ev.data instanceof ArrayBuffer) events.onData(new Uint8Array(ev.data));
    else {
      closed(new Error('the broker sent a text frame; MQTT over WebSocket is binary'));
      ws.close();
    }
  };
  ws.onerror = () => closed(new Error(`WebSocket error on ${endpoint.url}`));
  ws.onclose = (ev: CloseEvent) => closed(ev.code === 1000 ? undefined : new Error(`WebSocket closed (${ev.code})`));
  return {
    send(bytes) {
      if (ws.readyState === 1) ws.send(bytes as Uint8Array<ArrayBuffer>);
    },
    close() {
      done = true;
      if (ws.readyState <= 1) ws.close();
    },
  };
};
