import { describe, utf8EncodeInto, utf8Length } from '@linkwire/base';
import { MqttError } from './errors.ts';
import { MAX_REMAINING_LENGTH, PACKET_TYPE_CODES, isMqtt31ClientId, type MqttPacket, type QoS } from './packets.ts';
import { checkTopicName, checkTopicFilter } from './topic.ts';

// Every string field is measured once, then written into a single buffer sized exactly.

function invalid(message: string): never {
  throw new MqttError('invalid_packet', message);
}

function checkId(id: number | undefined, what: string): number {
  if (id === undefined || !Number.isInteger(id) || id < 1 || id > 65535) invalid(`${what} needs a message id in 1..65535, got ${describe(id)}`);
  return id;
}

function checkQos(qos: number, what: string): QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2) invalid(`${what} qos must be 0, 1 or 2, got ${describe(qos)}`);
  return qos;
}

function stringLength(s: string, what: string): number {
  if (typeof s !== 'string') invalid(`${what} must be a string`);
  if (s.includes('\u0000')) invalid(`${what} must not contain U+0000`);
  const n = utf8Length(s);
  if (n > 65535) invalid(`${what} is longer than 65535 bytes`);
  return n;
}

function checkBytes(b: unknown, what: string): Uint8Array {
  if (!(b instanceof Uint8Array)) invalid(`${what} must be a Uint8Array`);
  return b;
}

function checkList<T>(list: readonly T[] | undefined, what: string): readonly T[] {
  if (!Array.isArray(list)) invalid(`${what} must be an array`);
  return list;
}

function checkRecord(v: unknown, what: string): void {
  if (typeof v !== 'object' || v === null) invalid(`${what} must be an object`);
}

function varintSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

// Packets the client writes come from shared blocks, as Node's Buffer pool does: an
// ArrayBuffer of its own per packet cost about 1 µs and GC work on every publish (V8 keeps only
// typed arrays up to 64 bytes on its heap). Blocks are never written twice: a packet handed out
// keeps its bytes for as long as anything holds it.
const BLOCK = 16 * 1024;
let block = new Uint8Array(0);
let blockAt = 0;

function pooled(size: number): Uint8Array {
  if (size <= 64 || size > BLOCK >> 3) return new Uint8Array(size);
  if (blockAt + size > block.length) {
    block = new Uint8Array(BLOCK);
    blockAt = 0;
  }
  blockAt += size;
  return block.subarray(blockAt - size, blockAt);
}

const fresh = (size: number): Uint8Array => new Uint8Array(size);
// The allocator of the packet being encoded (encoding is synchronous).
let alloc = fresh;

