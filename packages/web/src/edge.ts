import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';

/**
 * A {@link Dialer} over WebSocket (subprotocol `mqtt`, binary frames) for @linkwire/edge's
 * `connectDriver`: a driver in a browser, Deno or Bun reaching its gateway's WebSocket listener.
 * `WebSocket` in the endpoint serves runtimes without a global one.
 *
 * @example
 * const driver = await connectDriver({ dial: webSocketDialer, endpoint: { url: `ws://127.0.0.1:${gateway.driverWsPort}` }, clock: webClock, … });
 */
export const webSocketDialer: Dialer<{ readonly url: string; readonly WebSocket?: typeof WebSocket }> = (endpoint, events: TransportEvents): ByteTransport => {
  const Ctor = endpoint.WebSocket ?? globalThis.WebSocket;
  let closed = false;
  const end = (error?: Error): void => {
    if (closed) return;
    closed = true;
    events.onClose(error);
  };
  let ws: WebSocket;
  try {
    ws = new Ctor(endpoint.url, ['mqtt']);
  } catch (e) {
    // Reported on a later turn, as the seam requires.
    queueMicrotask(() => end(e instanceof Error ? e : new Error(String(e))));
    return { send: () => undefined, close: () => undefined };
  }
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => events.onOpen?.();
  ws.onmessage = (ev: MessageEvent) => {
    if (closed) return;
    if (ev.data instanceof ArrayBuffer) events.onData(new Uint8Array(ev.data));
    else {
      end(new Error('the gateway sent a text frame; MQTT over WebSocket is binary'));
      ws.close();
    }
  };
  ws.onerror = () => end(new Error(`WebSocket error on ${endpoint.url}`));
  ws.onclose = (ev: CloseEvent) => end(ev.code === 1000 || ev.code === 1005 ? undefined : new Error(`WebSocket closed (${ev.code})`));
  return {
    send: (bytes) => void (ws.readyState === 1 && ws.send(bytes as Uint8Array<ArrayBuffer>)),
    close: () => {
      if (ws.readyState <= 1) ws.close();
    },
  };
};
