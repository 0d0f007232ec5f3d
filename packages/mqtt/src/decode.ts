import { describe, integerOption, optionsRecord, utf8Decode } from '@linkwire/base';
import { MqttDecodeError } from './errors.ts';
import { isValidTopicFilter } from './topic.ts';
import { PACKET_TYPES, isMqtt31ClientId, type MqttPacket, type QoS, type Subscription, type Will } from './packets.ts';

// The last PUBLISH topic decoded, as text and as a copy of its bytes (topics up to 256 bytes).
let lastTopic = '';
let lastTopicLength = -1;
const lastTopicBytes = new Uint8Array(256);

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
  /**
   * A PUBLISH topic. A client hears the same few topics again and again: bytes equal to the last
   * topic decoded give that string back (compared from the end, where topics differ), without
   * decoding it again, and as the same string, whose hash a Map lookup has already computed.
   */
  topic(): string {
    const at = this.pos;
    const n = this.u16('topic length');
    this.need(n, 'topic');
    const buf = this.buf;
    const start = this.pos;
    let i = n === lastTopicLength ? n : -1;
    while (i > 0 && buf[start + i - 1] === lastTopicBytes[i - 1]) i--;
    if (i === 0) {
      this.pos += n;
      return lastTopic;
    }
    this.pos = at;
    const topic = this.string('topic');
    if (n <= 256) {
      lastTopicBytes.set(buf.subarray(start, start + n));
      lastTopicLength = n;
      lastTopic = topic;
    }
    return topic;
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
      const idAt = r.pos;
      const clientId = r.string('client id');
      if (level === 3 && !isMqtt31ClientId(clientId)) r.fail('invalid_client_id', 'an MQTT 3.1 client id has 1 to 23 characters', idAt);
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
      const topic = r.topic();
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

const EMPTY = new Uint8Array(0);
/** Pieces of a split packet this large are held by reference; smaller ones are copied. */
const HOLD_FROM = 256;
// Staging blocks for the small pieces: large enough that the per-block cost vanishes.
const STAGE_BLOCK = 4096;

export interface PacketParserOptions {
  /** Largest accepted packet, header included. Default 1 MiB (Alibaba's limit is 256 KB). */
  readonly maxPacketSize?: number;
}

/**
 * A streaming parser: feed it TCP chunks, get whole packets. A packet that lies inside one
 * chunk is decoded in place (its PUBLISH payload is a view into that chunk, so do not reuse a
 * chunk buffer after pushing it); a packet that spans chunks is assembled once into its own
 * buffer.
 */
export interface PacketParser {
  /**
   * Returns the packets completed by `chunk`, in order. On malformed input it throws
   * {@link MqttDecodeError} whose `packets` holds the packets completed by this same chunk
   * before the malformed one, so a caller sees the same packets however the stream was split
   * (deliver them, then close: [MQTT-4.8.0-1]). After that every push throws the same error.
   */
  push(chunk: Uint8Array): MqttPacket[];
  /** Bytes held for an incomplete packet. */
  readonly buffered: number;
}

/**
 * Creates a {@link PacketParser}. Every received byte is handled a bounded number of times
 * whatever the split, so cost is linear in the bytes (1 MiB in 1-byte chunks: well under a
 * second). A packet inside one chunk is decoded where it lies. A packet spanning chunks is
 * gathered as it arrives (chunks of 256 bytes or more by reference, smaller
 * pieces copied into staging blocks) and copied once into its own buffer when complete, so
 * memory follows the bytes received, not the length a header claims. A declared length above
 * `maxPacketSize` is refused as soon as the fixed header is complete.
 */
export function createPacketParser(options?: PacketParserOptions): PacketParser {
  const max = integerOption('maxPacketSize', optionsRecord('options', options)['maxPacketSize'], 1 << 20, 2);
  // Fixed-header bytes of a packet whose header itself arrived split (at most 5).
  const head = new Uint8Array(5);
  let headLength = 0;
  // The packet being gathered across chunks: its header, its pieces, the bytes so far.
  let header: FixedHeader | undefined;
  let parts: Uint8Array[] = [];
  let stage = EMPTY;
  let staged = 0;
  let filled = 0;
  // Stream offset of the packet being read, for error offsets.
  let consumed = 0;
  let failed: MqttDecodeError | undefined;

  const checkSize = (h: FixedHeader): number => {
    const size = h.headerLength + h.remaining;
    if (size > max) throw new MqttDecodeError('packet_too_large', `packet of ${size} bytes exceeds the limit of ${max}`, consumed);
    return size;
  };
  const decodeAt = (buf: Uint8Array, offset: number, h: FixedHeader): MqttPacket => {
    try {
      return decodeBody(buf, offset, h);
    } catch (e) {
      if (e instanceof MqttDecodeError) throw new MqttDecodeError(e.code, e.message, consumed + (e.offset ?? 0) - offset);
      throw e;
    }
  };
  // Adds bytes[from..to) to the packet being gathered (to - from never exceeds what it lacks).
  const gather = (bytes: Uint8Array, from: number, to: number, size: number): void => {
    const n = to - from;
    if (n >= HOLD_FROM) {
      if (staged > 0) parts.push(stage.subarray(0, staged));
      stage = EMPTY;
      staged = 0;
      parts.push(bytes.subarray(from, to));
    } else {
      for (let i = from; i < to; ) {
        if (staged === stage.length) {
          if (staged > 0) parts.push(stage);
          stage = new Uint8Array(Math.min(STAGE_BLOCK, size - filled - (i - from)));
          staged = 0;
        }
        const k = Math.min(to - i, stage.length - staged);
        if (k < 16) for (let j = 0; j < k; j++) stage[staged + j] = bytes[i + j]!;
        else stage.set(bytes.subarray(i, i + k), staged);
        staged += k;
        i += k;
      }
    }
    filled += n;
  };
  // The gathered packet as one buffer: a single held chunk as it is, otherwise one copy.
  const assemble = (size: number): Uint8Array => {
    if (staged > 0) parts.push(stage.subarray(0, staged));
    const packet = parts.length === 1 ? parts[0]! : new Uint8Array(size);
    if (parts.length > 1) {
      let o = 0;
      for (const p of parts) {
        packet.set(p, o);
        o += p.length;
      }
    }
    reset();
    return packet;
  };
  const reset = (): void => {
    header = undefined;
    parts = [];
    stage = EMPTY;
    staged = 0;
    filled = 0;
    headLength = 0;
  };
  const fixedHeader = (buf: Uint8Array, at: number): FixedHeader | undefined => {
    try {
      return readFixedHeader(buf, at);
    } catch (e) {
      if (e instanceof MqttDecodeError) throw new MqttDecodeError(e.code, e.message, consumed + 1);
      throw e;
    }
  };

  const read = (chunk: Uint8Array, out: MqttPacket[]): void => {
    let pos = 0;
    const end = chunk.length;
    for (;;) {
      if (header !== undefined) {
        // Continue a packet that spans chunks.
        const size = header.headerLength + header.remaining;
        const k = Math.min(size - filled, end - pos);
        if (k > 0) gather(chunk, pos, pos + k, size);
        pos += k;
        if (filled < size) return;
        const h = header;
        out.push(decodeAt(assemble(size), 0, h));
        consumed += size;
        continue;
      }
      if (pos === end) return;
      if (headLength > 0) {
        // A fixed header that arrived split: add one byte at a time (at most four more).
        head[headLength++] = chunk[pos++]!;
        const h = fixedHeader(head.subarray(0, headLength), 0);
        if (h !== undefined) {
          const size = checkSize(h);
          const n = headLength;
          headLength = 0;
          header = h;
          gather(head, 0, n, size);
        }
        continue;
      }
      const h = fixedHeader(chunk, pos);
      if (h === undefined) {
        head.set(chunk.subarray(pos, end), 0);
        headLength = end - pos;
        return;
      }
      const size = checkSize(h);
      if (end - pos >= size) {
        // The common case: the whole packet lies in this chunk; decode it where it is.
        out.push(decodeAt(chunk, pos, h));
        consumed += size;
        pos += size;
        continue;
      }
      header = h;
      gather(chunk, pos, end, size);
      return;
    }
  };

  return new Parser(() => headLength + filled, (chunk) => {
    if (failed !== undefined) throw failed;
    if (!(chunk instanceof Uint8Array)) throw new MqttDecodeError('invalid_input', `a chunk must be a Uint8Array, got ${describe(chunk)}`, consumed);
    const out: MqttPacket[] = [];
    try {
      read(chunk, out);
    } catch (e) {
      const base = e instanceof MqttDecodeError ? e : new MqttDecodeError('invalid_packet', describe(e instanceof Error ? e.message : e), consumed);
      failed = new MqttDecodeError(base.code, base.message, base.offset, out);
      reset();
      throw failed;
    }
    return out;
  });
}

// A class with the getter on its prototype: an object literal with a getter took 1 µs to make,
// and the client makes one for every chunk it receives while it holds none (an idle client keeps no parser).
class Parser implements PacketParser {
  constructor(
    private readonly size: () => number,
    readonly push: (chunk: Uint8Array) => MqttPacket[],
  ) {}
  get buffered(): number {
    return this.size();
  }
}
