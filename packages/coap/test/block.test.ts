import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoapError, createBlockAssembler, decodeBlock, encodeBlock, nextObserveSeq, observeFresher, payloadBlock, splitBlocks, szxForSize,
} from '@linkwire/coap';
import { blockOptionArbitrary, blockTransferArbitrary } from '@linkwire/coap/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_EXPONENT, costExponent } from '../../../test/support/stream.ts';

const codeOf = (f: () => unknown): string | undefined => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(CoapError); return (e as CoapError).code; }
  return undefined;
};

describe('Block options (RFC 7959 §2.2)', () => {
  it('encodes and decodes NUM, M and SZX', () => {
    expect(encodeBlock({ num: 0, more: true, szx: 2 })).toBe(0x0a);
    expect(decodeBlock(new Uint8Array([0x1e]))).toEqual({ num: 1, more: true, szx: 6 });
    expect(decodeBlock(new Uint8Array([]))).toEqual({ num: 0, more: false, szx: 0 });
    expect(decodeBlock(new Uint8Array([0xff, 0xff, 0xf6]))).toEqual({ num: 0xfffff, more: false, szx: 6 });
    expect(codeOf(() => decodeBlock(new Uint8Array([0x07])))).toBe('invalid_block');
    expect(codeOf(() => encodeBlock({ num: 0x100000, more: false, szx: 0 }))).toBe('invalid_block');
    expect(szxForSize(1024)).toBe(6);
    expect(szxForSize(100)).toBe(2);
    expect(szxForSize(1)).toBe(0);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xfffff }), fc.boolean(), fc.integer({ min: 0, max: 6 }), (num, more, szx) => {
      expect(decodeBlock(encodeBlock({ num, more, szx }))).toEqual({ num, more, szx });
    }), { numRuns: numRuns(200) });
  });

  it('RFC 7959 Figure 2: a 2.05 split into 128-byte blocks (SZX 3)', () => {
    const body = new Uint8Array(300).map((_, i) => i);
    const blocks = splitBlocks(body, 3);
    expect(blocks.map((b) => [b.block.num, b.block.more, b.payload.length])).toEqual([[0, true, 128], [1, true, 128], [2, false, 44]]);
    expect(payloadBlock(body, 3, 3)).toBeUndefined();
    expect(payloadBlock(new Uint8Array(0), 0, 3)).toEqual({ block: { num: 0, more: false, szx: 3 }, payload: new Uint8Array(0) });
  });
});

