// Issue 22: block-wise reassembly (the CoAP byte stream) gives the same body however the body
// is cut into blocks, and costs time linear in bytes at the smallest block size (16 bytes,
// CoAP's equivalent of 1-byte chunks).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '@linkwire/base';
import { CoapCode, CoapOption, createBlock1Receiver, encodeBlock, type CoapMessage } from '@linkwire/coap';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_RATIO, costRatio } from '../../../test/support/stream.ts';

/** The Block1 requests of an upload whose block size changes at each cut (§2.5 lets it shrink). */
function uploadRequests(body: Uint8Array, szxAt: (offset: number) => number): CoapMessage[] {
  const out: CoapMessage[] = [];
  let offset = 0;
  do {
    const szx = szxAt(offset);
    const size = 16 << szx;
    const num = offset / size;
    const payload = body.subarray(offset, offset + size);
    const more = offset + size < body.length;
    out.push({
      type: 'CON', code: CoapCode.PUT, messageId: out.length & 0xffff, token: new Uint8Array(0), payload,
      options: [{ number: CoapOption.UriPath, value: utf8Encode('fw') }, { number: CoapOption.Block1, value: Uint8Array.of(...uintBytes(encodeBlock({ num, more, szx }))) }],
    });
    offset += size;
  } while (offset < body.length);
  return out;
}
function uintBytes(v: number): number[] {
  const out: number[] = [];
  for (; v > 0; v = Math.floor(v / 256)) out.unshift(v & 255);
  return out;
}

function receive(requests: readonly CoapMessage[], maxSize: number): Uint8Array | string {
  const r = createBlock1Receiver({ maxSize, now: () => 0, szx: 6 });
  for (const req of requests) {
    const o = r.receive(req, 'peer');
    if (o === undefined) return 'no-block1';
    if (o.kind === 'complete') return o.body;
    if (o.response.code !== CoapCode.Continue) return `refused ${o.response.code}`;
  }
  return 'incomplete';
}

describe('Block1 reassembly under any split', () => {
  it('any block sizes (shrinking at arbitrary offsets) give the unsplit body', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.nat(), { maxLength: 6 }), (body, start, cuts) => {
      // The size may only shrink (§2.5), and a new size must start on one of its own boundaries.
      const marks = [...new Set(cuts.map((c) => c % body.length))].sort((a, b) => a - b);
      let szx = start;
      let next = 0;
      const requests = uploadRequests(body, (offset) => {
        while (next < marks.length && marks[next]! <= offset) {
          next++;
          if (szx > 0) szx--;
        }
        return szx;
      });
      expect(receive(requests, 1 << 16)).toEqual(body);
    }), { numRuns: numRuns(200) });
  });

  it(`cost: 256 KiB in 16-byte blocks costs at most ${MAX_COST_RATIO}× 64 KiB (linear is 4×)`, () => {
    const ratio = costRatio((bytes) => {
      const body = new Uint8Array(bytes).map((_, i) => i);
      const requests = uploadRequests(body, () => 0);
      return () => {
        const got = receive(requests, bytes);
        if (!(got instanceof Uint8Array) || got.length !== bytes) throw new Error(`reassembly failed: ${String(got)}`);
      };
    });
    expect(ratio).toBeLessThan(MAX_COST_RATIO);
  });
});
