import { TslError, alinkReplyCode, compileTsl, parseTsl, parseTslExtInfo, toJsonSchema, toTslDocument, type TslModel } from '@linkwire/tsl';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';
import { configPushModelList, configPushTslList, dslTemplateReply, setWeightDocument } from './fixtures/seeds.ts';
import { aliGatewayModel, enosExamplesModel, examplesModel, historyPostExample, packPostExample } from './fixtures/examples.ts';

const model = (doc: unknown): TslModel => {
  const r = parseTsl(doc);
  if (!r.ok) throw new Error(`model has errors: ${JSON.stringify(r.issues)}`);
  return r.model;
};
const paths = (issues: readonly { path: string; code: string }[]): string[] => issues.map((i) => `${i.path} ${i.code}`);

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    // aliyun-iot-platform-device-guide.txt §9.5 "Call device services": the SetWeight model and its messages.
    name: 'tsl: seed §9.5 SetWeight model parses, its call and reply validate',
    run() {
      const r = parseTsl(JSON.stringify(setWeightDocument));
      equal(r.issues, [], 'issues');
      const s = r.model.services[0]!;
      equal(s.identifier, 'SetWeight', 'identifier');
      equal(s.inputData[0]!.dataType, { type: 'double', min: 0, max: 200, step: 1, unit: 'kg' }, 'string specs become numbers');
      const v = compileTsl(r.model);
      equal(v.serviceCall('SetWeight', { NewWeight: 100.8 }).ok, true, 'call');
      equal(v.serviceReply('SetWeight', { CollectTime: '1536228947682', OldWeight: 100.101 }).ok, true, 'reply');
    },
  },
  {
    name: 'tsl: seed §9.5 SetWeight out of range and missing parameters are reported with paths',
    run() {
      const v = compileTsl(model(setWeightDocument));
      equal(paths(v.serviceCall('SetWeight', { NewWeight: 200.5 }).issues), ['params.NewWeight out_of_range'], 'range');
      equal(paths(v.serviceReply('SetWeight', { OldWeight: 'heavy' }).issues), ['data.OldWeight type', 'data.CollectTime missing'], 'reply');
      equal(paths(v.serviceCall('SetWeigh', {}).issues), ['method unknown_service'], 'unknown service');
    },
  },
  {
    // §9.6 url data tslList: two sub-device models of a gateway.
    name: 'tsl: seed §9.6 tslList models parse, including the property-get identifier lists',
    run() {
      const [a, b] = configPushTslList.map((d) => parseTsl(d));
      equal(a!.issues, [], 'test02 issues');
      equal(b!.issues, [], 'test01 issues');
      equal(a!.model.services[1]!.inputIdentifiers, ['test01', 'test02'], 'get list');
      equal(b!.model.services[1]!.inputIdentifiers, ['identifier', 'identifier_01'], 'get list (repaired)');
      equal(b!.model.properties.map((p) => p.accessMode), ['rw', 'rw'], 'access modes');
    },
  },
  {
    name: 'tsl: seed §9.6 test02 model: set only rw properties, get only known ones',
    run() {
      const v = compileTsl(model(configPushTslList[0]));
      equal(v.propertySet({ test02: 1 }).ok, true, 'set rw');
      equal(paths(v.propertySet({ test01: 1 }).issues), ['params.test01 read_only'], 'set r');
      equal(paths(v.propertySet({ test02: 2 }).issues), ['params.test02 out_of_range'], 'range');
      equal(v.serviceCall('get', ['test01', 'test02']).ok, true, 'get');
      equal(paths(v.propertyGet(['test01', 'nope']).issues), ['params[1] unknown_property'], 'get unknown');
      equal(v.eventPost('event1', { value: {} }).ok, false, 'unknown event');
    },
  },
  {
    name: 'tsl: seed §9.6 test01 model: event1 and AngleSelfAdaption',
    run() {
      const v = compileTsl(model(configPushTslList[1]));
      equal(v.eventPost('event1', { value: { test01: 20 }, time: 1524448722000 }).ok, true, 'event');
      equal(paths(v.eventPost('event1', { value: { test01: 21 } }).issues), ['params.value.test01 out_of_range'], 'event range');
      equal(v.serviceCall('AngleSelfAdaption', { test01: 10 }).ok, true, 'call');
      equal(paths(v.serviceCall('AngleSelfAdaption', { test01: 0 }).issues), ['params.test01 out_of_range'], 'call range');
    },
  },
  {
    // §9.9 thing.dsltemplate.get reply.
    name: 'tsl: seed §9.9 model parses; its get list names undefined properties, as warnings',
    run() {
      const r = parseTsl(dslTemplateReply.data);
      ok(r.ok, 'ok');
      equal(r.model.profile, { productKey: '1234556554', deviceName: 'airCondition' }, 'profile');
      equal(r.model.link, '/sys/1234556554/airCondition/thing/', 'link');
      equal(r.model.properties[0]!.dataType, { type: 'array', size: 128, item: { type: 'int' } }, 'array property');
      equal(r.model.services[1]!.inputData[0]!.dataType, { type: 'int', min: 0, max: 100, unit: 'g/ml', unitName: 'Millilitter' }, 'unitName');
      equal(r.issues.filter((i) => i.severity === 'error'), [], 'no errors');
      equal(r.issues.map((i) => i.code), Array(9).fill('unknown_reference'), 'nine unknown references (the excerpt defines only fan_array_property)');
      equal(r.issues[6]!.path, 'services[2].inputData[6]', '"Maid " path');
    },
  },
  {
    // §9.5 "Devices report events" example params against the §9.9 model's alarm event.
    name: 'tsl: seed §9.5 alarm event post validates against the §9.9 model',
    run() {
      const v = compileTsl(model(dslTemplateReply.data));
      equal(v.eventPost('alarm', { value: { errorCode: 'error' }, time: 1524448722000 }).ok, true, 'alarm');
      equal(paths(v.eventPost('alarm', { value: { errorCode: 'e'.repeat(256) } }).issues), ['params.value.errorCode too_long'], 'too long');
      equal(v.serviceReply('timeReset', { curTime: '1536228947682' }).ok, true, 'date as string');
      equal(v.serviceReply('timeReset', { curTime: 1536228947682 }).ok, true, 'date as number');
      equal(paths(v.propertyPost({ fan_array_property: [1, 2, 'x'] }).issues), ['params.fan_array_property[2] type'], 'array item');
    },
  },
  {
    // §4 and §9.5 example messages, against the model they imply (test/fixtures/examples.ts).
    name: 'tsl: seed §4/§9.5 property posts in both forms validate',
    run() {
      const v = compileTsl(examplesModel);
      equal(v.propertyPost({ PowerSwitch: 1 }).ok, true, '§4');
      equal(v.propertyPost({ Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 } }).ok, true, '§9.5');
    },
  },
  {
    name: 'tsl: seed §9.5 string-encoded numbers need coercion, and coercion returns numbers',
    run() {
      const strict = compileTsl(examplesModel);
      equal(paths(strict.propertySet({ temperature: '30.5' }).issues), ['params.temperature type'], 'strict');
      const coercing = compileTsl(examplesModel, { coerce: true });
      const r = coercing.propertySet({ temperature: '30.5' });
      equal([r.ok, r.value], [true, { temperature: 30.5 }], 'coerced');
      const e = coercing.eventPost('Error', { value: { Power: 'on', WF: '2' }, time: 1524448722000 });
      equal([e.ok, e.value], [true, { value: { Power: 'on', WF: 2 }, time: 1524448722000 }], 'event coerced');
    },
  },
  {
    name: 'tsl: platform policy drops unknown properties with a warning; strict rejects them',
    run() {
      const params = { PowerSwitch: 1, Unknown: 5 };
      const p = compileTsl(examplesModel, { policy: 'platform' }).propertyPost(params);
      equal([p.ok, p.value, paths(p.issues), p.issues[0]!.severity], [true, { PowerSwitch: 1 }, ['params.Unknown unknown_property'], 'warning'], 'platform');
      const s = compileTsl(examplesModel).propertyPost(params);
      equal([s.ok, paths(s.issues), s.issues[0]!.severity], [false, ['params.Unknown unknown_property'], 'error'], 'strict');
    },
  },
  {
    name: 'tsl: every issue is reported, with nested paths',
    run() {
      const v = compileTsl(examplesModel);
      const r = v.propertyPost({ fan_struct_property: { speed: 9000, mode: 7 }, PowerSwitch: 2, WF: { value: 'x', time: -1 } });
      equal(paths(r.issues), [
        'params.fan_struct_property.speed out_of_range',
        'params.fan_struct_property.mode not_in_enum',
        'params.PowerSwitch invalid_bool',
        'params.WF.value type',
        'params.WF.time invalid_date',
      ], 'paths');
      equal(alinkReplyCode(r), 460, 'reply code');
    },
  },
  {
    name: 'tsl: more than 200 properties in one post is Alink code 6106',
    run() {
      const params: Record<string, number> = {};
      for (let i = 0; i < 201; i++) params[`p${i}`] = 1;
      const r = compileTsl(examplesModel, { policy: 'platform' }).propertyPost(params);
      equal(r.issues.filter((i) => i.severity === 'error').map((i) => i.code), ['too_many_properties'], 'code');
      equal(alinkReplyCode(r), 6106, 'reply code');
    },
  },
  {
    name: 'tsl: structural problems are issues with paths, not exceptions',
    run() {
      const r = parseTsl({
        properties: [
          { identifier: 'a', dataType: { type: 'int', specs: { min: '10', max: '1' } } },
          { identifier: 'a', dataType: { type: 'int' } },
          { identifier: 'b-c', dataType: { type: 'int' } },
          { identifier: 'd', dataType: { type: 'number' } },
          { identifier: 'e', dataType: { type: 'array', specs: { size: '513', item: { type: 'int' } } } },
          { identifier: 'f', dataType: { type: 'enum', specs: {} } },
        ],
      });
      equal(paths(r.issues), [
        'properties[0].dataType.specs.min min_above_max',
        'properties[1].identifier duplicate_identifier',
        'properties[2].identifier invalid_identifier',
        'properties[3].dataType.type unknown_type',
        'properties[4].dataType.specs.size out_of_range',
        'properties[5].dataType.specs empty_enum',
      ], 'issues');
      equal(r.ok, false, 'ok');
      throwsCode(() => parseTsl('{"properties": ['), 'invalid_json', 'not JSON');
      ok(new TslError('x', 'y') instanceof Error, 'TslError is an Error');
    },
  },
  {
    name: 'tsl: toTslDocument round-trips the seed models',
    run() {
      for (const doc of [setWeightDocument, dslTemplateReply.data, ...configPushTslList]) {
        const m = parseTsl(doc).model;
        equal(parseTsl(toTslDocument(m)).model, m, 'round trip');
      }
    },
  },
  {
    name: 'tsl: JSON Schema export is draft 2020-12 and mirrors the model',
    run() {
      const s = toJsonSchema(model(setWeightDocument));
      const call = s.services['SetWeight']!.call as Record<string, unknown>;
      equal(call['$schema'], 'https://json-schema.org/draft/2020-12/schema', '$schema');
      equal(call['properties'], { NewWeight: { title: 'NewWeight', type: 'number', minimum: 0, maximum: 200 } }, 'properties');
      equal(call['required'], ['NewWeight'], 'required');
    },
  },
  {
    // enos-device-sdk-nodejs-api.txt postMeasurepoint / resumeMeasurepoint / batchPostMeasurepoint samples.
    name: 'tsl: EnOS measure point samples validate; {value, quality} is the wrapped form',
    run() {
      const v = compileTsl(enosExamplesModel);
      equal(v.measurepointPost({ measurepoints: { mp_struct: { sub_age: 100, sub_gender: 'male' } } }).ok, true, 'postMeasurepoint');
      equal(v.measurepointPost({ measurepoints: { mp_struct: { sub_age: 50, sub_gender: 'female' } }, time: 1576022400000 }).ok, true, 'resume');
      equal(v.measurepointPost({ measurepoints: { mp_age: { value: 50, quality: 0 } } }).ok, true, 'quality');
      equal(paths(v.measurepointPost({ measurepoints: { mp_age: 5000, mp_x: 1 } }).issues), ['params.measurepoints.mp_age out_of_range', 'params.measurepoints.mp_x unknown_measurepoint'], 'issues');
      equal(paths(v.measurepointPost({ measurepoints: { mp_age: { value: 1, time: 2 } } }).issues), ['params.measurepoints.mp_age.time unknown_key'], 'time is not a point key');
    },
  },
  {
    // enos-device-sdk-nodejs-api.txt postEvent sample: eventName event_test, eventParams {isMale: 2, isChild: 10}.
    name: 'tsl: EnOS dialect events carry {events, time?}',
    run() {
      const v = compileTsl(enosExamplesModel, { dialect: 'enos' });
      equal(v.eventPost('event_test', { events: { isMale: 2, isChild: 10 } }).ok, true, 'event');
      equal(paths(v.eventPost('event_test', { value: { isMale: 2, isChild: 10 } }).issues), ['params.value unknown_key', 'params.events missing'], 'Alink form');
      equal(v.serviceCall('resetAge', { age: 30 }).ok, true, 'service');
    },
  },
  {
    // enos-device-sdk-nodejs-api.txt updateAttribute / queryAttribute / deleteAttribute samples.
    name: 'tsl: EnOS attribute samples validate against the model\'s attributes, apart from its measure points',
    run() {
      const v = compileTsl(enosExamplesModel);
      equal(v.attributeUpdate({ attributes: { age: 900, attribute_struct: { struct_int: 10, struct_string: 'test' } } }).issues, [], 'updateAttribute');
      equal(v.attributeQuery({ attributes: [] }).ok, true, 'queryAttribute');
      equal(v.attributeDelete({ attributes: ['age'] }).ok, true, 'deleteAttribute');
      equal(v.attributeQueryReply({ age: 30 }).ok, true, 'query reply');
      equal(paths(v.attributeUpdate({ attributes: { mp_age: 1, age: 1001 } }).issues), ['params.attributes.mp_age unknown_attribute', 'params.attributes.age out_of_range'], 'issues');
      equal(paths(v.measurepointPost({ measurepoints: { age: 1 } }).issues), ['params.measurepoints.age unknown_measurepoint'], 'an attribute is no measure point');
      // registerDevice sample: a sub-device registered with deviceAttributes {name: 'test', age: 30}.
      const register = [{ timezone: '+08:00', productKey: 'productKey', deviceAttributes: { name: 'test', age: 30 }, deviceName: { defaultValue: 'sdk_demo_name' } }];
      equal(v.deviceRegister(register, () => v).ok, true, 'registerDevice');
      equal(paths(v.deviceRegister([{ ...register[0], deviceAttributes: { age: 'old' } }], () => v).issues), ['params[0].deviceAttributes.age type'], 'registerDevice issue');
    },
  },
  {
    // enos-device-sdk-nodejs-api.txt batchPostMeasurepoint sample, then a gateway batch with a sub-device.
    name: 'tsl: EnOS measure point batches check each element against its own model',
    run() {
      const v = compileTsl(enosExamplesModel);
      equal(v.measurepointPostBatch([{ measurepoints: { mp_age: 50 } }, { measurepoints: { mp_age: 10 }, time: 1571572800000 }]).ok, true, 'sample');
      const sub = compileTsl(model({ properties: [{ identifier: 'temp', dataType: { type: 'float', specs: { min: '-40', max: '120' } } }] }));
      const lookup = (pk: string) => (pk === 'meter' ? sub : undefined);
      const params = [
        { measurepoints: { mp_age: 1 } },
        { productKey: 'meter', deviceKey: 'm1', measurepoints: { temp: 20 } },
        { productKey: 'meter', deviceKey: 'm2', measurepoints: { mp_age: 1 } },
        { productKey: 'meter', deviceKey: 'm3', measurepoints: { temp: 500 } },
        { productKey: 'pump', deviceKey: 'p1', measurepoints: {} },
      ];
      const r = v.measurepointPostBatch(params, lookup, { skipInvalidMeasurepoints: 'no' });
      equal(paths(r.issues), [
        'skipInvalidMeasurepoints type',
        'params[2].measurepoints.mp_age unknown_measurepoint',
        'params[3].measurepoints.temp out_of_range',
        'params[4].productKey unknown_product',
      ], 'issues');
      const skip = compileTsl(enosExamplesModel, { policy: 'platform' }).measurepointPostBatch(params.slice(0, 4), lookup, { skipInvalidMeasurepoints: true });
      equal([skip.ok, skip.issues.map((i) => i.severity)], [true, ['warning', 'warning']], 'skipped points are warnings');
    },
  },
  {
    // Alibaba pack post sample (documentation, see test/fixtures/examples.ts): gateway and sub-device data.
    name: 'tsl: Alibaba pack post checks the gateway and each sub-device against their models',
    run() {
      const v = compileTsl(aliGatewayModel, { coerce: true });
      const lookup = (pk: string) => (pk === 'a1sub' ? v : undefined);
      const r = v.propertyPackPost(packPostExample, lookup);
      equal([r.ok, r.issues], [true, []], 'sample');
      const bad = { properties: { WF: { value: 101 } }, subDevices: [{ identity: { productKey: 'a1sub', deviceName: 's' }, events: { alarmEvent1: { value: { param1: 'on', param2: 'x' } } } }] };
      equal(paths(v.propertyPackPost(bad, lookup).issues), ['params.properties.WF.value out_of_range', 'params.subDevices[0].events.alarmEvent1.value.param2 type'], 'paths');
      const many: Record<string, unknown> = {};
      for (let i = 0; i < 21; i++) many[`e${i}`] = { value: {} };
      equal(paths(v.propertyPackPost({ events: many }).issues).slice(-1), ['params too_many_events'], 'limit');
    },
  },
  {
    // Alibaba history post sample (documentation, repaired; see test/fixtures/examples.ts).
    name: 'tsl: Alibaba history post checks every timed entry of every device',
    run() {
      const v = compileTsl(aliGatewayModel, { coerce: true });
      equal(v.propertyHistoryPost(historyPostExample).issues, [], 'sample');
      const bad = [{ identity: { productKey: 'a1gw', deviceName: 'gw' }, properties: [{ WF: { value: 1, time: 1 } }, { WF: { value: 1 } }], events: [{ alarmEvent: { value: { Power: 'on', WF: 1.5 }, time: 1 } }] }];
      equal(paths(v.propertyHistoryPost(bad).issues), ['params[0].properties[1].WF.time missing', 'params[0].events[0].alarmEvent.value.WF not_integer'], 'paths');
    },
  },
  {
    // §9.6 url data: the modelList entries configure features of the tslList models.
    name: 'tsl: seed §9.6 modelList (TSL ext info) refers only to features its tslList model defines',
    run() {
      const byProduct = new Map(configPushTslList.map((d) => [d.profile.productKey, model(d)]));
      for (const entry of configPushModelList) {
        const r = parseTslExtInfo(entry, byProduct.get(entry.profile.productKey));
        equal(r.issues, [], `${entry.profile.productKey} issues`);
      }
      const modbus = parseTslExtInfo(configPushModelList[1], byProduct.get('test02')).ext.properties[0]!;
      equal([modbus.identifier, modbus.ext['registerAddress'], modbus.ext['operateType']], ['test01', '0x03', 'inputStatus'], 'Modbus fields');
      const wrong = parseTslExtInfo(configPushModelList[0], byProduct.get('test02'));
      equal(wrong.ok, false, 'against the other product');
      equal(wrong.issues[0]!.code, 'product_mismatch', 'mismatch');
    },
  },
];
