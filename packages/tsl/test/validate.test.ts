import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VALID,
  compileTsl,
  parseTsl,
  validateEventPost,
  validateMeasurepointPost,
  validatePropertyGet,
  validatePropertyPost,
  validatePropertySet,
  validateServiceCall,
  validateServiceReply,
  type TslResult,
} from '@linkwire/tsl';
import { tslModel } from '@linkwire/tsl/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { cpuMs } from '../../../test/support/stream.ts';
import { examplesModel as model } from './fixtures/examples.ts';
import { dslTemplateReply } from './fixtures/seeds.ts';

const issues = (r: TslResult) => r.issues.map((i) => `${i.severity} ${i.path} ${i.code}`);
const strict = compileTsl(model);
const platform = compileTsl(model, { policy: 'platform' });

describe('property post', () => {
  it('accepts both forms and the empty post, returning the shared VALID', () => {
    expect(strict.propertyPost({})).toBe(VALID);
    expect(strict.propertyPost({ PowerSwitch: 0, WF: { value: 1 }, temperature: { value: -40, time: '1524448722000' } })).toBe(VALID);
    expect(strict.propertyPost({ fan_struct_property: { value: { speed: 1, mode: 0 }, time: 1 } })).toBe(VALID);
  });

  it('rejects anything but value and time in the {value, time} form', () => {
    expect(issues(strict.propertyPost({ WF: { value: 1, unit: 'Hz' } }))).toEqual(['error params.WF.unit unknown_key']);
    expect(issues(strict.propertyPost({ WF: { time: 1 } }))).toEqual(['error params.WF type']);
  });

  it('treats {value, time} as a struct when the struct has a member named value', () => {
    const m = parseTsl({
      properties: [{ identifier: 's', dataType: { type: 'struct', specs: [{ identifier: 'value', dataType: { type: 'int' } }, { identifier: 'time', dataType: { type: 'date' } }] } }],
    }).model;
    const v = compileTsl(m);
    expect(v.propertyPost({ s: { value: 1, time: 2 } })).toBe(VALID);
    expect(issues(v.propertyPost({ s: { value: { value: 1, time: 2 } } }))).toEqual(['error params.s.value type', 'error params.s.time missing']);
  });

  it('reports a non-object params, and odd keys with bracket paths', () => {
    expect(issues(strict.propertyPost([1]))).toEqual(['error params not_object']);
    expect(issues(strict.propertyPost(null))).toEqual(['error params not_object']);
    expect(issues(strict.propertyPost({ 'a.b': 1 }))).toEqual(['error params["a.b"] unknown_property']);
  });

  it('is not fooled by a __proto__ key, and never writes through one', () => {
    const params = JSON.parse('{"PowerSwitch": "1", "__proto__": {"polluted": 1}}') as unknown;
    const r = compileTsl(model, { coerce: true, policy: 'platform' }).propertyPost(params);
    expect(issues(r)).toEqual(['warning params.__proto__ unknown_property']);
    expect(r.value).toEqual({ PowerSwitch: 1 });
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('counts every property toward the limit of 200', () => {
    const params = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, 1]));
    expect(platform.propertyPost(params).ok).toBe(true);
    expect(platform.propertyPost({ ...params, PowerSwitch: 1 }).ok).toBe(false);
  });
});

describe('property set and get', () => {
  it('only rw properties may be set, in the bare form', () => {
    expect(strict.propertySet({ temperature: 20 })).toBe(VALID);
    expect(issues(strict.propertySet({ WF: 1 }))).toEqual(['error params.WF read_only']);
    expect(issues(platform.propertySet({ WF: 1 }))).toEqual(['error params.WF read_only']);
    expect(issues(strict.propertySet({ temperature: { value: 20 } }))).toEqual(['error params.temperature type']);
  });

  it('get takes a list of known identifiers; the platform drops unknown ones', () => {
    expect(strict.propertyGet([])).toBe(VALID);
    expect(strict.propertyGet(['WF', 'Power'])).toBe(VALID);
    expect(issues(strict.propertyGet({ WF: 1 }))).toEqual(['error params not_array']);
    expect(issues(strict.propertyGet(['WF', 3]))).toEqual(['error params[1] type']);
    const r = platform.propertyGet(['WF', 'nope']);
    expect([r.ok, r.value, issues(r)]).toEqual([true, ['WF'], ['warning params[1] unknown_property']]);
  });

  it('the set and get services delegate to the property forms', () => {
    const v = compileTsl(parseTsl(dslTemplateReply.data).model);
    expect(v.serviceCall('set', { fan_int_property: 5 }).ok).toBe(false); // not a property of the excerpt
    expect(v.serviceCall('get', ['fan_array_property'])).toBe(VALID);
    expect(v.serviceReply('get', { fan_array_property: [1, 2] })).toBe(VALID);
    expect(issues(v.serviceReply('get', { fan_array_property: 'x' }))).toEqual(['error data.fan_array_property not_array']);
    expect(v.serviceReply('set', {})).toBe(VALID);
    expect(v.serviceReply('set', undefined)).toBe(VALID);
  });
});

