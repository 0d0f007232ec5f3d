import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '@linkwire/base';
import { EdgeError, createWatchReader, decodeWatchMessage, encodeWatchMessage, type WatchMessage } from '@linkwire/edge';
import { numRuns } from '../../../test/support/fast-check.ts';
import { costRatio, MAX_COST_RATIO } from '../../../test/support/stream.ts';

// aliyun-link-iot-edge-developer-guide.txt §3.4.5 "Watch", the example stream, line by line
// (the seed masks the identifiers with ***; they are kept as printed).
const SEED_STREAM = [
  '{"Data":{"Timestamp":1572510704112,"Event":"propertiesChanged","ProductKey":"a1t9b6Nn***","Args":{"MeasuredIlluminance":{"time":1572510704110,"value":400}},"DeviceName":"GjCb9LKXgcKXeluGj***"},"Code":200,"Message":"success"}',
  '{"Data":{"Timestamp":1572510706116,"Event":"propertiesChanged","ProductKey":"a1t9b6Nn***","Args":{"MeasuredIlluminance":{"time":1572510706114,"value":300}},"DeviceName":"GjCb9LKXgcKXeluGj***"},"Code":200,"Message":"success"}',
  '{"Data":{"Timestamp":1572510706117},"Code":200,"Message":"heartbeat"}',
  '{"Data":{"Timestamp":1572510708119,"Event":"propertiesChanged","ProductKey":"a1t9b6Nn***","Args":{"MeasuredIlluminance":{"time":1572510708118,"value":200}},"DeviceName":"GjCb9LKXgcKXeluGj***"},"Code":200,"Message":"success"}',
];
const SEED_BYTES = utf8Encode(SEED_STREAM.map((l) => `${l}\n`).join(''));
const event = (ts: number, t: number, value: number): WatchMessage => ({
  kind: 'event', productKey: 'a1t9b6Nn***', deviceName: 'GjCb9LKXgcKXeluGj***', event: 'propertiesChanged', args: { MeasuredIlluminance: { time: t, value } }, timestamp: ts,
});
const SEED_MESSAGES: WatchMessage[] = [
  event(1572510704112, 1572510704110, 400),
  event(1572510706116, 1572510706114, 300),
  { kind: 'heartbeat', timestamp: 1572510706117 },
  event(1572510708119, 1572510708118, 200),
];

function feed(bytes: Uint8Array, cuts: readonly number[], maxLineBytes?: number): WatchMessage[] {
  const r = createWatchReader({ maxLineBytes });
  const out: WatchMessage[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...r.push(bytes.subarray(at, c)));
    at = c;
  }
  r.end();
  return out;
}

