/** MQTT 3.1.1 control packets as plain values (OASIS MQTT 3.1.1, §2-§3). */

export type QoS = 0 | 1 | 2;

export interface Will {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
}

export interface ConnectPacket {
  readonly type: 'connect';
  /** 4 for MQTT 3.1.1 (protocol name "MQTT"), 3 for MQTT 3.1 ("MQIsdp"). Default 4. */
  readonly protocolLevel?: 3 | 4;
  readonly clientId: string;
  readonly cleanSession: boolean;
  /** Seconds; 0 disables keepalive. */
  readonly keepalive: number;
  readonly username?: string;
  readonly password?: Uint8Array;
  readonly will?: Will;
}

/** CONNACK return codes (§3.2.2.3). */
export const ConnackCode = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

export interface ConnackPacket {
  readonly type: 'connack';
  readonly sessionPresent: boolean;
  readonly returnCode: number;
}

export interface PublishPacket {
  readonly type: 'publish';
  readonly topic: string;
  /** Decoded packets hand out a view into the received bytes, not a copy. */
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  /** Present exactly when qos > 0. */
  readonly messageId?: number;
}

export interface AckPacket {
  readonly type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'unsuback';
  readonly messageId: number;
}

export interface Subscription {
  readonly topic: string;
  readonly qos: QoS;
}

export interface SubscribePacket {
  readonly type: 'subscribe';
  readonly messageId: number;
  readonly subscriptions: readonly Subscription[];
}

/** Granted QoS per subscription, or 0x80 for failure (§3.9.3). */
export interface SubackPacket {
  readonly type: 'suback';
  readonly messageId: number;
  readonly granted: readonly number[];
}

export interface UnsubscribePacket {
  readonly type: 'unsubscribe';
  readonly messageId: number;
  readonly topics: readonly string[];
}

export interface EmptyPacket {
  readonly type: 'pingreq' | 'pingresp' | 'disconnect';
}

export type MqttPacket =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | AckPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | EmptyPacket;

export type PacketType = MqttPacket['type'];

/** Control packet type numbers (§2.2.1). */
export const PACKET_TYPE_CODES: Readonly<Record<PacketType, number>> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14,
};

export const PACKET_TYPES: readonly (PacketType | undefined)[] = [
  undefined, 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', undefined,
];

/** The largest remaining length the 4-byte varint can express (§2.2.3). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** MQTT 3.1 §3.1: the Client Identifier is 1 to 23 characters (3.1.1 lifts this, §3.1.3.1). */
export function isMqtt31ClientId(clientId: string): boolean {
  let n = 0;
  for (const _ of clientId) if (++n > 23) return false;
  return n >= 1;
}