describe('events and services', () => {
  it('an event post carries value and an optional time', () => {
    expect(strict.eventPost('Error', { value: { Power: 'on', WF: 2 } })).toBe(VALID);
    expect(issues(strict.eventPost('Error', { time: 1 }))).toEqual(['error params.value missing']);
    expect(issues(strict.eventPost('Error', { value: { Power: 'on' }, time: 'noon' }))).toEqual(['error params.value.WF missing', 'error params.time invalid_date']);
    expect(issues(strict.eventPost('Error', 'x'))).toEqual(['error params not_object']);
    expect(issues(strict.eventPost('Nope', {}))).toEqual(['error method unknown_event']);
  });

  it('platform policy: missing parameters are fine, unknown ones dropped with a warning', () => {
    const r = platform.eventPost('Error', { value: { Power: 'on', extra: 1 }, extra: 2 });
    expect([r.ok, r.value, issues(r)]).toEqual([true, { value: { Power: 'on' } }, ['warning params.value.extra unknown_parameter', 'warning params.extra unknown_key']]);
    const s = platform.serviceCall('SetMode', { WF: 3, x: 1 });
    expect([s.ok, s.value]).toEqual([true, { WF: 3 }]);
  });

  it('strict policy: every parameter present, nothing else', () => {
    expect(issues(strict.serviceCall('SetMode', { WF: 3, x: 1 }))).toEqual(['error params.x unknown_parameter', 'error params.Power missing']);
    expect(strict.serviceReply('SetMode', null)).toBe(VALID);
    expect(issues(strict.serviceReply('SetMode', { a: 1 }))).toEqual(['error data.a unknown_parameter']);
    expect(issues(strict.serviceReply('Nope', {}))).toEqual(['error method unknown_service']);
  });
});

describe('coercion', () => {
  const coercing = compileTsl(model, { coerce: true });

  it('converts numbers and booleans written as strings, nothing else', () => {
    const r = coercing.propertyPost({ PowerSwitch: 'true', temperature: { value: '-1.5e1', time: 1 }, fan_struct_property: { speed: '30', mode: '2' }, Power: 'on' });
    expect(r.ok).toBe(true);
    expect(r.value).toEqual({ PowerSwitch: 1, temperature: { value: -15, time: 1 }, fan_struct_property: { speed: 30, mode: 2 }, Power: 'on' });
    expect(issues(coercing.propertyPost({ PowerSwitch: 'yes', temperature: ' 1', Power: 5 }))).toEqual([
      'error params.PowerSwitch invalid_bool',
      'error params.temperature type',
      'error params.Power type',
    ]);
    expect(issues(coercing.propertyPost({ temperature: '500' }))).toEqual(['error params.temperature out_of_range']);
  });

  it('does not touch the input, and returns it as is when nothing changed', () => {
    const input = { PowerSwitch: false, WF: 1 };
    const r = coercing.propertyPost(input);
    expect(r.value).toEqual({ PowerSwitch: 0, WF: 1 });
    expect(input).toEqual({ PowerSwitch: false, WF: 1 });
    expect(coercing.propertyPost({ WF: 1 })).toBe(VALID);
  });

  it('coerces inside arrays of structs', () => {
    const m = parseTsl({ properties: [{ identifier: 'a', dataType: { type: 'array', specs: { size: 3, item: { type: 'struct', specs: [{ identifier: 'n', dataType: { type: 'int' } }] } } } }] }).model;
    const r = compileTsl(m, { coerce: true }).propertyPost({ a: [{ n: 1 }, { n: '2' }] });
    expect(r.value).toEqual({ a: [{ n: 1 }, { n: 2 }] });
  });
});

describe('EnOS measure points', () => {
  it('coerce inside {value, quality} and drop unknown points under the platform policy', () => {
    const v = compileTsl(model, { coerce: true, policy: 'platform' });
    const r = v.measurepointPost({ measurepoints: { temperature: { value: '20', quality: 1 }, nope: 1, WF: 2 }, time: 5 });
    expect([r.ok, r.value]).toEqual([true, { measurepoints: { temperature: { value: 20, quality: 1 }, WF: 2 }, time: 5 }]);
    expect(issues(r)).toEqual(['warning params.measurepoints.nope unknown_measurepoint']);
    expect(issues(strict.measurepointPost({ measurepoints: { WF: { value: 1, quality: 0.5 } } }))).toEqual(['error params.measurepoints.WF.quality type']);
    expect(issues(strict.measurepointPost({ points: {} }))).toEqual(['error params.points unknown_key', 'error params.measurepoints missing']);
    expect(issues(strict.measurepointPost({ measurepoints: [] }))).toEqual(['error params.measurepoints not_object']);
  });
});

