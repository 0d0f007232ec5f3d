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

// Stream parsing (64 KiB, so that mqtt-packet's 1-byte rounds stay in seconds) at every chunk size a peer may produce: 1 byte (a trickling or hostile peer,
// 1-byte WebSocket frames), 7, 64, a TCP segment (1460), a TLS record (16 384), whole packets.
// Both parsers get the same pre-sliced chunks; rounds alternate between them so the shared
// machine's load hits both, and the median round counts.
const property = (i: number): Uint8Array => encodePacket({ ...ours, messageId: (i % 65535) + 1 });
const workloads = [
  { name: '64 KiB PUBLISH', packets: [encodePacket({ type: 'publish', topic, payload: new Uint8Array((1 << 16) - 128), qos: 1, retain: false, dup: false, messageId: 7 })] },
  { name: '64 KiB of property posts', packets: Array.from({ length: Math.ceil((1 << 16) / bytes.length) }, (_, i) => property(i)) },
];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const slice = (all: Uint8Array, packets: readonly Uint8Array[], size: number | 'whole'): Uint8Array[] => {
  if (size === 'whole') return [...packets];
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
};
console.log('\n## stream parsing by chunk size (median of alternating rounds; MB/s, higher is better)');
console.log('| workload | chunk | mqtt-packet MB/s | @linkwire/mqtt MB/s | × mqtt-packet |');
console.log('|---|---:|---:|---:|---:|');
for (const w of workloads) {
  const all = new Uint8Array(Buffer.concat(w.packets));
  for (const size of [1, 7, 64, 1460, 16384, 'whole'] as const) {
    const chunks = slice(all, w.packets, size);
    const bufs = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    const runOurs = (): number => {
      const p = createPacketParser();
      let got = 0;
      const t = performance.now();
      for (const c of chunks) got += p.push(c).length;
      const ms = performance.now() - t;
      if (got !== w.packets.length) throw new Error(`linkwire parsed ${got} of ${w.packets.length}`);
      return ms;
    };
    const runTheirs = (): number => {
      const p = mqttPacket.parser({ protocolVersion: 4 });
      let got = 0;
      p.on('packet', () => got++);
      const t = performance.now();
      for (const b of bufs) p.parse(b);
      const ms = performance.now() - t;
      if (got !== w.packets.length) throw new Error(`mqtt-packet parsed ${got} of ${w.packets.length}`);
      return ms;
    };
    // Fewer rounds where a round is slow (mqtt-packet on 1-byte chunks of one large packet).
    const first = runTheirs();
    const rounds = first > 2000 ? 1 : first > 200 ? 3 : Math.min(201, Math.max(9, Math.ceil(400 / Math.max(first, 0.01))));
    const oursMs: number[] = [runOurs()];
    const theirsMs: number[] = [first];
    for (let r = 1; r < rounds; r++) {
      oursMs.push(runOurs());
      theirsMs.push(runTheirs());
    }
    const mb = all.length / 1e6;
    const a = median(theirsMs);
    const b = median(oursMs);
    console.log(`| ${w.name} | ${size === 'whole' ? 'whole packets' : size} | ${(mb / (a / 1000)).toFixed(1)} | ${(mb / (b / 1000)).toFixed(1)} | ${(a / b).toFixed(2)} |`);
  }
}

// The target: the default 1 MiB limit's worth of one PUBLISH, one byte at a time.
{
  const big = encodePacket({ type: 'publish', topic, payload: new Uint8Array((1 << 20) - 128), qos: 1, retain: false, dup: false, messageId: 7 });
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const p = createPacketParser();
    let got = 0;
    const t = performance.now();
    for (let i = 0; i < big.length; i++) got += p.push(big.subarray(i, i + 1)).length;
    times.push(performance.now() - t);
    if (got !== 1) throw new Error('the 1 MiB PUBLISH did not parse');
  }
  console.log(`\n1 MiB PUBLISH in 1-byte chunks (@linkwire/mqtt, median of 5): ${median(times).toFixed(0)} ms`);
}
