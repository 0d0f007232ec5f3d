// Issue 22: the stream parser is linear in bytes however the stream is split, and the split
// never changes what a caller sees (issue 25: not even the packets before a malformed one).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, utf8Decode, utf8Encode } from '@linkwire/base';
import { MqttDecodeError, createMqttSession, createPacketParser, decodePacket, encodePacket, type MqttPacket } from '@linkwire/mqtt';
import { malformedBytes, mqttPacket } from '@linkwire/mqtt/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_RATIO, chunksOf, costRatio, splitAt, splitPoints } from '../../../test/support/stream.ts';

interface Outcome {
  readonly packets: MqttPacket[];
  readonly error?: { readonly code: string; readonly offset: number | undefined };
  readonly buffered: number;
}

/** Feeds `chunks` and records everything a caller sees: packets returned or carried by the error. */
function feed(chunks: readonly Uint8Array[], maxPacketSize?: number): Outcome {
  const parser = createPacketParser(maxPacketSize === undefined ? undefined : { maxPacketSize });
  const packets: MqttPacket[] = [];
  let pushed = 0;
  let delivered = 0;
  for (const c of chunks) {
    try {
      const got = parser.push(c);
      packets.push(...got);
      pushed += c.length;
      delivered += got.reduce((n, p) => n + encodePacket(p).length, 0);
      // `buffered` is exact: everything pushed that no returned packet accounts for.
      expect(parser.buffered).toBe(pushed - delivered);
    } catch (e) {
      expect(e).toBeInstanceOf(MqttDecodeError);
      const err = e as MqttDecodeError;
      packets.push(...err.packets);
      // Failed for good: the next push throws the same error and delivers nothing again.
      expect(() => parser.push(Uint8Array.of(0xc0, 0x00))).toThrow(err);
      return { packets, error: { code: err.code, offset: err.offset }, buffered: parser.buffered };
    }
  }
  return { packets, buffered: parser.buffered };
}

const publish = (payloadBytes: number): Uint8Array =>
  encodePacket({ type: 'publish', topic: 'a/b', payload: new Uint8Array(payloadBytes).fill(7), qos: 1, retain: false, dup: false, messageId: 9 });

