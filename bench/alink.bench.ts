// The full safe path of @linkwire/alink against what a user would otherwise write: raw
// JSON.parse/JSON.stringify with TextDecoder/TextEncoder, no limits, no checks.
import { decodeMessage, encodeMessage, formatTopic, matchTopic, parseTopic, type PropertyValue } from '@linkwire/alink';
import { compare } from './support.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const ids = { productKey: 'a1B2c3D4e5F', deviceName: 'lamp-0001' };
const topic = formatTopic('propertyPost', ids);
const parsed = parseTopic(topic)!;

function post(n: number): { params: Record<string, PropertyValue>; bytes: Uint8Array } {
  const params: Record<string, PropertyValue> = {};
  for (let i = 0; i < n; i++) {
    const k = `prop_${i}`;
    params[k] = i % 3 === 0 ? { value: i * 1.5, time: 1524448722000 + i } : i % 3 === 1 ? `text value ${i}` : i;
  }
  const bytes = enc.encode(JSON.stringify({ id: '123', version: '1.0', params, method: 'thing.event.property.post' }));
  return { params, bytes };
}

for (const n of [10, 200]) {
  const { params, bytes } = post(n);
  let id = 0;
  await compare(`property post with ${n} properties: decode (${bytes.length} bytes)`, [
    { name: 'JSON.parse(TextDecoder)', fn: () => JSON.parse(dec.decode(bytes)) },
    { name: 'alink decodeMessage(topic string): recognise topic, limits, UTF-8, method, params', fn: () => decodeMessage(topic, bytes) },
    { name: 'alink decodeMessage(parsed topic): the same, topic already routed', fn: () => decodeMessage(parsed, bytes) },
  ]);
  await compare(`property post with ${n} properties: encode`, [
    { name: 'TextEncoder(JSON.stringify)', fn: () => enc.encode(JSON.stringify({ id: String(++id), version: '1.0', params, method: 'thing.event.property.post' })) },
    { name: 'alink encodeMessage: topic from ids, method, params check', fn: () => encodeMessage('propertyPost', ids, { id: String(++id), params }) },
  ]);
}

const topics = [
  topic,
  '/sys/a1B2c3D4e5F/lamp-0001/thing/service/SetWeight',
  '/sys/a1B2c3D4e5F/lamp-0001/thing/service/SetWeight_reply',
  '/ext/session/a1B2c3D4e5F/gw-0001/combine/login_reply',
  '/ota/device/upgrade/a1B2c3D4e5F/lamp-0001',
  '/a1B2c3D4e5F/lamp-0001/user/get',
];
let t = 0;
await compare('topics', [
  { name: 'String.split (baseline, no recognition)', fn: () => topics[t++ % topics.length]!.split('/') },
  { name: 'parseTopic', fn: () => parseTopic(topics[t++ % topics.length]!) },
  { name: 'matchTopic /sys/+/+/thing/#', fn: () => matchTopic('/sys/+/+/thing/#', topics[t++ % topics.length]!) },
]);
