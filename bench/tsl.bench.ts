// @linkwire/tsl compiled validators against ajv (draft 2020-12) compiling the JSON Schema
// that toJsonSchema exports for the same model. Run: npm run bench -- tsl
import Ajv2020Module from 'ajv/dist/2020.js';
import { compileTsl, parseTsl, toJsonSchema } from '@linkwire/tsl';
import { compare } from './support.ts';

const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;

const num = (type: string, min: string, max: string) => ({ type, specs: { min, max, step: '1', unit: 'x' } });
const tslText = JSON.stringify({
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: 'a1B2c3D4e5F' },
  properties: [
    { identifier: 'PowerSwitch', accessMode: 'rw', dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'temperature', accessMode: 'r', dataType: num('float', '-40', '120') },
    { identifier: 'humidity', accessMode: 'r', dataType: num('double', '0', '100') },
    { identifier: 'speed', accessMode: 'rw', dataType: num('int', '0', '3000') },
    { identifier: 'mode', accessMode: 'rw', dataType: { type: 'enum', specs: { '0': 'auto', '1': 'low', '2': 'high' } } },
    { identifier: 'label', accessMode: 'rw', dataType: { type: 'text', specs: { length: '64' } } },
    { identifier: 'lastSeen', accessMode: 'r', dataType: { type: 'date', specs: {} } },
    {
      identifier: 'position',
      accessMode: 'r',
      dataType: { type: 'struct', specs: [{ identifier: 'lat', dataType: num('double', '-90', '90') }, { identifier: 'lng', dataType: num('double', '-180', '180') }] },
    },
    { identifier: 'samples', accessMode: 'r', dataType: { type: 'array', specs: { size: '8', item: { type: 'int' } } } },
    { identifier: 'level', accessMode: 'r', dataType: num('int', '0', '10') },
  ],
  events: [],
  services: [],
});
const model = parseTsl(tslText).model;
const schema = toJsonSchema(model).propertyPost;

const valid = JSON.parse(
  '{"PowerSwitch":1,"temperature":21.5,"humidity":40.25,"speed":1200,"mode":2,"label":"living room","lastSeen":1700000000000,' +
    '"position":{"lat":30.27,"lng":120.15},"samples":[1,2,3,4],"level":7}',
) as unknown;
const invalid = { ...(valid as Record<string, unknown>), level: 11 };

const ajv = new Ajv2020();
const ajvValidate = ajv.compile(schema);
const ours = compileTsl(model);
if (!ajvValidate(valid) || !ours.propertyPost(valid).ok || ajvValidate(invalid) || ours.propertyPost(invalid).ok) throw new Error('validators disagree');

// Each op validates a batch of 100 messages: a single validation takes ~150 ns, close to the
// harness's own per-call timing cost, which would otherwise flatten the ratios.
const BATCH = 100;
const batch = (f: () => unknown) => () => {
  for (let i = 0; i < BATCH; i++) f();
};

await compare(`10-property model, valid property post (ops = batches of ${BATCH} messages)`, [
  { name: 'ajv (exported JSON Schema)', fn: batch(() => ajvValidate(valid)) },
  { name: '@linkwire/tsl compileTsl', fn: batch(() => ours.propertyPost(valid)) },
]);

const ajvAll = new Ajv2020({ allErrors: true }).compile(schema);
await compare(`10-property model, invalid property post, error in the last property (ops = batches of ${BATCH})`, [
  { name: 'ajv (stops at the first error)', fn: batch(() => ajvValidate(invalid)) },
  { name: 'ajv allErrors', fn: batch(() => ajvAll(invalid)) },
  { name: '@linkwire/tsl compileTsl (every issue, with paths)', fn: batch(() => ours.propertyPost(invalid)) },
]);