describe('createBlockAssembler', () => {
  it('reassembles in any order with duplicates, and across a smaller SZX mid-transfer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (body, szx, dupes, shrink) => {
      let blocks = splitBlocks(body, szx);
      if (shrink && szx > 0 && blocks.length > 1) {
        // RFC 7959 §2.5: the first block at the larger size, the rest at szx - 1.
        const first = blocks[0]!;
        blocks = [first, ...splitBlocks(body, szx - 1).filter((b) => b.block.num >= 2)];
      }
      const order = blocks.concat(dupes.map((d) => blocks[d % blocks.length]!));
      const shuffled = order.map((b, i) => ({ b, k: (i * 7919) % (order.length + 1) })).sort((x, y) => x.k - y.k).map((x) => x.b);
      const a = createBlockAssembler({ maxSize: 4096 });
      for (const { block, payload } of shuffled) a.add(block, payload);
      expect(a.complete).toBe(true);
      expect(a.body()).toEqual(body);
    }), { numRuns: numRuns(200) });
  });

  it('never holds more than its bound, and refuses with block_too_large or block_conflict only', () => {
    const block = fc.record({ num: fc.integer({ min: 0, max: 300 }), more: fc.boolean(), szx: fc.integer({ min: 0, max: 6 }) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.array(fc.tuple(block, fc.integer({ min: 0, max: 1100 })), { maxLength: 60 }), (maxSize, adds) => {
      const a = createBlockAssembler({ maxSize });
      for (const [b, len] of adds) {
        const code = codeOf(() => a.add(b, new Uint8Array(len)));
        expect([undefined, 'block_too_large', 'block_conflict']).toContain(code);
        expect(a.received).toBeLessThanOrEqual(maxSize);
      }
      if (a.complete) expect(a.body().length).toBeLessThanOrEqual(maxSize);
    }), { numRuns: numRuns(300) });
  });

  it('names each conflict', () => {
    const a = createBlockAssembler({ maxSize: 1000 });
    expect(codeOf(() => a.add({ num: 0, more: true, szx: 2 }, new Uint8Array(10)))).toBe('block_conflict');
    a.add({ num: 0, more: true, szx: 2 }, new Uint8Array(64));
    expect(a.add({ num: 0, more: true, szx: 2 }, new Uint8Array(64))).toBe('duplicate');
    expect(codeOf(() => a.add({ num: 0, more: true, szx: 2 }, new Uint8Array(64).fill(1)))).toBe('block_conflict');
    // The same bytes re-sent at a smaller size are a duplicate; a larger block over them overlaps.
    expect(a.add({ num: 1, more: true, szx: 1 }, new Uint8Array(32))).toBe('duplicate');
    expect(codeOf(() => a.add({ num: 0, more: true, szx: 3 }, new Uint8Array(128)))).toBe('block_conflict');
    expect(codeOf(() => a.add({ num: 20, more: false, szx: 6 }, new Uint8Array(10)))).toBe('block_too_large');
    expect(codeOf(() => a.add({ num: 0, more: true, szx: 2 }, new Uint8Array(64), 5000))).toBe('block_too_large');
    expect(codeOf(() => a.body())).toBe('block_incomplete');
    expect(a.add({ num: 1, more: false, szx: 2 }, new Uint8Array(3))).toBe('complete');
    expect(codeOf(() => a.add({ num: 2, more: true, szx: 2 }, new Uint8Array(64)))).toBe('block_conflict');
    expect(a.body().length).toBe(67);
  });

  it('costs time linear in the number of blocks (fails on quadratic growth)', () => {
    const exponent = costExponent((blocks) => () => {
      const a = createBlockAssembler({ maxSize: blocks * 16 });
      const p = new Uint8Array(16);
      for (let i = blocks - 1; i >= 0; i--) a.add({ num: i, more: i < blocks - 1, szx: 0 }, p);
      if (!a.complete) throw new Error('incomplete');
    }, 2000);
    expect(exponent).toBeLessThan(MAX_COST_EXPONENT);
  });
});

describe('observe freshness (RFC 7641 §3.4)', () => {
  it('orders 24-bit sequence numbers with wrap-around and the 128-second rule', () => {
    expect(observeFresher({ seq: 1, at: 0 }, { seq: 2, at: 0 })).toBe(true);
    expect(observeFresher({ seq: 2, at: 0 }, { seq: 1, at: 0 })).toBe(false);
    expect(observeFresher({ seq: 5, at: 0 }, { seq: 5, at: 0 })).toBe(false);
    expect(observeFresher({ seq: 0xfffffe, at: 0 }, { seq: 3, at: 0 })).toBe(true);
    expect(observeFresher({ seq: 3, at: 0 }, { seq: 0xfffffe, at: 0 })).toBe(false);
    expect(observeFresher({ seq: 0, at: 0 }, { seq: 1 << 23, at: 0 })).toBe(false);
    expect(observeFresher({ seq: 10, at: 0 }, { seq: 5, at: 128_001 })).toBe(true);
    expect(observeFresher({ seq: 10, at: 0 }, { seq: 5, at: 128_000 })).toBe(false);
    expect(nextObserveSeq(0xffffff)).toBe(0);
  });

  it('a run of increasing notifications is always fresher, across the wrap', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 1, max: (1 << 23) - 1 }), (start, step) => {
      expect(observeFresher({ seq: start, at: 0 }, { seq: (start + step) & 0xffffff, at: 0 })).toBe(true);
      expect(observeFresher({ seq: (start + step) & 0xffffff, at: 0 }, { seq: start, at: 0 })).toBe(false);
    }), { numRuns: numRuns(200) });
  });
});

describe('testing arbitraries', () => {
  it('blockOptionArbitrary and blockTransferArbitrary round-trip', () => {
    fc.assert(fc.property(blockOptionArbitrary(), (b) => { expect(decodeBlock(encodeBlock(b))).toEqual(b); }), { numRuns: numRuns(200) });
    fc.assert(fc.property(blockTransferArbitrary(), ({ payload, szx }) => {
      const a = createBlockAssembler({ maxSize: payload.length });
      for (const { block, payload: p } of splitBlocks(payload, szx).reverse()) a.add(block, p);
      expect(a.body()).toEqual(payload);
    }), { numRuns: numRuns(100) });
  });
});
