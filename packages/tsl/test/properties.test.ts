// Property tests: generated valid values pass, one mutated leaf fails at that leaf's path,
// and the compiled validators agree with ajv running the exported JSON Schema.
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VALID, compileTsl, parseTsl, toJsonSchema, toTslDocument, type TslModel, type TslValidator } from '@linkwire/tsl';
import {
  invalidParamsFor,
  invalidPropertyPostFor,
  invalidValue,
  paramsFor,
  propertyPostFor,
  invalidValuesFor,
  tslDataType,
  tslEnosModel,
  tslModel,
  validValue,
  valuesFor,
} from '@linkwire/tsl/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;
// One instance: a fresh Ajv costs more than the whole property run it serves.
const sharedAjv = new Ajv2020({ strict: true, allErrors: false, validateFormats: false });
const newAjv = () => sharedAjv;

// Long fuzzing runs (LINKWIRE_FC_RUNS_FACTOR) scale the property runs; scale the timeouts too.
const timeout = Math.max(20_000, numRuns(1) * 30_000);

const single = (t: Parameters<typeof validValue>[0]): TslModel => ({
  profile: {},
  properties: [{ identifier: 'p', dataType: t, accessMode: 'rw', required: false }],
  events: [],
  services: [],
});

describe('generated values', () => {
  it('a value generated valid for a data type passes, and returns the shared VALID result', () => {
    fc.assert(
      fc.property(tslDataType().chain((t) => fc.tuple(fc.constant(t), validValue(t))), ([t, v]) => {
        const r = compileTsl(single(t)).propertySet({ p: v });
        expect(r.issues).toEqual([]);
        expect(r).toBe(VALID);
      }),
      { numRuns: numRuns(300) },
    );
  }, timeout);

  it('one leaf out of spec fails with an issue at that leaf', () => {
    fc.assert(
      fc.property(tslDataType().chain((t) => fc.tuple(fc.constant(t), invalidValue(t))), ([t, bad]) => {
        const r = compileTsl(single(t)).propertySet({ p: bad.value });
        expect(r.ok).toBe(false);
        const want = bad.path === '' ? 'params.p' : bad.path.startsWith('[') ? `params.p${bad.path}` : `params.p.${bad.path}`;
        expect(r.issues.map((i) => i.path)).toEqual([want]);
      }),
      { numRuns: numRuns(300) },
    );
  }, timeout);

  it('random models: valid posts, calls and event posts pass', () => {
    fc.assert(
      fc.property(
        tslModel().chain((m) =>
          fc.tuple(
            fc.constant(m),
            propertyPostFor(m),
            fc.tuple(...m.services.map((s) => (s.inputIdentifiers ? fc.constant(null) : paramsFor(s.inputData)))),
            fc.tuple(...m.events.map((e) => paramsFor(e.outputData))),
          ),
        ),
        ([m, post, calls, events]) => {
          const v = compileTsl(m);
          expect(v.propertyPost(post)).toBe(VALID);
          m.services.forEach((s, i) => {
            if (s.method === 'thing.service.property.get') expect(v.serviceCall(s.identifier, s.inputIdentifiers)).toBe(VALID);
            else if (s.method !== 'thing.service.property.set') expect(v.serviceCall(s.identifier, calls[i])).toBe(VALID);
          });
          m.events.forEach((e, i) => expect(v.eventPost(e.identifier, { value: events[i], time: 1 })).toBe(VALID));
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);

  it('random models: a mutated leaf in a post, a call or an event is reported at its path', () => {
    fc.assert(
      fc.property(
        tslModel()
          .filter((m) => m.properties.length > 0)
          .chain((m) => fc.tuple(fc.constant(m), invalidPropertyPostFor(m))),
        ([m, bad]) => {
          const r = compileTsl(m).propertyPost(bad.value);
          expect(r.ok).toBe(false);
          expect(r.issues.map((i) => i.path)).toEqual([bad.path]);
        },
      ),
      { numRuns: numRuns(200) },
    );
    fc.assert(
      fc.property(
        tslModel()
          .filter((m) => m.events.some((e) => e.outputData.length > 0))
          .chain((m) => {
            const e = m.events.find((x) => x.outputData.length > 0)!;
            return fc.tuple(fc.constant(m), fc.constant(e.identifier), invalidParamsFor(e.outputData, 'params.value'));
          }),
        ([m, id, bad]) => {
          const r = compileTsl(m, { policy: 'platform' }).eventPost(id, { value: bad.value });
          expect(r.issues.map((i) => i.path)).toEqual([bad.path]);
        },
      ),
      { numRuns: numRuns(100) },
    );
    const callable = (m: TslModel) => m.services.find((s) => s.inputData.length > 0 && !s.method.startsWith('thing.service.property.'));
    fc.assert(
      fc.property(
        tslModel()
          .filter((m) => callable(m) !== undefined)
          .chain((m) => {
            const s = callable(m)!;
            return fc.tuple(fc.constant(m), fc.constant(s.identifier), invalidParamsFor(s.inputData, 'params'));
          }),
        ([m, id, bad]) => {
          const r = compileTsl(m).serviceCall(id, bad.value);
          expect(r.issues.map((i) => i.path)).toEqual([bad.path]);
        },
      ),
      { numRuns: numRuns(100) },
    );
  }, timeout);

  it('parse(toTslDocument(model)) is the model, also through JSON text', () => {
    fc.assert(
      fc.property(tslModel(), (m) => {
        const r = parseTsl(JSON.stringify(toTslDocument(m)));
        expect(r.issues).toEqual([]);
        expect(r.model).toEqual(m);
      }),
      { numRuns: numRuns(200) },
    );
  }, timeout);
});

function rewrap(post: Record<string, unknown>, quality: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(post)) {
    const w = v as { value?: unknown; time?: unknown } | null;
    out[k] = w !== null && typeof w === 'object' && !Array.isArray(w) && 'time' in w && 'value' in w ? { value: w.value, quality } : v;
  }
  return out;
}

describe('agreement with ajv on the exported JSON Schema', () => {
  const values = (m: TslModel): fc.Arbitrary<unknown> => {
    const arbs: fc.Arbitrary<unknown>[] = [propertyPostFor(m), fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('x', ...m.properties.map((p) => p.identifier)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })];
    const attributes = m.attributes ?? [];
    if (attributes.length > 0) {
      arbs.push(valuesFor(attributes), invalidValuesFor(attributes, '').map((b) => b.value), fc.subarray(attributes.map((a) => a.identifier)));
    }
    if (m.properties.length > 0) {
      arbs.push(invalidPropertyPostFor(m).map((b) => b.value));
      // EnOS measure points: {value, quality} instead of {value, time}.
      arbs.push(propertyPostFor(m).chain((post) => fc.integer({ min: -2, max: 200 }).map((q) => rewrap(post, q))));
    }
    return fc.oneof(...arbs);
  };

  function check(m: TslModel, v: TslValidator, schemas: ReturnType<typeof toJsonSchema>, value: unknown, ajv: InstanceType<typeof Ajv2020>, body: string): void {
    const json = JSON.parse(JSON.stringify(value)) as unknown;
    expect(v.propertyPost(json).ok, 'post').toBe(ajv.validate(schemas.propertyPost, json));
    expect(v.propertySet(json).ok, 'set').toBe(ajv.validate(schemas.propertySet, json));
    expect(v.propertyGet(json).ok, 'get').toBe(ajv.validate(schemas.propertyGet, json));
    expect(v.measurepointPost({ measurepoints: json }).ok, 'measurepoints').toBe(ajv.validate(schemas.measurepointPost, { measurepoints: json }));
    expect(v.measurepointSet(json).ok, 'measurepoint set').toBe(ajv.validate(schemas.measurepointSet, json));
    expect(v.attributeUpdate({ attributes: json }).ok, 'attribute update').toBe(ajv.validate(schemas.attributeUpdate, { attributes: json }));
    expect(v.attributeQuery({ attributes: json }).ok, 'attribute query').toBe(ajv.validate(schemas.attributeQuery, { attributes: json }));
    expect(v.attributeQueryReply(json).ok, 'attribute reply').toBe(ajv.validate(schemas.attributeQueryReply, json));
    for (const e of m.events) {
      const params = { [body]: json };
      expect(v.eventPost(e.identifier, params).ok, `event ${e.identifier}`).toBe(ajv.validate(schemas.events[e.identifier]!, params));
    }
    for (const s of m.services) {
      expect(v.serviceCall(s.identifier, json).ok, `call ${s.identifier}`).toBe(ajv.validate(schemas.services[s.identifier]!.call, json));
      expect(v.serviceReply(s.identifier, json).ok, `reply ${s.identifier}`).toBe(ajv.validate(schemas.services[s.identifier]!.reply, json));
    }
  }

  for (const [policy, dialect] of [['strict', 'alink'], ['platform', 'alink'], ['strict', 'enos']] as const) {
    it(`${policy} ${dialect}: compiled validators and ajv agree on random models and values`, () => {
      fc.assert(
        fc.property(
          // EnOS models: Alibaba ones plus attributes, so every exported schema is exercised.
          tslEnosModel().chain((m) => fc.tuple(fc.constant(m), fc.array(values(m), { minLength: 1, maxLength: 8 }))),
          ([m, vals]) => {
            const ajv = newAjv();
            const schemas = toJsonSchema(m, { policy, dialect });
            const v = compileTsl(m, { policy, dialect });
            const body = dialect === 'enos' ? 'events' : 'value';
            for (const value of vals) check(m, v, schemas, value, ajv, body);
          },
        ),
        { numRuns: numRuns(40) },
      );
    }, timeout);
  }

  it('single data types: ajv and the validator agree on valid, invalid and arbitrary values', () => {
    fc.assert(
      fc.property(
        tslDataType().chain((t) => fc.tuple(fc.constant(t), fc.oneof(validValue(t), invalidValue(t).map((b) => b.value), fc.jsonValue({ maxDepth: 2 })))),
        ([t, value]) => {
          const m = single(t);
          const json = JSON.parse(JSON.stringify({ p: value })) as unknown;
          expect(compileTsl(m).propertySet(json).ok).toBe(newAjv().validate(toJsonSchema(m).propertySet, json));
        },
      ),
      { numRuns: numRuns(300) },
    );
  }, timeout);
});
