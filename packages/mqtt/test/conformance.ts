import { utf8Encode } from '@linkwire/base';
import { decodePacket, encodePacket, topicMatches } from '@linkwire/mqtt';
import { equal, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Vectors that must hold in every runtime (bytes checked against mqtt-packet in Node). */
export const cases: ConformanceCase[] = [
  {
    // The CONNECT a device sends with the seed §3.1 credentials (aliyun-iot-platform-device-guide.txt).
    name: 'mqtt: CONNECT with the seed §3.1 credentials',
    run() {
      const bytes = encodePacket({
        type: 'connect', clientId: '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', cleanSession: true, keepalive: 300,
        username: 'device&pk', password: utf8Encode('FAFD82A3D602B37FB0FA8B7892F24A477F851A14'),
      });
      equal(hex(bytes.subarray(0, 14)), '107600044d51545404c2012c0035', 'fixed header, protocol, flags, keepalive, clientId length');
      equal(decodePacket(bytes), {
        type: 'connect', protocolLevel: 4, clientId: '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', cleanSession: true, keepalive: 300,
        username: 'device&pk', password: utf8Encode('FAFD82A3D602B37FB0FA8B7892F24A477F851A14'),
      }, 'decoded');
    },
  },
  {
    name: 'mqtt: QoS 1 PUBLISH of a property post',
    run() {
      const p = { type: 'publish' as const, topic: '/sys/pk/dn/thing/event/property/post', payload: utf8Encode('{"id":"1"}'), qos: 1 as const, retain: false, dup: false, messageId: 10 };
      const bytes = encodePacket(p);
      equal(hex(bytes.subarray(0, 4)), '3232' + '0024', 'header and topic length');
      equal(decodePacket(bytes), p, 'round trip');
    },
  },
  {
    name: 'mqtt: small packets',
    run() {
      equal(hex(encodePacket({ type: 'pingreq' })), 'c000', 'pingreq');
      equal(hex(encodePacket({ type: 'disconnect' })), 'e000', 'disconnect');
      equal(hex(encodePacket({ type: 'puback', messageId: 258 })), '40020102', 'puback');
      equal(hex(encodePacket({ type: 'pubrel', messageId: 1 })), '62020001', 'pubrel');
      equal(decodePacket(Uint8Array.of(0x20, 0x02, 0x00, 0x04)), { type: 'connack', sessionPresent: false, returnCode: 4 }, 'connack refusal');
      equal(hex(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 1 }] })), '820800010003612f2301', 'subscribe');
    },
  },
  {
    name: 'mqtt: malformed packets are typed errors',
    run() {
      throwsCode(() => decodePacket(Uint8Array.of(0x36, 0x03, 0x00, 0x01, 0x61)), 'invalid_qos', 'qos 3');
      throwsCode(() => decodePacket(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)), 'invalid_remaining_length', 'varint');
      throwsCode(() => decodePacket(Uint8Array.of(0x40, 0x01, 0x00)), 'truncated', 'short puback');
      throwsCode(() => decodePacket(Uint8Array.of(0x30, 0x03, 0x00, 0x01, 0xff)), 'invalid_utf8', 'bad utf-8 topic');
    },
  },
  {
    name: 'mqtt: wildcard matching edge cases',
    run() {
      equal(topicMatches('sport/#', 'sport'), true, 'a/# matches a');
      equal(topicMatches('#', '$SYS/x'), false, '# skips $ topics');
      equal(topicMatches('sport/+', 'sport/'), true, '+ matches an empty level');
      equal(topicMatches('/sys/+/+/thing/event/property/post', '/sys/pk/dn/thing/event/property/post'), true, 'alink filter');
    },
  },
];
