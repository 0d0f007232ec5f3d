// base's CBOR codec against cbor-x (the library a user would otherwise pick) on Alink-shaped
// payloads: a CoAP auth body and a property post. Both encoders hand out views of a shared
// 8 KiB buffer; the third encode row adds the copy a caller who needs the result in an
// ArrayBuffer of its own (to transfer it) would make.
import { Decoder, Encoder } from 'cbor-x';
import { decodeCbor, encodeCbor } from '@linkwire/base';
import { compare } from './support.ts';

const auth = { productKey: 'a1NUjcV****', deviceName: 'ff1a11e7c0****', clientId: 'a1NUjcV****&ff1a11e7c0****', sign: 'F9FD53EE0CD010FCA40D14A9FE******', seq: '10' };
const post = {
  id: '123', version: '1.0', method: 'thing.event.property.post',
  params: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`prop${i}`, { value: i * 1.5, time: 1524448722000 + i }])),
};
// cbor-x's defaults add record extensions peers cannot read; compare against plain CBOR.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

for (const [name, value] of [['CoAP auth body', auth], ['property post, 10 properties', post]] as const) {
  const bytes = encodeCbor(value);
  await compare(`encode ${name}`, [
    { name: 'cbor-x encode', fn: () => encoder.encode(value) },
    { name: '@linkwire/base encodeCbor', fn: () => encodeCbor(value) },
    { name: '@linkwire/base encodeCbor, then .slice() (own ArrayBuffer)', fn: () => encodeCbor(value).slice() },
  ]);
  await compare(`decode ${name} (${bytes.length} bytes)`, [
    { name: 'cbor-x decode', fn: () => decoder.decode(bytes) },
    { name: '@linkwire/base decodeCbor (bounded, typed errors)', fn: () => decodeCbor(bytes) },
  ]);
}

// The machine these run on is shared: tinybench times each task in its own half second, so load
// that comes and goes shifts one row against another. Here both run in alternating rounds of
// a few thousand calls; the best round of each and the per-round ratios are what is compared.
{
  const cases: [string, () => unknown, () => unknown][] = [];
  for (const [name, value] of [['auth body', auth], ['property post', post]] as const) {
    const bytes = encodeCbor(value).slice();
    cases.push([`encode ${name}`, () => encoder.encode(value), () => encodeCbor(value)]);
    cases.push([`decode ${name}`, () => decoder.decode(bytes), () => decodeCbor(bytes)]);
  }
  const CALLS = 5000;
  const ROUNDS = 40;
  const run = (f: () => unknown): number => {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) f();
    return ((performance.now() - t0) * 1e6) / CALLS;
  };
  console.log(`\n## interleaved: ${ROUNDS} alternating rounds of ${CALLS} calls`);
  console.log('| case | cbor-x ns/call (best) | @linkwire/base ns/call (best) | × cbor-x (best) | × cbor-x per round: median [min–max] |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, theirs, ours] of cases) {
    for (let i = 0; i < 5; i++) (run(theirs), run(ours));
    let bestTheirs = Infinity;
    let bestOurs = Infinity;
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let a: number;
      let b: number;
      if (r % 2 === 0) (a = run(theirs)), (b = run(ours));
      else (b = run(ours)), (a = run(theirs));
      bestTheirs = Math.min(bestTheirs, a);
      bestOurs = Math.min(bestOurs, b);
      ratios.push(a / b);
    }
    ratios.sort((x, y) => x - y);
    const median = ratios[ROUNDS >> 1]!;
    console.log(`| ${name} | ${bestTheirs.toFixed(0)} | ${bestOurs.toFixed(0)} | ${(bestTheirs / bestOurs).toFixed(2)} | ${median.toFixed(2)} [${ratios[0]!.toFixed(2)}–${ratios[ROUNDS - 1]!.toFixed(2)}] |`);
  }
}
