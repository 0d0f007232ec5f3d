import { createMqttClient, type MqttClient, type MqttClientOptions } from '@linkwire/mqtt';
import { nodeDialer, type NodeEndpoint } from './dial.ts';
import { nodeClock, nodeRandom } from './runtime.ts';

export type NodeMqttClientOptions = Omit<MqttClientOptions<NodeEndpoint>, 'clock' | 'random' | 'dial'>;

/**
 * The reconnecting MQTT client over Node sockets: {@link createMqttClient} with the wall clock,
 * Node's CSPRNG for jitter and {@link nodeDialer} (TCP, TLS, WebSocket).
 *
 * @example
 * const client = createNodeMqttClient({
 *   endpoint: { host, port: 1883 },
 *   credentials: () => mqttCredentials({ productKey, deviceName, deviceSecret, timestamp: Date.now() }),
 *   store: fileStore('./outgoing.log'),
 * });
 * await client.publish(topic, json, { qos: 1 });
 */
export function createNodeMqttClient(options: NodeMqttClientOptions): MqttClient {
  return createMqttClient({ clock: nodeClock, random: nodeRandom, dial: nodeDialer, ...options });
}
