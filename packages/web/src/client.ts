import { createMqttClient, type MqttClient, type MqttClientOptions } from '@linkwire/mqtt';
import { webDialer, type WebEndpoint } from './dial.ts';
import { webClock, webRandom } from './runtime.ts';

export type WebMqttClientOptions = Omit<MqttClientOptions<WebEndpoint>, 'clock' | 'random' | 'dial'>;

/**
 * The reconnecting MQTT client over WebSocket in browsers, Deno and Bun: {@link createMqttClient}
 * with the platform's clock and timers, Web Crypto for jitter and {@link webDialer}.
 *
 * @example
 * const client = createWebMqttClient({ endpoint: { url: 'wss://…/mqtt' }, credentials: () => mqttCredentials({ …, timestamp: Date.now() }) });
 * await client.publish(topic, json, { qos: 1 });
 */
export function createWebMqttClient(options: WebMqttClientOptions): MqttClient {
  return createMqttClient({ clock: webClock, random: webRandom, dial: webDialer, ...options });
}
