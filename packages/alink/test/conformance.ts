import {
  codeInfo, decodeCbor, decodeJson, decodeMessage, decodeReply, encodeCbor, encodeMessage, encodePropertyPost, formatTopic, matchTopic, ntpTime,
  parseTopic, replyTracker, requestIds, stringifyJson, stringifyReply, stringifyRequest,
} from '@linkwire/alink';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';
import { SEED_VECTORS } from './vectors.ts';

// No TextEncoder here: QuickJS has none.
const text = (b: Uint8Array): string => String.fromCharCode(...b);
const dev = { productKey: 'a1B2c3D4e5F', deviceName: 'device1' };

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    name: 'alink: every seed vector decodes on its topic and re-encodes to the same JSON value',
    run() {
      for (const v of SEED_VECTORS) {
        const m = decodeMessage(formatTopic(v.name, v.ids), v.json);
        const again = m.kind === 'request' ? stringifyRequest(m.request) : m.kind === 'reply' ? stringifyReply(m.reply) : m.kind === 'json' ? stringifyJson(m.value) : text(m.bytes);
        equal(decodeJson(again), decodeJson(v.json), v.source);
      }
    },
  },
  {
    // aliyun-iot-platform-device-guide.txt §4: the property post request, byte for byte.
    name: 'alink: seed §4 property post encodes byte for byte (encodePropertyPost and encodeMessage)',
    run() {
      const seed = '{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}';
      equal(text(encodePropertyPost({ id: '123', params: { PowerSwitch: 1 } })), seed, 'encodePropertyPost');
      const m = encodeMessage('propertyPost', dev, { id: '123', params: { PowerSwitch: 1 } });
      equal(m.topic, '/sys/a1B2c3D4e5F/device1/thing/event/property/post', 'topic');
      equal(text(m.payload), seed, 'payload');
    },
  },
  {
    // §4: /sys/{productKey}/{deviceName}/thing/service/{dsl.service.identifer}_reply
    name: 'alink: seed §4 service reply topic parses to the service id',
    run() {
      const p = parseTopic('/sys/a1B2c3D4e5F/device1/thing/service/AutoSprinkle_reply');
      equal(p?.name, 'serviceCallReply', 'name');
      equal(p?.ids, { ...dev, serviceId: 'AutoSprinkle' }, 'ids');
    },
  },
  {
    name: 'alink: the topic families of §4-§9, the Python SDK and EnOS parse',
    run() {
      const expect: [string, string][] = [
        ['/sys/pk/dn/thing/event/property/post_reply', 'propertyPostReply'], ['/sys/pk/dn/thing/event/Error/post', 'eventPost'],
        ['/sys/pk/dn/thing/model/down_raw', 'rawDown'], ['/ext/session/gw/gwdn/combine/login_reply', 'combineLoginReply'],
        ['/ext/error/gw/gwdn', 'subDeviceError'], ['/ota/device/upgrade/pk/dn', 'otaUpgrade'], ['/shadow/get/10000/lightbulb', 'shadowGet'],
        ['/ext/rrpc/1234//pk/dn/user/get', 'extRrpc'], ['/sys/pk/dn/rrpc/request/5678', 'rrpcRequest'], ['/ext/ntp/pk/dn/response', 'ntpResponse'],
        ['/pk/dn/user/test', 'userTopic'], ['/sys/pk/dk/thing/measurepoint/post/batch', 'measurepointPostBatch'],
        ['/ext/session/pk/dk/thing/activate/info', 'activateInfo'], ['/ext/session/pk/dk/combine/login/batch_reply', 'combineLoginBatchReply'],
        ['/ext/regnwl', 'regnwl'],
      ];
      for (const [topic, name] of expect) equal(parseTopic(topic)?.name, name, topic);
      equal(parseTopic('/sys/pk/dn/thing/unknown'), undefined, 'foreign topic');
    },
  },
  {
    name: 'alink: formatTopic refuses segments with /, +, #, NUL or nothing',
    run() {
      for (const bad of ['a/b', 'a+', '#', 'a\u0000', '', 'a\nb']) throwsCode(() => formatTopic('propertyPost', { productKey: bad, deviceName: 'd' }), 'invalid_topic_segment', JSON.stringify(bad));
      throwsCode(() => formatTopic('eventPost', { ...dev, eventId: 'property' }), 'invalid_topic_segment', 'eventId property');
    },
  },
  {
    name: 'alink: matchTopic follows MQTT 3.1.1 §4.7 ($-topics, # matching the parent, + on empty levels)',
    run() {
      equal(matchTopic('sport/#', 'sport'), true, 'sport/# sport');
      equal(matchTopic('sport/+', 'sport'), false, 'sport/+ sport');
      equal(matchTopic('+/+', '/finance'), true, '+/+ /finance');
      equal(matchTopic('#', '$SYS/x'), false, '# $SYS');
      equal(matchTopic('$SYS/#', '$SYS/x'), true, '$SYS/#');
      equal(matchTopic('/sys/+/+/thing/service/#', '/sys/pk/dn/thing/service/property/set'), true, 'alink filter');
      throwsCode(() => matchTopic('a/#/b', 'a'), 'invalid_topic_filter', 'bad filter');
      throwsCode(() => matchTopic('a', 'a/+'), 'invalid_topic', 'bad topic');
    },
  },
  {
    name: 'alink: a method that does not belong to the topic is refused (EnOS code 1260)',
    run() {
      throwsCode(() => decodeMessage('/sys/pk/dn/thing/event/alarm/post', '{"id":"1","params":{},"method":"thing.event.Error.post"}'), 'method_mismatch', 'event');
      equal(codeInfo(1260, 'enos')?.message, 'method and topic mismatch', 'code 1260');
    },
  },
  {
    // aliyun-iot-platform-device-guide.txt §9.10: the OTA inform carries a numeric id.
    name: 'alink: numeric ids survive a round trip (seed §9.10 OTA inform)',
    run() {
      const m = decodeMessage('/ota/device/inform/pk/dn', '{"id":1,"params":{"version":"1.0.1"}}');
      ok(m.kind === 'request', 'request');
      if (m.kind === 'request') {
        equal(m.request.id, '1', 'id as string');
        equal(stringifyRequest(m.request), '{"id":1,"params":{"version":"1.0.1"}}', 'written back as a number');
      }
    },
  },
  {
    // §3.4: "messageId": 892687627916247040 is beyond 2^53.
    name: 'alink: integers beyond 2^53 stay exact (seed §3.4 messageId)',
    run() {
      const v = decodeJson('{"code":0,"info":{"messageId":892687627916247040}}') as { info: { messageId: unknown } };
      equal(typeof v.info.messageId, 'bigint', 'bigint');
      equal(stringifyJson(v), '{"code":0,"info":{"messageId":892687627916247040}}', 'exact digits');
    },
  },
  {
    name: 'alink: untrusted JSON is bounded and cannot reach a prototype',
    run() {
      throwsCode(() => decodeJson('{"a":{"__proto__":{"x":1}}}'), 'forbidden_key', '__proto__');
      throwsCode(() => decodeJson('{"a":{"\\u005f_proto__":{"x":1}}}'), 'forbidden_key', 'escaped __proto__');
      throwsCode(() => decodeJson(`${'['.repeat(40)}${']'.repeat(40)}`), 'too_deep', 'depth');
      throwsCode(() => decodeJson('[1,2]', { maxBytes: 4 }), 'too_large', 'size');
      throwsCode(() => decodeJson(Uint8Array.from([0x22, 0xff, 0x22])), 'invalid_utf8', 'utf-8');
      throwsCode(() => decodeJson('{"a":1,"a":2}', { duplicateKeys: 'reject' }), 'duplicate_key', 'duplicates');
      throwsCode(() => decodeMessage('/ext/session/gw/dn/combine/login', '{"id":"1","params":{},"id":"2"}'), 'duplicate_key', 'signed login');
      equal(({} as Record<string, unknown>)['x'], undefined, 'Object.prototype untouched');
    },
  },
  {
    name: 'alink: malformed payloads fail with typed errors',
    run() {
      throwsCode(() => decodeMessage('/sys/pk/dn/thing/event/property/post', '{"id":"1",'), 'invalid_json', 'truncated');
      throwsCode(() => decodeMessage('/sys/pk/dn/thing/event/property/post', '[1]'), 'invalid_message', 'not an object');
      throwsCode(() => decodeReply('{"id":"1","code":"200"}'), 'invalid_reply', 'string code');
      throwsCode(() => decodeMessage('/ota/device/progress/pk/dn', '{"id":1,"params":{"step":"101"}}'), 'invalid_params', 'step 101');
    },
  },
  {
    name: 'alink: CBOR is standard (RFC 8949 Appendix A) and refuses tags',
    run() {
      equal(encodeCbor({ a: 1, b: [2, 3] }), Uint8Array.from([0xa2, 0x61, 0x61, 0x01, 0x61, 0x62, 0x82, 0x02, 0x03]), 'map');
      equal(decodeCbor(Uint8Array.from([0x1b, 0, 0, 0, 0xe8, 0xd4, 0xa5, 0x10, 0])), 1000000000000, 'uint64');
      throwsCode(() => decodeCbor(Uint8Array.from([0xd9, 0xdf, 0xff, 0x80])), 'invalid_cbor', 'record tag');
      const auth = { productKey: 'ZG1EvTEa7NN', deviceName: 'NlwaSPXsCpTQuh8FxBGH', clientId: 'mylight1000002', sign: 'bccb3d2618afe74b3eab12b94042f87b' };
      equal(decodeCbor(encodeCbor(auth)), auth, 'seed §3.3 auth payload');
    },
  },
  {
    name: 'alink: a reply resolves exactly its request; late, duplicate, unknown and commands are told apart',
    run() {
      let now = 0;
      const t = replyTracker<string>({ clock: { now: () => now }, timeoutMs: 1000, maxPending: 2 });
      const reply = '/sys/pk/dn/thing/event/property/post_reply';
      t.track(reply, '1', 'one');
      t.track(reply, '2', 'two');
      throwsCode(() => t.track(reply, '3', 'three'), 'tracker_full', 'bounded');
      throwsCode(() => t.track(reply, '1', 'again'), 'duplicate_request', 'same key');
      equal(t.settle('/sys/pk/dn/thing/service/property/set', '1').status, 'not_a_reply', 'a command with the same id');
      equal(t.settle(reply, '1'), { status: 'matched', value: 'one', elapsedMs: 0 }, 'matched');
      equal(t.settle(reply, '1').status, 'duplicate', 'duplicate');
      now = 1000;
      equal(t.expire(), [{ replyTopic: reply, id: '2', value: 'two' }], 'expired');
      equal(t.settle(reply, '2').status, 'late', 'late');
      equal(t.settle(reply, '9').status, 'unknown', 'unknown');
      equal(t.size, 0, 'empty');
    },
  },
  {
    name: 'alink: request ids count as strings and wrap',
    run() {
      const ids = requestIds({ start: 4294967294 });
      equal([ids.next(), ids.next(), ids.next()], ['4294967294', '4294967295', '1'], 'wrap');
      const r = requestIds({ random: (n) => new Uint8Array(n).fill(255) });
      equal(r.next(), '1', 'random source');
    },
  },
  {
    name: 'alink: codes explain themselves per scope (seed §6, §7, §9.12; EnOS)',
    run() {
      equal(codeInfo(6287, 'subdevice')?.message, 'invalid sign', '6287');
      equal(codeInfo(409, 'shadow')?.message, 'Version conflict.', 'shadow 409');
      equal(codeInfo(460)?.message, 'request parameter error', '460');
      equal(codeInfo(100500)?.message, 'device-specific error', 'device range');
      equal(codeInfo('4.01', 'coap')?.message, 'Unauthorized', 'coap');
      equal(codeInfo(742, 'enos')?.message, 'sign check failed', 'enos');
    },
  },
  {
    name: 'alink: NTP device time (PROTOCOL-NOTES.md)',
    run() {
      equal(ntpTime({ deviceSendTime: '1000', serverRecvTime: '5000', serverSendTime: '5002' }, 1010), 5006, 'ntp');
    },
  },
];
