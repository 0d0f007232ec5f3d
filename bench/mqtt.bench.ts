// The MQTT codec against mqtt-packet (the codec the design named, and the tests' oracle).
import mqttPacket from 'mqtt-packet';
import { createPacketParser, encodePacket, type PublishPacket } from '@linkwire/mqtt';
import { compare } from './support.ts';

const payload = new TextEncoder().encode(JSON.stringify({
  id: '123', version: '1.0', method: 'thing.event.property.post',
  params: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 } },
}));
const topic = '/sys/a1B2c3D4e5F/device-0001/thing/event/property/post';
const ours: PublishPacket = { type: 'publish', topic, payload, qos: 1, retain: false, dup: false, messageId: 42 };
const theirs = { cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos: 1 as const, retain: false, dup: false, messageId: 42 };
const bytes = encodePacket(ours);
const buf = Buffer.from(bytes);

await compare('encode a QoS 1 property-post PUBLISH', [
  { name: 'mqtt-packet generate', fn: () => mqttPacket.generate(theirs) },
  { name: '@linkwire/mqtt encodePacket', fn: () => encodePacket(ours) },
]);

const theirParser = mqttPacket.parser({ protocolVersion: 4 });
let n = 0;
theirParser.on('packet', () => n++);
const ourParser = createPacketParser();
await compare('parse the same PUBLISH from a stream', [
  { name: 'mqtt-packet parser', fn: () => theirParser.parse(buf) },
  { name: '@linkwire/mqtt createPacketParser', fn: () => ourParser.push(bytes) },
]);

const burst = Buffer.concat(Array.from({ length: 100 }, () => buf));
const burstBytes = new Uint8Array(burst);
await compare('parse 100 PUBLISHes arriving in one TCP chunk', [
  { name: 'mqtt-packet parser', fn: () => theirParser.parse(burst) },
  { name: '@linkwire/mqtt createPacketParser', fn: () => ourParser.push(burstBytes) },
]);
if (n === 0) throw new Error('mqtt-packet parsed nothing');
