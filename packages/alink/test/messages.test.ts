import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlinkError, TOPICS, decodeJson, decodeMessage, decodeReply, decodeRequest, encodeMessage, encodePropertyPost, encodeReply, encodeRequest,
  formatTopic, readProperties, stringifyJson, stringifyReply, stringifyRequest, timedProperties, validateDocument, validateReply, validateRequest, type TopicName,
} from '@linkwire/alink';
import { alinkReply, alinkRequest, catalogueTopic, hostilePayload, propertyParams } from '@linkwire/alink/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';
import { SEED_VECTORS } from './vectors.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function errorOf(f: () => unknown): AlinkError | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof AlinkError)) throw e;
    return e;
  }
  return undefined;
}

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});

describe('seed vectors', () => {
  for (const v of SEED_VECTORS) {
    it(`${v.source}${v.fixed === undefined ? '' : ' (repaired)'}: decodes and re-encodes to the same JSON value`, () => {
      const topic = formatTopic(v.name, v.ids);
      const m = decodeMessage(topic, enc.encode(v.json));
      expect(m.topic.name).toBe(v.name);
      const again = m.kind === 'request' ? stringifyRequest(m.request) : m.kind === 'reply' ? stringifyReply(m.reply) : m.kind === 'json' ? stringifyJson(m.value) : dec.decode(m.bytes);
      expect(decodeJson(again)).toEqual(decodeJson(v.json));
    });
  }

  it('covers requests and replies of every payload kind', () => {
    const kinds = new Set(SEED_VECTORS.map((v) => TOPICS[v.name].payload));
    expect([...kinds].sort()).toEqual(['json', 'reply', 'request']);
    expect(SEED_VECTORS.length).toBeGreaterThan(70);
  });
});

