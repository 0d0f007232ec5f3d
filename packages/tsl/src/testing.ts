/**
 * fast-check arbitraries for TSL models and the messages they govern: random valid models,
 * and for a model random valid values and values with exactly one leaf out of spec (with the
 * path of that leaf), so other SDKs can property-test their own validators against linkwire.
 * @module
 */
import fc from 'fast-check';
import { TSL_LIMITS, type TslDataType, type TslEvent, type TslModel, type TslParam, type TslProperty, type TslService } from './model.ts';
import { toTslDocument } from './format.ts';
import { isTslIdentifier } from './parse.ts';
import { childPath, indexPath } from './paths.ts';

/** An identifier the platform accepts (short, so generated models stay readable). */
export const tslIdentifier = (): fc.Arbitrary<string> => fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,9}$/).filter(isTslIdentifier);

/** Identifiers the parser must reject: bad characters, too long, empty, reserved. */
export const invalidTslIdentifier = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', 'a b', 'a-b', 'a.b', 'a/b', '温度', 'x'.repeat(51), '__proto__', 'constructor'),
    fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/^[A-Za-z0-9_]{1,50}$/.test(s)),
  );

const bounds = (lo: number, hi: number): fc.Arbitrary<{ min?: number; max?: number }> =>
  fc.option(fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })), { nil: undefined }).map((t) =>
    t === undefined ? {} : { min: Math.min(t[0], t[1]), max: Math.max(t[0], t[1]) },
  );

const uniqueParams = (dataType: fc.Arbitrary<TslDataType>, minLength: number, maxLength: number): fc.Arbitrary<TslParam[]> =>
  fc
    .uniqueArray(fc.record({ identifier: tslIdentifier(), name: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), dataType }), {
      minLength,
      maxLength,
      selector: (p) => p.identifier,
    })
    .map((ps) => ps.map((p) => (p.name === undefined ? { identifier: p.identifier, dataType: p.dataType } : p)));

/** A scalar data type: int, float, double, text, date, bool or enum, with random specs. */
export const tslScalarType = (): fc.Arbitrary<TslDataType> =>
  fc.oneof(
    bounds(-1000, 1000).map((b): TslDataType => ({ type: 'int', ...b })),
    fc.tuple(fc.constantFrom('float' as const, 'double' as const), bounds(-1000, 1000), fc.option(fc.constantFrom('kg', '°C', 'm/s'), { nil: undefined })).map(
      ([type, b, unit]): TslDataType => (unit === undefined ? { type, ...b } : { type, ...b, unit }),
    ),
    fc.integer({ min: 1, max: 24 }).map((length): TslDataType => ({ type: 'text', length })),
    fc.constant<TslDataType>({ type: 'date' }),
    fc.constant<TslDataType>({ type: 'bool', labels: { 0: 'off', 1: 'on' } }),
    fc.uniqueArray(fc.integer({ min: -5, max: 20 }), { minLength: 1, maxLength: 5 }).map(
      (vs): TslDataType => ({ type: 'enum', values: [...vs].sort((a, b) => a - b).map((value) => ({ value, label: `v${value}` })) }),
    ),
  );

/** Any data type: scalars, structs of them, arrays of scalars or structs (bounded nesting). */
export const tslDataType = (): fc.Arbitrary<TslDataType> => {
  const struct = uniqueParams(tslScalarType(), 1, 4).map((members): TslDataType => ({ type: 'struct', members }));
  const array = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.oneof({ weight: 3, arbitrary: tslScalarType() }, { weight: 1, arbitrary: struct }))
    .map(([size, item]): TslDataType => ({ type: 'array', size, item }));
  return fc.oneof({ weight: 6, arbitrary: tslScalarType() }, { weight: 1, arbitrary: struct }, { weight: 1, arbitrary: array });
};

