import type { ByteTransport, TransportEvents } from '@linkwire/base';

/**
 * A dialer over WebSocket (subprotocol `mqtt`, binary frames) for @linkwire/edge's
 * `connectDriver`: a driver in a browser, Deno or Bun reaching its gateway's WebSocket listener.
 *
 * @example
 * const driver = await connectDriver({ dial: webSocketDialer(`ws://127.0.0.1:${gateway.driverWsPort}`), clock: webClock, … });
 */
export function webSocketDialer(url: string, options: { readonly WebSocket?: typeof WebSocket } = {}): (events: TransportEvents) => Promise<ByteTransport> {
  const Ctor = options.WebSocket ?? globalThis.WebSocket;
  return (events) =>
    new Promise((resolve, reject) => {
      const ws = new Ctor(url, ['mqtt']);
      ws.binaryType = 'arraybuffer';
      let open = false;
      let closed = false;
      const end = (error?: Error): void => {
        if (!open) return reject(error ?? new Error(`cannot open ${url}`));
        if (closed) return;
        closed = true;
        events.onClose(error);
      };
      ws.onopen = () => {
        open = true;
        resolve({
          send: (bytes) => void (ws.readyState === 1 && ws.send(bytes as Uint8Array<ArrayBuffer>)),
          close: () => ws.readyState <= 1 && ws.close(),
        });
      };
      ws.onmessage = (ev: MessageEvent) => {
        if (ev.data instanceof ArrayBuffer) events.onData(new Uint8Array(ev.data));
        else {
          end(new Error('the gateway sent a text frame; MQTT over WebSocket is binary'));
          ws.close();
        }
      };
      ws.onerror = () => end(new Error(`WebSocket error on ${url}`));
      ws.onclose = (ev: CloseEvent) => end(ev.code === 1000 ? undefined : new Error(`WebSocket closed (${ev.code})`));
    });
}