describe('one-shot validate functions', () => {
  it('give the compiled validators\' answers', () => {
    expect(validatePropertyPost(model, { PowerSwitch: 1 })).toBe(VALID);
    expect(validatePropertySet(model, { WF: 1 }).ok).toBe(false);
    expect(validatePropertyGet(model, ['WF'])).toBe(VALID);
    expect(validateEventPost(model, 'Error', { value: { Power: 'on', WF: 1 } })).toBe(VALID);
    expect(validateServiceCall(model, 'SetMode', { Power: 'on', WF: '1' }, { coerce: true }).value).toEqual({ Power: 'on', WF: 1 });
    expect(validateServiceReply(model, 'SetMode', {})).toBe(VALID);
    expect(validateMeasurepointPost(model, { measurepoints: { WF: 1 } })).toBe(VALID);
  });
});

describe('robustness', () => {
  it('never throws, whatever the message', () => {
    fc.assert(
      fc.property(tslModel(), fc.anything(), fc.string(), fc.boolean(), (m, value, id, coerce) => {
        for (const policy of ['strict', 'platform'] as const) {
          const v = compileTsl(m, { policy, coerce });
          for (const r of [v.propertyPost(value), v.propertySet(value), v.propertyGet(value), v.measurepointPost(value), v.measurepointPost({ measurepoints: value }), v.eventPost(id, value), v.serviceCall(id, value), v.serviceReply(id, value)]) {
            expect(typeof r.ok).toBe('boolean');
          }
          for (const e of m.events) v.eventPost(e.identifier, { value });
          for (const s of m.services) {
            v.serviceCall(s.identifier, value);
            v.serviceReply(s.identifier, value);
          }
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('never throws on values JSON cannot carry (symbols, bigints, functions, NaN, typed arrays)', () => {
    const odd = [Symbol('x'), 10n, () => 1, new Date(0), new Map(), Object.create(null), NaN, Infinity, -0, new Uint8Array(2)];
    const v = compileTsl(model, { coerce: true, policy: 'platform' });
    for (const x of odd) {
      for (const p of model.properties) {
        expect(v.propertyPost({ [p.identifier]: x }).ok).toBe(Object.is(x, -0) && ['bool', 'int', 'float', 'double'].includes(p.dataType.type));
        v.propertySet({ [p.identifier]: x });
        v.propertyPost({ [p.identifier]: { value: x, time: x } });
        v.measurepointPost({ measurepoints: { [p.identifier]: { value: x, quality: x } } });
      }
      v.propertyPost(x);
      v.propertyGet([x]);
      v.eventPost('Error', { value: x, time: x });
      v.serviceCall('SetMode', { Power: x, WF: x });
    }
  });

  it('costs time linear in the value size', () => {
    const m = parseTsl({ properties: [{ identifier: 'a', dataType: { type: 'array', specs: { size: 512, item: { type: 'text', specs: { length: 10240 } } } } }] }).model;
    const v = compileTsl(m);
    // The best of several rounds, so a GC pause or a JIT tier-up does not decide the ratio.
    const time = (n: number) => {
      const bad = { a: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'x'.repeat(100) : 7)) };
      let best = Infinity;
      for (let round = 0; round < 7; round++) {
        const t0 = cpuMs();
        for (let i = 0; i < 10; i++) v.propertyPost(bad);
        best = Math.min(best, cpuMs() - t0);
      }
      return best;
    };
    time(8000);
    // 16× the size: linear is ~16×, quadratic ~256×; the bound leaves room for a loaded machine.
    const small = time(500);
    const large = time(8000);
    expect(large / small).toBeLessThan(16 * 5);
  });
});

describe('models built in code', () => {
  it('a property named __proto__ is copied as a key, never as the prototype', () => {
    const model = {
      profile: {},
      properties: [{ identifier: '__proto__', accessMode: 'rw' as const, required: false, dataType: { type: 'int' as const } }],
      events: [],
      services: [],
    };
    const r = compileTsl(model, { coerce: true }).propertySet(JSON.parse('{"__proto__": "5"}'));
    expect(r.ok).toBe(true);
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r.value, '__proto__')?.value).toBe(5);
  });
});
