import { describe, integerOption, optionsRecord, utf8Decode } from '@linkwire/base';
import { MqttDecodeError } from './errors.ts';
import { isValidTopicFilter } from './topic.ts';
import { PACKET_TYPES, type MqttPacket, type QoS, type Subscription, type Will } from './packets.ts';

// A cursor over one complete packet. Every read checks bounds, so a lying length field ends
// in MqttDecodeError with the offset, never in an out-of-range read or an allocation sized by
// the attacker.
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}
  fail(code: string, message: string, at = this.pos): never {
    throw new MqttDecodeError(code, message, at);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail('truncated', `${what} runs past the end of the packet`);
  }
  byte(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  bytes(what: string): Uint8Array {
    const n = this.u16(`${what} length`);
    this.need(n, what);
    const v = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  string(what: string): string {
    const at = this.pos;
    const n = this.u16(`${what} length`);
    this.need(n, what);
    let s: string;
    try {
      s = utf8Decode(this.buf.subarray(this.pos, this.pos + n), { fatal: true });
    } catch {
      this.fail('invalid_utf8', `${what} is not well-formed UTF-8`, at);
    }
    // §1.5.3: U+0000 is forbidden in MQTT strings.
    if (s.includes('\u0000')) this.fail('invalid_utf8', `${what} contains U+0000`, at);
    this.pos += n;
    return s;
  }
  id(what: string): number {
    const at = this.pos;
    const v = this.u16(`${what} message id`);
    if (v === 0) this.fail('invalid_message_id', `${what} message id must not be 0`, at);
    return v;
  }
  done(what: string): void {
    if (this.pos !== this.end) this.fail('trailing_bytes', `${what} has ${this.end - this.pos} unexpected trailing bytes`);
  }
}

export interface FixedHeader {
  readonly first: number;
  readonly remaining: number;
  /** Bytes taken by the fixed header (1 + varint). */
  readonly headerLength: number;
}

/**
 * Reads a fixed header at `offset`; undefined when more bytes are needed. A remaining-length
 * varint longer than four bytes is malformed (§2.2.3).
 */
export function readFixedHeader(buf: Uint8Array, offset = 0): FixedHeader | undefined {
  if (buf.length <= offset) return undefined;
  let remaining = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    if (offset + i >= buf.length) return undefined;
    const b = buf[offset + i]!;
    remaining += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { first: buf[offset]!, remaining, headerLength: 1 + i };
    mul *= 128;
  }
  throw new MqttDecodeError('invalid_remaining_length', 'remaining length takes more than 4 bytes', offset + 1);
}

/**
 * Decodes exactly one complete MQTT 3.1.1 packet (fixed header included). Throws
 * {@link MqttDecodeError} for anything the specification calls malformed.
 */
export function decodePacket(bytes: Uint8Array): MqttPacket {
  if (!(bytes instanceof Uint8Array)) throw new MqttDecodeError('invalid_input', `MQTT input must be a Uint8Array, got ${describe(bytes)}`, 0);
  const h = readFixedHeader(bytes, 0);
  if (h === undefined) throw new MqttDecodeError('truncated', 'incomplete fixed header', bytes.length);
  const end = h.headerLength + h.remaining;
  if (end > bytes.length) throw new MqttDecodeError('truncated', `packet declares ${h.remaining} bytes but ${bytes.length - h.headerLength} are present`, bytes.length);
  if (end < bytes.length) throw new MqttDecodeError('trailing_bytes', `${bytes.length - end} bytes follow the packet`, end);
  return decodeBody(bytes, 0, h);
}

