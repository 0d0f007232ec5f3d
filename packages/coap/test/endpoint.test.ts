import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom, type ManualClock } from '@linkwire/base';
import {
  CoapCode, CoapError, CoapOption, createCoapEndpoint, decodeCoap, derivedTimes, DEFAULT_TRANSMISSION, encodeCoap, getUintOption, pathOptions, uriPath,
  type CoapEndpoint, type CoapEndpointOptions, type CoapMessage, type CoapResult,
} from '@linkwire/coap';
import { coapDatagramArbitrary, malformedCoapArbitrary } from '@linkwire/coap/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

interface Sent { at: number; message: CoapMessage; bytes: Uint8Array; peer: string }

function harness(extra: Partial<CoapEndpointOptions> = {}, seed = 1): { ep: CoapEndpoint; clock: ManualClock; sent: Sent[]; results: CoapResult[]; errors: CoapError[] } {
  const clock = manualClock(0);
  const sent: Sent[] = [];
  const results: CoapResult[] = [];
  const errors: CoapError[] = [];
  const ep = createCoapEndpoint({
    clock, random: seededRandom(seed),
    send: (bytes, peer) => sent.push({ at: clock.now(), message: decodeCoap(bytes), bytes: bytes.slice(), peer }),
    onError: (e) => errors.push(e),
    ...extra,
  });
  return { ep, clock, sent, results, errors };
}

const get = { code: CoapCode.GET, options: pathOptions('/temperature') };

describe('derived times (RFC 7252 §4.8.2)', () => {
  it('match the RFC values for the defaults', () => {
    expect(derivedTimes(DEFAULT_TRANSMISSION)).toEqual({
      maxTransmitSpan: 45_000, maxTransmitWait: 93_000, maxRtt: 202_000, exchangeLifetime: 247_000, nonLifetime: 145_000,
    });
  });
});

