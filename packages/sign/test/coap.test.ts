import { createHmac } from 'node:crypto';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignError, coapAuthReply, coapAuthRequest, parseCoapAuthReply, verifyCoapAuthRequest } from '@linkwire/sign';
import { clientId, deviceName, productKey, secret, signMethod, timestamp } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { decodeFlatCbor, encodeFlatCbor } from '../src/cbor.ts';
import { onlySignError } from './support.ts';

const options = fc.record(
  {
    productKey: productKey(), deviceName: deviceName(), deviceSecret: secret(), clientId: clientId(), signMethod: signMethod(),
    timestamp: timestamp(), seq: fc.integer({ min: 0, max: 2 ** 31 }), ackMode: fc.constantFrom(0 as const, 1 as const),
    format: fc.constantFrom('json' as const, 'cbor' as const),
  },
  { requiredKeys: ['productKey', 'deviceName', 'deviceSecret', 'format'] },
);

describe('CoAP auth (seed §3.3)', () => {
  it('signs every submitted field but sign/signmethod (node:crypto oracle) and verifies in JSON and CBOR', () => {
    fc.assert(fc.property(options, (o) => {
      const req = coapAuthRequest(o);
      const body = (o.format === 'json' ? JSON.parse(new TextDecoder().decode(req.payload)) : cborDecode(req.payload)) as Record<string, string | number>;
      const content = Object.keys(body).filter((k) => k !== 'sign' && k !== 'signmethod').sort().map((k) => k + String(body[k])).join('');
      const alg = (o.signMethod ?? 'hmacmd5').toLowerCase().slice(4);
      expect(body['sign']).toBe(createHmac(alg, o.deviceSecret).update(content).digest('hex'));
      expect(req.port).toBe(o.seq === undefined ? 5684 : 5682);
      const v = verifyCoapAuthRequest(req.payload, o.format, () => o.deviceSecret);
      expect(v.ok).toBe(true);
      if (v.ok) {
        expect(v.seq).toBe(o.seq === undefined ? undefined : String(o.seq));
        expect(v.ackMode).toBe(o.ackMode);
      }
      expect(verifyCoapAuthRequest(req.payload, o.format, () => `${o.deviceSecret}!`).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('a changed seq or ackMode breaks the sign', () => {
    const req = coapAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', seq: 10, ackMode: 0 });
    const body = JSON.parse(new TextDecoder().decode(req.payload)) as Record<string, unknown>;
    const enc = (b: object) => new TextEncoder().encode(JSON.stringify(b));
    expect(verifyCoapAuthRequest(enc(body), 'json', () => 's').ok).toBe(true);
    expect(verifyCoapAuthRequest(enc({ ...body, seq: '11' }), 'json', () => 's').ok).toBe(false);
    expect(verifyCoapAuthRequest(enc({ ...body, ackMode: 1 }), 'json', () => 's').ok).toBe(false);
  });

  it('replies round-trip in both formats; malformed replies are typed errors', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.option(fc.string(), { nil: undefined }), fc.option(fc.nat(), { nil: undefined }), fc.constantFrom('json' as const, 'cbor' as const), (token, random, seqOffset, format) => {
      const reply = { token, ...(random === undefined ? {} : { random }), ...(seqOffset === undefined ? {} : { seqOffset }) };
      expect(parseCoapAuthReply(coapAuthReply(reply, format), format)).toEqual(reply);
    }), { numRuns: numRuns(200) });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('json' as const, 'cbor' as const), (bytes, format) => {
      onlySignError(() => parseCoapAuthReply(bytes, format));
      expect(verifyCoapAuthRequest(bytes, format, () => 's').ok).toBe(false);
    }), { numRuns: numRuns(300) });
  });

  it('refuses a bad seq, ackMode or format naming the field', () => {
    const base = { productKey: 'pk', deviceName: 'device', deviceSecret: 's' };
    expect(() => coapAuthRequest({ ...base, seq: 'x1' })).toThrow(expect.objectContaining({ field: 'seq' }));
    expect(() => coapAuthRequest({ ...base, ackMode: 2 as 0 })).toThrow(expect.objectContaining({ field: 'ackMode' }));
    expect(() => coapAuthRequest({ ...base, format: 'xml' as 'json' })).toThrow(expect.objectContaining({ field: 'format' }));
  });
});

const flatMap = fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 40 }), fc.maxSafeInteger(), fc.maxSafeNat(), fc.boolean(), fc.constant(null)), { maxKeys: 10 });