/** A valid, normalized model: properties, events, services (with the system set/get sometimes). */
export const tslModel = (): fc.Arbitrary<TslModel> =>
  fc
    .record({
      productKey: fc.stringMatching(/^[A-Za-z0-9]{11}$/),
      properties: fc.uniqueArray(
        fc.record({ identifier: tslIdentifier(), dataType: tslDataType(), accessMode: fc.constantFrom('r' as const, 'rw' as const), required: fc.boolean() }),
        { maxLength: 8, selector: (p) => p.identifier },
      ),
      events: fc.uniqueArray(
        fc.record({ identifier: tslIdentifier(), type: fc.constantFrom('info', 'alert', 'error'), outputData: uniqueParams(tslDataType(), 0, 4) }),
        { maxLength: 3, selector: (e) => e.identifier },
      ),
      services: fc.uniqueArray(
        fc.record({ identifier: tslIdentifier(), callType: fc.constantFrom('async' as const, 'sync' as const), inputData: uniqueParams(tslDataType(), 0, 4), outputData: uniqueParams(tslDataType(), 0, 3) }),
        { maxLength: 3, selector: (s) => s.identifier },
      ),
      system: fc.boolean(),
    })
    .map(({ productKey, properties, events, services, system }): TslModel => {
      const props: TslProperty[] = properties;
      const evs: TslEvent[] = events
        .filter((e) => !system || e.identifier !== 'post')
        .map((e) => ({ ...e, method: `thing.event.${e.identifier}.post`, required: false }));
      const svs: TslService[] = services
        .filter((s) => !system || (s.identifier !== 'set' && s.identifier !== 'get'))
        .map((s) => ({ ...s, method: `thing.service.${s.identifier}`, required: false }));
      if (system) {
        const asParams = (ps: readonly TslProperty[]): TslParam[] => ps.map((p) => ({ identifier: p.identifier, dataType: p.dataType }));
        svs.push({ identifier: 'set', method: 'thing.service.property.set', callType: 'async', required: true, inputData: asParams(props.filter((p) => p.accessMode === 'rw')), outputData: [] });
        svs.push({ identifier: 'get', method: 'thing.service.property.get', callType: 'async', required: true, inputData: [], inputIdentifiers: props.map((p) => p.identifier), outputData: asParams(props) });
        evs.push({ identifier: 'post', type: 'info', method: 'thing.event.property.post', required: true, outputData: asParams(props) });
      }
      return { schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json', profile: { productKey }, properties: props, events: evs, services: svs };
    });

const digits = fc.stringMatching(/^[0-9]{1,15}$/);
const date = (): fc.Arbitrary<number | string> => fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), digits);

function numberLimits(t: Extract<TslDataType, { min?: number }>): [number, number] {
  const limit = t.type === 'int' ? 0 : t.type === 'float' ? TSL_LIMITS.floatMax : Number.MAX_VALUE;
  return [t.min ?? (t.type === 'int' ? TSL_LIMITS.int32Min : -limit), t.max ?? (t.type === 'int' ? TSL_LIMITS.int32Max : limit)];
}

/** Values that are valid for `t`. */
export function validValue(t: TslDataType): fc.Arbitrary<unknown> {
  switch (t.type) {
    case 'int': {
      const [min, max] = numberLimits(t);
      return fc.integer({ min, max });
    }
    case 'float':
    case 'double': {
      const [min, max] = numberLimits(t);
      return fc.oneof(fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
    }
    case 'text':
      return fc.oneof(fc.string({ maxLength: t.length }), fc.string({ unit: 'binary', maxLength: t.length }));
    case 'date':
      return date();
    case 'bool':
      return fc.constantFrom(0, 1);
    case 'enum':
      return fc.constantFrom(...t.values.map((v) => v.value));
    case 'struct':
      return fc.record(Object.fromEntries(t.members.map((m) => [m.identifier, validValue(m.dataType)])));
    case 'array':
      return fc.array(validValue(t.item), { maxLength: t.size });
  }
}

/** A value with exactly one leaf out of spec, and the path of that leaf relative to the value ('' for the value itself). */
export interface InvalidValue {
  readonly value: unknown;
  readonly path: string;
}

/** Values invalid for `t` in exactly one place (without coercion), with that place's path. */
export function invalidValue(t: TslDataType): fc.Arbitrary<InvalidValue> {
  const at = (a: fc.Arbitrary<unknown>): fc.Arbitrary<InvalidValue> => a.map((value) => ({ value, path: '' }));
  const wrongType = fc.constantFrom<unknown>(null, 'x', true, [], {});
  switch (t.type) {
    case 'int': {
      const [min, max] = numberLimits(t);
      return at(fc.oneof(wrongType, fc.constant(min - 1), fc.constant(max + 1), fc.constant(min + 0.5), fc.constant(String(min))));
    }
    case 'float':
    case 'double': {
      const [min, max] = numberLimits(t);
      const out: unknown[] = [String(min)];
      if (min > -Number.MAX_VALUE / 2) out.push(min - Math.max(1, Math.abs(min)));
      if (max < Number.MAX_VALUE / 2) out.push(max + Math.max(1, Math.abs(max)));
      return at(fc.oneof(wrongType, fc.constantFrom(...out)));
    }
    case 'text':
      return at(fc.oneof(fc.constantFrom<unknown>(null, 1, true, [], {}), fc.string({ minLength: t.length + 1, maxLength: t.length + 4 }).filter((s) => s.length > t.length)));
    case 'date':
      return at(fc.constantFrom<unknown>(-1, 1.5, '', '12a', '1'.repeat(16), null, true, {}));
    case 'bool':
      return at(fc.constantFrom<unknown>(2, -1, true, false, '1', null, 0.5));
    case 'enum': {
      const taken = new Set(t.values.map((v) => v.value));
      return at(fc.oneof(wrongType, fc.integer({ min: -100, max: 100 }).filter((n) => !taken.has(n)), fc.constant(0.5)));
    }
    case 'struct': {
      const members = t.members;
      return fc
        .tuple(validValue(t), fc.integer({ min: 0, max: members.length - 1 }))
        .chain(([base, i]) => {
          const m = members[i]!;
          return invalidValue(m.dataType).map(({ value, path }) => ({
            value: { ...(base as Record<string, unknown>), [m.identifier]: value },
            path: joinPath(childPath('', m.identifier), path),
          }));
        });
    }
    case 'array': {
      const tooLong = fc.array(validValue(t.item), { minLength: t.size + 1, maxLength: t.size + 2 }).map((value) => ({ value, path: '' }));
      const badItem = fc.array(validValue(t.item), { minLength: 1, maxLength: t.size }).chain((base) =>
        fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), invalidValue(t.item)).map(([i, bad]) => {
          const value = base.slice();
          value[i] = bad.value;
          return { value, path: joinPath(indexPath('', i), bad.path) };
        }),
      );
      return fc.oneof(at(wrongType.filter((v) => !Array.isArray(v))), tooLong, badItem);
    }
  }
}