describe('createPacketParser under any split', () => {
  it('valid streams: arbitrary split points give the unsplit result', () => {
    fc.assert(fc.property(fc.array(mqttPacket(), { minLength: 1, maxLength: 8 }).chain((ps) => {
      const all = new Uint8Array(Buffer.concat(ps.map((p) => encodePacket(p))));
      return fc.tuple(fc.constant(ps), fc.constant(all), splitPoints(all.length));
    }), ([packets, all, points]) => {
      const whole = feed([all]);
      expect(whole).toEqual({ packets, buffered: 0 });
      expect(feed(splitAt(all, points))).toEqual(whole);
    }), { numRuns: numRuns(300) });
  });

  it('a malformed packet after valid ones: the same packets and the same error whatever the split', () => {
    fc.assert(fc.property(fc.tuple(fc.array(mqttPacket(), { maxLength: 5 }), malformedBytes(encodePacket)).chain(([ps, bad]) => {
      const all = new Uint8Array(Buffer.concat([...ps.map((p) => encodePacket(p)), bad]));
      return fc.tuple(fc.constant(ps), fc.constant(all), splitPoints(all.length));
    }), ([packets, all, points]) => {
      const whole = feed([all]);
      // Every valid packet before the bad bytes reaches the caller.
      expect(whole.packets.slice(0, packets.length)).toEqual(packets);
      expect(feed(splitAt(all, points))).toEqual(whole);
      expect(feed(chunksOf(all, 1))).toEqual(whole);
    }), { numRuns: numRuns(200) });
  });

  it('delivers the packets before a malformed one in the same chunk (mqtt-packet test.js, issue 25)', () => {
    const good = encodePacket({ type: 'puback', messageId: 1 });
    const bad = Uint8Array.of(0x36, 0x03, 0x00, 0x01, 0x61); // publish QoS 3
    const whole = feed([new Uint8Array([...good, ...bad])]);
    expect(whole.packets).toEqual([{ type: 'puback', messageId: 1 }]);
    expect(whole.error).toEqual({ code: 'invalid_qos', offset: 4 });
    expect(feed(chunksOf(new Uint8Array([...good, ...bad]), 1))).toEqual(whole);
  });

  it('refuses an oversize packet from its header, however the header is split', () => {
    const bytes = publish(200);
    for (const size of [1, 2, 3, bytes.length]) {
      expect(feed(chunksOf(bytes, size), 100).error).toEqual({ code: 'packet_too_large', offset: 0 });
    }
  });

  it('reproducer: a 256 KiB PUBLISH in 1-byte chunks (was 29.6 s, quadratic in chunks)', () => {
    const bytes = publish(256 * 1024);
    const parser = createPacketParser();
    const got: MqttPacket[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...parser.push(bytes.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    const p = got[0] as Extract<MqttPacket, { type: 'publish' }>;
    expect(p.payload.length).toBe(256 * 1024);
    expect(p.payload.every((b) => b === 7)).toBe(true);
    expect(parser.buffered).toBe(0);
  });

  it('a packet at the default 1 MiB limit arrives in 1-byte chunks', () => {
    const bytes = publish((1 << 20) - 11);
    expect(bytes.length).toBe(1 << 20);
    const parser = createPacketParser();
    let n = 0;
    for (let i = 0; i < bytes.length; i++) n += parser.push(bytes.subarray(i, i + 1)).length;
    expect(n).toBe(1);
  });

  it(`cost: 256 KiB in 1-byte chunks costs at most ${MAX_COST_RATIO}× 64 KiB (linear is 4×)`, () => {
    const ratios = [
      // One large PUBLISH in 4 KiB chunks (TCP-sized), the same in 1-byte chunks, and a stream
      // of small PUBLISHes in 1-byte chunks.
      costRatio((bytes) => {
        const all = publish(bytes - 9);
        return () => {
          const parser = createPacketParser();
          for (let i = 0; i < all.length; i += 4096) parser.push(all.subarray(i, i + 4096));
          if (parser.buffered !== 0) throw new Error('incomplete');
        };
      }, 15),
      costRatio((bytes) => {
        const all = publish(bytes - 9);
        return () => {
          const parser = createPacketParser();
          for (let i = 0; i < all.length; i++) parser.push(all.subarray(i, i + 1));
          if (parser.buffered !== 0) throw new Error('incomplete');
        };
      }),
      costRatio((bytes) => {
        const one = publish(100);
        const all = new Uint8Array(Math.floor(bytes / one.length) * one.length);
        for (let o = 0; o < all.length; o += one.length) all.set(one, o);
        return () => {
          const parser = createPacketParser();
          for (let i = 0; i < all.length; i++) parser.push(all.subarray(i, i + 1));
        };
      }),
    ];
    console.log(`mqtt parser cost ratios (256 KiB / 64 KiB, 1-byte chunks): ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    for (const r of ratios) expect(r).toBeLessThan(MAX_COST_RATIO);
  });
});

describe('a session sees the same thing whatever the split (issue 25)', () => {
  it('handles the PUBLISHes before a malformed packet, acknowledges them, then closes with the decode error', async () => {
    const run = async (split: boolean) => {
      const sent: MqttPacket[] = [];
      const messages: string[] = [];
      let closedWith: unknown = null;
      const session = createMqttSession({
        clock: manualClock(0), clientId: 'c1', username: 'u', password: 'p', keepalive: 60,
        send: (b) => sent.push(decodePacket(b)), close: (e) => { closedWith = e; }, onMessage: (m) => messages.push(utf8Decode(m.payload)),
      });
      const connecting = session.connect();
      session.receive(encodePacket({ type: 'connack', sessionPresent: false, returnCode: 0 }));
      await connecting;
      const bytes = new Uint8Array(Buffer.concat([
        encodePacket({ type: 'publish', topic: 't', payload: utf8Encode('one'), qos: 1, retain: false, dup: false, messageId: 1 }),
        encodePacket({ type: 'publish', topic: 't', payload: utf8Encode('two'), qos: 0, retain: false, dup: false }),
        Uint8Array.of(0x36, 0x03, 0x00, 0x01, 0x61), // QoS 3: malformed
      ]));
      for (const c of split ? chunksOf(bytes, 1) : [bytes]) session.receive(c);
      return { messages, acks: sent.filter((p) => p.type === 'puback'), code: (closedWith as { code?: string } | null)?.code };
    };
    const whole = await run(false);
    expect(whole).toEqual({ messages: ['one', 'two'], acks: [{ type: 'puback', messageId: 1 }], code: 'invalid_qos' });
    expect(await run(true)).toEqual(whole);
  });
});