// tinybench runs one task after the other, so on a shared machine a change in load between
// the two tasks moves the ratio. This section alternates short rounds of both validators and
// reports the median of the per-round ratios, which such drift cancels out of.
function interleaved(rounds: number, n: number, a: () => unknown, b: () => unknown): { a: number; b: number; ratio: number } {
  const time = (f: () => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return performance.now() - t0;
  };
  const ratios: number[] = [];
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = time(a);
    const y = time(b);
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
  return { a: (median(ta) / n) * 1e6, b: (median(tb) / n) * 1e6, ratio: median(ratios) };
}
console.log('\n## 10-property model, interleaved rounds (60 × 100,000 calls each, medians)');
console.log('| message | ajv ns/call | @linkwire/tsl ns/call | × ajv |');
console.log('|---|---:|---:|---:|');
for (const [label, value] of [['valid', valid], ['invalid (last property)', invalid]] as const) {
  const r = interleaved(60, 100_000, () => ajvValidate(value), () => ours.propertyPost(value));
  console.log(`| ${label} | ${r.a.toFixed(0)} | ${r.b.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
}

const warmAjv = new Ajv2020();
await compare('compile the 10-property model', [
  { name: 'ajv: new Ajv2020().compile(schema)', fn: () => new Ajv2020().compile(schema) },
  {
    name: 'ajv: warm instance, compile(schema)',
    fn: () => {
      warmAjv.compile(schema);
      warmAjv.removeSchema(schema);
    },
  },
  { name: '@linkwire/tsl compileTsl(model)', fn: () => compileTsl(model) },
  { name: '@linkwire/tsl parseTsl(text) + compileTsl', fn: () => compileTsl(parseTsl(tslText).model) },
]);

// Cost linear in the value's size: a 512-element array against an 8-element one.
const arrays = parseTsl({ properties: [{ identifier: 'a', dataType: { type: 'array', specs: { size: 512, item: { type: 'double', specs: { min: '0', max: '1' } } } } }] }).model;
const arrV = compileTsl(arrays);
const arrAjv = new Ajv2020().compile(toJsonSchema(arrays).propertyPost);
const small = { a: Array.from({ length: 8 }, (_, i) => i / 8) };
const large = { a: Array.from({ length: 512 }, (_, i) => i / 512) };
await compare('array of doubles, 8 and 512 elements (per-element cost = 1 / (ops/s × elements))', [
  { name: 'ajv, 8 elements', fn: () => arrAjv(small) },
  { name: 'ajv, 512 elements', fn: () => arrAjv(large) },
  { name: '@linkwire/tsl, 8 elements', fn: () => arrV.propertyPost(small) },
  { name: '@linkwire/tsl, 512 elements', fn: () => arrV.propertyPost(large) },
]);

// A gateway's EnOS measure point batch: 20 elements, its own and two sub-device products. The
// peer a user would otherwise write: ajv validators per product (the exported measure point
// schema, widened by the element's productKey/deviceKey), chosen per element by productKey.
const meter = parseTsl({ properties: [{ identifier: 'temp', dataType: num('float', '-40', '120') }, { identifier: 'state', dataType: { type: 'enum', specs: { '0': 'off', '1': 'on' } } }] }).model;
const pump = parseTsl({ properties: [{ identifier: 'rpm', dataType: num('int', '0', '6000') }, { identifier: 'flow', dataType: num('double', '0', '500') }] }).model;
const byProduct = new Map([
  ['meter', compileTsl(meter)],
  ['pump', compileTsl(pump)],
]);
const lookup = (pk: string) => byProduct.get(pk);
const elementSchema = (m: typeof model) => {
  const s = toJsonSchema(m).measurepointPost as { properties: Record<string, unknown> };
  const key = { type: 'string', minLength: 1 };
  return { ...s, properties: { ...s.properties, productKey: key, deviceKey: key }, dependentRequired: { productKey: ['deviceKey'], deviceKey: ['productKey'] } };
};
const batchAjv = new Ajv2020();
const ajvByProduct = new Map([
  ['', batchAjv.compile(elementSchema(model))],
  ['meter', batchAjv.compile(elementSchema(meter))],
  ['pump', batchAjv.compile(elementSchema(pump))],
]);
const ajvBatch = (params: readonly Record<string, unknown>[]): boolean => {
  for (const el of params) {
    const v = ajvByProduct.get((el['productKey'] as string | undefined) ?? '');
    if (v === undefined || !v(el)) return false;
  }
  return true;
};
const pointsBatch = JSON.parse(
  JSON.stringify(
    Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0
        ? { measurepoints: { speed: i, mode: 1, level: 3 }, time: 1700000000000 + i }
        : i % 3 === 1
          ? { productKey: 'meter', deviceKey: `m${i}`, measurepoints: { temp: 20.5, state: 1 } }
          : { productKey: 'pump', deviceKey: `p${i}`, measurepoints: { rpm: 1500, flow: 12.5 }, time: 1700000000000 },
    ),
  ),
) as Record<string, unknown>[];
const badBatch = pointsBatch.map((el, i) => (i === 19 ? { ...el, measurepoints: { rpm: 7000, flow: 12.5 } } : el));
if (!ajvBatch(pointsBatch) || !ours.measurepointPostBatch(pointsBatch, lookup).ok || ajvBatch(badBatch) || ours.measurepointPostBatch(badBatch, lookup).ok) {
  throw new Error('batch validators disagree');
}
console.log('\n## EnOS measure point batch, 20 elements over 3 products (60 × 20,000 calls each, medians)');
console.log('| message | ajv per element ns/call | @linkwire/tsl measurepointPostBatch ns/call | × ajv |');
console.log('|---|---:|---:|---:|');
for (const [label, value] of [['valid', pointsBatch], ['invalid (last element)', badBatch]] as const) {
  const r = interleaved(60, 20_000, () => ajvBatch(value), () => ours.measurepointPostBatch(value, lookup));
  console.log(`| ${label} | ${r.a.toFixed(0)} | ${r.b.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
}