describe('decodeMessage', () => {
  const dev = { productKey: 'pk', deviceName: 'dn' };

  it('checks that the method belongs to the topic (EnOS 1260)', () => {
    const topic = formatTopic('eventPost', { ...dev, eventId: 'alarm' });
    expect(errorOf(() => decodeMessage(topic, '{"id":"1","params":{},"method":"thing.event.other.post"}'))?.code).toBe('method_mismatch');
    expect(errorOf(() => decodeMessage(formatTopic('propertySet', dev), '{"id":"1","params":{},"method":"thing.event.property.post"}'))?.code).toBe('method_mismatch');
    expect(decodeMessage(topic, '{"id":"1","params":{}}').kind).toBe('request');
    expect(errorOf(() => decodeMessage(formatTopic('measurepointPost', dev), '{"id":"1","params":{"measurepoints":{}},"method":"thing.measurepoint.resume"}'))?.message).toContain('1260');
  });

  it('reports every params problem with its path', () => {
    const e = errorOf(() => decodeMessage(formatTopic('topoAdd', dev), '{"id":"1","params":[{"productKey":"p"},{"deviceName":"d","sign":1,"signMethod":"x"}],"method":"thing.topo.add"}'));
    expect(e?.code).toBe('invalid_params');
    expect(e?.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['params[0].deviceName', 'params[0].sign', 'params[1].productKey', 'params[1].sign']));
    expect(decodeMessage(formatTopic('topoAdd', dev), '{"id":"1","params":[{"productKey":"p"}]}', { validate: false }).kind).toBe('request');
  });

  it('limits a property post to 200 properties (code 6106)', () => {
    const params = (n: number): string => JSON.stringify({ id: '1', params: Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i])) });
    expect(decodeMessage(formatTopic('propertyPost', dev), params(200)).kind).toBe('request');
    expect(errorOf(() => decodeMessage(formatTopic('propertyPost', dev), params(201)))?.issues?.[0]?.code).toBe('too_many_properties');
  });

  it('checks the timed form and OTA steps', () => {
    expect(validateRequest('propertyPost', { id: '1', params: { a: { value: 1, time: 'x' } } })[0]?.path).toBe('params.a.time');
    expect(validateRequest('otaProgress', { id: '1', params: { step: '101' } })[0]?.code).toBe('out_of_range');
    expect(validateRequest('otaProgress', { id: '1', params: { step: -5 } })).toEqual([]);
    expect(validateRequest('enosOtaProgress', { id: '1', params: { step: '-6' } })[0]?.code).toBe('out_of_range');
    expect(validateDocument('otaUpgrade', { code: '1000', data: { version: '2.0.0' } })[0]?.path).toBe('$.data.url');
  });

  it('walks property posts as safely as decodeJson does (depth, __proto__, big integers)', () => {
    const topic = formatTopic('propertyPost', dev);
    const nest = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    for (const [params, code] of [[nest(31), undefined], [nest(32), 'too_deep'], ['{"__proto__":{"x":1}}', 'forbidden_key'], ['{"a":{"b":{"__proto__":1}}}', 'forbidden_key']] as const) {
      const text = `{"id":"1","params":${params}}`;
      expect(errorOf(() => decodeMessage(topic, text))?.code, params).toBe(code);
      expect(errorOf(() => decodeJson(text))?.code, params).toBe(code);
    }
    const m = decodeMessage(topic, '{"id":"1","params":{"big":{"value":12345678901234567890,"time":1524448722000},"n":-9007199254740993},"extra":[9007199254740993]}');
    expect(m.kind === 'request' && m.request.params).toEqual({ big: { value: 12345678901234567890n, time: 1524448722000 }, n: -9007199254740993n });
    expect(m.kind === 'request' && m.request.extra).toEqual({ extra: [9007199254740993n] });
    expect(errorOf(() => decodeMessage(topic, '{"id":"1","params":{"a":{"value":1,"time":1.5}}}'))?.issues?.[0]?.path).toBe('params.a.time');
    expect(errorOf(() => decodeMessage(topic, '{"id":"1"}'))?.issues?.[0]?.path).toBe('params');
    expect(errorOf(() => decodeMessage(topic, '{"id":"1","params":[]}'))?.issues?.[0]?.code).toBe('expected_object');
  });

  it('checks the data of successful replies that carry secrets, firmware or results', () => {
    const topic = formatTopic('subRegisterReply', dev);
    expect(errorOf(() => decodeMessage(topic, '{"id":"1","code":200,"data":[{"productKey":"pk","deviceName":"d"}]}'))?.issues?.[0]?.path).toBe('data[0].deviceSecret');
    expect(decodeMessage(topic, '{"id":"1","code":460,"data":{},"message":"request parameter error"}').kind).toBe('reply');
    expect(validateReply('otaFirmwareGetReply', { code: 200, data: { version: '2.0.0' } })[0]?.path).toBe('data.url');
    expect(validateReply('propertyPostReply', { code: 200, data: 'anything' })).toEqual([]);
    expect(errorOf(() => encodeMessage('deviceRegisterReply', dev, { id: '1', code: 200, data: [{ productKey: 'pk' }] }))?.code).toBe('invalid_params');
  });

  it('refuses duplicate keys in signed documents only', () => {
    const login = '{"id":"1","params":{"productKey":"p","deviceName":"d","clientId":"c","timestamp":"1","signMethod":"hmacmd5","sign":"a","sign":"b"}}';
    expect(errorOf(() => decodeMessage(formatTopic('combineLogin', dev), login))?.code).toBe('duplicate_key');
    expect(decodeMessage(formatTopic('propertyPost', dev), '{"id":"1","params":{"a":1,"a":2}}').kind).toBe('request');
  });

  it('keeps raw payloads as bytes and refuses text for them', () => {
    const bytes = Uint8Array.from([0, 0, 0, 0x14]);
    const m = decodeMessage(formatTopic('rawUp', dev), bytes);
    expect(m.kind === 'raw' && m.bytes).toBe(bytes);
    expect(decodeMessage(formatTopic('rawDownReply', dev), bytes).kind).toBe('raw');
    expect(decodeMessage('/ext/rrpc/42/pk/dn/user/get', bytes).topic.ids).toEqual({ messageId: '42', topic: 'pk/dn/user/get' });
    expect(errorOf(() => decodeMessage(formatTopic('rawUp', dev), 'text'))?.code).toBe('invalid_message');
  });

  it('refuses foreign topics', () => {
    expect(errorOf(() => decodeMessage('/a/b', '{}'))?.code).toBe('unknown_topic');
  });

  it('never throws anything but AlinkError on hostile payloads, on any topic, and never pollutes Object.prototype', () => {
    fc.assert(fc.property(catalogueTopic(), hostilePayload(), ({ name, ids }, bytes) => {
      try {
        decodeMessage(formatTopic(name, ids), bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(AlinkError);
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    }), { numRuns: numRuns(1000) });
  });
});