describe('CON retransmission', () => {
  it('retransmits at T, 3T, 7T, 15T and gives up at 31T, with T uniform in [2 s, 3 s]', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
      const { ep, clock, sent, results } = harness({}, seed);
      ep.request(get, (r) => results.push(r));
      clock.advance(100_000);
      expect(sent.length).toBe(5);
      const t = sent[1]!.at;
      expect(t).toBeGreaterThanOrEqual(2000);
      expect(t).toBeLessThanOrEqual(3000);
      expect(sent.map((s) => s.at)).toEqual([0, t, 3 * t, 7 * t, 15 * t]);
      expect(new Set(sent.map((s) => s.message.messageId)).size).toBe(1);
      expect(results).toEqual([{ ok: false, error: 'timeout' }]);
      expect(clock.pending()).toBe(0);
      // The failure is reported at exactly 31T, within MAX_TRANSMIT_WAIT (93 s).
      const { ep: ep2, clock: c2, results: r2 } = harness({}, seed);
      ep2.request(get, (r) => r2.push(r));
      c2.advance(31 * t - 1);
      expect(r2).toEqual([]);
      c2.advance(1);
      expect(r2.length).toBe(1);
      expect(31 * t).toBeLessThanOrEqual(derivedTimes(DEFAULT_TRANSMISSION).maxTransmitWait);
    }), { numRuns: numRuns(50) });
  });

  it('a piggybacked response ends the exchange, matched by message id and token', () => {
    const { ep, clock, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    const req = sent[0]!.message;
    expect(req.token.length).toBe(4);
    // A response with another token is not ours: it only acknowledges.
    ep.receive(encodeCoap({ type: 'ACK', code: CoapCode.Content, messageId: req.messageId, token: req.token, payload: '22.3 C' }));
    expect(results.length).toBe(1);
    expect(results[0]!.ok && results[0]!.response.code).toBe(CoapCode.Content);
    clock.advance(300_000);
    expect(sent.length).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('an empty ACK stops retransmission; the separate CON response is acknowledged and delivered', () => {
    const { ep, clock, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    const req = sent[0]!.message;
    ep.receive(encodeCoap({ type: 'ACK', code: 0, messageId: req.messageId }));
    clock.advance(60_000);
    expect(sent.length).toBe(1);
    const separate = encodeCoap({ type: 'CON', code: CoapCode.Content, messageId: 0x4242, token: req.token, payload: 'ok' });
    ep.receive(separate);
    expect(sent[1]!.message).toMatchObject({ type: 'ACK', code: 0, messageId: 0x4242 });
    expect(results.length).toBe(1);
    // A retransmitted separate response is acknowledged again but not delivered twice.
    ep.receive(separate);
    expect(sent[2]!.message).toMatchObject({ type: 'ACK', code: 0, messageId: 0x4242 });
    expect(results.length).toBe(1);
  });

  it('a separate response before the (lost) empty ACK still ends retransmission', () => {
    const { ep, clock, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    ep.receive(encodeCoap({ type: 'NON', code: CoapCode.Content, messageId: 9, token: sent[0]!.message.token }));
    clock.advance(100_000);
    expect(sent.length).toBe(1);
    expect(results.length).toBe(1);
  });

  it('times out waiting for a separate response after EXCHANGE_LIFETIME', () => {
    const { ep, clock, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    ep.receive(encodeCoap({ type: 'ACK', code: 0, messageId: sent[0]!.message.messageId }));
    clock.advance(246_999);
    expect(results).toEqual([]);
    clock.advance(1);
    expect(results).toEqual([{ ok: false, error: 'timeout' }]);
  });

  it('RST fails the request; unmatched ACK/RST are ignored', () => {
    const { ep, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    ep.receive(encodeCoap({ type: 'ACK', code: 0, messageId: (sent[0]!.message.messageId + 1) & 0xffff }));
    ep.receive(encodeCoap({ type: 'RST', code: 0, messageId: sent[0]!.message.messageId }));
    expect(results).toEqual([{ ok: false, error: 'reset' }]);
  });

  it('NSTART 1 queues a second request to the same peer until the first is acknowledged', () => {
    const { ep, sent, results } = harness();
    ep.request(get, (r) => results.push(r));
    const h2 = ep.request({ ...get, peer: '' }, (r) => results.push(r));
    ep.request({ ...get, peer: 'other' }, (r) => results.push(r));
    expect(sent.map((s) => s.peer)).toEqual(['', 'other']);
    expect(h2.messageId).toBeUndefined();
    expect(ep.stats().queued).toBe(1);
    ep.receive(encodeCoap({ type: 'ACK', code: 0, messageId: sent[0]!.message.messageId }));
    expect(sent.length).toBe(3);
    expect(h2.messageId).toBe(sent[2]!.message.messageId);
    expect(sent[2]!.message.messageId).toBe((sent[0]!.message.messageId + 2) & 0xffff);
  });

  it('bounds requests in flight and cancels cleanly', () => {
    const { ep, clock, results } = harness({ maxRequests: 3 });
    const handles = [0, 1, 2].map((i) => ep.request({ ...get, peer: `p${i}` }, (r) => results.push(r)));
    expect(() => ep.request(get, () => {})).toThrow(CoapError);
    handles[0]!.cancel();
    expect(results).toEqual([{ ok: false, error: 'cancelled' }]);
    ep.close();
    expect(results.slice(1)).toEqual([{ ok: false, error: 'closed' }, { ok: false, error: 'closed' }]);
    expect(clock.pending()).toBe(0);
    expect(() => ep.request(get, () => {})).toThrow(CoapError);
  });
});

describe('server side', () => {
  const echo: CoapEndpointOptions['onRequest'] = (x) => x.respond({ code: CoapCode.Content, payload: uriPath(x.request) });

  it('piggybacks a synchronous response and answers a duplicate CON from its cache', () => {
    let calls = 0;
    const { ep, sent } = harness({ onRequest: (x) => { calls++; echo!(x); } });
    const req = encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 77, token: Uint8Array.of(9), options: pathOptions('/a') });
    ep.receive(req, 'peer1');
    ep.receive(req, 'peer1');
    expect(calls).toBe(1);
    expect(sent.map((s) => [s.message.type, s.message.code, s.message.messageId, s.peer])).toEqual([['ACK', 0x45, 77, 'peer1'], ['ACK', 0x45, 77, 'peer1']]);
    expect(sent[0]!.bytes).toEqual(sent[1]!.bytes);
    // The same message id from another peer is another message.
    ep.receive(req, 'peer2');
    expect(calls).toBe(2);
  });

  it('forgets message ids after EXCHANGE_LIFETIME, and keeps at most maxDuplicates', () => {
    let calls = 0;
    const { ep, clock } = harness({ onRequest: (x) => { calls++; echo!(x); }, maxDuplicates: 10 });
    const req = encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 1 });
    ep.receive(req);
    clock.advance(246_999);
    ep.receive(req);
    expect(calls).toBe(1);
    clock.advance(1);
    ep.receive(req);
    expect(calls).toBe(2);
    for (let i = 0; i < 100; i++) ep.receive(encodeCoap({ type: 'NON', code: CoapCode.GET, messageId: 1000 + i }));
    expect(ep.stats().duplicates).toBeLessThanOrEqual(10);
  });

  it('sends an empty ACK, then a separate CON response retransmitted until acknowledged (ackMode 1)', () => {
    let later: (() => void) | undefined;
    const { ep, clock, sent } = harness({ onRequest: (x) => { later = () => x.respond({ code: CoapCode.Content, payload: 'done' }); } });
    ep.receive(encodeCoap({ type: 'CON', code: CoapCode.POST, messageId: 5, token: Uint8Array.of(1, 2), options: pathOptions('/auth') }));
    expect(sent[0]!.message).toMatchObject({ type: 'ACK', code: 0, messageId: 5 });
    later!();
    expect(sent[1]!.message).toMatchObject({ type: 'CON', code: CoapCode.Content, token: Uint8Array.of(1, 2) });
    expect(ep.stats().separate).toBe(1);
    clock.advance(sent[1]!.at + 3000);
    expect(sent.length).toBe(3);
    ep.receive(encodeCoap({ type: 'ACK', code: 0, messageId: sent[1]!.message.messageId }));
    clock.advance(100_000);
    expect(sent.length).toBe(3);
    expect(ep.stats().separate).toBe(0);
  });

  it('answers pings with RST, unknown critical options with 4.02, repeated critical options with 4.02, garbage CON with RST', () => {
    const { ep, sent } = harness({ onRequest: echo });
    ep.receive(encodeCoap({ type: 'CON', code: 0, messageId: 1 }));
    ep.receive(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 2, token: Uint8Array.of(7), options: [{ number: 2091, value: 'x' }] }));
    ep.receive(Uint8Array.of(0x41, 0x01, 0, 3, 7, 0x71, 1, 1, 2)); // Uri-Port twice
    ep.receive(Uint8Array.of(0x40, 0x01, 0, 4, 0xbf)); // length nibble 15
    ep.receive(Uint8Array.of(0x50, 0x01, 0, 5, 0xbf)); // the same as NON: dropped
    ep.receive(Uint8Array.of(0x40, 0x45, 0, 6, 0xff)); // unmatched CON response with a bad payload marker
    ep.receive(encodeCoap({ type: 'CON', code: CoapCode.Content, messageId: 7, token: Uint8Array.of(1) })); // unmatched
    expect(sent.map((s) => [s.message.type, s.message.code, s.message.messageId, Array.from(s.message.token)])).toEqual([
      ['RST', 0, 1, []], ['ACK', CoapCode.BadOption, 2, [7]], ['ACK', CoapCode.BadOption, 3, [7]], ['RST', 0, 4, []], ['RST', 0, 6, []], ['RST', 0, 7, []],
    ]);
  });

  it('answers NON with NON and 4.04 without a handler; a throwing handler gets 5.00 and does not escape', () => {
    const { ep, sent, errors } = harness();
    ep.receive(encodeCoap({ type: 'NON', code: CoapCode.GET, messageId: 1, token: Uint8Array.of(3) }));
    expect(sent[0]!.message).toMatchObject({ type: 'NON', code: CoapCode.NotFound, token: Uint8Array.of(3) });
    const h = harness({ onRequest: () => { throw new Error('bug'); } });
    expect(() => h.ep.receive(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 1 }))).not.toThrow();
    expect(h.errors.map((e) => e.code)).toEqual(['handler_failed']);
    expect(h.sent[0]!.message).toMatchObject({ type: 'ACK', code: CoapCode.InternalServerError });
    expect(errors).toEqual([]);
  });

  it('receive never throws, whatever arrives', () => {
    const { ep } = harness({ onRequest: echo });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 3 }), (bytes, peer) => {
      expect(() => ep.receive(bytes, peer)).not.toThrow();
    }), { numRuns: numRuns(500) });
  });
});

