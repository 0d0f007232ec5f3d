import { openMqttSession, type MqttConnection, type OpenMqttSessionOptions } from '@linkwire/mqtt';
import { webDialer } from './dial.ts';
import { webClock } from './runtime.ts';

export interface WebMqttOptions extends Omit<OpenMqttSessionOptions, 'clock'> {
  /** `wss://…` (securemode=2) or `ws://…` (securemode=3). */
  readonly url: string;
  /** A WebSocket constructor, for runtimes that do not provide a global one. */
  readonly WebSocket?: typeof WebSocket;
}

export type WebMqttConnection = MqttConnection;

/**
 * One MQTT session over a WebSocket from {@link webDialer} (subprotocol `mqtt`, binary frames):
 * the way browsers, Deno and Bun reach a broker. Resolves after a successful CONNACK.
 *
 * @example
 * const { session } = await connectMqttWebSocket({ url, ...mqttCredentials({ …, secureMode: 2 }) });
 * await session.publish(topic, payload, { qos: 1 });
 */
export function connectMqttWebSocket(options: WebMqttOptions): Promise<WebMqttConnection> {
  const { url, WebSocket, ...sessionOptions } = options;
  return openMqttSession(webDialer, WebSocket ? { url, WebSocket } : { url }, { ...sessionOptions, clock: webClock });
}
