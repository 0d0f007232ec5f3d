import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom } from '@linkwire/base';
import {
  CoapCode, CoapOption, block2Response, blockwiseRequest, createBlock1Receiver, createCoapEndpoint, decodeBlock, decodeCoap, getOption,
  pathOptions, uriPath, type BlockwiseResult, type CoapMessage,
} from '@linkwire/coap';
import { numRuns } from '../../../test/support/fast-check.ts';

// A client and a server endpoint over a manual-clock link; the server stores PUT bodies with
// Block1 and serves them back with Block2, at its own preferred sizes.
function world(serverSzx: number, loss = 0, seed = 1) {
  const clock = manualClock(0);
  const drop = seededRandom(seed);
  const store = new Map<string, Uint8Array>();
  const uploads = createBlock1Receiver({ maxSize: 64 * 1024, now: () => clock.now(), szx: serverSzx });
  const sent: CoapMessage[] = [];
  let client: ReturnType<typeof createCoapEndpoint>;
  const server = createCoapEndpoint({
    clock, random: seededRandom(seed + 1),
    send: (d) => { if (drop(1)[0]! >= loss * 256) { const c = d.slice(); clock.setTimer(3, () => client.receive(c)); } },
    onRequest: (x) => {
      const path = uriPath(x.request);
      if (x.request.code === CoapCode.PUT) {
        const o = uploads.receive(x.request, x.peer);
        if (o?.kind === 'respond') return x.respond(o.response);
        store.set(path, (o === undefined ? x.request.payload : o.body).slice());
        return x.respond({ code: CoapCode.Changed, options: o?.options });
      }
      const body = store.get(path);
      x.respond(body === undefined ? { code: CoapCode.NotFound } : block2Response(CoapCode.Content, body, x.request, { szx: serverSzx }));
    },
  });
  client = createCoapEndpoint({
    clock, random: seededRandom(seed + 2),
    send: (d) => { sent.push(decodeCoap(d.slice())); if (drop(1)[0]! >= loss * 256) { const c = d.slice(); clock.setTimer(3, () => server.receive(c)); } },
  });
  const run = (init: Parameters<typeof blockwiseRequest>[1], szx: number, maxSize = 64 * 1024): BlockwiseResult => {
    let result: BlockwiseResult | undefined;
    blockwiseRequest(client, init, { szx, maxSize }, (r) => { result = r; });
    clock.advance(600_000);
    if (result === undefined) throw new Error('no result');
    return result;
  };
  return { run, sent, store, uploads };
}

describe('blockwiseRequest with createBlock1Receiver and block2Response (RFC 7959)', () => {
  it('uploads with Block1 and downloads with Block2 for any body and size pairing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (body, clientSzx, serverSzx) => {
      const w = world(serverSzx);
      const put = w.run({ code: CoapCode.PUT, options: pathOptions('/fw'), payload: body }, clientSzx);
      expect(put.ok && put.response.code).toBe(CoapCode.Changed);
      expect(w.store.get('/fw')).toEqual(body);
      const get = w.run({ code: CoapCode.GET, options: pathOptions('/fw') }, clientSzx);
      expect(get.ok && get.response.code).toBe(CoapCode.Content);
      if (get.ok) expect(get.response.payload).toEqual(body);
      expect(w.uploads.size()).toBe(0);
    }), { numRuns: numRuns(60) });
  });

  it('follows the server down to a smaller block size (RFC 7959 §2.5)', () => {
    const w = world(2);
    const body = new Uint8Array(3000).map((_, i) => i);
    w.run({ code: CoapCode.PUT, options: pathOptions('/x'), payload: body }, 6);
    const blocks = w.sent.filter((m) => m.code === CoapCode.PUT).map((m) => decodeBlock(getOption(m, CoapOption.Block1)!));
    expect(blocks[0]).toEqual({ num: 0, more: true, szx: 6 });
    expect(blocks.slice(1).every((b) => b.szx === 2)).toBe(true);
    expect(blocks[1]!.num).toBe(1);
    expect(w.store.get('/x')).toEqual(body);
  });

  it('refuses a body over maxSize with block_too_large, and the server answers 4.13 to an oversized upload', () => {
    const w = world(4);
    w.run({ code: CoapCode.PUT, options: pathOptions('/big'), payload: new Uint8Array(3000) }, 4);
    expect(w.run({ code: CoapCode.GET, options: pathOptions('/big') }, 4, 1000)).toEqual({ ok: false, error: 'block_too_large' });
    const put = w.run({ code: CoapCode.PUT, options: pathOptions('/huge'), payload: new Uint8Array(70_000) }, 6);
    expect(put.ok && put.response.code).toBe(CoapCode.RequestEntityTooLarge);
  });

  it('survives a lossy link', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
      const w = world(3, 0.2, seed);
      const body = new Uint8Array(700).map((_, i) => i * 7);
      const put = w.run({ code: CoapCode.PUT, options: pathOptions('/l'), payload: body }, 3);
      if (!put.ok) {
        expect(put.error).toBe('timeout');
        return;
      }
      const get = w.run({ code: CoapCode.GET, options: pathOptions('/l') }, 3);
      if (get.ok) expect(get.response.payload).toEqual(body);
      else expect(get.error).toBe('timeout');
    }), { numRuns: numRuns(30) });
  });
});
