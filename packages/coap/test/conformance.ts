import {
  CoapCode, CoapOption, aliyunAesKey, aliyunAuthParams, aliyunDecrypt, aliyunEncrypt, aliyunSignContent, createBlockAssembler, decodeBlock,
  decodeBody, decodeCoap, decryptSeq, derivedTimes, DEFAULT_TRANSMISSION, encodeBlock, encodeBody, encodeCoap, encryptSeq, getOption,
  getStringOption, getUintOption, observeFresher, parseAliyunAuthResponse, pathOptions, splitBlocks, uriPath,
} from '@linkwire/coap';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

const hex = (s: string): Uint8Array => {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
};
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// node -e "…createHash('sha256').update('secret,ad2b3a5eb51d64f7').digest('hex').substring(16, 48)"
const AES_KEY_HEX = '668a5d40cf032ffd9af8465310559cb8';
// aes-128-cbc of '10' under that key with IV 543yhjy97ae7fyfg
const AES_SEQ10_HEX = 'e67d3b6a592d261cba73e35cdc820476';

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    // RFC 7252 Appendix A, Figure 16: CON [0x7d34] GET /temperature, piggybacked 2.05 "22.3 C".
    name: 'coap: RFC 7252 Figure 16 request and piggybacked response',
    run() {
      const request = hex('40 01 7d34 bb 74656d7065726174757265');
      const m = decodeCoap(request);
      equal([m.type, m.code, m.messageId, uriPath(m)], ['CON', CoapCode.GET, 0x7d34, '/temperature'], 'request');
      equal(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 0x7d34, options: pathOptions('/temperature') }), request, 'encoded request');
      const response = hex('60 45 7d34 ff 32322e332043');
      const r = decodeCoap(response);
      equal([r.type, r.code, r.messageId, r.payload], ['ACK', CoapCode.Content, 0x7d34, ascii('22.3 C')], 'response');
      equal(encodeCoap({ type: 'ACK', code: CoapCode.Content, messageId: 0x7d34, payload: '22.3 C' }), response, 'encoded response');
    },
  },
  {
    // RFC 7252 Appendix A, Figure 17: the same exchange with token 0x20.
    name: 'coap: RFC 7252 Figure 17 exchange with a 1-byte token',
    run() {
      const request = hex('41 01 7d35 20 bb 74656d7065726174757265');
      equal(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 0x7d35, token: hex('20'), options: pathOptions('/temperature') }), request, 'request');
      const r = decodeCoap(hex('61 45 7d35 20 ff 32322e332043'));
      equal([r.type, r.token, r.payload], ['ACK', hex('20'), ascii('22.3 C')], 'response');
    },
  },
  {
    // RFC 7252 Appendix A, Figure 18: separate response; empty ACK, then CON 2.05 with the token.
    name: 'coap: RFC 7252 Figure 18 empty ACK and separate response',
    run() {
      const ack = decodeCoap(hex('60 00 7d38'));
      equal([ack.type, ack.code, ack.messageId, ack.token.length], ['ACK', CoapCode.Empty, 0x7d38, 0], 'empty ack');
      const sep = decodeCoap(hex('42 45 ad7b 2319 ff 32322e332043'));
      equal([sep.type, sep.code, sep.messageId, sep.token, sep.payload], ['CON', CoapCode.Content, 0xad7b, hex('2319'), ascii('22.3 C')], 'separate');
    },
  },
  {
    // aliyun-iot-platform-device-guide.txt §3.3 "Establish DTLS connections", step 3: POST /auth,
    // Accept and Content-Format application/json (50).
    name: 'coap: seed §3.3 auth request shape (POST /auth, Content-Format 50, Accept 50)',
    run() {
      const payload = '{"productKey":"ZG1EvTEa7NN","deviceName":"NlwaSPXsCpTQuh8FxBGH","clientId":"mylight1000002","sign":"bccb3d2618afe74b3eab12b94042f87b"}';
      const bytes = encodeCoap({
        type: 'CON', code: CoapCode.POST, messageId: 1, token: hex('0102'),
        options: [...pathOptions('/auth'), { number: CoapOption.ContentFormat, value: 50 }, { number: CoapOption.Accept, value: 50 }],
        payload,
      });
      equal(bytes.subarray(0, 16), hex('42 02 0001 0102 b4 61757468 11 32 51 32 ff'), 'header and options');
      const m = decodeCoap(bytes);
      equal([uriPath(m), getUintOption(m, CoapOption.ContentFormat), getUintOption(m, CoapOption.Accept), m.payload.length], ['/auth', 50, 50, payload.length], 'fields');
    },
  },
  {
    // Seed §3.3 step 4: POST /topic/${topic} with custom option 2088 carrying the token.
    name: 'coap: seed §3.3 publish request shape with option 2088',
    run() {
      const token = 'f13102810756432e85dfd351eeb41c04';
      const bytes = encodeCoap({
        type: 'CON', code: CoapCode.POST, messageId: 2,
        options: [...pathOptions('/topic/a1GFjLP3xxC/device/pub'), { number: CoapOption.ContentFormat, value: 50 }, { number: CoapOption.Accept, value: 50 }, { number: CoapOption.AliyunToken, value: token }],
        payload: '{}',
      });
      const m = decodeCoap(bytes);
      equal(uriPath(m), '/topic/a1GFjLP3xxC/device/pub', 'path');
      equal(getStringOption(m, CoapOption.AliyunToken), token, 'token option');
      // After Accept (17), 2088 is delta 2071: nibble 14, extended 2071 - 269 = 0x070a, length 13 + 19.
      const at = bytes.length - 3 - 1 - token.length - 3;
      equal(bytes.subarray(at, at + 4), hex('ed 070a 13'), '2088 option header');
    },
  },
  {
    name: 'coap: option extended forms at the 12/13 and 268/269 boundaries',
    run() {
      for (const len of [12, 13, 268, 269, 300]) {
        const v = new Uint8Array(len).fill(7);
        const m = decodeCoap(encodeCoap({ type: 'NON', code: CoapCode.GET, messageId: 3, options: [{ number: 2100, value: v }, { number: 2100 + len, value: v }] }));
        equal(m.options.map((o) => [o.number, o.value.length]), [[2100, len], [2100 + len, len]], `length ${len}`);
      }
    },
  },
  {
    name: 'coap: empty messages (ping, empty ACK, RST)',
    run() {
      equal(encodeCoap({ type: 'CON', code: 0, messageId: 0xabcd }), hex('4000abcd'), 'ping');
      equal(encodeCoap({ type: 'RST', code: 0, messageId: 0xabcd }), hex('7000abcd'), 'rst');
      equal(decodeCoap(hex('7000abcd')).type, 'RST', 'decoded rst');
    },
  },
  {
    name: 'coap: the libcoap reject list raises CoapDecodeError codes',
    run() {
      throwsCode(() => decodeCoap(hex('400100')), 'truncated_header');
      throwsCode(() => decodeCoap(hex('49010001000000000000000000')), 'bad_token_length');
      throwsCode(() => decodeCoap(hex('4401000101')), 'truncated_token');
      throwsCode(() => decodeCoap(hex('41000001aa')), 'empty_not_empty');
      throwsCode(() => decodeCoap(hex('40c00001')), 'reserved_code_class');
      throwsCode(() => decodeCoap(hex('40010001f0')), 'bad_option_delta');
      throwsCode(() => decodeCoap(hex('40010001bf')), 'bad_option_length');
      throwsCode(() => decodeCoap(hex('40010001d0')), 'truncated_option');
      throwsCode(() => decodeCoap(hex('40010001b36162')), 'truncated_option_value');
      throwsCode(() => decodeCoap(hex('40010001e0fef210')), 'option_number_too_large');
      throwsCode(() => decodeCoap(hex('40010001ff')), 'empty_payload');
      throwsCode(() => decodeCoap(hex('40010001c3000032')), 'option_length_out_of_range');
      throwsCode(() => decodeCoap(hex('40010001710101 02')), 'repeated_critical_option');
    },
  },
  {
    name: 'coap: payload and option values are views, not copies',
    run() {
      const bytes = hex('40 02 0001 b4 61757468 ff 7b7d');
      const m = decodeCoap(bytes);
      ok(m.payload.buffer === bytes.buffer && m.payload.byteOffset === 10, 'payload is a view');
      ok(getOption(m, CoapOption.UriPath)?.buffer === bytes.buffer, 'option value is a view');
    },
  },
  {
    // RFC 7959 §2.2: NUM/M/SZX packing, and a body split and reassembled out of order.
    name: 'coap: Block options and reassembly (RFC 7959)',
    run() {
      equal(encodeBlock({ num: 1, more: true, szx: 6 }), 0x1e, 'encode');
      equal(decodeBlock(hex('0a')), { num: 0, more: true, szx: 2 }, 'decode');
      throwsCode(() => decodeBlock(hex('07')), 'invalid_block', 'szx 7');
      const body = new Uint8Array(300);
      for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
      const blocks = splitBlocks(body, 3);
      equal(blocks.map((b) => [b.block.num, b.block.more, b.payload.length]), [[0, true, 128], [1, true, 128], [2, false, 44]], 'split');
      const a = createBlockAssembler({ maxSize: 1000 });
      for (const b of [blocks[2]!, blocks[0]!, blocks[0]!, blocks[1]!]) a.add(b.block, b.payload);
      equal(a.body(), body, 'reassembled');
      throwsCode(() => createBlockAssembler({ maxSize: 100 }).add({ num: 1, more: false, szx: 6 }, new Uint8Array(1)), 'block_too_large', 'bound');
    },
  },
  {
    // RFC 7641 §3.4 freshness, and the RFC 7252 §4.8.2 derived times.
    name: 'coap: observe freshness and the RFC 7252 derived times',
    run() {
      equal(observeFresher({ seq: 0xfffffe, at: 0 }, { seq: 3, at: 0 }), true, 'wrap');
      equal(observeFresher({ seq: 3, at: 0 }, { seq: 2, at: 0 }), false, 'stale');
      equal(observeFresher({ seq: 3, at: 0 }, { seq: 2, at: 128_001 }), true, '128 s');
      const t = derivedTimes(DEFAULT_TRANSMISSION);
      equal([t.maxTransmitSpan, t.maxTransmitWait, t.exchangeLifetime, t.nonLifetime], [45_000, 93_000, 247_000, 145_000], 'times');
    },
  },
  {
    // aliyun-iot-platform-device-guide.txt §3.3 Table 3-2 and PROTOCOL-NOTES.md known-good values.
    name: 'coap: seed §3.3 auth signature (hmacmd5 default, sorted params)',
    run() {
      const p = aliyunAuthParams({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', timestamp: 789 });
      equal(p['sign'], '14b198324fe55e1d3c88f2e705e201ee', 'hmacmd5');
      equal(aliyunAuthParams({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', timestamp: 789, signMethod: 'hmacsha1' })['sign'],
        'fafd82a3d602b37fb0fa8b7892f24a477f851a14', 'hmacsha1');
      equal(aliyunSignContent({ productKey: 'alNUjcVkHZS', deviceName: 'ffla11e7c08d4b3db2b1500d8e0e55', clientId: 'alNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55', seq: '10', sign: 'x' }),
        'clientIdalNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55deviceNameffla11e7c08d4b3db2b1500d8e0e55productKeyalNUjcVkHZSseq10', 'symmetric-mode content');
    },
  },
  {
    // Seed §3.3 response examples, DTLS and symmetric mode.
    name: 'coap: seed §3.3 auth responses',
    run() {
      const r = (payload: string) => decodeCoap(encodeCoap({ type: 'ACK', code: CoapCode.Content, messageId: 1, options: [{ number: CoapOption.ContentFormat, value: 50 }], payload }));
      equal(parseAliyunAuthResponse(r('{"token":"f13102810756432e85dfd351eeb41c04"}')), { ok: true, token: 'f13102810756432e85dfd351eeb41c04' }, 'dtls');
      equal(parseAliyunAuthResponse(r('{"random":"ad2b3a5eb51d64f7","seqOffset":1,"token":"MZ8m37hp01w1SSqoDFzo0010500d00.ad2b"}')),
        { ok: true, token: 'MZ8m37hp01w1SSqoDFzo0010500d00.ad2b', random: 'ad2b3a5eb51d64f7', seqOffset: 1 }, 'aes');
      equal(parseAliyunAuthResponse(decodeCoap(hex('60 81 0001'))), { ok: false, code: CoapCode.Unauthorized, reason: 'refused' }, '4.01');
    },
  },
  {
    // PROTOCOL-NOTES.md "CoAP symmetric (AES) mode": key from SHA-256 hex [16, 48), AES-128-CBC, PKCS#7, IV 543yhjy97ae7fyfg.
    // Expected bytes computed with node:crypto (sha256, aes-128-cbc).
    name: 'coap: symmetric-mode key, cipher and seq',
    run() {
      const key = aliyunAesKey('secret', 'ad2b3a5eb51d64f7');
      equal(key, hex(AES_KEY_HEX), 'key');
      equal(encryptSeq(key, 10), hex(AES_SEQ10_HEX), 'seq 10');
      equal(decryptSeq(key, hex(AES_SEQ10_HEX)), 10, 'seq back');
      const c = aliyunEncrypt(key, '{"temperature":21.5}');
      equal(aliyunDecrypt(key, c), ascii('{"temperature":21.5}'), 'payload');
      const t = c.slice();
      t[t.length - 1]! ^= 1;
      throwsCode(() => aliyunDecrypt(key, t), 'bad_padding', 'tampered');
      throwsCode(() => aliyunDecrypt(key, c.subarray(1)), 'bad_ciphertext', 'truncated');
    },
  },
  {
    name: 'coap: JSON and CBOR bodies (Content-Format 50 and 60)',
    run() {
      equal(encodeBody({ token: 'abc' }, 'cbor'), hex('a1 65746f6b656e 63616263'), 'cbor bytes');
      equal(decodeBody(hex('a1 65746f6b656e 63616263'), 'cbor'), { token: 'abc' }, 'cbor decode');
      equal(decodeBody(encodeBody({ seqOffset: 1 }, 'json'), 'json'), { seqOffset: 1 }, 'json');
      throwsCode(() => decodeBody(hex('a1 695f5f70726f746f5f5f 01'), 'cbor'), 'invalid_payload', '__proto__');
    },
  },
];
