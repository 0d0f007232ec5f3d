// The seed-shaped publish (aliyun-iot-platform-device-guide.txt §3.3): a 281-byte CON POST to
// /topic/{pk}/{dn}/pub with Content-Format and Accept 50, option 2088 (token) and a 203-byte
// JSON payload, against coap-packet, the codec a Node user would otherwise pick.
import * as coapPacket from 'coap-packet';
import { CoapCode, CoapOption, decodeCoap, encodeCoap, getStringOption, getUintOption, pathOptions, uriPath } from '@linkwire/coap';
import { compare } from './support.ts';

const token = 'f13102810756432e85dfd351eeb41c04';
const json = JSON.stringify({ id: '123', version: '1.0', params: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 }, Temp: { value: 21.5 } }, method: 'thing.event.property.post', extra: 'x'.repeat(9) });
const payload = Buffer.from(json);
if (payload.length !== 203) throw new Error(`payload is ${payload.length} bytes, want 203`);
const tokenBytes = Uint8Array.of(1, 2, 3, 4);

const ours = () => encodeCoap({
  type: 'CON', code: CoapCode.POST, messageId: 0x1234, token: tokenBytes,
  options: [...pathOptions('/topic/a1GFjLP3xxC/device/pub'), { number: CoapOption.ContentFormat, value: 50 }, { number: CoapOption.Accept, value: 50 }, { number: CoapOption.AliyunToken, value: token }],
  payload,
});
const theirs = () => coapPacket.generate({
  code: '0.02', confirmable: true, messageId: 0x1234, token: Buffer.from(tokenBytes),
  options: [
    { name: 'Uri-Path', value: Buffer.from('topic') }, { name: 'Uri-Path', value: Buffer.from('a1GFjLP3xxC') },
    { name: 'Uri-Path', value: Buffer.from('device') }, { name: 'Uri-Path', value: Buffer.from('pub') },
    { name: 'Content-Format', value: Buffer.of(50) }, { name: 'Accept', value: Buffer.of(50) }, { name: '2088', value: Buffer.from(token) },
  ],
  payload,
});
const datagram = ours();
if (datagram.length !== 281 || !Buffer.from(datagram).equals(theirs())) throw new Error(`datagrams differ (${datagram.length} bytes)`);
const buffer = Buffer.from(datagram);

let sink = 0;
const readTheirs = () => {
  const p = coapPacket.parse(buffer);
  let path = '';
  let cf = -1;
  let accept = -1;
  let tok = '';
  for (const o of p.options) {
    if (o.name === 'Uri-Path') path += '/' + o.value.toString();
    else if (o.name === 'Content-Format') cf = o.value.length === 0 ? 0 : o.value.readUIntBE(0, o.value.length);
    else if (o.name === 'Accept') accept = o.value.length === 0 ? 0 : o.value.readUIntBE(0, o.value.length);
    else if (String(o.name) === '2088') tok = o.value.toString();
  }
  sink += path.length + cf + accept + tok.length + p.payload.length + p.messageId;
};
const readOurs = () => {
  const m = decodeCoap(datagram);
  sink += uriPath(m).length + getUintOption(m, CoapOption.ContentFormat)! + getUintOption(m, CoapOption.Accept)! + getStringOption(m, CoapOption.AliyunToken)!.length + m.payload.length + m.messageId;
};

await compare('encode the 281-byte seed publish', [
  { name: 'coap-packet generate', fn: theirs },
  { name: '@linkwire/coap encodeCoap', fn: ours },
], { time: 1500 });
await compare('decode the 281-byte seed publish', [
  { name: 'coap-packet parse (no validation)', fn: () => coapPacket.parse(buffer) },
  { name: '@linkwire/coap decodeCoap (validating)', fn: () => decodeCoap(datagram) },
], { time: 1500 });
await compare('decode the 281-byte seed publish and read its fields', [
  { name: 'coap-packet parse + read fields', fn: readTheirs },
  { name: '@linkwire/coap decodeCoap + read fields', fn: readOurs },
], { time: 1500 });
if (sink === 0.5) console.log(sink);
