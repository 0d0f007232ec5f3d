/**
 * A sans-IO MQTT 3.1.1 client: a Uint8Array packet codec (byte-identical to mqtt-packet, which
 * the tests use as the oracle), a one-connection session, and a client that survives the network
 * (reconnect, resubscribe, retransmit, offline queue, store), all driven by an injected clock.
 * @module
 */
export { MqttDecodeError, MqttError } from './errors.ts';
export {
  ConnackCode, MAX_REMAINING_LENGTH,
  type AckPacket, type ConnackPacket, type ConnectPacket, type EmptyPacket, type MqttPacket, type PacketType,
  type PublishPacket, type QoS, type SubackPacket, type SubscribePacket, type Subscription, type UnsubscribePacket, type Will,
} from './packets.ts';
export { encodePacket } from './encode.ts';
export { createPacketParser, decodePacket, type PacketParser, type PacketParserOptions } from './decode.ts';
export { checkTopicFilter, checkTopicName, isValidTopicFilter, topicMatches } from './topic.ts';
export { MqttConnectError, createMqttSession, type MqttSession, type MqttSessionOptions, type MqttSessionState } from './session.ts';
export { openMqttSession, type MqttConnection, type OpenMqttSessionOptions } from './open.ts';
export {
  createMqttClient, isTransientRefusal,
  type MqttClient, type MqttClientEvent, type MqttClientOptions, type MqttClientState, type MqttConnectParams,
  type MqttEndOptions, type MqttPublishOptions, type OfflineQueueOptions, type QueueFullPolicy,
} from './client.ts';
export { backoffDelay, type BackoffOptions } from './backoff.ts';
export { memoryStore, type MemoryStore, type OutgoingStore, type StoredPublish } from './store.ts';
