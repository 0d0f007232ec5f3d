// EnOS attributes and measure point batches, Alibaba pack and history posts: the messages that
// carry thing-model data for more than one device, or outside the property/event/service set.
import { describe, expect, it } from 'vitest';
import { cpuMs } from '../../../test/support/stream.ts';
import { VALID, compileTsl, parseTsl, toTslDocument, type TslLookup, type TslModel, type TslValidator } from '@linkwire/tsl';
import { aliGatewayModel as aliModel, enosExamplesDocument, enosExamplesModel, historyPostExample as historySample, packPostExample as packSample } from './fixtures/examples.ts';

const paths = (r: { issues: readonly { path: string; code: string; severity: string }[] }): string[] => r.issues.map((i) => `${i.path} ${i.code}${i.severity === 'warning' ? ' (warning)' : ''}`);

const model = (doc: unknown): TslModel => {
  const r = parseTsl(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.model;
};

describe('EnOS attributes', () => {
  const v = compileTsl(enosExamplesModel);
  const platform = compileTsl(enosExamplesModel, { policy: 'platform' });

  it('parses the attributes list apart from the measure points, and writes it back', () => {
    expect(enosExamplesModel.attributes?.map((a) => a.identifier)).toEqual(['age', 'name', 'attribute_struct']);
    expect(enosExamplesModel.properties.map((p) => p.identifier)).toEqual(['mp_age', 'mp_struct']);
    expect(parseTsl(toTslDocument(enosExamplesModel)).model).toEqual(enosExamplesModel);
    expect(parseTsl({ properties: [] }).model.attributes).toBeUndefined();
    const dup = parseTsl({ ...enosExamplesDocument, attributes: [enosExamplesDocument.attributes[0], enosExamplesDocument.attributes[0]] });
    expect(dup.issues.map((i) => `${i.path} ${i.code}`)).toEqual(['attributes[1].identifier duplicate_identifier']);
    expect(parseTsl({ attributes: {} }).issues.map((i) => `${i.path} ${i.code}`)).toEqual(['attributes not_array']);
  });

  it('seed samples: updateAttribute, queryAttribute, deleteAttribute and the query reply', () => {
    expect(v.attributeUpdate({ attributes: { age: 900, attribute_struct: { struct_int: 10, struct_string: 'test' } } })).toBe(VALID);
    expect(v.attributeQuery({ attributes: [] })).toBe(VALID);
    expect(v.attributeDelete({ attributes: ['age'] })).toBe(VALID);
    expect(v.attributeQueryReply({ age: 30 })).toBe(VALID);
    expect(v.attributeUpdate({ attributes: { name: 'test', age: 30 } })).toBe(VALID);
  });

  it('reports every issue with its path', () => {
    const r = v.attributeUpdate({ attributes: { age: 5000, attribute_struct: { struct_int: 'x', struct_string: 'test' }, mp_age: 1 }, time: 1 });
    expect(paths(r)).toEqual([
      'params.attributes.age out_of_range',
      'params.attributes.attribute_struct.struct_int type',
      'params.attributes.mp_age unknown_attribute',
      'params.time unknown_key',
    ]);
    expect(paths(v.attributeQuery({ attributes: ['age', 7, 'mp_age'] }))).toEqual(['params.attributes[1] type', 'params.attributes[2] unknown_attribute']);
    expect(paths(v.attributeDelete({ attributes: 'age' }))).toEqual(['params.attributes not_array']);
    expect(paths(v.attributeDelete({}))).toEqual(['params.attributes missing']);
    expect(paths(v.attributeQueryReply({ age: -1 }))).toEqual(['data.age out_of_range']);
    expect(paths(v.attributeQueryReply('x'))).toEqual(['data not_object']);
  });

  it('platform policy drops unknown attributes with a warning; coercion applies', () => {
    const r = platform.attributeUpdate({ attributes: { age: 9, color: 'red' } });
    expect(r.ok).toBe(true);
    expect(paths(r)).toEqual(['params.attributes.color unknown_attribute (warning)']);
    expect(r.value).toEqual({ attributes: { age: 9 } });
    const q = platform.attributeDelete({ attributes: ['age', 'color'] });
    expect(q.value).toEqual({ attributes: ['age'] });
    const c = compileTsl(enosExamplesModel, { coerce: true }).attributeUpdate({ attributes: { age: '30' } });
    expect(c.ok).toBe(true);
    expect(c.value).toEqual({ attributes: { age: 30 } });
  });

  it('registration: each sub-device\'s deviceAttributes against its product\'s attributes (seed registerDevice sample)', () => {
    const gw = compileTsl({ profile: {}, properties: [], events: [], services: [] });
    const lookup = (pk: string) => (pk === 'productKey' ? v : undefined);
    const sample = [{ timezone: '+08:00', productKey: 'productKey', deviceAttributes: { name: 'test', age: 30 }, deviceName: { defaultValue: 'sdk_demo_name' } }];
    expect(gw.deviceRegister(sample, lookup)).toBe(VALID);
    const r = gw.deviceRegister(
      [
        { productKey: 'productKey', deviceKey: 'k', deviceAttributes: { age: -1, color: 'red' } },
        { productKey: 'other', deviceAttributes: { age: 1 } },
        { deviceAttributes: {} },
        { productKey: 'other', deviceName: { defaultValue: 'no attributes, nothing to check' } },
        'x',
      ],
      lookup,
    );
    expect(paths(r)).toEqual([
      'params[0].deviceAttributes.age out_of_range',
      'params[0].deviceAttributes.color unknown_attribute',
      'params[1].productKey unknown_product',
      'params[2].productKey missing',
      'params[4] not_object',
    ]);
    const coerced = gw.deviceRegister([{ productKey: 'p', deviceAttributes: { age: '30' }, timezone: '+08:00' }], () => compileTsl(enosExamplesModel, { coerce: true }));
    expect(coerced.ok).toBe(true);
    expect(coerced.value).toEqual([{ productKey: 'p', deviceAttributes: { age: 30 }, timezone: '+08:00' }]);
  });

  it('measure point set (cloud to device) takes the measurepoints map', () => {
    expect(v.measurepointSet({ mp_age: 3, mp_struct: { sub_age: 1, sub_gender: 'f' } })).toBe(VALID);
    expect(paths(v.measurepointSet({ mp_age: 3000, age: 1 }))).toEqual(['params.mp_age out_of_range', 'params.age unknown_measurepoint']);
    expect(paths(v.measurepointSet([]))).toEqual(['params not_object']);
  });

  it('a model without attributes knows none', () => {
    const r = compileTsl({ profile: {}, properties: [], events: [], services: [] }).attributeUpdate({ attributes: { age: 1 } });
    expect(paths(r)).toEqual(['params.attributes.age unknown_attribute']);
  });
});

// A gateway with its own measure point and two sub-device products.
const gatewayModel = model({ profile: { productKey: 'gw' }, properties: [{ identifier: 'uptime', dataType: { type: 'int', specs: { min: '0' } } }] });
const meterModel = model({
  profile: { productKey: 'meter' },
  properties: [
    { identifier: 'temp', dataType: { type: 'float', specs: { min: '-40', max: '120' } } },
    { identifier: 'state', dataType: { type: 'enum', specs: { '0': 'off', '1': 'on' } } },
  ],
});

function lookupOf(byProduct: Record<string, TslValidator>): TslLookup {
  return (pk) => (Object.prototype.hasOwnProperty.call(byProduct, pk) ? byProduct[pk] : undefined);
}

describe('EnOS measure point batches', () => {
  const gw = compileTsl(gatewayModel);
  const lookup = lookupOf({ meter: compileTsl(meterModel), '654321': compileTsl(enosExamplesModel) });

  it('seed batchPostMeasurepoint / batchResumeMeasurepoint samples validate against the device itself', () => {
    const enos = compileTsl(enosExamplesModel);
    expect(enos.measurepointPostBatch([{ measurepoints: { mp_age: 50 } }, { measurepoints: { mp_age: 10 }, time: 1571572800000 }])).toBe(VALID);
    expect(enos.measurepointPostBatch([{ measurepoints: { mp_age: 200 } }, { measurepoints: { mp_age: 30 }, time: 1571572800000 }])).toBe(VALID);
  });

  it('each element is checked against the model its productKey names, with paths into it', () => {
    const params = [
      { measurepoints: { uptime: 5 } },
      { productKey: 'meter', deviceKey: 'm1', measurepoints: { temp: 21.5, state: 1 }, time: 1 },
      { productKey: '654321', deviceKey: 'p1', measurepoints: { mp_age: { value: 3, quality: 0 } } },
      { productKey: 'meter', deviceKey: 'm2', measurepoints: { temp: 500, state: 2 } },
    ];
    const message = { id: '1', version: '1.0', params, allowOfflineSubDevice: false, skipInvalidMeasurepoints: false };
    const r = gw.measurepointPostBatch(params, lookup, message);
    expect(paths(r)).toEqual(['params[3].measurepoints.temp out_of_range', 'params[3].measurepoints.state not_in_enum']);
    expect(gw.measurepointPostBatch(params.slice(0, 3), lookup, message)).toBe(VALID);
  });

  it('identity, flags and envelope issues', () => {
    const r = gw.measurepointPostBatch(
      [
        { productKey: 'meter', measurepoints: { temp: 1 } },
        { productKey: 'nope', deviceKey: 'd', measurepoints: { x: 1 } },
        { measurepoints: { temp: 1 }, time: 'now', extra: 1 },
        { productKey: 'meter', deviceKey: 'm1' },
        7,
      ],
      lookup,
      { allowOfflineSubDevice: 'yes' },
    );
    expect(paths(r)).toEqual([
      'allowOfflineSubDevice type',
      'params[0].deviceKey missing',
      'params[1].productKey unknown_product',
      'params[2].measurepoints.temp unknown_measurepoint',
      'params[2].time invalid_date',
      'params[2].extra unknown_key',
      'params[3].measurepoints missing',
      'params[4] not_object',
    ]);
    expect(paths(gw.measurepointPostBatch({ measurepoints: {} }, lookup))).toEqual(['params not_array']);
  });

  it('skipInvalidMeasurepoints under the platform policy: invalid points become warnings and are dropped', () => {
    const params = [{ productKey: 'meter', deviceKey: 'm1', measurepoints: { temp: 500, state: 1 } }];
    const platform = compileTsl(gatewayModel, { policy: 'platform' });
    const skipped = platform.measurepointPostBatch(params, lookup, { skipInvalidMeasurepoints: true });
    expect(skipped.ok).toBe(true);
    expect(paths(skipped)).toEqual(['params[0].measurepoints.temp out_of_range (warning)']);
    expect(skipped.value).toEqual([{ productKey: 'meter', deviceKey: 'm1', measurepoints: { state: 1 } }]);
    expect(platform.measurepointPostBatch(params, lookup, { skipInvalidMeasurepoints: false }).ok).toBe(false);
    expect(gw.measurepointPostBatch(params, lookup, { skipInvalidMeasurepoints: true }).ok).toBe(false);
  });

  it('each element is explained under its own validator options (coercion, policy)', () => {
    const coercing = lookupOf({ meter: compileTsl(meterModel, { coerce: true, policy: 'platform' }) });
    const r = gw.measurepointPostBatch([{ productKey: 'meter', deviceKey: 'm', measurepoints: { temp: '20.5', junk: 1 } }], coercing);
    expect(r.ok).toBe(true);
    expect(r.value).toEqual([{ productKey: 'meter', deviceKey: 'm', measurepoints: { temp: 20.5 } }]);
  });

  it('without a lookup every element uses the validator itself; a foreign validator is a TypeError', () => {
    expect(paths(gw.measurepointPostBatch([{ productKey: 'gw', deviceKey: 'g', measurepoints: { uptime: -1 } }]))).toEqual(['params[0].measurepoints.uptime out_of_range']);
    const fake = { ...gw };
    expect(() => gw.measurepointPostBatch([{ productKey: 'x', deviceKey: 'y', measurepoints: {} }], () => fake)).toThrow(TypeError);
  });
});

describe('Alibaba pack post', () => {
  const gw = compileTsl(aliModel, { coerce: true });
  const lookup = lookupOf({ a1sub: compileTsl(aliModel, { coerce: true }), a1gw: gw });

  it('the documented sample validates (its string-encoded numbers need coercion) and forwards numbers', () => {
    const r = gw.propertyPackPost(packSample, lookup);
    expect(r.issues).toEqual([]);
    const value = r.value as typeof packSample;
    expect(value.events.alarmEvent1.value.param2).toBe(2);
    expect((value.subDevices[0]!.events.alertEvent2.value as { param2: unknown }).param2).toBe(2);
    expect(compileTsl(aliModel).propertyPackPost(packSample, lookup).ok).toBe(false);
  });

  it('paths reach into the gateway data and into each sub-device', () => {
    const strict = compileTsl(aliModel);
    const l = lookupOf({ a1sub: strict });
    const r = strict.propertyPackPost(
      {
        properties: { WF: { value: 101 }, Power: 'on' },
        events: { alarmEvent1: { value: { param1: 'on', param2: 2 }, time: -1 }, nope: { value: {} } },
        subDevices: [
          { identity: { productKey: 'a1sub', deviceName: 's' }, properties: { Power: { value: 'far too long' } } },
          { identity: { productKey: 'other', deviceName: 's' }, properties: { x: 1 } },
          { identity: { productKey: 'a1sub' }, extra: 1 },
        ],
      },
      l,
    );
    expect(paths(r)).toEqual([
      'params.properties.WF.value out_of_range',
      'params.properties.Power not_object',
      'params.events.alarmEvent1.time invalid_date',
      'params.events.nope unknown_event',
      'params.subDevices[0].properties.Power.value too_long',
      'params.subDevices[1].identity.productKey unknown_product',
      'params.subDevices[2].identity.deviceName missing',
      'params.subDevices[2].extra unknown_key',
    ]);
  });

  it('unknown properties fail the report under both policies; unknown envelope keys follow the policy', () => {
    const platform = compileTsl(aliModel, { policy: 'platform' });
    const r = platform.propertyPackPost({ properties: { Humidity: { value: 1 } }, sys: 1 });
    expect(paths(r)).toEqual(['params.properties.Humidity unknown_property', 'params.sys unknown_key (warning)']);
    expect(r.ok).toBe(false);
  });

  it('at most 200 properties, 20 events and 20 sub-devices per message', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { value: 1 }]));
    const wide = model({ properties: Array.from({ length: 201 }, (_, i) => ({ identifier: `p${i}`, dataType: { type: 'int' } })) });
    const w = compileTsl(wide);
    const wl = lookupOf({ wide: w });
    expect(w.propertyPackPost({ properties: many(150), subDevices: [{ identity: { productKey: 'wide', deviceName: 'd' }, properties: many(50) }] }, wl)).toBe(VALID);
    expect(paths(w.propertyPackPost({ properties: many(150), subDevices: [{ identity: { productKey: 'wide', deviceName: 'd' }, properties: many(51) }] }, wl))).toEqual([
      'params too_many_properties',
    ]);
    const ev = model({ events: Array.from({ length: 21 }, (_, i) => ({ identifier: `e${i}`, outputData: [] })) });
    const events = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`e${i}`, { value: {} }]));
    expect(paths(compileTsl(ev).propertyPackPost({ events }))).toEqual(['params too_many_events']);
    const subs = Array.from({ length: 21 }, (_, i) => ({ identity: { productKey: 'wide', deviceName: `d${i}` } }));
    expect(paths(w.propertyPackPost({ subDevices: subs }, wl))).toEqual(['params.subDevices too_many_sub_devices']);
  });

  it('bare values are not the pack form', () => {
    expect(paths(compileTsl(aliModel).propertyPackPost({ properties: { WF: 3 } }))).toEqual(['params.properties.WF not_object']);
  });
});

