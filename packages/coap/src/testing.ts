/**
 * fast-check arbitraries for property-testing CoAP implementations against linkwire:
 * valid messages (in decoded form, so `decodeCoap(encodeCoap(m))` equals `m`), their encodings,
 * and malformed datagrams that a hardened decoder must reject.
 * @module
 */
import fc from 'fast-check';
import type { AliyunAuthOptions, AliyunSignMethod } from './aliyun.ts';
import type { BlockOption } from './block.ts';
import type { CoapType } from './codes.ts';
import type { AliyunFormat } from './content.ts';
import { encodeCoap } from './encode.ts';
import type { CoapMessage, CoapOptionEntry } from './message.ts';
import { OPTION_DEFINITIONS, optionDefinition } from './options.ts';

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });

/** One option with a value whose length fits the option's registered range. */
export function coapOptionArbitrary(): fc.Arbitrary<CoapOptionEntry> {
  const known = fc.constantFrom(...OPTION_DEFINITIONS.map((d) => d.number));
  const any = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 65535 }));
  return fc.oneof(known, any).chain((number) => {
    const d = optionDefinition(number);
    const max = d === undefined ? 300 : Math.min(d.maxLength, 300);
    return bytes(d?.minLength ?? 0, max).map((value) => ({ number, value }));
  });
}

/** Options in wire order, with non-repeatable registered options at most once. */
export function coapOptionsArbitrary(maxLength = 8): fc.Arbitrary<CoapOptionEntry[]> {
  return fc.array(coapOptionArbitrary(), { maxLength }).map((list) => {
    const sorted = list.slice().sort((a, b) => a.number - b.number);
    return sorted.filter((o, i) => i === 0 || o.number !== sorted[i - 1]!.number || optionDefinition(o.number)?.repeatable !== false);
  });
}

const requestCode = fc.integer({ min: 1, max: 31 });
const responseCode = fc.integer({ min: 0x40, max: 0xbf });

/** Any valid, decoded-form CoAP message: requests, responses and Empty messages. */
export function coapMessageArbitrary(): fc.Arbitrary<CoapMessage> {
  const full = fc.record({
    type: fc.constantFrom<CoapType>('CON', 'NON', 'ACK'),
    requestCode,
    responseCode,
    isRequest: fc.boolean(),
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: bytes(0, 8),
    options: coapOptionsArbitrary(),
    payload: bytes(0, 64),
  }).map(({ type, requestCode, responseCode, isRequest, messageId, token, options, payload }): CoapMessage => ({
    type,
    code: isRequest && type !== 'ACK' ? requestCode : responseCode,
    messageId,
    token,
    options,
    payload,
  }));
  const empty = fc.record({ type: fc.constantFrom<CoapType>('CON', 'ACK', 'RST'), messageId: fc.integer({ min: 0, max: 0xffff }) })
    .map(({ type, messageId }): CoapMessage => ({ type, code: 0, messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }));
  return fc.oneof({ arbitrary: full, weight: 9 }, { arbitrary: empty, weight: 1 });
}

/** Encoded valid datagrams. */
export function coapDatagramArbitrary(): fc.Arbitrary<Uint8Array> {
  return coapMessageArbitrary().map((m) => encodeCoap(m));
}

/**
 * Malformed or hostile datagrams: random bytes, valid datagrams with a corrupted byte or cut
 * short, reserved token lengths and code classes, and option headers with nibble 15.
 */
export function malformedCoapArbitrary(): fc.Arbitrary<Uint8Array> {
  const mutate = fc.tuple(coapDatagramArbitrary(), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([d, at, b]) => {
    const out = d.slice();
    out[at % out.length] = b;
    return out;
  });
  const truncate = fc.tuple(coapDatagramArbitrary(), fc.nat()).map(([d, at]) => d.subarray(0, at % d.length));
  const badTkl = fc.tuple(coapDatagramArbitrary(), fc.integer({ min: 9, max: 15 })).map(([d, tkl]) => {
    const out = d.slice();
    out[0] = (out[0]! & 0xf0) | tkl;
    return out;
  });
  const badClass = fc.tuple(coapDatagramArbitrary(), fc.constantFrom(1, 6, 7), fc.integer({ min: 0, max: 31 })).map(([d, cls, detail]) => {
    const out = d.slice();
    out[1] = (cls << 5) | detail;
    return out;
  });
  const nibble15 = fc.tuple(fc.integer({ min: 0, max: 0xfe }), bytes(0, 8)).map(([b, rest]) => {
    const head = (b & 0xf0) === 0xf0 ? b : b | 0x0f;
    return Uint8Array.of(0x40, 0x01, 0, 1, head, ...rest);
  });
  return fc.oneof(bytes(0, 64), mutate, truncate, badTkl, badClass, nibble15);
}

/** Valid Block1/Block2 option contents (RFC 7959 §2.2). */
export function blockOptionArbitrary(): fc.Arbitrary<BlockOption> {
  return fc.record({ num: fc.integer({ min: 0, max: 0xfffff }), more: fc.boolean(), szx: fc.integer({ min: 0, max: 6 }) });
}

/** A payload with a size exponent, for split/reassemble properties. */
export function blockTransferArbitrary(maxLength = 4096): fc.Arbitrary<{ payload: Uint8Array; szx: number }> {
  return fc.record({ payload: bytes(0, maxLength), szx: fc.integer({ min: 0, max: 6 }) });
}

/** Device identities and auth options for the Alibaba flows (seed §3.3). */
export function aliyunAuthOptionsArbitrary(): fc.Arbitrary<AliyunAuthOptions> {
  const id = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,32}$/);
  return fc.record({
    productKey: id,
    deviceName: id,
    deviceSecret: fc.string({ minLength: 1, maxLength: 64 }),
    signMethod: fc.constantFrom<AliyunSignMethod>('hmacmd5', 'hmacsha1', 'hmacsha256'),
    timestamp: fc.nat(),
    seq: fc.nat(),
    format: fc.constantFrom<AliyunFormat>('json', 'cbor'),
  }, { requiredKeys: ['productKey', 'deviceName', 'deviceSecret'] });
}