describe('flat CBOR', () => {
  it('round-trips and agrees with cbor-x both ways', () => {
    fc.assert(fc.property(flatMap, (m) => {
      const bytes = encodeFlatCbor(m);
      expect({ ...decodeFlatCbor(bytes) }).toEqual(m);
      // cbor-x assigns keys with `obj[key] = v`, so its reading of a `__proto__` key differs.
      if (Object.hasOwn(m, '__proto__')) return;
      const theirs = cborDecode(bytes) as Record<string, unknown>;
      expect(Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))).toEqual(m);
    }), { numRuns: numRuns(200) });
    // cbor-x writes integers beyond 32 bits as floats, which a flat map does not hold.
    const small = fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__'), fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 10 });
    fc.assert(fc.property(small, (m) => {
      expect({ ...decodeFlatCbor(cborEncode(m)) }).toEqual(m);
    }), { numRuns: numRuns(200) });
  });

  it('malformed input: only SignError(malformed_body) with an offset inside the input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      try {
        decodeFlatCbor(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(SignError);
        expect((e as SignError).code).toBe('malformed_body');
        expect((e as SignError).offset).toBeGreaterThanOrEqual(0);
        expect((e as SignError).offset).toBeLessThanOrEqual(bytes.length);
      }
    }), { numRuns: numRuns(500) });
    fc.assert(fc.property(flatMap, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, at, b) => {
      const bytes = encodeFlatCbor(m);
      const cut = bytes.subarray(0, at % (bytes.length + 1));
      onlySignError(() => decodeFlatCbor(cut));
      const flipped = Uint8Array.from(bytes);
      flipped[at % bytes.length] = b;
      onlySignError(() => decodeFlatCbor(flipped));
    }), { numRuns: numRuns(300) });
  });

  it('keeps a __proto__ key as plain data', () => {
    const m = JSON.parse('{"__proto__":"x","a":1}') as Record<string, unknown>;
    const got = decodeFlatCbor(encodeFlatCbor(m as Record<string, string | number>));
    expect(Object.getPrototypeOf(got)).toBeNull();
    expect(Object.keys(got)).toEqual(['__proto__', 'a']);
    expect(got['__proto__']).toBe('x');
  });

  it('refuses what is not flat (nesting, floats, byte strings, big integers, tags, indefinite lengths) at its offset', () => {
    const table: [number[], number][] = [
      [[0xa1, 0x61, 0x61, 0x80], 3], // nested array
      [[0xa1, 0x61, 0x61, 0xa0], 3], // nested map
      [[0xa1, 0x61, 0x61, 0xf9, 0x3c, 0x00], 3], // 1.0 as a half float
      [[0xa1, 0x61, 0x61, 0xfb, 0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00], 3], // cbor-x's 1700000000000
      [[0xa1, 0x61, 0x61, 0x41, 0x01], 3], // byte string
      [[0xa1, 0x61, 0x61, 0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0], 3], // 2^53
      [[0xa1, 0x61, 0x61, 0xc1, 0x00], 3], // tag
      [[0xbf, 0x61, 0x61, 0x01, 0xff], 0], // indefinite map
      [[0xa1, 0x01, 0x01], 1], // integer key
      [[0x81, 0x01], 0], // not a map
      [[0x61, 0x61], 0],
      [[], 0],
      [[0xa1, 0x61, 0x61, 0x01, 0x00], 4], // trailing bytes
    ];
    for (const [bytes, offset] of table) {
      expect(() => decodeFlatCbor(Uint8Array.from(bytes)), bytes.join(',')).toThrow(expect.objectContaining({ code: 'malformed_body', field: 'body', offset }));
    }
  });

  it('refuses huge declared counts without allocating for them', () => {
    expect(() => decodeFlatCbor(Uint8Array.of(0xbb, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'malformed_body' }));
    expect(() => decodeFlatCbor(Uint8Array.of(0xa1, 0x7a, 0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'malformed_body', offset: 1 }));
  });
});