function joinPath(head: string, tail: string): string {
  if (tail === '') return head;
  return tail.startsWith('[') ? head + tail : `${head}.${tail}`;
}

/** Prefixes a relative path from {@link invalidValue} with its parent's path. */
export function underPath(base: string, relative: string): string {
  if (relative === '') return base;
  return relative.startsWith('[') ? base + relative : `${base}.${relative}`;
}

/** Valid `thing.event.property.post` params for `model`: a subset of its properties, some in the `{value, time}` form. */
export function propertyPostFor(model: TslModel): fc.Arbitrary<Record<string, unknown>> {
  if (model.properties.length === 0) return fc.constant({});
  return fc.subarray([...model.properties]).chain((props) =>
    fc.tuple(...props.map((p) => fc.tuple(validValue(p.dataType), fc.boolean(), date()))).map((vals) => {
      const out: Record<string, unknown> = {};
      props.forEach((p, i) => {
        const [v, wrap, time] = vals[i]!;
        out[p.identifier] = wrap && !(p.dataType.type === 'struct' && p.dataType.members.some((m) => m.identifier === 'value')) ? { value: v, time } : v;
      });
      return out;
    }),
  );
}

/** Property post params with one leaf out of spec, and its full path (`params.…`). Needs a model with a property. */
export function invalidPropertyPostFor(model: TslModel): fc.Arbitrary<InvalidValue> {
  return fc.tuple(propertyPostFor(model), fc.constantFrom(...model.properties)).chain(([base, p]) =>
    invalidValue(p.dataType).map(({ value, path }) => ({
      value: { ...base, [p.identifier]: value },
      path: underPath(childPath('params', p.identifier), path),
    })),
  );
}

/** A valid object for a parameter list (service inputData/outputData, event outputData). */
export function paramsFor(params: readonly TslParam[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(params.map((p) => [p.identifier, validValue(p.dataType)])));
}

/** A parameter object with one leaf out of spec, with its path under `base`. Needs a non-empty list. */
export function invalidParamsFor(params: readonly TslParam[], base: string): fc.Arbitrary<InvalidValue> {
  return fc.tuple(paramsFor(params), fc.constantFrom(...params)).chain(([ok, p]) =>
    invalidValue(p.dataType).map(({ value, path }) => ({ value: { ...ok, [p.identifier]: value }, path: underPath(childPath(base, p.identifier), path) })),
  );
}

/** A model with EnOS attributes beside its measure points (the `properties`). */
export const tslEnosModel = (): fc.Arbitrary<TslModel> =>
  fc
    .tuple(
      tslModel(),
      fc.uniqueArray(
        fc.record({ identifier: tslIdentifier(), dataType: tslDataType(), accessMode: fc.constantFrom('r' as const, 'rw' as const), required: fc.boolean() }),
        { maxLength: 6, selector: (p) => p.identifier },
      ),
    )
    .map(([m, attributes]): TslModel => ({ ...m, attributes }));

/** Valid bare `{id: v}` maps over a subset of `features`: attribute updates, EnOS measure points, get replies. */
export function valuesFor(features: readonly TslParam[]): fc.Arbitrary<Record<string, unknown>> {
  if (features.length === 0) return fc.constant({});
  return fc.subarray([...features]).chain((fs) => fc.tuple(...fs.map((f) => validValue(f.dataType))).map((vs) => Object.fromEntries(fs.map((f, i) => [f.identifier, vs[i]]))));
}