describe('Alibaba history post', () => {
  const lookup = lookupOf({ a1gw: compileTsl(aliModel, { coerce: true }), a1sub: compileTsl(aliModel, { coerce: true }) });
  const gw = compileTsl(aliModel);

  it('the documented sample (repaired) validates with coercion, device by device', () => {
    const r = gw.propertyHistoryPost(historySample, lookup);
    expect(r.issues).toEqual([]);
    expect((r.value as typeof historySample)[1]!.properties[0]!.WF.value).toBe(3);
  });

  it('every entry carries its time; paths reach into the lists', () => {
    const strict = lookupOf({ a1gw: gw });
    const r = gw.propertyHistoryPost(
      [
        {
          identity: { productKey: 'a1gw', deviceName: 'gw1' },
          properties: [{ Power: { value: 'on', time: 1 } }, { WF: { value: 3 } }],
          events: [{ alarmEvent: { value: { Power: 'on', WF: 2.5 }, time: 1 } }],
        },
        { identity: { productKey: 'a1gw', deviceName: 'gw1' }, properties: {} },
        { properties: [] },
      ],
      strict,
    );
    expect(paths(r)).toEqual([
      'params[0].properties[1].WF.time missing',
      'params[0].events[0].alarmEvent.value.WF not_integer',
      'params[1].properties not_array',
      'params[2].identity missing',
    ]);
    expect(paths(gw.propertyHistoryPost({}))).toEqual(['params not_array']);
  });

  it('a directly connected device reports only its own history: no lookup needed', () => {
    expect(gw.propertyHistoryPost([{ identity: { productKey: 'a1gw', deviceName: 'gw1' }, properties: [{ WF: { value: 3, time: 1 } }] }])).toBe(VALID);
  });
});

