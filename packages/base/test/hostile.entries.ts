/** Every public function of @linkwire/base under hostile data and hostile options (see test/support/fuzz). */
import * as base from '@linkwire/base';
import { bytes, cborValue, hostileCbor, hostileJsonText, hostileValue, hostileVariant } from '@linkwire/base/testing';
import fc from 'fast-check';
import { decoder, entry, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { propertyPostText } from '../../../test/support/fuzz/sized.ts';

const data = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: hostileValue() });
const text = data(fc.oneof(fc.string(), hostileJsonText()));
const byteData = data(bytes(64));
const jsonOptions = hostileVariant({ maxBytes: 1 << 20, maxDepth: 30_000, duplicateKeys: 'reject' });

export const entries: FuzzEntry[] = [
  entry('base.utf8Decode', base.utf8Decode, [byteData, hostileVariant({ fatal: true })]),
  entry('base.utf8Encode', base.utf8Encode, [text]),
  entry('base.utf8EncodeInto', base.utf8EncodeInto, [text, data(fc.constant(new Uint8Array(8)).map(() => new Uint8Array(8))), data(fc.nat(9))]),
  entry('base.utf8Length', base.utf8Length, [text]),
  entry('base.concatBytes', base.concatBytes, [byteData, byteData, byteData]),
  entry('base.constantTimeEqual', base.constantTimeEqual, [data(fc.oneof(fc.string(), bytes(8))), data(fc.oneof(fc.string(), bytes(8)))]),
  entry('base.constantTimeEqualHex', base.constantTimeEqualHex, [data(bytes(16).map(base.toHex)), data(bytes(16).map(base.toHex))]),
  entry('base.fromBase64', base.fromBase64, [data(fc.base64String())]),
  entry('base.fromHex', base.fromHex, [data(bytes(16).map(base.toHex))]),
  entry('base.toBase64', base.toBase64, [byteData]),
  entry('base.toHex', base.toHex, [byteData]),
  decoder('CBOR', entry('base.decodeCbor', base.decodeCbor, [data(hostileCbor()), hostileVariant({ maxBytes: 1 << 20, maxDepth: 30_000, jsonOnly: true, floats: true, indefiniteLengths: true, nullPrototype: true })]), (n) => [base.encodeCbor(JSON.parse(propertyPostText(n)) as base.CborValue), { maxBytes: 1 << 20 }]),
  entry('base.encodeCbor', base.encodeCbor, [data(cborValue(3))]),
  decoder('JSON', entry('base.parseJson', base.parseJson, [text, jsonOptions]), (n) => [propertyPostText(n), { maxBytes: 1 << 20 }]),
  decoder('JSON', entry('base.parseExactJson', base.parseExactJson, [text, jsonOptions]), (n) => [propertyPostText(n), { maxBytes: 1 << 20 }]),
  entry('base.parseExactJsonChecked', (input: unknown, o: unknown) => base.parseExactJsonChecked(input as string, base.jsonReadOptions(o)), [text, jsonOptions]),
  entry('base.jsonReadOptions', base.jsonReadOptions, [jsonOptions]),
  entry('base.checkJsonTree', base.checkJsonTree, [hostileValue().filter((v) => typeof v === 'object' && v !== null), data(fc.constantFrom(64, 30_000, Infinity)), data(fc.constant(1))]),
  entry('base.isRecord', base.isRecord, [hostileValue()]),
  entry('base.describe', (v: unknown, n: unknown) => {
    const s = base.describe(v, n as number);
    if (typeof s !== 'string' || s.length > 4096) throw new Error(`describe returned ${typeof s} of length ${String(s.length)}`);
  }, [hostileValue(), data(fc.constantFrom(80, 8, 1000))]),
  entry('base.manualClock', (start: unknown, ms: unknown, step: unknown) => {
    const c = base.manualClock(start as number);
    c.setTimer(ms as number, () => undefined);
    c.advance(step as number);
    c.pending();
  }, [data(fc.integer()), data(fc.nat()), data(fc.nat())]),
  entry('base.seededRandom', (seed: unknown, n: unknown) => base.seededRandom(seed as number)(n as number), [data(fc.integer()), data(fc.nat(64))]),
  ...(['integerOption', 'numberOption', 'booleanOption', 'stringOption', 'functionOption', 'stringListOption', 'optionsRecord', 'requiredOption', 'requiredFunction'] as const).map((name) =>
    entry(`base.${name}`, (v: unknown) => (base[name] as (n: string, v: unknown, f: unknown) => unknown)('x', v, undefined), [hostileValue()])),
  entry('base.enumOption', (v: unknown) => base.enumOption('x', v, ['a', 'b']), [hostileValue()]),
];
