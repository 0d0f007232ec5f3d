// MQTT 3.1.1 normative statements that no other test names directly (the table in
// packages/mqtt/README.md points here): each test is titled with its statement.
import { describe, expect, it } from 'vitest';
import { MqttDecodeError, MqttError, decodePacket, encodePacket, type MqttPacket } from '@linkwire/mqtt';

const publish = (topic: string, extra?: Partial<Extract<MqttPacket, { type: 'publish' }>>): MqttPacket =>
  ({ type: 'publish', topic, payload: new Uint8Array(0), qos: 0, retain: false, dup: false, ...extra });

describe('MQTT 3.1.1 statements', () => {
  it('[MQTT-1.5.3-3] U+FEFF (0xEF 0xBB 0xBF) in a string is kept, never skipped or stripped', () => {
    const topic = '\ufeffa/\ufeffb';
    const bytes = encodePacket(publish(topic));
    expect(Array.from(bytes.subarray(4, 7))).toEqual([0xef, 0xbb, 0xbf]);
    expect(decodePacket(bytes)).toMatchObject({ topic });
  });

  it('[MQTT-3.1.2-14] a Will QoS of 3 is refused when encoding and when decoding', () => {
    expect(() => encodePacket({ type: 'connect', clientId: 'c', cleanSession: true, keepalive: 0, will: { topic: 't', payload: new Uint8Array(0), qos: 3 as 0, retain: false } })).toThrowError(MqttError);
    const ok = encodePacket({ type: 'connect', clientId: 'c', cleanSession: true, keepalive: 0, will: { topic: 't', payload: new Uint8Array(0), qos: 2, retain: false } });
    const bad = ok.slice();
    bad[9] = bad[9]! | 0x18; // will QoS bits 11
    expect(() => decodePacket(bad)).toThrowError(expect.objectContaining({ code: 'invalid_qos' }));
  });

  it('[MQTT-3.1.3-7] an empty ClientId requires CleanSession 1', () => {
    expect(() => encodePacket({ type: 'connect', clientId: '', cleanSession: false, keepalive: 0 })).toThrowError(MqttError);
    expect(decodePacket(encodePacket({ type: 'connect', clientId: '', cleanSession: true, keepalive: 0 }))).toMatchObject({ clientId: '', cleanSession: true });
  });

  it('[MQTT-3.1.3-10] the Will Topic is a UTF-8 string: ill-formed UTF-8 is refused', () => {
    const ok = encodePacket({ type: 'connect', clientId: 'c', cleanSession: true, keepalive: 0, will: { topic: 'w', payload: new Uint8Array(0), qos: 0, retain: false } });
    const at = ok.indexOf(0x77); // the will topic's one byte, 'w'
    const bad = ok.slice();
    bad[at] = 0xff;
    expect(() => decodePacket(bad)).toThrowError(expect.objectContaining({ code: 'invalid_utf8' }));
  });

  it('[MQTT-3.3.1-2] DUP is 0 on QoS 0: refused when encoding, malformed when decoding', () => {
    expect(() => encodePacket(publish('a', { dup: true }))).toThrowError(MqttError);
    expect(encodePacket(publish('a'))[0]! & 0x08).toBe(0);
    expect(() => decodePacket(Uint8Array.of(0x38, 0x03, 0x00, 0x01, 0x61))).toThrowError(MqttDecodeError);
  });

  it('[MQTT-4.7.3-1] topic names and filters are at least one character long', () => {
    expect(() => encodePacket(publish(''))).toThrowError(MqttError);
    expect(() => encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: '', qos: 0 }] })).toThrowError(MqttError);
    expect(() => encodePacket({ type: 'unsubscribe', messageId: 1, topics: [''] })).toThrowError(MqttError);
    expect(() => decodePacket(Uint8Array.of(0x30, 0x02, 0x00, 0x00))).toThrowError(expect.objectContaining({ code: 'invalid_topic' }));
  });

  it('[MQTT-4.7.3-3] topic names and filters encode to at most 65 535 bytes', () => {
    expect(encodePacket(publish('a'.repeat(65535))).length).toBe(1 + 3 + 2 + 65535);
    expect(() => encodePacket(publish('a'.repeat(65536)))).toThrowError(MqttError);
    expect(() => encodePacket(publish('é'.repeat(32768)))).toThrowError(MqttError);
    expect(() => encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a'.repeat(65536), qos: 0 }] })).toThrowError(MqttError);
  });
});
