import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Config, ERROR_GET_CONFIG, EdgeError, MAX_THINGS, ThingInfo, parseDriverConfig } from '@linkwire/edge';
import { numRuns } from '../../../test/support/fast-check.ts';
import { deepArray, deepObject } from '@linkwire/base/testing';

// aliyun-link-iot-edge-developer-guide.txt §1.1 leda_get_config: the seed's configuration format, verbatim.
const SEED_CONFIG = `{
  "config":{
    "json":{
      "ip":"127.0.0.1",
      "port":54321
    },
    "kv":[
      {
        "key":"ip",
        "value":"127.0.0.1",
        "note":"IP address"
      },
      {
        "key":"port",
        "value":"54321",
        "note":"Port number"
      }
    ],
    "fileList":[
      {
        "path":"device_config.json"
      }
    ]
  },
  "deviceList":[
    {
      "custom":{"port":12345,"ip":"127.0.0.1"},
      "deviceName":"device1",
      "productKey":"a1ccxxeypky"
    }
  ]
}`;

describe('the driver configuration (seed §1.1 leda_get_config, §1.2 Config, ThingInfo)', () => {
  it('reads the seed\'s document', () => {
    const r = parseDriverConfig(SEED_CONFIG);
    expect(r.issues).toEqual([]);
    const things = r.config!.getThingInfos();
    expect(things).toEqual([new ThingInfo('a1ccxxeypky', 'device1', { port: 12345, ip: '127.0.0.1' })]);
    expect(r.config!.getDriverInfo().json).toEqual({ ip: '127.0.0.1', port: 54321 });
    expect(r.config!.getDriverInfo().kv).toHaveLength(2);
    // seed §1.2: new Config(string)
    expect(new Config(SEED_CONFIG).getThingInfos()[0]!.deviceName).toBe('device1');
  });

  it('reads the C SDK\'s device-info form (leda_get_device_info) inside a document, custom as a JSON string, and localName', () => {
    const r = parseDriverConfig({ deviceList: [{ productKey: 'a1ccxxeypky', localName: 'kitchen-lamp', custom: '{"port":1}' }] });
    expect(r.ok).toBe(true);
    const t = r.config!.getThingInfos()[0]!;
    expect([t.deviceName, t.localName, t.custom]).toEqual(['kitchen-lamp', 'kitchen-lamp', { port: 1 }]);
  });

  it('lists every problem with its path and code', () => {
    const r = parseDriverConfig({
      config: { json: 5, kv: [{ key: '', value: 1 }], fileList: [{}] },
      deviceList: [{ productKey: 'a1/bad', deviceName: 'ok-name' }, { productKey: 'a1ok', deviceName: 'x' }, 7, { productKey: 'a1ok', deviceName: 'dup-1' }, { productKey: 'a1ok', deviceName: 'dup-1' }, { productKey: 'a1ok', deviceName: 'cust', custom: '{' }],
    });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.path, i.code])).toEqual([
      ['config.json', 'invalid_type'],
      ['config.kv[0].key', 'missing_field'],
      ['config.kv[0].value', 'invalid_type'],
      ['config.fileList[0].path', 'missing_field'],
      ['deviceList[0].productKey', 'invalid_field'],
      ['deviceList[1].deviceName', 'invalid_field'],
      ['deviceList[2]', 'invalid_type'],
      ['deviceList[4]', 'duplicate_device'],
      ['deviceList[5].custom', 'invalid_json'],
    ]);
    expect(parseDriverConfig('{').issues[0]).toMatchObject({ path: '', code: 'invalid_json' });
    expect(parseDriverConfig('[]').issues[0]).toMatchObject({ code: 'invalid_type' });
    expect(parseDriverConfig('{"deviceList":{}}').issues[0]).toMatchObject({ path: 'deviceList', code: 'invalid_type' });
    expect(parseDriverConfig('{"__proto__":{"deviceList":[]}}').ok).toBe(false);
    const many = { deviceList: Array.from({ length: MAX_THINGS + 1 }, (_, i) => ({ productKey: 'a1ok', deviceName: `dev-${i}` })) };
    expect(parseDriverConfig(many).issues[0]).toMatchObject({ code: 'too_many' });
  });

  it('new Config(string) throws ERROR_GET_CONFIG with the issues', () => {
    expect(() => new Config('{"deviceList":[{"productKey":"a1"}]}')).toThrowError(expect.objectContaining({ code: ERROR_GET_CONFIG, message: expect.stringContaining('deviceList[0].deviceName') }));
  });

  it('never throws on any input, and anything it accepts reads back the same (property)', () => {
    const device = fc.record({ productKey: fc.oneof(fc.constant('a1ok'), fc.string()), deviceName: fc.oneof(fc.constant('dev-1'), fc.string()), custom: fc.option(fc.object(), { nil: undefined }) });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.record({ deviceList: fc.array(device, { maxLength: 5 }) })), (input) => {
        let r;
        try {
          r = parseDriverConfig(input);
        } catch (e) {
          throw new Error(`parseDriverConfig threw ${String(e)}`);
        }
        if (r.ok) {
          const again = parseDriverConfig(JSON.stringify(r.config!.document));
          expect(again.config!.getThingInfos()).toEqual(r.config!.getThingInfos());
        } else expect(r.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: numRuns(300) },
    );
    expect(EdgeError).toBeDefined();
  });
});

describe('hostile input (npm run fuzz, "Edge HTTP bodies")', () => {
  it('an object nested 30 000 deep is refused by a bounded walk, not by a stack overflow in JSON.stringify (over 100 ms per call in the fuzz worker)', () => {
    for (const deep of [deepArray(30_000), deepObject(30_000)]) {
      const r = parseDriverConfig(deep);
      expect(r.ok).toBe(false);
      expect(r.issues[0]).toMatchObject({ path: '', code: 'invalid_json' });
    }
    // 64 levels in all (the document and 63 below it) are still read, 65 are not.
    expect(parseDriverConfig({ config: {}, deviceList: [], x: deepArray(63) }).ok).toBe(true);
    expect(parseDriverConfig({ config: {}, deviceList: [], x: deepArray(64) }).ok).toBe(false);
  });
});
