/**
 * A sans-IO MQTT 3.1.1 client: a Uint8Array packet codec (byte-identical to mqtt-packet, which
 * the tests use as the oracle) and a session state machine driven by an injected clock.
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