/** A bare `{id: v}` map with one leaf out of spec, with its path under `base`. Needs a non-empty list. */
export function invalidValuesFor(features: readonly TslParam[], base: string): fc.Arbitrary<InvalidValue> {
  return fc.tuple(valuesFor(features), fc.constantFrom(...features)).chain(([ok, f]) =>
    invalidValue(f.dataType).map(({ value, path }) => ({ value: { ...ok, [f.identifier]: value }, path: underPath(childPath(base, f.identifier), path) })),
  );
}

/**
 * Valid `{id: {value, time?}}` maps over a subset of `features`: the properties of a
 * `thing.event.property.pack.post` or of one `thing.event.property.history.post` entry
 * (`timeRequired`).
 */
export function stampedFor(features: readonly TslParam[], timeRequired = false): fc.Arbitrary<Record<string, unknown>> {
  if (features.length === 0) return fc.constant({});
  const time = timeRequired ? date() : fc.option(date(), { nil: undefined });
  return fc.subarray([...features]).chain((fs) =>
    fc.tuple(...fs.map((f) => fc.tuple(validValue(f.dataType), time))).map((vs) =>
      Object.fromEntries(fs.map((f, i) => [f.identifier, vs[i]![1] === undefined ? { value: vs[i]![0] } : { value: vs[i]![0], time: vs[i]![1] }])),
    ),
  );
}

/** A `{id: {value, time?}}` map with one leaf out of spec (path under `base`). Needs a non-empty list. */
export function invalidStampedFor(features: readonly TslParam[], base: string, timeRequired = false): fc.Arbitrary<InvalidValue> {
  return fc.tuple(stampedFor(features, timeRequired), fc.constantFrom(...features), date()).chain(([ok, f, time]) =>
    invalidValue(f.dataType).map(({ value, path }) => ({
      value: { ...ok, [f.identifier]: { value, time } },
      path: underPath(childPath(childPath(base, f.identifier), 'value'), path),
    })),
  );
}

/** Valid `{eventId: {value: {…outputData}, time?}}` maps over a subset of `events` (pack and history posts). */
export function stampedEventsFor(events: readonly TslEvent[], timeRequired = false): fc.Arbitrary<Record<string, unknown>> {
  if (events.length === 0) return fc.constant({});
  return stampedFor(
    events.map((e) => ({ identifier: e.identifier, dataType: { type: 'struct', members: e.outputData } })),
    timeRequired,
  );
}

/** A TSL document with exactly one structural defect, and the error issue it must produce. */
export interface InvalidTslDocument {
  readonly document: Record<string, unknown>;
  readonly path: string;
  readonly code: string;
}

/**
 * Documents (in platform form, as {@link toTslDocument} writes them) with one structural
 * defect in one property: an unknown type, min above max, a duplicate or malformed
 * identifier, an array size out of range, an enum without values.
 */
export const invalidTslDocument = (): fc.Arbitrary<InvalidTslDocument> =>
  tslModel()
    .filter((m) => m.properties.length > 0)
    .chain((m) =>
      fc.tuple(
        fc.constant(toTslDocument(m)),
        fc.integer({ min: 0, max: m.properties.length - 1 }),
        fc.constantFrom('unknown_type', 'min_above_max', 'duplicate_identifier', 'invalid_identifier', 'out_of_range', 'empty_enum'),
        invalidTslIdentifier().filter((s) => s !== ''),
      ),
    )
    .map(([doc, i, defect, badId]) => {
      const props = doc['properties'] as Record<string, unknown>[];
      const at = `properties[${i}]`;
      const prop = { ...props[i]! };
      let path = `${at}.dataType.type`;
      switch (defect) {
        case 'unknown_type':
          prop['dataType'] = { type: 'number', specs: {} };
          break;
        case 'min_above_max':
          prop['dataType'] = { type: 'int', specs: { min: '10', max: '9' } };
          path = `${at}.dataType.specs.min`;
          break;
        case 'duplicate_identifier':
          // A second copy right after the original: the copy is the duplicate.
          props.splice(i + 1, 0, { ...props[i]! });
          path = `properties[${i + 1}].identifier`;
          break;
        case 'invalid_identifier':
          prop['identifier'] = badId;
          path = `${at}.identifier`;
          break;
        case 'out_of_range':
          prop['dataType'] = { type: 'array', specs: { size: '513', item: { type: 'int', specs: {} } } };
          path = `${at}.dataType.specs.size`;
          break;
        case 'empty_enum':
          prop['dataType'] = { type: 'enum', specs: {} };
          path = `${at}.dataType.specs`;
          break;
      }
      if (defect !== 'duplicate_identifier') props[i] = prop;
      return { document: { ...doc, properties: props }, path, code: defect };
    });
