/**
 * fast-check arbitraries for device shadows: valid requests and documents, and malformed
 * requests, for property tests of code built on (or competing with) @linkwire/shadow.
 * fast-check is an optional peer dependency of this subpath only.
 * @module
 */
import fc from 'fast-check';
import type { JsonValue } from '@linkwire/base';
import { applyShadowRequest, emptyShadow } from './reducer.ts';
import type { ShadowAttributes, ShadowDeleteRequest, ShadowDocument, ShadowRequest, ShadowUpdateRequest } from './types.ts';

/**
 * Attribute names, biased towards the ones that break naive merges (`constructor`,
 * `prototype`, `toString`). Never `__proto__`, which the shadow refuses (400).
 */
export const shadowAttributeName = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('color', 'power', 'level', 'mode', 'temperature', 'light', 'a', 'b', 'c') },
    { weight: 1, arbitrary: fc.constantFrom('constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf') },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__proto__') },
  );

/** JSON scalars as attribute values (never `null`, which means "delete" in an update). */
export const shadowScalar = (): fc.Arbitrary<JsonValue> =>
  fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), fc.boolean());

/** Attribute values: scalars, arrays (which may hold null) and nested objects up to `depth`. */
export const shadowValue = (depth = 2): fc.Arbitrary<JsonValue> =>
  depth <= 0
    ? shadowScalar()
    : fc.oneof(
        { weight: 4, arbitrary: shadowScalar() },
        { weight: 1, arbitrary: fc.array(fc.oneof(shadowScalar(), fc.constant(null)), { maxLength: 4 }) },
        { weight: 2, arbitrary: fc.dictionary(shadowAttributeName(), fc.oneof({ weight: 4, arbitrary: shadowValue(depth - 1) }, { weight: 1, arbitrary: fc.constant(null) }), { maxKeys: 3 }) },
      );

/** A non-empty section of attributes to write; `nulls` lets some values be `null` (deletes). */
export const shadowAttributes = (options?: { maxKeys?: number; nulls?: boolean }): fc.Arbitrary<ShadowAttributes> =>
  fc.dictionary(
    shadowAttributeName(),
    options?.nulls === false ? shadowValue() : fc.oneof({ weight: 5, arbitrary: shadowValue() }, { weight: 1, arbitrary: fc.constant(null) }),
    { minKeys: 1, maxKeys: options?.maxKeys ?? 5 },
  );

const section = (): fc.Arbitrary<ShadowAttributes | 'null'> => fc.oneof({ weight: 6, arbitrary: shadowAttributes() }, { weight: 1, arbitrary: fc.constant('null' as const) });

/** An `update` request with the given version (or any version 1..1000). */
export const shadowUpdateRequest = (version?: number): fc.Arbitrary<ShadowUpdateRequest> =>
  fc
    .record({ reported: section(), desired: section() }, { requiredKeys: [] })
    .filter((s) => s.reported !== undefined || s.desired !== undefined)
    .chain((state) => (version === undefined ? fc.integer({ min: 1, max: 1000 }) : fc.constant(version)).map((v) => ({ method: 'update' as const, state, version: v })));

const deleteMarks = (): fc.Arbitrary<ShadowAttributes> =>
  fc.dictionary(shadowAttributeName(), fc.oneof(fc.constant<JsonValue>('null'), fc.constant(null), fc.dictionary(shadowAttributeName(), fc.constant<JsonValue>('null'), { maxKeys: 2 })), { minKeys: 1, maxKeys: 4 });

/** A `delete` request with the given version (or any version 1..1000). */
export const shadowDeleteRequest = (version?: number): fc.Arbitrary<ShadowDeleteRequest> =>
  fc
    .record({ reported: fc.oneof(deleteMarks(), fc.constant('null' as const)), desired: fc.oneof(deleteMarks(), fc.constant('null' as const)) }, { requiredKeys: [] })
    .filter((s) => s.reported !== undefined || s.desired !== undefined)
    .chain((state) => (version === undefined ? fc.integer({ min: 1, max: 1000 }) : fc.constant(version)).map((v) => ({ method: 'delete' as const, state, version: v })));

/** Any valid request: update, delete or get. */
export const shadowRequest = (version?: number): fc.Arbitrary<ShadowRequest> =>
  fc.oneof({ weight: 5, arbitrary: shadowUpdateRequest(version) }, { weight: 2, arbitrary: shadowDeleteRequest(version) }, { weight: 1, arbitrary: fc.constant({ method: 'get' as const }) });

/** A document reached by applying valid writes (versions 1, 2, …) at times 1000 s, 1001 s, …. */
export const shadowDocument = (): fc.Arbitrary<ShadowDocument> =>
  fc.array(fc.oneof({ weight: 4, arbitrary: shadowUpdateRequest(1) }, { weight: 1, arbitrary: shadowDeleteRequest(1) }), { maxLength: 8 }).map((writes) => {
    const doc = emptyShadow();
    writes.forEach((w, i) => applyShadowRequest(doc, { ...w, version: i + 1 }, (1000 + i) * 1000));
    return doc;
  });

/**
 * Request payloads the shadow must refuse with an error reply: structurally wrong JSON
 * objects, wrong versions and methods, `__proto__` keys, non-JSON text and random bytes.
 */
export const malformedShadowRequest = (): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    fc.constantFrom(
      '',
      ' \n',
      '{}',
      '[]',
      'null',
      '"update"',
      '{"method":"update"}',
      '{"method":"update","state":{"reported":{"a":1}}}',
      '{"method":"update","state":{"reported":{"a":1}},"version":0}',
      '{"method":"update","state":{"reported":{"a":1}},"version":-3}',
      '{"method":"update","state":{"reported":{"a":1}},"version":1.5}',
      '{"method":"update","state":{"reported":{"a":1}},"version":"1"}',
      '{"method":"update","state":{"reported":{}},"version":1}',
      '{"method":"update","state":{"delta":{"a":1}},"version":1}',
      '{"method":"update","state":[],"version":1}',
      '{"method":"update","state":{"reported":[1]},"version":1}',
      '{"method":"update","state":{"reported":"red"},"version":1}',
      '{"method":"delete","state":{"reported":{"a":1}},"version":1}',
      '{"method":"UPDATE","state":{"reported":{"a":1}},"version":1}',
      '{"method":7,"state":{"reported":{"a":1}},"version":1}',
      '{"state":{"reported":{"a":1}},"version":1}',
      '{"__proto__":{"method":"update"},"method":"update","state":{"reported":{"a":1}},"version":1}',
      '{"method":"update","state":{"reported":{"__proto__":{"polluted":1}}},"version":1}',
      '{"method":"update","state":{"reported":{"a":{"__proto__":{"polluted":1}}}},"version":1}',
      '{"method":"update","state":{"reported":{"a":1}},"version":1',
    ),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  );