describe('cost', () => {
  it('failing and coerced batches cost time linear in their number of elements', () => {
    const sub = compileTsl(meterModel, { coerce: true });
    const lookup = (pk: string) => (pk === 'meter' ? sub : undefined);
    const gw = compileTsl(gatewayModel, { coerce: true });
    // The best of several rounds, so a GC pause or a JIT tier-up does not decide the ratio.
    const time = (n: number) => {
      const batch = Array.from({ length: n }, (_, i) => ({ productKey: 'meter', deviceKey: `d${i}`, measurepoints: { temp: i % 2 === 0 ? '20.5' : 500 } }));
      const history = [{ identity: { productKey: 'meter', deviceName: 'd' }, properties: Array.from({ length: n }, (_, i) => ({ temp: { value: i % 2 === 0 ? '1' : 'x' } })) }];
      let best = Infinity;
      for (let round = 0; round < 7; round++) {
        const t0 = cpuMs();
        for (let i = 0; i < 5; i++) {
          gw.measurepointPostBatch(batch, lookup);
          gw.propertyHistoryPost(history, lookup);
        }
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

describe('README', () => {
  it('the gateway pack post example gives the issue it shows', () => {
    const main = model({
      properties: [
        { identifier: 'temperature', dataType: { type: 'float' } },
        { identifier: 'fan', dataType: { type: 'struct', specs: [{ identifier: 'speed', dataType: { type: 'int', specs: { min: '0', max: '3000' } } }] } },
      ],
    });
    const subModel = model({ properties: [{ identifier: 'level', dataType: { type: 'int', specs: { min: '0', max: '100' } } }] });
    const tsl = compileTsl(main, { policy: 'platform', coerce: true });
    const byProduct = new Map([['a1sub', compileTsl(subModel)]]);
    const lookup = (productKey: string) => byProduct.get(productKey);
    const issues = tsl.propertyPackPost(
      { properties: { temperature: { value: 21.5 } }, subDevices: [{ identity: { productKey: 'a1sub', deviceName: 's1' }, properties: { level: { value: 900 } } }] },
      lookup,
    ).issues;
    expect(issues.map((i) => [i.path, i.code])).toEqual([['params.subDevices[0].properties.level.value', 'out_of_range']]);
  });
});