describe('envelopes', () => {
  it('round-trip requests and replies exactly', () => {
    fc.assert(fc.property(alinkRequest(), (r) => {
      expect(decodeRequest(encodeRequest(r))).toEqual(r);
    }), { numRuns: numRuns(300) });
    fc.assert(fc.property(alinkReply(), (r) => {
      expect(decodeReply(encodeReply(r))).toEqual(r);
    }), { numRuns: numRuns(300) });
  });

  it('keep members beside params (EnOS batch flags) and numeric ids (Python SDK OTA inform)', () => {
    const text = '{"id":7,"version":"1.0","params":[],"method":"thing.measurepoint.post.batch","allowOfflineSubDevice":true,"skipInvalidMeasurepoints":false}';
    const r = decodeRequest(text);
    expect(r).toEqual({ id: '7', numericId: true, version: '1.0', params: [], method: 'thing.measurepoint.post.batch', extra: { allowOfflineSubDevice: true, skipInvalidMeasurepoints: false } });
    expect(stringifyRequest(r)).toBe(text);
    expect(errorOf(() => decodeRequest(text.replace('true', '"yes"').replace('"/sys', '')))).toBeUndefined();
    expect(validateRequest('measurepointPostBatch', decodeRequest(text.replace('true', '"yes"')))[0]?.path).toBe('allowOfflineSubDevice');
  });

  it('are written the same by the one-call writer and member by member (bigints, toJSON, numeric ids, sys, extras)', () => {
    const reference = (r: Parameters<typeof stringifyRequest>[0]): string => {
      let out = `{"id":${r.numericId === true ? r.id : JSON.stringify(r.id)}`;
      if (r.version !== undefined) out += `,"version":${JSON.stringify(r.version)}`;
      if (r.sys !== undefined) out += `,"sys":${stringifyJson(r.sys)}`;
      if (r.params !== undefined) out += `,"params":${stringifyJson(r.params)}`;
      if (r.method !== undefined) out += `,"method":${JSON.stringify(r.method)}`;
      for (const [k, v] of Object.entries(r.extra ?? {})) out += `,${JSON.stringify(k)}:${stringifyJson(v)}`;
      return `${out}}`;
    };
    fc.assert(fc.property(alinkRequest(), (r) => {
      expect(stringifyRequest(r)).toBe(reference(r));
    }), { numRuns: numRuns(300) });
    expect(stringifyRequest({ id: '1', version: '1.0', params: { n: 9007199254740993n }, method: 'm' })).toBe('{"id":"1","version":"1.0","params":{"n":9007199254740993},"method":"m"}');
    const dated = { toJSON: () => ({ t: 1 }) };
    expect(stringifyRequest({ id: '1', params: dated })).toBe('{"id":"1","params":{"t":1}}');
    expect(errorOf(() => stringifyRequest({ id: '1', params: { toJSON: () => undefined } }))?.code).toBe('invalid_value');
    expect(errorOf(() => stringifyRequest({ id: 7 as unknown as string, params: {} }))?.code).toBe('invalid_id');
  });

  it('refuse bad ids and envelopes', () => {
    for (const t of ['[]', '{}', '{"id":""}', '{"id":-1}', '{"id":1.5}', `{"id":"${'x'.repeat(65)}"}`, '{"id":"1","version":1}', '{"id":"1","method":[]}', '{"id":"1","sys":1}']) {
      expect(errorOf(() => decodeRequest(t))?.code, t).toBe('invalid_message');
    }
    for (const t of ['{"id":"1"}', '{"code":200}', '{"id":"1","code":"200"}', 'null']) expect(errorOf(() => decodeReply(t))?.code, t).toBe('invalid_reply');
    expect(errorOf(() => encodeRequest({ id: '' }))?.code).toBe('invalid_id');
    expect(errorOf(() => encodeRequest({ id: '1x', numericId: true }))?.code).toBe('invalid_id');
    expect(errorOf(() => encodeRequest({ id: '1', extra: { params: 1 } }))?.code).toBe('invalid_message');
  });

  it('keeps the lead engineer\'s decodeReply behaviour (numeric id as string, data defaults to {})', () => {
    expect(decodeReply('{"id":123,"code":200}')).toEqual({ id: '123', numericId: true, code: 200, data: {}, dataAbsent: true });
    expect(decodeReply(enc.encode('{"id":"1","code":460,"data":{},"message":"request parameter error"}')).message).toBe('request parameter error');
  });
});

