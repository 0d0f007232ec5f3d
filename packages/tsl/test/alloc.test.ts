// The valid path allocates nothing: fifteen million valid messages must not trigger garbage
// collections (16 bytes a call would be 240 MB, several scavenges; one is allowed for the test
// runner's own work). Node-only (node:v8 GCProfiler). Values that are not small integers
// (doubles, 13-digit timestamps as numbers) are left out on purpose: V8 boxes such a field
// when it is read through a computed key, the engine's allocation, not linkwire's (README).
import { GCProfiler } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { VALID, compileTsl, parseTsl } from '@linkwire/tsl';

const model = parseTsl({
  properties: [
    { identifier: 'on', dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'speed', dataType: { type: 'int', specs: { min: '0', max: '3000' } } },
    { identifier: 'mode', dataType: { type: 'enum', specs: { '0': 'auto', '1': 'low' } } },
    { identifier: 'label', dataType: { type: 'text', specs: { length: '64' } } },
    { identifier: 'seen', dataType: { type: 'date', specs: {} } },
    { identifier: 'pos', dataType: { type: 'struct', specs: [{ identifier: 'x', dataType: { type: 'int' } }, { identifier: 'y', dataType: { type: 'int' } }] } },
    { identifier: 'samples', dataType: { type: 'array', specs: { size: '8', item: { type: 'int' } } } },
  ],
  events: [{ identifier: 'alarm', outputData: [{ identifier: 'code', dataType: { type: 'int' } }] }],
  services: [
    { identifier: 'reset', inputData: [{ identifier: 'hard', dataType: { type: 'bool' } }], outputData: [{ identifier: 'took', dataType: { type: 'int' } }] },
    { identifier: 'get', method: 'thing.service.property.get', inputData: ['speed', 'mode'] },
  ],
  attributes: [
    { identifier: 'serial', dataType: { type: 'text', specs: { length: '32' } } },
    { identifier: 'floor', dataType: { type: 'int', specs: { min: '0', max: '200' } } },
  ],
}).model;

describe('allocation', () => {
  it('a million rounds of valid posts, sets, gets, events, measure points, attributes, batches, calls and replies run without garbage collection', () => {
    const v = compileTsl(model);
    const sub = compileTsl(model);
    const lookup = (pk: string) => (pk === 'sub' ? sub : undefined);
    const attrs = JSON.parse('{"attributes":{"serial":"A-1","floor":3}}') as unknown;
    const attrIds = JSON.parse('{"attributes":["serial","floor"]}') as unknown;
    const batch = JSON.parse('[{"measurepoints":{"speed":3},"time":"1700000000000"},{"productKey":"sub","deviceKey":"d1","measurepoints":{"mode":1}}]') as unknown;
    const message = JSON.parse('{"allowOfflineSubDevice":true,"skipInvalidMeasurepoints":false}') as unknown;
    const pack = JSON.parse(
      '{"properties":{"speed":{"value":5,"time":"1700000000000"}},"events":{"alarm":{"value":{"code":1}}},' +
        '"subDevices":[{"identity":{"productKey":"sub","deviceName":"d1"},"properties":{"mode":{"value":0}}}]}',
    ) as unknown;
    const pointSet = JSON.parse('{"speed":7,"mode":0}') as unknown;
    const register = JSON.parse('[{"productKey":"sub","deviceName":{"defaultValue":"d"},"timezone":"+08:00","deviceAttributes":{"floor":2}}]') as unknown;
    const history = JSON.parse('[{"identity":{"productKey":"sub","deviceName":"d1"},"properties":[{"speed":{"value":1,"time":"1"}}],"events":[{"alarm":{"value":{"code":2},"time":"2"}}]}]') as unknown;
    const post = JSON.parse('{"on":1,"speed":1200,"mode":1,"label":"hall","seen":"1700000000000","pos":{"x":1,"y":2},"samples":[1,2,3]}') as unknown;
    const wrapped = JSON.parse('{"speed":{"value":5,"time":"1700000000000"}}') as unknown;
    const event = JSON.parse('{"value":{"code":7},"time":1}') as unknown;
    const points = JSON.parse('{"measurepoints":{"speed":{"value":3,"quality":0},"mode":0}}') as unknown;
    const call = JSON.parse('{"hard":0}') as unknown;
    const reply = JSON.parse('{"took":12}') as unknown;
    const get = JSON.parse('["speed","mode"]') as unknown;
    // Warm up so that compilation garbage is behind us.
    for (let i = 0; i < 20_000; i++) v.propertyPost(post);
    const profiler = new GCProfiler();
    profiler.start();
    let valid = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (v.propertyPost(post) === VALID) valid++;
      if (v.propertyPost(wrapped) === VALID) valid++;
      if (v.propertySet(post) === VALID) valid++;
      if (v.eventPost('alarm', event) === VALID) valid++;
      if (v.measurepointPost(points) === VALID) valid++;
      if (v.serviceCall('reset', call) === VALID) valid++;
      if (v.serviceReply('reset', reply) === VALID) valid++;
      if (v.serviceCall('get', get) === VALID) valid++;
      if (v.attributeUpdate(attrs) === VALID) valid++;
      if (v.attributeQuery(attrIds) === VALID) valid++;
      if (v.measurepointPostBatch(batch, lookup, message) === VALID) valid++;
      if (v.propertyPackPost(pack, lookup) === VALID) valid++;
      if (v.propertyHistoryPost(history, lookup) === VALID) valid++;
      if (v.measurepointSet(pointSet) === VALID) valid++;
      if (v.deviceRegister(register, lookup) === VALID) valid++;
    }
    const gcs = profiler.stop()?.statistics ?? [];
    expect(valid).toBe(15_000_000);
    expect(gcs.length).toBeLessThanOrEqual(1);
  }, 120_000);
});