class Writer {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = alloc(size);
  }
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  u16(n: number): void {
    this.buf[this.pos++] = n >> 8;
    this.buf[this.pos++] = n & 0xff;
  }
  varint(n: number): void {
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (n > 0);
  }
  string(s: string, len: number): void {
    this.u16(len);
    this.pos = utf8EncodeInto(s, this.buf, this.pos);
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function frame(first: number, remaining: number): Writer {
  if (remaining > MAX_REMAINING_LENGTH) invalid(`packet of ${remaining} bytes exceeds the MQTT maximum`);
  const w = new Writer(1 + varintSize(remaining) + remaining);
  w.byte(first);
  w.varint(remaining);
  return w;
}

/**
 * Encodes one MQTT 3.1.1 control packet. Values that no conforming peer would accept (a
 * wildcard in a PUBLISH topic, a QoS 0 publish with a message id, a password without a
 * username) are refused with {@link MqttError} rather than sent.
 */
export function encodePacket(packet: MqttPacket): Uint8Array {
  checkRecord(packet, 'a packet');
  const code = typeof packet.type === 'string' && Object.hasOwn(PACKET_TYPE_CODES, packet.type) ? PACKET_TYPE_CODES[packet.type] : undefined;
  if (code === undefined) invalid(`unknown packet type ${describe((packet as { type: unknown }).type)}`);
  switch (packet.type) {
    case 'connect': {
      const level = packet.protocolLevel ?? 4;
      if (level !== 3 && level !== 4) invalid(`unsupported protocol level ${describe(level)}`);
      const name = level === 4 ? 'MQTT' : 'MQIsdp';
      if (!Number.isInteger(packet.keepalive) || packet.keepalive < 0 || packet.keepalive > 65535) invalid('keepalive must be 0..65535 seconds');
      const idLen = stringLength(packet.clientId, 'clientId');
      if (typeof packet.cleanSession !== 'boolean') invalid('cleanSession must be a boolean');
      if (idLen === 0 && !packet.cleanSession) invalid('an empty clientId requires cleanSession');
      if (level === 3 && !isMqtt31ClientId(packet.clientId)) invalid('an MQTT 3.1 clientId has 1 to 23 characters');
      let remaining = 2 + name.length + 1 + 1 + 2 + 2 + idLen;
      let flags = packet.cleanSession ? 0x02 : 0;
      let willTopicLen = 0;
      if (packet.will !== undefined) {
        checkRecord(packet.will, 'will');
        checkBytes(packet.will.payload, 'will payload');
        checkTopicName(packet.will.topic, 'will topic');
        willTopicLen = stringLength(packet.will.topic, 'will topic');
        if (packet.will.payload.length > 65535) invalid('will payload is longer than 65535 bytes');
        remaining += 2 + willTopicLen + 2 + packet.will.payload.length;
        flags |= 0x04 | (checkQos(packet.will.qos, 'will') << 3) | (packet.will.retain ? 0x20 : 0);
      }
      let userLen = 0;
      if (packet.username !== undefined) {
        userLen = stringLength(packet.username, 'username');
        remaining += 2 + userLen;
        flags |= 0x80;
      }
      if (packet.password !== undefined) {
        checkBytes(packet.password, 'password');
        if (packet.username === undefined) invalid('MQTT 3.1.1 forbids a password without a username');
        if (packet.password.length > 65535) invalid('password is longer than 65535 bytes');
        remaining += 2 + packet.password.length;
        flags |= 0x40;
      }
      const w = frame(0x10, remaining);
      w.string(name, name.length);
      w.byte(level);
      w.byte(flags);
      w.u16(packet.keepalive);
      w.string(packet.clientId, idLen);
      if (packet.will !== undefined) {
        w.string(packet.will.topic, willTopicLen);
        w.u16(packet.will.payload.length);
        w.bytes(packet.will.payload);
      }
      if (packet.username !== undefined) w.string(packet.username, userLen);
      if (packet.password !== undefined) {
        w.u16(packet.password.length);
        w.bytes(packet.password);
      }
      return w.buf;
    }
    case 'connack': {
      if (!Number.isInteger(packet.returnCode) || packet.returnCode < 0 || packet.returnCode > 255) invalid('returnCode must be a byte');
      if (typeof packet.sessionPresent !== 'boolean') invalid('sessionPresent must be a boolean');
      const w = frame(0x20, 2);
      w.byte(packet.sessionPresent ? 1 : 0);
      w.byte(packet.returnCode);
      return w.buf;
    }
    case 'publish': {
      const qos = checkQos(packet.qos, 'publish');
      checkTopicName(packet.topic, 'publish topic');
      const topicLen = stringLength(packet.topic, 'publish topic');
      checkBytes(packet.payload, 'publish payload');
      if (qos === 0 && packet.messageId !== undefined) invalid('a QoS 0 publish carries no message id');
      if (qos === 0 && packet.dup) invalid('a QoS 0 publish cannot be a duplicate');
      const remaining = 2 + topicLen + (qos > 0 ? 2 : 0) + packet.payload.length;
      const w = frame(0x30 | (packet.dup ? 8 : 0) | (qos << 1) | (packet.retain ? 1 : 0), remaining);
      w.string(packet.topic, topicLen);
      if (qos > 0) w.u16(checkId(packet.messageId, 'publish'));
      w.bytes(packet.payload);
      return w.buf;
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'unsuback': {
      const w = frame((code << 4) | (packet.type === 'pubrel' ? 2 : 0), 2);
      w.u16(checkId(packet.messageId, packet.type));
      return w.buf;
    }
    case 'subscribe': {
      const subscriptions = checkList(packet.subscriptions, 'subscriptions');
      if (subscriptions.length === 0) invalid('subscribe needs at least one topic filter');
      let remaining = 2;
      const lens = subscriptions.map((s) => {
        checkRecord(s, 'a subscription');
        checkTopicFilter(s.topic, 'subscribe topic filter');
        checkQos(s.qos, 'subscription');
        const n = stringLength(s.topic, 'subscribe topic filter');
        remaining += 3 + n;
        return n;
      });
      const w = frame(0x82, remaining);
      w.u16(checkId(packet.messageId, 'subscribe'));
      subscriptions.forEach((s, i) => {
        w.string(s.topic, lens[i]!);
        w.byte(s.qos);
      });
      return w.buf;
    }
    case 'suback': {
      for (const g of checkList(packet.granted, 'granted')) if (g !== 0 && g !== 1 && g !== 2 && g !== 0x80) invalid(`suback return code ${describe(g)} is invalid`);
      const w = frame(0x90, 2 + packet.granted.length);
      w.u16(checkId(packet.messageId, 'suback'));
      for (const g of packet.granted) w.byte(g);
      return w.buf;
    }
    case 'unsubscribe': {
      const topics = checkList(packet.topics, 'unsubscribe topics');
      if (topics.length === 0) invalid('unsubscribe needs at least one topic filter');
      let remaining = 2;
      const lens = topics.map((t) => {
        checkTopicFilter(t, 'unsubscribe topic filter');
        const n = stringLength(t, 'unsubscribe topic filter');
        remaining += 2 + n;
        return n;
      });
      const w = frame(0xa2, remaining);
      w.u16(checkId(packet.messageId, 'unsubscribe'));
      topics.forEach((t, i) => w.string(t, lens[i]!));
      return w.buf;
    }
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      return Uint8Array.of(code << 4, 0);
  }
}

/**
 * @internal {@link encodePacket} into a shared block: for bytes that go straight to a transport
 * (the client's), never for bytes handed to an application, whose `.buffer` would be the block.
 */
export function encodePacketPooled(packet: MqttPacket): Uint8Array {
  alloc = pooled;
  try {
    return encodePacket(packet);
  } finally {
    alloc = fresh;
  }
}