describe('the Watch stream (seed §3.4.5)', () => {
  it('reads the seed\'s example stream', () => {
    expect(feed(SEED_BYTES, [])).toEqual(SEED_MESSAGES);
  });

  it('writes the seed\'s lines byte for byte', () => {
    expect(SEED_MESSAGES.map((m) => utf8Decode(encodeWatchMessage(m)))).toEqual(SEED_STREAM.map((l) => `${l}\n`));
  });

  it('gives the same messages however the bytes are split (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: SEED_BYTES.length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(feed(SEED_BYTES, [...cuts].sort((a, b) => a - b))).toEqual(SEED_MESSAGES);
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('round-trips arbitrary events under arbitrary splits, CRLF line ends included (property)', () => {
    const msg = fc.oneof(
      fc.record({
        kind: fc.constant('event' as const), productKey: fc.string({ minLength: 1 }), deviceName: fc.string({ minLength: 1 }), event: fc.string(),
        args: fc.option(fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.oneof(fc.integer(), fc.string(), fc.boolean())), { nil: undefined }),
        timestamp: fc.integer({ min: 0 }),
      }),
      fc.record({ kind: fc.constant('heartbeat' as const), timestamp: fc.integer({ min: 0 }) }),
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (messages, rawCuts, crlf) => {
        let text = messages.map((m) => utf8Decode(encodeWatchMessage(m as WatchMessage))).join('');
        if (crlf) text = text.replace(/\n/g, '\r\n\r\n');
        const bytes = utf8Encode(text);
        const cuts = [...new Set(rawCuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
        const expected = messages.map((m) => (m.kind === 'event' && m.args === undefined ? { ...m, args: undefined } : m));
        expect(feed(bytes, cuts)).toEqual(expected);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('a stream that stops mid-message is watch_truncated; junk lines are invalid_watch_message (never another error)', () => {
    const cut = SEED_BYTES.subarray(0, SEED_BYTES.length - 20);
    const r = createWatchReader();
    expect(r.push(cut)).toHaveLength(3);
    expect(() => r.end()).toThrowError(expect.objectContaining({ code: 'watch_truncated' }));
    for (const junk of ['{', 'null', '[]', '{"Code":"200"}', '{"Code":200}', '{"Code":200,"Data":{"Timestamp":"x"}}', '{"Code":200,"Data":{"Timestamp":1,"Event":5}}', '{"Code":200,"Data":{"Timestamp":1,"Event":"e","ProductKey":"p","DeviceName":"d","Args":[]}}', '\uFFFF\u0000']) {
      expect(() => createWatchReader().push(utf8Encode(`${junk}\n`)), junk).toThrowError(EdgeError);
    }
    expect(decodeWatchMessage('{"Code":500,"Message":"gateway restarting"}')).toEqual({ kind: 'error', code: 500, message: 'gateway restarting' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const reader = createWatchReader({ maxLineBytes: 128 });
        try {
          reader.push(bytes);
          reader.end();
        } catch (e) {
          expect(e).toBeInstanceOf(EdgeError);
        }
      }),
      { numRuns: numRuns(500) },
    );
  });

  it('bounds buffering: a line past maxLineBytes fails as soon as it is too long', () => {
    const r = createWatchReader({ maxLineBytes: 1000 });
    r.push(new Uint8Array(600).fill(0x20));
    expect(r.buffered).toBe(600);
    expect(() => r.push(new Uint8Array(600).fill(0x20))).toThrowError(expect.objectContaining({ code: 'watch_line_too_long' }));
  });

  it('costs linear time fed one byte at a time: 4x the bytes within MAX_COST_RATIO of the time', () => {
    // One long line (the worst case for a reader that re-joins or re-scans what it holds) and a
    // stream of many small messages, each fed as 1-byte chunks.
    const longLine = (n: number): Uint8Array => {
      const pad = 'x'.repeat(n - 80);
      return utf8Encode(`{"Data":{"Timestamp":1,"Event":"e","ProductKey":"p","DeviceName":"d","Args":{"a":"${pad}"}},"Code":200}\n`);
    };
    const manyLines = (n: number): Uint8Array => {
      const one = encodeWatchMessage(SEED_MESSAGES[0]!);
      const out = new Uint8Array(Math.floor(n / one.length) * one.length);
      for (let i = 0; i < out.length; i += one.length) out.set(one, i);
      return out;
    };
    for (const make of [longLine, manyLines]) {
      const ratio = costRatio((n) => {
        const bytes = make(n);
        return () => {
          const r = createWatchReader({ maxLineBytes: 1 << 20 });
          for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
          r.end();
        };
      }, 5);
      expect(ratio, make.name).toBeLessThan(MAX_COST_RATIO);
    }
  });
});

describe('hostile input (npm run fuzz, "Edge HTTP bodies")', () => {
  it('a chunk that is not bytes and options of the wrong type are typed errors (fuzz seed 1386353601: TypeError chunk.subarray)', () => {
    const r = createWatchReader();
    // The reproducer: a string chunk after nothing held ("  " has no newline).
    expect(() => r.push('  ' as never)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    for (const bad of [null, 'x', 3n, new Uint16Array(2), undefined, { length: 1 }]) {
      expect(() => r.push(bad as never)).toThrow(EdgeError);
    }
    expect(r.push(utf8Encode('{"Data":{"Timestamp":1},"Code":200,"Message":"heartbeat"}\n'))).toEqual([{ kind: 'heartbeat', timestamp: 1 }]);
    for (const bad of [null, 'x', { maxLineBytes: 0 }, { maxLineBytes: NaN }, { maxLineBytes: 1n }, { maxLineBytes: -1 }]) {
      expect(() => createWatchReader(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
  });
});
