import { describe, integerOption, optionsRecord, requiredOption } from '@linkwire/base';
import { CoapError } from './errors.ts';
import { decodeUint } from './options.ts';

/**
 * A Block1/Block2 option value (RFC 7959 §2.2): block number, more flag and size exponent;
 * the block size is `16 << szx` (16–1024 bytes).
 */
export interface BlockOption {
  readonly num: number;
  readonly more: boolean;
  readonly szx: number;
}

const MAX_NUM = 0xfffff;

/** The block size for a size exponent. */
export const blockSize = (szx: number): number => {
  if (typeof szx !== 'number' || !(szx >= 0 && szx <= 7 && Math.floor(szx) === szx)) throw new CoapError('invalid_block', `block size exponent ${describe(szx)} out of range`);
  return 16 << szx;
};

/**
 * The largest size exponent whose block fits in `bytes` (at least 0, at most 6).
 *
 * @example
 * szxForSize(1024) // 6
 */
export function szxForSize(bytes: number): number {
  if (typeof bytes !== 'number' || !(bytes >= 0)) throw new CoapError('invalid_block', `a block size is a number of bytes, got ${describe(bytes)}`);
  let szx = 0;
  while (szx < 6 && 16 << (szx + 1) <= bytes) szx++;
  return szx;
}

/**
 * Reads a Block1/Block2 option value. SZX 7 is reserved in CoAP over UDP (RFC 7959 §2.2) and
 * rejected with `invalid_block`.
 *
 * @example
 * decodeBlock(new Uint8Array([0x1e])) // { num: 1, more: true, szx: 6 }
 */
export function decodeBlock(value: Uint8Array | number): BlockOption {
  if (typeof value !== 'number' && !(value instanceof Uint8Array)) throw new CoapError('invalid_block', `a block option is a number or bytes, got ${describe(value)}`);
  if (typeof value !== 'number' && value.length > 3) throw new CoapError('invalid_block', `block option of ${value.length} bytes`);
  const v = typeof value === 'number' ? value : decodeUint(value);
  if (!(v >= 0 && v <= 0xffffff && Math.floor(v) === v)) throw new CoapError('invalid_block', `block option value ${describe(v)} out of range`);
  const szx = v & 7;
  if (szx === 7) throw new CoapError('invalid_block', 'block size exponent 7 is reserved');
  return { num: v >>> 4, more: (v & 8) === 8, szx };
}

/**
 * The uint value of a Block1/Block2 option, to pass as the option's value to `encodeCoap`.
 *
 * @example
 * encodeBlock({ num: 1, more: true, szx: 6 }) // 0x1e
 */
export function encodeBlock(block: BlockOption): number {
  if (typeof block !== 'object' || block === null) throw new CoapError('invalid_block', `a block option is an object, got ${describe(block)}`);
  const { num, szx } = block;
  if (typeof num !== 'number' || !(num >= 0 && num <= MAX_NUM && Math.floor(num) === num)) throw new CoapError('invalid_block', `block number ${describe(num)} out of range`);
  if (typeof szx !== 'number' || !(szx >= 0 && szx <= 6 && Math.floor(szx) === szx)) throw new CoapError('invalid_block', `block size exponent ${describe(szx)} out of range`);
  return num * 16 + (block.more ? 8 : 0) + szx;
}

/** One block of a payload, as a view into it. */
export interface PayloadBlock {
  readonly block: BlockOption;
  readonly payload: Uint8Array;
}

/**
 * Block `num` of `payload` at size exponent `szx`, or undefined when it starts past the end
 * (a server answers that with 4.02 or 4.00; RFC 7959 §2.2 leaves the choice). Used to answer a
 * Block2 request or to send the next Block1.
 */