describe('encodeMessage', () => {
  const dev = { productKey: 'a1B2c3D4e5F', deviceName: 'device1' };

  it('writes the seed §4 property post byte for byte', () => {
    const seed = '{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}';
    const m = encodeMessage('propertyPost', dev, { id: '123', params: { PowerSwitch: 1 } });
    expect(m.topic).toBe('/sys/a1B2c3D4e5F/device1/thing/event/property/post');
    expect(dec.decode(m.payload)).toBe(seed);
    expect(dec.decode(encodePropertyPost({ id: '123', params: { PowerSwitch: 1 } }))).toBe(seed);
    expect(dec.decode(encodePropertyPost({ id: '1', params: {}, ack: 0 }))).toBe('{"id":"1","version":"1.0","sys":{"ack":0},"params":{},"method":"thing.event.property.post"}');
    expect(errorOf(() => encodePropertyPost({ id: 'abc', params: {} }))?.code).toBe('invalid_id');
  });

  it('round-trips property posts in both forms through decodeMessage', () => {
    fc.assert(fc.property(propertyParams(), fc.integer({ min: 1, max: 4294967295 }), (params, n) => {
      const m = encodeMessage('propertyPost', dev, { id: String(n), params });
      const back = decodeMessage(m.topic, m.payload);
      expect(back.kind === 'request' && back.request.params).toEqual(params);
    }), { numRuns: numRuns(300) });
  });

  it('fills the topic\'s method and refuses a different one', () => {
    const m = encodeMessage('serviceCall', { ...dev, serviceId: 'SetWeight' }, { id: '105917531', params: { NewWeight: 100.8 } });
    expect(dec.decode(m.payload)).toBe('{"id":"105917531","version":"1.0","params":{"NewWeight":100.8},"method":"thing.service.SetWeight"}');
    expect(errorOf(() => encodeMessage('serviceCall', { ...dev, serviceId: 'A' }, { id: '1', params: {}, method: 'thing.service.B' }))?.code).toBe('method_mismatch');
    expect(errorOf(() => encodeMessage('otaProgress', dev, { id: '1', params: { step: 200 } }))?.code).toBe('invalid_params');
    expect(encodeMessage('rawUp', dev, Uint8Array.of(1)).payload).toEqual(Uint8Array.of(1));
    expect(errorOf(() => encodeMessage('rawUp', dev, { id: '1' } as never))?.code).toBe('invalid_message');
    expect(dec.decode(encodeMessage('serviceCallReply', { ...dev, serviceId: 'SetWeight' }, { id: '1', code: 200, data: {} }).payload)).toBe('{"id":"1","code":200,"data":{}}');
    expect(dec.decode(encodeMessage('ntpRequest', dev, { deviceSendTime: '1571724098000' }).payload)).toBe('{"deviceSendTime":"1571724098000"}');
  });

  it('can send every request topic with a minimal valid body', () => {
    for (const name of Object.keys(TOPICS) as TopicName[]) {
      const spec = TOPICS[name];
      if (spec.payload !== 'request') continue;
      const ids: Record<string, string> = {};
      for (const m of spec.template.matchAll(/\{(\w+)\*?\}/g)) ids[m[1]!] = 'x1';
      const e = errorOf(() => encodeMessage(name, ids, { id: '1', params: {} }));
      // Either accepted, or refused for its params shape: never another failure.
      if (e !== undefined) expect(e.code, name).toBe('invalid_params');
    }
  });
});

describe('properties', () => {
  it('reads both forms (seed §4 and §9.5)', () => {
    expect(readProperties({ Power: { value: 'on', time: 1524448722000 }, WF: 23.6, S: { value: 1, unit: 'x' } })).toEqual([
      { id: 'Power', value: 'on', time: 1524448722000 }, { id: 'WF', value: 23.6 }, { id: 'S', value: { value: 1, unit: 'x' } },
    ]);
    expect(timedProperties({ Power: 'on' }, 1524448722000)).toEqual({ Power: { value: 'on', time: 1524448722000 } });
    expect(errorOf(() => timedProperties({}, -1))?.code).toBe('invalid_value');
  });
});
