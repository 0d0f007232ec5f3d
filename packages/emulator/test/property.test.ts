// propertyPostReply: the platform's answer to a property post of a product without a model
// (aliyun-iot-platform-device-guide.txt §9.5 request and response examples).
import { describe, expect, it } from 'vitest';
import { propertyPostReply } from '@linkwire/emulator';

const reply = (s: string) => JSON.parse(new TextDecoder().decode(propertyPostReply(new TextEncoder().encode(s)))) as unknown;

describe('propertyPostReply', () => {
  it('answers the seed example with 200 and echoes SDK-style ids', () => {
    expect(reply('{"id":"123","version":"1.0","params":{"Power":{"value":"on","time":1524448722000},"WF":{"value":23.6,"time":1524448722000}},"method":"thing.event.property.post"}'))
      .toEqual({ id: '123', code: 200, data: {} });
    // The Node SDK's ids carry the topic: with 32-character names they pass 64 characters.
    const long = `4294967295|exp-topic|/sys/a1B2c3D4e5F/${'d'.repeat(32)}/thing/event/property/history/post`;
    expect(long.length).toBeGreaterThan(64);
    expect(reply(JSON.stringify({ id: long, params: { a: 1 } }))).toEqual({ id: long, code: 200, data: {} });
    expect(reply(`{"id":"${long}","params":`)).toMatchObject({ id: long, code: 460 });
  });
  it('refuses what the platform refuses', () => {
    expect(reply('{"id":"1","params":')).toMatchObject({ id: '1', code: 460 });
    expect(reply('{"id":"2","method":"thing.event.property.get","params":{}}')).toMatchObject({ id: '2', code: 460 });
    expect(reply(JSON.stringify({ id: '3', params: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, i])) }))).toMatchObject({ id: '3', code: 6106 });
    expect(reply(JSON.stringify({ id: 'x'.repeat(257), params: {} }))).toMatchObject({ code: 460 });
    expect(reply('[]')).toMatchObject({ id: '0', code: 460 });
  });
});