export function payloadBlock(payload: Uint8Array, num: number, szx: number): PayloadBlock | undefined {
  if (!(payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `a payload is a Uint8Array, got ${describe(payload)}`);
  encodeBlock({ num, more: false, szx });
  const size = blockSize(szx);
  const start = num * size;
  if (start > payload.length || (start === payload.length && num > 0)) return undefined;
  const end = Math.min(start + size, payload.length);
  return { block: { num, more: end < payload.length, szx }, payload: payload.subarray(start, end) };
}

/**
 * Splits a payload into its Block1/Block2 sequence (views, no copies). An empty payload is one
 * empty final block.
 *
 * @example
 * splitBlocks(new Uint8Array(100), 2).map((b) => b.payload.length) // [64, 36]
 */
export function splitBlocks(payload: Uint8Array, szx: number): PayloadBlock[] {
  if (!(payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `a payload is a Uint8Array, got ${describe(payload)}`);
  encodeBlock({ num: 0, more: false, szx });
  const size = blockSize(szx);
  const count = Math.max(1, Math.ceil(payload.length / size));
  if (count - 1 > MAX_NUM) throw new CoapError('block_too_large', `payload of ${payload.length} bytes needs more than 2^20 blocks`);
  const out: PayloadBlock[] = [];
  for (let num = 0; num < count; num++) out.push(payloadBlock(payload, num, szx)!);
  return out;
}

/** What {@link BlockAssembler.add} made of a block. */
export type BlockAddResult = 'added' | 'duplicate' | 'complete';

/** Reassembles a block-wise body (RFC 7959) in any arrival order, within a size bound. */
export interface BlockAssembler {
  /**
   * Adds one block. Throws {@link CoapError}: `block_too_large` when the body would exceed the
   * bound (answer 4.13), `block_conflict` for a block that contradicts earlier ones (a
   * different final size, a different duplicate, a partial overlap, a short non-final block).
   */
  add(block: BlockOption, payload: Uint8Array, sizeHint?: number): BlockAddResult;
  /** True once every byte up to the final block has arrived. */
  readonly complete: boolean;
  /** Bytes received so far (never more than `maxSize`). */
  readonly received: number;
  /** The body; throws `block_incomplete` before it is complete. */
  body(): Uint8Array;
}

/**
 * Creates a reassembler bounded to `maxSize` bytes. Blocks are copied on arrival (datagram
 * buffers may be reused by the adapter) into one buffer that grows by doubling up to the
 * furthest byte received, so memory never exceeds about twice `maxSize`. Identical duplicates
 * are accepted; a smaller SZX mid-transfer (RFC 7959 §2.5) is fine because blocks are placed
 * by byte offset.
 *
 * @example
 * const a = createBlockAssembler({ maxSize: 64 * 1024 });
 * for (const { block, payload } of splitBlocks(body, 4)) a.add(block, payload);
 * a.body() // equals body
 */
/** The largest body an assembler takes: 2^31 − 1 bytes, what a typed array holds everywhere. */
const MAX_ASSEMBLY = 2 ** 31 - 1;

export function createBlockAssembler(options: { readonly maxSize: number }): BlockAssembler {
  // A NaN maxSize used to let the first block write outside the buffer.
  const maxSize = integerOption('maxSize', requiredOption('maxSize', optionsRecord('options', options ?? null)['maxSize']), 0, 0, MAX_ASSEMBLY);
  let data = new Uint8Array(0);
  // One flag per 16-byte unit (every block starts on one): overlaps and duplicates are found in
  // time linear in the block, however many blocks there are.
  let units = new Uint8Array(0);
  let total = -1;
  let received = 0;
  let maxEnd = 0;
  let sawFinal = false;
  const conflict = (why: string): never => {
    throw new CoapError('block_conflict', why);
  };
  const grow = (end: number): void => {
    if (end <= data.length) return;
    const next = new Uint8Array(Math.min(maxSize, Math.max(end, data.length * 2, 256)));
    next.set(data);
    data = next;
    const nextUnits = new Uint8Array((next.length + 15) >> 4);
    nextUnits.set(units);
    units = nextUnits;
  };
  const self: BlockAssembler = {
    add(block, payload, sizeHint) {
      encodeBlock(block);
      const { num, more, szx } = block;
      if (!(payload instanceof Uint8Array)) throw new CoapError('invalid_block', `a block payload is a Uint8Array, got ${describe(payload)}`);
      if (sizeHint !== undefined && typeof sizeHint !== 'number') throw new CoapError('invalid_block', `a size hint is a number, got ${describe(sizeHint)}`);
      if (sizeHint !== undefined && sizeHint > maxSize) throw new CoapError('block_too_large', `announced size ${sizeHint} exceeds ${maxSize}`);
      const size = blockSize(szx);
      const start = num * size;
      const end = start + payload.length;
      if (end > maxSize || start > maxSize) throw new CoapError('block_too_large', `block ending at ${end} exceeds ${maxSize}`);
      if (more && payload.length !== size) conflict(`non-final block ${num} carries ${payload.length} bytes, not ${size}`);
      if (!more && payload.length > size) conflict(`final block ${num} carries ${payload.length} bytes, more than ${size}`);
      if (total >= 0 && (end > total || (!more && end !== total))) conflict(`block ${num} disagrees with the final size ${total}`);
      if (!more && maxEnd > end) conflict(`final size ${end} is below a block already received`);
      grow(end);
      const first = start >> 4;
      const last = (end + 15) >> 4;
      let covered = 0;
      for (let u = first; u < last; u++) covered += units[u]!;
      if (covered > 0) {
        if (covered !== last - first) conflict(`block at ${start} partly overlaps earlier blocks`);
        for (let i = 0; i < payload.length; i++) if (data[start + i] !== payload[i]) conflict(`block at ${start} arrived again with different bytes`);
        return self.complete ? 'complete' : 'duplicate';
      }
      if (!more) {
        total = end;
        sawFinal = true;
      }
      data.set(payload, start);
      units.fill(1, first, last);
      received += payload.length;
      if (end > maxEnd) maxEnd = end;
      return self.complete ? 'complete' : 'added';
    },
    get complete() {
      return sawFinal && received === total;
    },
    get received() {
      return received;
    },
    body() {
      if (!self.complete) throw new CoapError('block_incomplete', `${received} of ${total < 0 ? '?' : total} bytes received`);
      return data.slice(0, total);
    },
  };
  return self;
}