export function decodeBody(buf: Uint8Array, offset: number, h: FixedHeader): MqttPacket {
  const type = PACKET_TYPES[h.first >> 4];
  const flags = h.first & 0x0f;
  const r: Reader = new Reader(buf, offset + h.headerLength, offset + h.headerLength + h.remaining);
  if (type === undefined) r.fail('invalid_packet_type', `reserved packet type ${h.first >> 4}`, offset);
  // §2.2.2: fixed flags for every type except PUBLISH.
  if (type !== 'publish') {
    const want = type === 'pubrel' || type === 'subscribe' || type === 'unsubscribe' ? 2 : 0;
    if (flags !== want) r.fail('invalid_flags', `${type} must have header flags ${want}, got ${flags}`, offset);
  }
  switch (type) {
    case 'connect': {
      const name = r.string('protocol name');
      const level = r.byte('protocol level');
      if (!((name === 'MQTT' && level === 4) || (name === 'MQIsdp' && level === 3))) {
        r.fail('unsupported_protocol', `unsupported protocol ${JSON.stringify(name)} level ${level}`, r.pos - 1);
      }
      const cf = r.byte('connect flags');
      if (cf & 1) r.fail('invalid_flags', 'connect flags reserved bit is set', r.pos - 1);
      const hasWill = (cf & 0x04) !== 0;
      const willQos = (cf >> 3) & 3;
      if (willQos === 3) r.fail('invalid_qos', 'will qos 3', r.pos - 1);
      if (!hasWill && (willQos !== 0 || (cf & 0x20) !== 0)) r.fail('invalid_flags', 'will qos/retain set without a will', r.pos - 1);
      if ((cf & 0x40) !== 0 && (cf & 0x80) === 0) r.fail('invalid_flags', 'password flag without username flag', r.pos - 1);
      const keepalive = r.u16('keepalive');
      const clientId = r.string('client id');
      let will: Will | undefined;
      if (hasWill) {
        const topic = r.string('will topic');
        if (topic.length === 0 || /[+#]/.test(topic)) r.fail('invalid_topic', 'will topic is empty or has a wildcard');
        will = { topic, payload: r.bytes('will payload'), qos: willQos as QoS, retain: (cf & 0x20) !== 0 };
      }
      const username = cf & 0x80 ? r.string('username') : undefined;
      const password = cf & 0x40 ? r.bytes('password') : undefined;
      r.done('connect');
      const p: { -readonly [K in keyof import('./packets.ts').ConnectPacket]: import('./packets.ts').ConnectPacket[K] } = {
        type: 'connect', protocolLevel: level as 3 | 4, clientId, cleanSession: (cf & 0x02) !== 0, keepalive,
      };
      if (username !== undefined) p.username = username;
      if (password !== undefined) p.password = password;
      if (will !== undefined) p.will = will;
      return p;
    }
    case 'connack': {
      const ack = r.byte('connack flags');
      if (ack & 0xfe) r.fail('invalid_flags', 'connack flags reserved bits are set', r.pos - 1);
      const returnCode = r.byte('connack return code');
      r.done('connack');
      return { type: 'connack', sessionPresent: ack === 1, returnCode };
    }
    case 'publish': {
      const qos = (flags >> 1) & 3;
      if (qos === 3) r.fail('invalid_qos', 'publish qos 3', offset);
      const dup = (flags & 8) !== 0;
      if (qos === 0 && dup) r.fail('invalid_flags', 'QoS 0 publish with DUP set', offset);
      const topic = r.string('topic');
      if (topic.length === 0 || topic.includes('+') || topic.includes('#')) r.fail('invalid_topic', `publish topic ${JSON.stringify(topic)} is empty or has a wildcard`);
      const messageId = qos > 0 ? r.id('publish') : undefined;
      // A view, not a copy: the payload is usually handed straight to a JSON or CBOR decoder.
      const payload = buf.subarray(r.pos, r.end);
      return messageId === undefined
        ? { type: 'publish', topic, payload, qos: qos as QoS, retain: (flags & 1) !== 0, dup }
        : { type: 'publish', topic, payload, qos: qos as QoS, retain: (flags & 1) !== 0, dup, messageId };
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'unsuback': {
      const messageId = r.id(type);
      r.done(type);
      return { type, messageId };
    }
    case 'subscribe': {
      const messageId = r.id('subscribe');
      const subscriptions: Subscription[] = [];
      while (r.pos < r.end) {
        const at = r.pos;
        const topic = r.string('topic filter');
        if (!isValidTopicFilter(topic)) r.fail('invalid_topic_filter', `invalid topic filter ${JSON.stringify(topic)}`, at);
        const q = r.byte('requested qos');
        if (q > 2) r.fail('invalid_qos', `requested qos byte ${q}`, r.pos - 1);
        subscriptions.push({ topic, qos: q as QoS });
      }
      if (subscriptions.length === 0) r.fail('empty_subscribe', 'subscribe has no topic filter');
      return { type: 'subscribe', messageId, subscriptions };
    }
    case 'suback': {
      const messageId = r.id('suback');
      const granted: number[] = [];
      while (r.pos < r.end) {
        const g = r.byte('return code');
        if (g !== 0 && g !== 1 && g !== 2 && g !== 0x80) r.fail('invalid_return_code', `suback return code ${g}`, r.pos - 1);
        granted.push(g);
      }
      return { type: 'suback', messageId, granted };
    }
    case 'unsubscribe': {
      const messageId = r.id('unsubscribe');
      const topics: string[] = [];
      while (r.pos < r.end) {
        const at = r.pos;
        const t = r.string('topic filter');
        if (!isValidTopicFilter(t)) r.fail('invalid_topic_filter', `invalid topic filter ${JSON.stringify(t)}`, at);
        topics.push(t);
      }
      if (topics.length === 0) r.fail('empty_unsubscribe', 'unsubscribe has no topic filter');
      return { type: 'unsubscribe', messageId, topics };
    }
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      r.done(type);
      return { type };
  }
}

export interface PacketParserOptions {
  /** Largest accepted packet, header included. Default 1 MiB (Alibaba's limit is 256 KB). */
  readonly maxPacketSize?: number;
}

/** A streaming parser: feed it TCP chunks, get whole packets. It keeps references to pushed chunks until their packet completes, so do not reuse a chunk buffer after pushing it. */
export interface PacketParser {
  /** Returns the packets completed by `chunk`; throws MqttDecodeError on malformed input. */
  push(chunk: Uint8Array): MqttPacket[];
  /** Bytes held for an incomplete packet. */
  readonly buffered: number;
}

/**
 * Creates a {@link PacketParser}. It keeps received chunks as they are and copies each packet
 * once when it is complete, so cost stays linear however the stream is split; a declared length
 * above `maxPacketSize` is refused as soon as the header arrives.
 */
export function createPacketParser(options?: PacketParserOptions): PacketParser {
  const max = integerOption('maxPacketSize', optionsRecord('options', options)['maxPacketSize'], 1 << 20, 2);
  let chunks: Uint8Array[] = [];
  let total = 0;
  let consumed = 0;
  let header: FixedHeader | undefined;
  let failed: MqttDecodeError | undefined;

  // Removes and returns the first n buffered bytes, copying only when they span chunks.
  const take = (n: number): Uint8Array => {
    const first = chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      total -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = chunks[0]!;
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    total -= n;
    return out;
  };
  const peekHead = (): Uint8Array => {
    const n = Math.min(total, 5);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) {
      if (o >= n) break;
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
    }
    return out;
  };

  return {
    get buffered() {
      return total;
    },
    push(chunk) {
      if (failed !== undefined) throw failed;
      if (!(chunk instanceof Uint8Array)) throw new MqttDecodeError('invalid_input', `a chunk must be a Uint8Array, got ${describe(chunk)}`, total);
      if (chunk.length > 0) {
        chunks.push(chunk);
        total += chunk.length;
      }
      const out: MqttPacket[] = [];
      try {
        for (;;) {
          if (header === undefined) {
            if (total === 0) break;
            const first = chunks[0]!;
            const h = readFixedHeader(first.length >= 5 || chunks.length === 1 ? first : peekHead(), 0);
            if (h === undefined) break;
            const size = h.headerLength + h.remaining;
            if (size > max) throw new MqttDecodeError('packet_too_large', `packet of ${size} bytes exceeds the limit of ${max}`, consumed);
            header = h;
          }
          const size = header.headerLength + header.remaining;
          if (total < size) break;
          const packet = take(size);
          try {
            out.push(decodeBody(packet, 0, header));
          } catch (e) {
            if (e instanceof MqttDecodeError) throw new MqttDecodeError(e.code, e.message, consumed + (e.offset ?? 0));
            throw e;
          }
          header = undefined;
          consumed += size;
        }
      } catch (e) {
        failed = e instanceof MqttDecodeError ? e : new MqttDecodeError('invalid_packet', String(e), consumed);
        chunks = [];
        total = 0;
        throw failed;
      }
      return out;
    },
  };
}
