import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ota from '@linkwire/ota';
import { OtaError } from '@linkwire/ota';
import { configFile, firmwareUpgrade, malformedPayload, malformedUpgradePush, messageId, progressStep } from '@linkwire/ota/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { SEED_MODEL_CONFIG_DOCUMENT } from './seed-fixtures.ts';

const N = { numRuns: numRuns(200) };
const text = fc.string({ maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));

describe('round trips: decode(encode(x)) = x', () => {
  it('Alibaba upgrade push and firmware get reply', () => {
    fc.assert(fc.property(messageId(), firmwareUpgrade(), (id, upgrade) => {
      expect(ota.decodeUpgradePush(ota.stringifyUpgradePush({ id, message: 'success', upgrade }))).toEqual({ id, message: 'success', upgrade });
      expect(ota.decodeFirmwareGetReply(ota.stringifyFirmwareGetReply({ id, code: 200, data: upgrade }))).toEqual({ id, code: 200, message: 'success', data: upgrade });
    }), N);
  });

  it('version inform, firmware request, firmware get, progress', () => {
    const module = fc.option(fc.stringMatching(/^[A-Za-z0-9_]{1,16}$/), { nil: undefined });
    fc.assert(fc.property(messageId(), fc.stringMatching(/^[0-9A-Za-z.-]{1,20}$/), module, progressStep(), fc.option(text, { nil: undefined }), (id, version, mod, step, desc) => {
      const report = mod === undefined ? { id, version } : { id, version, module: mod };
      expect(ota.decodeVersionInform(ota.stringifyVersionInform(report))).toEqual(report);
      expect(ota.decodeFirmwareRequest(ota.stringifyFirmwareRequest(report))).toEqual(report);
      const get = mod === undefined ? { id } : { id, module: mod };
      expect(ota.decodeFirmwareGet(ota.stringifyFirmwareGet(get))).toEqual(get);
      const p = { id, step, ...(desc === undefined ? {} : { desc }), ...(mod === undefined ? {} : { module: mod }) };
      expect(ota.decodeProgress(ota.stringifyProgress(p))).toEqual(p);
    }), N);
  });

  it('EnOS upgrade, progress, inform, getversion reply', () => {
    fc.assert(fc.property(messageId(), fc.array(firmwareUpgrade(), { maxLength: 3 }), progressStep('enos'), (id, list, step) => {
      const plain = list.map(({ module: _m, extData: _e, ...u }) => u);
      for (const upgrade of plain) expect(ota.decodeEnosUpgrade(ota.stringifyEnosUpgrade({ id, upgrade }))).toEqual({ id, upgrade });
      expect(ota.decodeEnosGetVersionReply(ota.stringifyEnosGetVersionReply({ id, code: 200, data: plain }))).toEqual({ id, code: 200, data: plain });
      expect(ota.decodeEnosProgress(ota.stringifyEnosProgress({ id, step, desc: 'd' }))).toEqual({ id, step, desc: 'd' });
      expect(ota.decodeEnosVersionInform(ota.stringifyEnosVersionInform({ id, version: '1.0' }))).toEqual({ id, version: '1.0' });
    }), N);
  });

  it('remote config get reply, push, push reply; model config push and reply', () => {
    fc.assert(fc.property(messageId(), configFile(), (id, config) => {
      expect(ota.decodeConfigGetReply(ota.stringifyConfigGetReply({ id, code: 200, data: config }))).toEqual({ id, code: 200, data: config });
      expect(ota.decodeConfigPush(ota.stringifyConfigPush({ id, config }))).toEqual({ id, config });
      expect(ota.decodeConfigPushReply(ota.stringifyConfigPushReply(id, 460))).toEqual({ id, code: 460 });
      expect(ota.decodeConfigGet(ota.stringifyConfigGet({ id }))).toEqual({ id, configScope: 'product', getType: 'file' });
      const target = { url: config.url, digestMethod: 'sha256' as const, digest: config.digest };
      expect(ota.decodeModelConfigPush(ota.stringifyModelConfigPush({ id, config: target }))).toEqual({ id, config: target });
      expect(ota.decodeModelConfigPushReply(ota.stringifyModelConfigPushReply({ id, code: 200, data: target }))).toEqual({ id, code: 200, message: 'success', data: target });
    }), N);
  });
});

const decoders = [
  ota.decodeUpgradePush, ota.decodeVersionInform, ota.decodeFirmwareRequest, ota.decodeProgress, ota.decodeFirmwareGet,
  ota.decodeFirmwareGetReply, ota.decodeEnosUpgrade, ota.decodeEnosProgress, ota.decodeEnosVersionInform,
  ota.decodeEnosGetVersionReply, ota.decodeConfigGet, ota.decodeConfigGetReply, ota.decodeConfigPush,
  ota.decodeConfigPushReply, ota.decodeModelConfigPush, ota.decodeModelConfigPushReply, ota.parseModelConfigDocument,
];

function onlyOtaError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OtaError);
    expect(typeof (e as OtaError).code).toBe('string');
  }
}

