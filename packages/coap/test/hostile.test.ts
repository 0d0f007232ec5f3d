import { manualClock, seededRandom } from '@linkwire/base';
import * as coap from '@linkwire/coap';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('coap under hostile data and options', () => {
  hostileSuite('coap', coap, entries.map((e) => e.name));
});

describe('coap regressions from issue 24', () => {
  const code = outcome;
  const server = (maxSessions: unknown): unknown => coap.createAliyunCoapServer({
    mode: 'dtls', random: seededRandom(7), now: () => 1_700_000_000_000, lookupSecret: () => 'secret', onPublish: () => 'm', maxSessions: maxSessions as number,
  });
  it('createAliyunCoapServer({ maxSessions: 0 }) (also -0 and false) is invalid_option at construction, where it used to hang the first authentication', () => {
    for (const v of [0, -0, false, NaN, 1n, -1, 0.5]) expect(code(() => server(v))).toBe('invalid_option');
    const ok = server(1) as coap.AliyunCoapServer;
    const auth = { productKey: 'pk', deviceName: 'dn', deviceSecret: 'secret', clientId: 'pk&dn', timestamp: 1 };
    const request = coap.decodeCoap(coap.encodeCoap({ type: 'CON', messageId: 1, token: new Uint8Array([1]), ...coap.aliyunAuthRequest(auth) } as coap.CoapMessageInit));
    expect(ok.handle(request).code).toBe(coap.CoapCode.Content);
    expect(ok.handle(request).code).toBe(coap.CoapCode.Content);
    expect(ok.sessions()).toBe(1);
  });
  it('bigint timeouts and counts of the endpoint are invalid_option', () => {
    const base = { clock: manualClock(0), random: seededRandom(1), send: () => undefined };
    expect(code(() => coap.createCoapEndpoint({ ...base, responseTimeout: 1000n as never }))).toBe('invalid_option');
    expect(code(() => coap.createCoapEndpoint({ ...base, transmission: { ackTimeout: 2000n as never } }))).toBe('invalid_option');
    expect(code(() => coap.createCoapEndpoint({ ...base, maxRequests: NaN }))).toBe('invalid_option');
    expect(code(() => coap.createCoapEndpoint(null as never))).toBe('invalid_option');
  });
  it('createBlockAssembler({ maxSize: NaN }) is invalid_option instead of writing outside its buffer', () => {
    expect(code(() => coap.createBlockAssembler({ maxSize: NaN }))).toBe('invalid_option');
    expect(code(() => coap.createBlockAssembler({ maxSize: Infinity }))).toBe('invalid_option');
    expect(code(() => coap.createBlockAssembler({} as never))).toBe('invalid_option');
    const a = coap.createBlockAssembler({ maxSize: 32 });
    expect(code(() => a.add({ num: 0, more: true, szx: 0 }, new Uint8Array(16)))).toBe('returned');
    expect(code(() => a.add({ num: 2, more: false, szx: 0 }, new Uint8Array(16)))).toBe('block_too_large');
  });
});

describe('coap regressions from the long fuzz run (issue 19)', () => {
  it('blockwiseRequest with a request option that is not an object is invalid_argument, not a TypeError reading .number (entry pass, seed 1402)', () => {
    const ep = coap.createCoapEndpoint({ clock: manualClock(0), random: seededRandom(1), send: () => undefined, onError: () => undefined });
    for (const bad of [null, undefined, 1, 'x']) expect(outcome(() => coap.blockwiseRequest(ep, { code: 2, options: [bad], peer: 'p' } as never, undefined as never, () => undefined))).toBe('invalid_argument');
    expect(outcome(() => coap.blockwiseRequest(ep, { code: 2, options: coap.pathOptions('/a'), peer: 'p' } as never, undefined as never, () => undefined).cancel())).toBe('returned');
  });
});