describe('observe (RFC 7641)', () => {
  it('delivers fresh notifications, drops stale ones, and deregisters on cancel', () => {
    const { ep, sent, results } = harness();
    const h = ep.request({ ...get, observe: true }, (r) => results.push(r));
    const req = sent[0]!.message;
    expect(getUintOption(req, CoapOption.Observe)).toBe(0);
    const note = (mid: number, seq: number, type: 'ACK' | 'NON' | 'CON' = 'NON') =>
      encodeCoap({ type, code: CoapCode.Content, messageId: mid, token: req.token, options: [{ number: CoapOption.Observe, value: seq }], payload: String(seq) });
    ep.receive(note(req.messageId, 10, 'ACK'));
    ep.receive(note(100, 12));
    ep.receive(note(101, 11)); // stale
    ep.receive(note(102, 13, 'CON'));
    expect(results.map((r) => (r.ok ? getUintOption(r.response, CoapOption.Observe) : r.error))).toEqual([10, 12, 13]);
    h.cancel();
    const dereg = sent[sent.length - 1]!.message;
    expect([dereg.code, getUintOption(dereg, CoapOption.Observe), Array.from(dereg.token)]).toEqual([CoapCode.GET, 1, Array.from(req.token)]);
    ep.receive(note(103, 14, 'CON'));
    expect(sent[sent.length - 1]!.message).toMatchObject({ type: 'RST', messageId: 103 });
  });
});

