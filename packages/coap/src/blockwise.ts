import { describe, integerOption, numberOption, OptionError, optionsRecord, requiredFunction, requiredOption, utf8Encode } from '@linkwire/base';
import { blockSize, createBlockAssembler, decodeBlock, encodeBlock, type BlockOption } from './block.ts';
import { CoapCode } from './codes.ts';
import type { CoapEndpoint, CoapRequestInit, CoapResult } from './endpoint.ts';
import { CoapError } from './errors.ts';
import { getOption, getUintOption, type CoapMessage } from './message.ts';
import { CoapOption } from './options.ts';

export interface BlockwiseOptions {
  /** Preferred block size exponent for Block1 (and Block2 follow-ups). Default 6 (1024 bytes). */
  readonly szx?: number;
  /** Largest response body accepted through Block2. Default 1 MiB. */
  readonly maxSize?: number;
  /**
   * Ask for Block2 blocks of this size from the first response on (early negotiation, RFC 7959
   * §2.4). Off by default: Block2 is critical, and a server without block-wise support answers
   * a request carrying it with 4.02.
   */
  readonly block2Szx?: number;
}

/** How a block-wise request ended: the last response with the whole body as its payload, or why not. */
export type BlockwiseResult =
  | { readonly ok: true; readonly response: CoapMessage }
  | { readonly ok: false; readonly error: 'timeout' | 'reset' | 'cancelled' | 'closed' | 'block_too_large' | 'block_conflict' | 'invalid_block' };

const BLOCK_OPTIONS = new Set<number>([CoapOption.Block1, CoapOption.Block2, CoapOption.Size1, CoapOption.Size2]);

/**
 * Sends a request block-wise (RFC 7959) over an endpoint: a payload larger than the block size
 * goes out as a Block1 sequence, following the server's smaller SZX if it asks for one (§2.5);
 * a response that carries Block2 with more blocks is fetched to the end and reassembled within
 * `maxSize`. `onResult` gets the final response with the whole body as payload.
 *
 * @example
 * blockwiseRequest(ep, { code: CoapCode.GET, options: pathOptions('/firmware') }, { maxSize: 1 << 20 }, (r) => {
 *   if (r.ok) install(r.response.payload);
 * });
 */