describe('encode* and stringify*', () => {
  // Issue 15: the OTA encoders return bytes as alink's and shadow's do (what a publish carries);
  // stringify* gives the same message as text. Every encoder has both, and they agree byte for byte.
  it('every encode* is the UTF-8 of its stringify*, and decodes back', () => {
    const names = Object.keys(ota).filter((k) => k.startsWith('encode'));
    expect(names.length).toBe(18);
    for (const name of names) expect(typeof (ota as Record<string, unknown>)[name.replace(/^encode/, 'stringify')], name).toBe('function');
    fc.assert(fc.property(messageId(), firmwareUpgrade(), progressStep(), (id, upgrade, step) => {
      const bytes = ota.encodeUpgradePush({ id, upgrade });
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(bytes)).toBe(ota.stringifyUpgradePush({ id, upgrade }));
      expect(ota.decodeUpgradePush(bytes).upgrade).toEqual(upgrade);
      expect(new TextDecoder().decode(ota.encodeProgress({ id, step }))).toBe(ota.stringifyProgress({ id, step }));
      expect(new TextDecoder().decode(ota.encodeEnosProgress({ id, step }))).toBe(ota.stringifyEnosProgress({ id, step }));
      expect(new TextDecoder().decode(ota.encodeVersionInform({ id, version: upgrade.version }))).toBe(ota.stringifyVersionInform({ id, version: upgrade.version }));
      expect(new TextDecoder().decode(ota.encodeConfigPushReply(id, 200))).toBe(ota.stringifyConfigPushReply(id, 200));
    }), N);
  });
});

describe('malformed input', () => {
  it('every decoder throws nothing but OtaError', () => {
    fc.assert(fc.property(malformedPayload(), (payload) => {
      for (const d of decoders) onlyOtaError(() => d(payload));
    }), { numRuns: numRuns(120) });
  });

  it('valid messages with one field replaced by anything only throw OtaError', () => {
    fc.assert(fc.property(messageId(), firmwareUpgrade(), fc.constantFrom('size', 'version', 'url', 'sign', 'signMethod', 'md5', 'module', 'extData', 'code', 'id'), fc.jsonValue({ maxDepth: 2 }), (id, upgrade, key, value) => {
      const o = JSON.parse(ota.stringifyUpgradePush({ id, upgrade })) as { data: Record<string, unknown> } & Record<string, unknown>;
      if (key === 'code' || key === 'id') o[key] = value;
      else o.data[key] = value;
      onlyOtaError(() => ota.decodeUpgradePush(JSON.stringify(o)));
    }), { numRuns: numRuns(300) });
  });

  it('each broken rule of an upgrade push is rejected with a reason', () => {
    fc.assert(fc.property(malformedUpgradePush(), (payload) => {
      let err: unknown;
      try { ota.decodeUpgradePush(payload); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(OtaError);
      expect((err as OtaError).issues.length).toBeGreaterThan(0);
      expect((err as OtaError).message.length).toBeGreaterThan(10);
    }), N);
  });

  it('reports every issue with its path', () => {
    const bad = JSON.stringify({ code: '1000', id: 1, data: { size: -1, version: '', url: 'ftp://x', sign: 'zz', signMethod: 'Md5' } });
    try {
      ota.decodeUpgradePush(bad);
      expect.unreachable();
    } catch (e) {
      expect((e as OtaError).issues.map((i) => `${i.path}:${i.code}`)).toEqual(['data.size:invalid_size', 'data.version:invalid_field', 'data.url:insecure_url', 'data.sign:invalid_digest']);
    }
  });

  it('md5-only (older) pushes are MD5; md5 and sign must agree', () => {
    const base = { size: 1, version: '1', url: 'https://x.example.com/f' };
    const md5 = '0cc175b9c0f1b6a831c399e269772661';
    expect(ota.decodeUpgradePush(JSON.stringify({ code: '1000', id: 1, data: { ...base, md5 } })).upgrade.digestMethod).toBe('md5');
    expect(() => ota.decodeUpgradePush(JSON.stringify({ code: '1000', id: 1, data: { ...base, md5, sign: md5.replace('0', '1'), signMethod: 'Md5' } }))).toThrow(expect.objectContaining({ code: 'digest_conflict' }));
    expect(() => ota.decodeUpgradePush(JSON.stringify({ code: '1000', id: 1, data: { ...base, md5, signMethod: 'SHA256' } }))).toThrow(expect.objectContaining({ code: 'missing_digest' }));
  });

  it('rejects oversized payloads and prototype keys', () => {
    expect(() => ota.decodeUpgradePush('{"a":"' + 'x'.repeat(300_000) + '"}')).toThrow(expect.objectContaining({ code: 'too_large' }));
    expect(() => ota.decodeUpgradePush('{"__proto__":{"code":"1000"}}')).toThrow(expect.objectContaining({ code: 'invalid_json' }));
    expect(() => ota.decodeUpgradePush(JSON.stringify({ code: '1000', id: 1, data: { size: 1, version: '1', url: 'https://a.example.com/', sign: 'a'.repeat(32), signMethod: 'Md5', extData: { constructor: { prototype: 1 } } } }))).not.toThrow();
  });

  it('encoders refuse invalid values instead of emitting them', () => {
    expect(() => ota.stringifyProgress({ id: 1, step: 101 })).toThrow(expect.objectContaining({ code: 'invalid_step' }));
    expect(() => ota.stringifyProgress({ id: 1, step: 1.5 })).toThrow(OtaError);
    expect(() => ota.stringifyVersionInform({ id: -1, version: '1' })).toThrow(expect.objectContaining({ code: 'invalid_id' }));
    expect(() => ota.stringifyVersionInform({ id: 1, version: 'a\nb' })).toThrow(expect.objectContaining({ code: 'invalid_field' }));
    expect(() => ota.stringifyUpgradePush({ id: 1, upgrade: { version: '1', size: -1, url: 'https://a.example.com', digestMethod: 'md5', digest: 'a'.repeat(32) } })).toThrow(expect.objectContaining({ code: 'invalid_size' }));
  });

  it('decoding cost stays linear in the input size', () => {
    const time = (n: number) => {
      const p = JSON.stringify({ code: '1000', id: 1, data: { size: 1, version: '1', url: 'https://a.example.com/' + 'a'.repeat(n), sign: 'a'.repeat(32), signMethod: 'Md5', extData: Object.fromEntries(Array.from({ length: n >> 4 }, (_, i) => [`k${i}`, i])) } });
      // The fastest of several rounds, in this process's CPU time: other processes on a loaded
      // machine then neither add time nor preempt a round (wall time failed here under load).
      const cpu = (): number => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const t = cpu();
        for (let i = 0; i < 10; i++) onlyOtaError(() => ota.decodeUpgradePush(p, { maxBytes: 1 << 22 }));
        best = Math.min(best, cpu() - t);
      }
      return best;
    };
    time(1000);
    const small = Math.max(time(4000), 0.5);
    const large = time(64000);
    expect(large / small).toBeLessThan(16 * 8);
  });
});