describe('two endpoints over a lossy link', () => {
  it('every request ends exactly once, the handler runs once per request, and answers match', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 8 }), (seed, lossPercent, count) => {
      const clock = manualClock(0);
      const loss = seededRandom(seed ^ 0x5a5a);
      const drop = () => (loss(1)[0]! * 100) / 256 < lossPercent;
      const handled = new Map<string, number>();
      let client: CoapEndpoint;
      const server = createCoapEndpoint({
        clock, random: seededRandom(seed + 1),
        send: (d) => { if (!drop()) { const copy = d.slice(); clock.setTimer(10, () => client.receive(copy, 's')); } },
        onRequest: (x) => {
          const p = uriPath(x.request);
          handled.set(p, (handled.get(p) ?? 0) + 1);
          if (p.endsWith('/slow')) clock.setTimer(500, () => x.respond({ code: CoapCode.Changed, payload: p }));
          else x.respond({ code: CoapCode.Content, payload: p });
        },
      });
      client = createCoapEndpoint({
        clock, random: seededRandom(seed),
        send: (d) => { if (!drop()) { const copy = d.slice(); clock.setTimer(10, () => server.receive(copy, 'c')); } },
      });
      const ends = new Map<string, CoapResult[]>();
      for (let i = 0; i < count; i++) {
        const path = `/r${i}${i % 3 === 0 ? '/slow' : ''}`;
        ends.set(path, []);
        client.request({ code: CoapCode.POST, options: pathOptions(path), peer: 's' }, (r) => ends.get(path)!.push(r));
      }
      clock.advance(count * 400_000);
      for (const [path, rs] of ends) {
        expect(rs.length).toBe(1);
        const r = rs[0]!;
        if (r.ok) expect(new TextDecoder().decode(r.response.payload)).toBe(path);
        else expect(r.error).toBe('timeout');
        expect(handled.get(path) ?? 0).toBeLessThanOrEqual(1);
        if (lossPercent === 0) expect(r.ok).toBe(true);
      }
      expect(client.stats().requests).toBe(0);
    }), { numRuns: numRuns(60) });
  });
});

describe('bounded state under a flood', () => {
  it('stats and timers stay within their bounds whatever arrives from whichever peer', () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant('datagram' as const), bytes: coapDatagramArbitrary(), peer: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('garbage' as const), bytes: malformedCoapArbitrary(), peer: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('request' as const), peer: fc.integer({ min: 0, max: 5 }), non: fc.boolean() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60_000 }) }),
    );
    fc.assert(fc.property(fc.array(action, { maxLength: 120 }), (actions) => {
      const later: (() => void)[] = [];
      const { ep, clock } = harness({
        maxRequests: 8, maxDuplicates: 16, maxSeparate: 4,
        onRequest: (x) => { if (x.request.payload.length % 2 === 0) x.respond({ code: CoapCode.Content }); else later.push(() => x.respond({ code: CoapCode.Changed })); },
      });
      for (const a of actions) {
        if (a.kind === 'advance') clock.advance(a.ms);
        else if (a.kind === 'request') {
          try { ep.request({ ...get, type: a.non ? 'NON' : 'CON', peer: `p${a.peer}` }, () => {}); } catch (e) { expect((e as CoapError).code).toBe('too_many_requests'); }
        } else ep.receive(a.bytes, `p${a.peer}`);
        while (later.length > 0) later.shift()!();
        const s = ep.stats();
        expect(s.requests).toBeLessThanOrEqual(8);
        expect(s.duplicates).toBeLessThanOrEqual(16);
        expect(s.separate).toBeLessThanOrEqual(4);
        expect(clock.pending()).toBeLessThanOrEqual(8 * 2 + 4);
      }
      clock.advance(1_000_000);
      expect(ep.stats().requests).toBe(0);
      expect(ep.stats().separate).toBe(0);
    }), { numRuns: numRuns(100) });
  });
});
