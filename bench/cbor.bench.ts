// base's CBOR codec against cbor-x (the library a user would otherwise pick) on Alink-shaped
// payloads: a CoAP auth body and a property post.
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
  ]);
  await compare(`decode ${name} (${bytes.length} bytes)`, [
    { name: 'cbor-x decode', fn: () => decoder.decode(bytes) },
    { name: '@linkwire/base decodeCbor (bounded, typed errors)', fn: () => decodeCbor(bytes) },
  ]);
}
