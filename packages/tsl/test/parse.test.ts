import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TslError, compileTsl, isTslIdentifier, parseTsl, parseTslExtInfo, toTslDocument } from '@linkwire/tsl';
import { invalidTslDocument, invalidTslIdentifier, tslIdentifier, tslModel } from '@linkwire/tsl/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { cpuMs } from '../../../test/support/stream.ts';
import { dslTemplateReply } from './fixtures/seeds.ts';

const issuesOf = (doc: unknown) => parseTsl(doc).issues.map((i) => `${i.severity} ${i.path} ${i.code}`);
const prop = (dataType: unknown, extra: Record<string, unknown> = {}) => ({ properties: [{ identifier: 'p', dataType, ...extra }] });

describe('parseTsl quirks', () => {
  it('reads numbers written as strings or numbers, and treats empty strings as absent', () => {
    const r = parseTsl(prop({ type: 'int', specs: { min: '-5', max: 5, step: '' } }));
    expect(r.issues).toEqual([]);
    expect(r.model.properties[0]!.dataType).toEqual({ type: 'int', min: -5, max: 5 });
  });

  it('fills in missing optional fields with the platform defaults', () => {
    const r = parseTsl({ properties: [{ identifier: 'p', dataType: { type: 'text' } }], events: [{ identifier: 'e' }], services: [{ identifier: 's' }] });
    expect(r.issues).toEqual([]);
    expect(r.model.properties[0]).toEqual({ identifier: 'p', accessMode: 'rw', required: false, dataType: { type: 'text', length: 10240 } });
    expect(r.model.events[0]).toEqual({ identifier: 'e', type: 'info', method: 'thing.event.e.post', required: false, outputData: [] });
    expect(r.model.services[0]).toEqual({ identifier: 's', method: 'thing.service.s', callType: 'async', required: false, inputData: [], outputData: [] });
    expect(r.model.profile).toEqual({});
  });

  it('reads bool and enum labels, struct members, arrays of structs, unit and unitName', () => {
    const r = parseTsl({
      properties: [
        { identifier: 'b', dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
        { identifier: 'e', dataType: { type: 'enum', specs: { '2': 'two', '-1': 'minus one' } } },
        { identifier: 'a', dataType: { type: 'array', specs: { size: 4, item: { type: 'struct', specs: [{ identifier: 'x', dataType: { type: 'date', specs: {} } }] } } } },
        { identifier: 'f', dataType: { type: 'float', specs: { min: '0.5', max: '1e3', unit: 'g/ml', unitName: 'Millilitter' } } },
      ],
    });
    expect(r.issues).toEqual([]);
    expect(r.model.properties.map((p) => p.dataType)).toEqual([
      { type: 'bool', labels: { 0: 'off', 1: 'on' } },
      { type: 'enum', values: [{ value: -1, label: 'minus one' }, { value: 2, label: 'two' }] },
      { type: 'array', size: 4, item: { type: 'struct', members: [{ identifier: 'x', dataType: { type: 'date' } }] } },
      { type: 'float', min: 0.5, max: 1000, unit: 'g/ml', unitName: 'Millilitter' },
    ]);
  });

  it('reads the model out of a whole thing.dsltemplate.get reply, with a warning (seed §9.9)', () => {
    const r = parseTsl(dslTemplateReply);
    expect(r.ok).toBe(true);
    expect(r.issues[0]).toMatchObject({ path: '', code: 'reply_envelope', severity: 'warning' });
    expect(r.model).toEqual(parseTsl(dslTemplateReply.data).model);
  });

  it('accepts the modelList form of an empty outputData ("") and reads JSON bytes', () => {
    const bytes = new Uint8Array([...'{"services":[{"identifier":"s","outputData":""}]}'].map((c) => c.charCodeAt(0)));
    const r = parseTsl(bytes);
    expect(r.issues).toEqual([]);
    expect(r.model.services[0]!.outputData).toEqual([]);
  });
});

describe('parseTsl structural issues', () => {
  it.each([
    [prop({ type: 'int', specs: { min: 'zero' } }), 'error properties[0].dataType.specs.min invalid_number'],
    [prop({ type: 'int', specs: { min: '0.5' } }), 'error properties[0].dataType.specs.min not_integer'],
    [prop({ type: 'int', specs: { max: '2147483648' } }), 'error properties[0].dataType.specs.max out_of_range'],
    [prop({ type: 'float', specs: { max: '1e39' } }), 'error properties[0].dataType.specs.max out_of_range'],
    [prop({ type: 'double', specs: { min: 3, max: 2 } }), 'error properties[0].dataType.specs.min min_above_max'],
    [prop({ type: 'double', specs: { step: -1 } }), 'error properties[0].dataType.specs.step out_of_range'],
    [prop({ type: 'text', specs: { length: '10241' } }), 'error properties[0].dataType.specs.length out_of_range'],
    [prop({ type: 'text', specs: { length: 0 } }), 'error properties[0].dataType.specs.length out_of_range'],
    [prop({ type: 'array', specs: { size: '0', item: { type: 'int' } } }), 'error properties[0].dataType.specs.size out_of_range'],
    [prop({ type: 'array', specs: { item: { type: 'int' } } }), 'error properties[0].dataType.specs.size missing'],
    [prop({ type: 'array', specs: { size: 2, item: { type: 'array', specs: { size: 1, item: { type: 'int' } } } } }), 'error properties[0].dataType.specs.item.type unsupported_item_type'],
    [prop({ type: 'enum', specs: { '1': 'x', a: 'x' } }), 'error properties[0].dataType.specs.a invalid_enum_key'],
    [prop({ type: 'struct', specs: [] }), 'error properties[0].dataType.specs empty_struct'],
    [prop({ type: 'struct', specs: {} }), 'error properties[0].dataType.specs not_array'],
    [prop({ type: 'struct', specs: [{ identifier: 'm', dataType: { type: 'int' } }, { identifier: 'm', dataType: { type: 'int' } }] }), 'error properties[0].dataType.specs[1].identifier duplicate_identifier'],
    [prop({ type: 'INT' }), 'error properties[0].dataType.type unknown_type'],
    [prop(undefined), 'error properties[0].dataType missing'],
    [prop({ type: 'int' }, { accessMode: 'w' }), 'error properties[0].accessMode invalid_access_mode'],
    [{ properties: [{ identifier: 'p x', dataType: { type: 'int' } }] }, 'error properties[0].identifier invalid_identifier'],
    [{ properties: [{ identifier: '__proto__', dataType: { type: 'int' } }] }, 'error properties[0].identifier invalid_identifier'],
    [{ properties: {} }, 'error properties not_array'],
    [{ events: [{ identifier: 'e', type: 'fatal' }] }, 'warning events[0].type unknown_event_type'],
    [{ services: [{ identifier: 's', callType: 'now' }] }, 'error services[0].callType invalid_call_type'],
    [{ services: [{ identifier: 's', inputData: [{ identifier: 'i' }] }] }, 'error services[0].inputData[0].dataType missing'],
    [[], 'error  not_object'],
  ])('%j → %s', (doc, issue) => {
    expect(issuesOf(doc)).toEqual([issue]);
  });

  it('a document with one structural defect yields exactly that error, at its path', () => {
    fc.assert(
      fc.property(invalidTslDocument(), ({ document, path, code }) => {
        const r = parseTsl(JSON.stringify(document));
        expect(r.ok).toBe(false);
        expect(r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path} ${i.code}`)).toEqual([`${path} ${code}`]);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('reports every problem, keeps the good elements', () => {
    const r = parseTsl({ properties: [{ identifier: 'ok', dataType: { type: 'int' } }, { identifier: 'bad', dataType: { type: 'nope' } }, 7] });
    expect(r.ok).toBe(false);
    expect(r.model.properties.map((p) => p.identifier)).toEqual(['ok']);
    expect(r.issues.map((i) => i.path)).toEqual(['properties[1].dataType.type', 'properties[2]']);
  });

  it('only accepts identifiers the platform accepts', () => {
    fc.assert(fc.property(tslIdentifier(), (id) => isTslIdentifier(id)), { numRuns: numRuns(200) });
    fc.assert(fc.property(invalidTslIdentifier(), (id) => !isTslIdentifier(id)), { numRuns: numRuns(200) });
  });
});

describe('parseTsl on malformed input', () => {
  it('throws only TslError, and only for input that is not JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 })), (input) => {
        try {
          parseTsl(input);
        } catch (e) {
          expect(e).toBeInstanceOf(TslError);
          expect((e as TslError).code).toBe('invalid_json');
        }
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('never throws on any JSON value, and what it keeps compiles', () => {
    // Strings are JSON text to parseTsl; here every input is an already parsed value.
    const junk = fc.oneof(fc.jsonValue({ maxDepth: 4 }).filter((v) => typeof v !== 'string'), tslModel().map((m) => toTslDocument(m)).chain((d) => mutate(d)));
    fc.assert(
      fc.property(junk, (doc) => {
        const r = parseTsl(doc);
        expect(r.ok).toBe(!r.issues.some((i) => i.severity === 'error'));
        const v = compileTsl(r.model);
        v.propertyPost({});
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('bounds nesting of an already parsed model, even a cyclic one', () => {
    const struct: Record<string, unknown> = { type: 'struct' };
    struct['specs'] = [{ identifier: 'm', dataType: struct }];
    const r = parseTsl({ properties: [{ identifier: 'p', dataType: struct }] });
    expect(r.issues.map((i) => i.code)).toEqual(['too_deep']);
    expect(r.issues[0]!.path).toMatch(/^properties\[0\]\.dataType(\.specs\[0\]\.dataType){17}$/);
  });

  it('rejects a __proto__ key and overlong or overdeep documents with a typed error', () => {
    expect(() => parseTsl('{"__proto__": {"x": 1}}')).toThrow(TslError);
    expect(() => parseTsl('['.repeat(100) + ']'.repeat(100))).toThrow(TslError);
    expect(() => parseTsl('{}', { maxBytes: 1 })).toThrow(TslError);
  });

  it('costs time linear in the document size', () => {
    const doc = (n: number) =>
      JSON.stringify({ properties: Array.from({ length: n }, (_, i) => ({ identifier: `p${i}`, dataType: { type: 'int', specs: { min: '0', max: '9' } } })) });
    // The best of several rounds, so a GC pause or a busy neighbour does not decide the ratio.
    const time = (s: string) => {
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const t0 = cpuMs();
        parseTsl(s);
        best = Math.min(best, cpuMs() - t0);
      }
      return best;
    };
    time(doc(1000));
    // 16× the size: linear is ~16×, quadratic ~256×; the bound leaves room for a loaded machine.
    const small = time(doc(1000));
    const large = time(doc(16000));
    expect(large / small).toBeLessThan(16 * 5);
  });
});

// Replaces one random node of a document with random JSON, to reach every reader's error branch.
function mutate(doc: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  return fc.tuple(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 })).map(([path, junk]) => {
    if (path.length === 0) return typeof junk === 'string' ? [junk] : junk;
    const copy = JSON.parse(JSON.stringify(doc)) as Record<string | number, unknown>;
    let at: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[path[path.length - 1]!] = junk;
    return copy;
  });
}

describe('parseTslExtInfo', () => {
  const m = parseTsl({
    profile: { productKey: 'pk' },
    properties: [{ identifier: 'temp', dataType: { type: 'float' } }],
    events: [{ identifier: 'alarm', outputData: [{ identifier: 'code', dataType: { type: 'int' } }] }],
    services: [{ identifier: 'reset', inputData: [{ identifier: 'hard', dataType: { type: 'bool' } }] }],
  }).model;

  it('reports features and parameters the model does not define', () => {
    const r = parseTslExtInfo(
      {
        profile: { productKey: 'pk' },
        properties: [{ identifier: 'temp', registerAddress: '0x01' }, { identifier: 'humidity' }, { identifier: 'temp' }],
        events: [{ identifier: 'alarm', outputData: [{ identifier: 'code', index: 0 }, { identifier: 'level', index: 1 }] }],
        services: [{ identifier: 'reset', inputData: [{ identifier: 'soft', index: 0 }], outputData: '' }, 'x'],
      },
      m,
    );
    expect(r.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      'properties[1].identifier unknown_identifier',
      'properties[2].identifier duplicate_identifier',
      'events[0].outputData[1].identifier unknown_identifier',
      'services[0].inputData[0].identifier unknown_identifier',
      'services[1] not_object',
    ]);
    expect(r.ext.properties[0]).toEqual({ identifier: 'temp', ext: { registerAddress: '0x01' } });
    expect(r.ext.events[0]!.outputData!.map((p) => p.ext)).toEqual([{ index: 0 }, { index: 1 }]);
  });

  it('without a model, checks only the structure; never throws on any JSON', () => {
    expect(parseTslExtInfo({ properties: [{ identifier: 'anything' }] }).ok).toBe(true);
    expect(() => parseTslExtInfo('{')).toThrow(TslError);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }).filter((v) => typeof v !== 'string'), (doc) => {
        expect(typeof parseTslExtInfo(doc, m).ok).toBe('boolean');
      }),
      { numRuns: numRuns(200) },
    );
  });
});