describe('model config document', () => {
  it('the seed document validates and mutations produce issues, never exceptions', () => {
    const doc = JSON.parse(SEED_MODEL_CONFIG_DOCUMENT) as Record<string, unknown[]>;
    expect(ota.validateModelConfigDocument(doc)).toEqual([]);
    const paths = ['modelList', 'serverList', 'deviceList', 'tslList'] as const;
    fc.assert(fc.property(fc.constantFrom(...paths), fc.nat(), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), (list, i, key, value) => {
      const copy = JSON.parse(SEED_MODEL_CONFIG_DOCUMENT) as Record<string, Record<string, unknown>[]>;
      const entry = copy[list]![i % copy[list]!.length]!;
      entry[key] = value;
      const issues = ota.validateModelConfigDocument(copy);
      for (const x of issues) expect(x.path.startsWith(list)).toBe(true);
    }), N);
    expect(ota.validateModelConfigDocument([])).toHaveLength(1);
    expect(ota.validateModelConfigDocument({ serverList: {} })[0]).toMatchObject({ path: 'serverList', code: 'invalid_type' });
    expect(ota.validateModelConfigDocument({ deviceList: [{ productKey: 'p', deviceName: 'd', deviceConfig: { serverId: 's', slaveId: 300 } }] })[0]).toMatchObject({ path: 'deviceList.0.deviceConfig.slaveId' });
    expect(ota.validateModelConfigDocument({ serverList: [{ serverId: 's', url: 'opc.tcp://h:4840', secMode: 'Encrypt' }] })[0]).toMatchObject({ path: 'serverList.0.secMode' });
  });
});

describe('topics', () => {
  it('every built topic parses back to its kind and device', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/), fc.stringMatching(/^[A-Za-z0-9_@.:-]{1,32}$/), (pk, dn) => {
      const t = ota.otaTopics(pk, dn);
      for (const [name, topic] of Object.entries(t)) {
        const parsed = ota.parseOtaTopic(topic)!;
        expect(parsed).toMatchObject({ platform: 'alibaba', productKey: pk, deviceName: dn, reply: name.endsWith('Reply') });
        expect(name.replace(/Reply$/, '')).toBe(parsed.kind);
      }
      for (const topic of Object.values(ota.enosOtaTopics(pk, dn))) expect(ota.parseOtaTopic(topic)).toMatchObject({ platform: 'enos', productKey: pk, deviceName: dn });
    }), N);
  });

  it('refuses identifiers that would change the topic shape', () => {
    for (const bad of ['', 'a/b', 'a+b', '#', '$SYS', 'a\u0000', 'x'.repeat(65)]) {
      expect(() => ota.otaTopics(bad, 'dn')).toThrow(expect.objectContaining({ code: 'invalid_identifier' }));
      expect(() => ota.enosOtaTopics('pk', bad)).toThrow(OtaError);
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      ota.parseOtaTopic(s);
    }), N);
  });
});
