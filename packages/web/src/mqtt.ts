import { createMqttSession, type ConnackPacket, type MqttSession, type MqttSessionOptions } from '@linkwire/mqtt';
import { webClock } from './runtime.ts';

export interface WebMqttOptions extends Omit<MqttSessionOptions, 'clock' | 'send' | 'close'> {
  /** `wss://…` (securemode=2) or `ws://…` (securemode=3). */
  readonly url: string;
  /** Called once when the connection ends, with the reason when it was not a clean disconnect. */
  readonly onClose?: (error?: Error) => void;
  /** A WebSocket constructor, for runtimes that do not provide a global one. */
  readonly WebSocket?: typeof WebSocket;
}

export interface WebMqttConnection {
  readonly session: MqttSession;
  readonly connack: ConnackPacket;
  close(): void;
}

/**
 * Runs an MQTT session over a WebSocket (subprotocol `mqtt`, binary frames): the way
 * browsers, Deno and Bun reach a broker. Resolves after a successful CONNACK.
 *
 * @example
 * const { session } = await connectMqttWebSocket({ url, ...mqttCredentials({ …, secureMode: 2 }) });
 * await session.publish(topic, payload, { qos: 1 });
 */
export function connectMqttWebSocket(options: WebMqttOptions): Promise<WebMqttConnection> {
  const { url, onClose, WebSocket: Ctor = globalThis.WebSocket, ...sessionOptions } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown): void => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    let ws: WebSocket;
    try {
      ws = new Ctor(url, ['mqtt']);
    } catch (e) {
      return fail(e);
    }
    ws.binaryType = 'arraybuffer';
    const session = createMqttSession({
      ...sessionOptions,
      clock: webClock,
      send: (bytes) => {
        if (ws.readyState === 1) ws.send(bytes as Uint8Array<ArrayBuffer>);
      },
      close: (error) => {
        if (ws.readyState <= 1) ws.close();
        onClose?.(error);
      },
    });
    ws.onmessage = (ev: MessageEvent) => {
      if (ev.data instanceof ArrayBuffer) session.receive(new Uint8Array(ev.data));
      else session.transportClosed(new Error('the broker sent a text frame; MQTT over WebSocket is binary'));
    };
    ws.onerror = () => {
      const e = new Error(`WebSocket error on ${url}`);
      fail(e);
      session.transportClosed(e);
    };
    ws.onclose = (ev: CloseEvent) => {
      const e = new Error(`WebSocket closed (${ev.code})`);
      fail(e);
      session.transportClosed(e);
    };
    ws.onopen = () => {
      session.connect().then((connack) => {
        settled = true;
        resolve({ session, connack, close: () => session.disconnect() });
      }, fail);
    };
  });
}
