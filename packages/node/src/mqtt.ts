import type tls from 'node:tls';
import { openMqttSession, type MqttConnection, type OpenMqttSessionOptions } from '@linkwire/mqtt';
import { nodeDialer } from './dial.ts';
import { nodeClock } from './runtime.ts';

export interface NodeMqttOptions extends Omit<OpenMqttSessionOptions, 'clock'> {
  readonly host: string;
  readonly port: number;
  /** true, or Node TLS options (ca, servername, client certificates) for `securemode=2`. */
  readonly tls?: boolean | tls.ConnectionOptions;
}

export type NodeMqttConnection = MqttConnection;

/**
 * One MQTT session over a TCP (or TLS) socket from {@link nodeDialer}: resolves after a
 * successful CONNACK, ends with the connection (for one that reconnects, createNodeMqttClient).
 *
 * @example
 * const { session, close } = await connectMqtt({ host, port, ...mqttCredentials(device) });
 * await session.publish(topic, payload, { qos: 1 });
 * close();
 */
export function connectMqtt(options: NodeMqttOptions): Promise<NodeMqttConnection> {
  const { host, port, tls: tlsOptions, ...sessionOptions } = options;
  return openMqttSession(nodeDialer, { host, port, tls: tlsOptions }, { ...sessionOptions, clock: nodeClock });
}