export function blockwiseRequest(
  endpoint: CoapEndpoint,
  request: CoapRequestInit,
  options: BlockwiseOptions,
  onResult: (result: BlockwiseResult) => void,
): { cancel(): void } {
  const o = optionsRecord('options', options);
  const preferred = integerOption('szx', o['szx'], 6, 0, 6);
  const maxSize = integerOption('maxSize', o['maxSize'], 1 << 20, 0);
  const block2Szx = o['block2Szx'] === undefined ? undefined : integerOption('block2Szx', o['block2Szx'], 6, 0, 6);
  requiredFunction('onResult', onResult);
  if (typeof endpoint !== 'object' || endpoint === null || typeof endpoint.request !== 'function') throw new OptionError('endpoint', 'a CoapEndpoint', endpoint);
  if (typeof request !== 'object' || request === null) throw new CoapError('invalid_argument', `a request must be an object, got ${describe(request)}`);
  if (request.options !== undefined && !Array.isArray(request.options)) throw new CoapError('invalid_argument', `request options are a list, got ${describe(request.options)}`);
  if (request.payload !== undefined && typeof request.payload !== 'string' && !(request.payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `a payload is a string or a Uint8Array, got ${describe(request.payload)}`);
  const body = request.payload === undefined ? new Uint8Array(0) : typeof request.payload === 'string' ? utf8Encode(request.payload) : request.payload;
  // Each option's number and value are checked by the endpoint when a block is sent; here only that each is an object (its number is read).
  for (const x of (request.options ?? []) as unknown[]) if (typeof x !== 'object' || x === null) throw new CoapError('invalid_argument', `a request option is an object, got ${describe(x)}`);
  const base = (request.options ?? []).filter((x) => !BLOCK_OPTIONS.has(x.number));
  const assembler = createBlockAssembler({ maxSize });
  let current: { cancel(): void } | undefined;
  let done = false;

  const end = (r: BlockwiseResult): void => {
    if (done) return;
    done = true;
    onResult(r);
  };

  const send = (init: CoapRequestInit, next: (r: CoapMessage) => void): void => {
    try {
      current = endpoint.request(init, (r: CoapResult) => (r.ok ? next(r.response) : end(r)));
    } catch (e) {
      // Only too_many_requests or closed can land here mid-transfer; both read as closed.
      end({ ok: false, error: e instanceof CoapError && e.code === 'too_many_requests' ? 'cancelled' : 'closed' });
    }
  };

  const readBlock = (response: CoapMessage, number: number): BlockOption | undefined | 'invalid' => {
    const v = getOption(response, number);
    if (v === undefined) return undefined;
    try {
      return decodeBlock(v);
    } catch {
      return 'invalid';
    }
  };

  const fetchRest = (response: CoapMessage): void => {
    const b2 = readBlock(response, CoapOption.Block2);
    if (b2 === 'invalid') return end({ ok: false, error: 'invalid_block' });
    if (b2 === undefined || (b2.num === 0 && !b2.more)) return end({ ok: true, response });
    try {
      const status = assembler.add(b2, response.payload, getUintOption(response, CoapOption.Size2));
      if (status === 'complete') return end({ ok: true, response: { ...response, payload: assembler.body() } });
    } catch (e) {
      const code = e instanceof CoapError ? e.code : '';
      return end({ ok: false, error: code === 'block_too_large' ? 'block_too_large' : code === 'invalid_block' ? 'invalid_block' : 'block_conflict' });
    }
    if (!b2.more) return end({ ok: false, error: 'block_conflict' });
    send({ ...request, payload: undefined, options: [...base, { number: CoapOption.Block2, value: encodeBlock({ num: b2.num + 1, more: false, szx: b2.szx }) }] }, fetchRest);
  };

  const sendFrom = (offset: number, szx: number): void => {
    const size = blockSize(szx);
    const num = offset / size;
    const chunk = body.subarray(offset, offset + size);
    const more = offset + size < body.length;
    const opts = [...base, { number: CoapOption.Block1, value: encodeBlock({ num, more, szx }) }];
    if (num === 0) opts.push({ number: CoapOption.Size1, value: body.length });
    send({ ...request, options: opts, payload: chunk }, (response) => {
      if (!more) return fetchRest(response);
      if (response.code !== CoapCode.Continue) return end({ ok: true, response });
      const b1 = readBlock(response, CoapOption.Block1);
      if (b1 === 'invalid' || b1 === undefined) return end({ ok: false, error: 'invalid_block' });
      // §2.5: the server may ask for smaller blocks; it keeps what fits its size.
      const nextSzx = Math.min(szx, b1.szx);
      const next = (b1.num + 1) * blockSize(b1.szx);
      if (b1.num !== num && b1.szx === szx) return end({ ok: false, error: 'block_conflict' });
      if (next <= offset || next > offset + size) return end({ ok: false, error: 'block_conflict' });
      sendFrom(next, nextSzx);
    });
  };

  if (body.length > blockSize(preferred)) sendFrom(0, preferred);
  else {
    const early = block2Szx === undefined ? [] : [{ number: CoapOption.Block2, value: encodeBlock({ num: 0, more: false, szx: block2Szx }) }];
    send({ ...request, options: [...base, ...early] }, fetchRest);
  }
  return {
    cancel() {
      if (done) return;
      current?.cancel();
      end({ ok: false, error: 'cancelled' });
    },
  };
}

/**
 * A server's answer carrying `body` block-wise (RFC 7959 §2.4): the block the request asks for
 * in its Block2 option (block 0 otherwise), at the smaller of the client's and the server's
 * size, with Size2 on the first block. A body that fits one block goes out whole unless the
 * client asked for blocks. A block past the end gets 4.02 Bad Option.
 *
 * @example
 * onRequest: (x) => x.respond(block2Response(CoapCode.Content, firmware, x.request))
 */
export function block2Response(
  code: number,
  body: Uint8Array,
  request: CoapMessage,
  options: { readonly szx?: number; readonly options?: CoapRequestInit['options'] } = {},
): { code: number; options: NonNullable<CoapRequestInit['options']>; payload: Uint8Array } {
  const o = optionsRecord('options', options);
  const extra = o['options'] === undefined ? [] : (o['options'] as NonNullable<CoapRequestInit['options']>);
  if (!Array.isArray(extra)) throw new OptionError('options', 'a list of CoAP options', extra);
  const preferred = integerOption('szx', o['szx'], 6, 0, 6);
  if (typeof code !== 'number') throw new CoapError('invalid_argument', `a response code is a number, got ${describe(code)}`);
  if (!(body instanceof Uint8Array)) throw new CoapError('invalid_argument', `a body is a Uint8Array, got ${describe(body)}`);
  if (typeof request !== 'object' || request === null || !Array.isArray(request.options)) throw new CoapError('invalid_argument', `a request must be a decoded CoapMessage, got ${describe(request)}`);
  const asked = getOption(request, CoapOption.Block2);
  let num = 0;
  let szx = preferred;
  if (asked !== undefined) {
    let b: BlockOption;
    try {
      b = decodeBlock(asked);
    } catch {
      return { code: CoapCode.BadOption, options: [], payload: new Uint8Array(0) };
    }
    szx = Math.min(b.szx, preferred);
    // A client asking for a smaller size than it used so far renumbers from its offset.
    num = (b.num * blockSize(b.szx)) / blockSize(szx);
  } else if (body.length <= blockSize(szx)) return { code, options: [...extra], payload: body };
  const size = blockSize(szx);
  const start = num * size;
  if (start > body.length || (start === body.length && num > 0)) return { code: CoapCode.BadOption, options: [], payload: new Uint8Array(0) };
  const end = Math.min(start + size, body.length);
  const opts = [...extra, { number: CoapOption.Block2, value: encodeBlock({ num, more: end < body.length, szx }) }];
  if (num === 0) opts.push({ number: CoapOption.Size2, value: body.length });
  return { code, options: opts, payload: body.subarray(start, end) };
}

/** What {@link Block1Receiver.receive} made of a request. */
export type Block1Outcome =
  | { readonly kind: 'respond'; readonly response: { code: number; options: NonNullable<CoapRequestInit['options']> } }
  | { readonly kind: 'complete'; readonly body: Uint8Array; readonly options: NonNullable<CoapRequestInit['options']> };

/** Server-side Block1 reassembly for many clients at once, bounded in transfers, bytes and time. */
export interface Block1Receiver {
  /**
   * Undefined for a request without Block1 (handle it as usual). Otherwise either a response
   * to send now (2.31 Continue, 4.00, 4.08 Request Entity Incomplete, 4.13 Request Entity Too
   * Large with Size1) or the complete body, with the Block1 option the final response must echo.
   */
  receive(request: CoapMessage, peer: string): Block1Outcome | undefined;
  /** Transfers in progress. */
  size(): number;
}

/**
 * Creates a Block1 receiver. Transfers are keyed by peer, Uri-Path and Uri-Query; a block 0
 * restarts a transfer. The server's preferred SZX caps the block size (RFC 7959 §2.5: a larger
 * first block is cut down and the client is told the smaller size).
 *
 * @example
 * const uploads = createBlock1Receiver({ maxSize: 256 * 1024, now: clock.now });
 * onRequest: (x) => {
 *   const o = uploads.receive(x.request, x.peer);
 *   if (o?.kind === 'respond') return x.respond(o.response);
 *   const body = o === undefined ? x.request.payload : o.body;
 *   x.respond({ code: CoapCode.Changed, options: o?.options });
 * }
 */
export function createBlock1Receiver(options: {
  readonly maxSize: number;
  readonly now: () => number;
  readonly szx?: number;
  readonly maxTransfers?: number;
  readonly lifetime?: number;
}): Block1Receiver {
  const o = optionsRecord('options', options ?? null);
  integerOption('maxSize', requiredOption('maxSize', o['maxSize']), 0, 0);
  const nowMs = requiredFunction<() => number>('now', o['now']);
  const preferred = integerOption('szx', o['szx'], 6, 0, 6);
  const maxTransfers = integerOption('maxTransfers', o['maxTransfers'], 16, 1);
  const lifetime = numberOption('lifetime', o['lifetime'], 247_000, 1, Number.MAX_SAFE_INTEGER);
  const transfers = new Map<string, { assembler: ReturnType<typeof createBlockAssembler>; expires: number }>();
  const respond = (code: number, opts: NonNullable<CoapRequestInit['options']> = []): Block1Outcome => ({ kind: 'respond', response: { code, options: opts } });

  return {
    receive(request, peer) {
      if (typeof peer !== 'string') throw new CoapError('invalid_argument', `a peer is a string, got ${describe(peer)}`);
      const raw = getOption(request, CoapOption.Block1);
      if (raw === undefined) return undefined;
      let b: BlockOption;
      try {
        b = decodeBlock(raw);
      } catch {
        return respond(CoapCode.BadRequest);
      }
      let key = `${peer}\u0000`;
      for (const o of request.options) if (o.number === CoapOption.UriPath || o.number === CoapOption.UriQuery) key += `${o.number}:${Array.from(o.value).join(',')};`;
      const now = nowMs();
      for (const [k, t] of transfers) if (t.expires <= now) transfers.delete(k);
      let t = transfers.get(key);
      if (b.num === 0) {
        transfers.delete(key);
        while (transfers.size >= maxTransfers) transfers.delete(transfers.keys().next().value!);
        t = { assembler: createBlockAssembler({ maxSize: options.maxSize }), expires: now + lifetime };
        transfers.set(key, t);
      } else if (t === undefined) return respond(CoapCode.RequestEntityIncomplete);
      let block = b;
      let payload = request.payload;
      if (b.szx > preferred) {
        // Keep only the first preferred-size chunk and ask for the rest at that size.
        const size = blockSize(preferred);
        const num = (b.num * blockSize(b.szx)) / size;
        const more = b.more || payload.length > size;
        block = { num, more, szx: preferred };
        payload = payload.subarray(0, size);
      }
      try {
        t.assembler.add(block, payload, getUintOption(request, CoapOption.Size1));
      } catch (e) {
        transfers.delete(key);
        if (e instanceof CoapError && e.code === 'block_too_large') return respond(CoapCode.RequestEntityTooLarge, [{ number: CoapOption.Size1, value: options.maxSize }]);
        return respond(CoapCode.RequestEntityIncomplete);
      }
      t.expires = now + lifetime;
      const echo = [{ number: CoapOption.Block1, value: encodeBlock(block) }];
      if (block.more) return respond(CoapCode.Continue, echo);
      transfers.delete(key);
      return { kind: 'complete', body: t.assembler.body(), options: echo };
    },
    size: () => transfers.size,
  };
}
