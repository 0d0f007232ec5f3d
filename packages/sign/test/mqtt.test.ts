import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignError, mqttBroker, mqttCredentials, parseMqttClientId, signContent, signingKey, verifyMqttCredentials } from '@linkwire/sign';
import { malformedClientId, malformedDeviceName, malformedKeepalive, malformedTimestamp, mqttCredentialsOptions } from '@linkwire/sign/testing';
import { constantTimeEqualHex } from '@linkwire/base';
import { numRuns } from '../../../test/support/fast-check.ts';
import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});

const name = fc.stringMatching(/^[A-Za-z0-9_@.:-]{4,32}$/);

describe('mqttCredentials', () => {
  it('matches a straightforward node:crypto implementation for any valid input', () => {
    fc.assert(fc.property(name, name, fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('hmacmd5', 'hmacsha1', 'hmacsha256'),
      fc.option(fc.nat(), { nil: undefined }), (pk, dn, secret, method, ts) => {
        const c = mqttCredentials({ productKey: pk, deviceName: dn, deviceSecret: secret, signMethod: method, timestamp: ts, secureMode: 3 });
        const content = `clientId${pk}.${dn}deviceName${dn}productKey${pk}` + (ts === undefined ? '' : `timestamp${ts}`);
        expect(c.password).toBe(createHmac(method.slice(4), secret).update(content).digest('hex'));
        expect(verifyMqttCredentials(c.clientId, c.username, c.password, () => secret).ok).toBe(true);
      }), { numRuns: numRuns(200) });
  });

  it('names the field at fault', () => {
    const base = { productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's' };
    const fieldOf = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(SignError); return (e as SignError).field; }
      return undefined;
    };
    expect(fieldOf(() => mqttCredentials({ ...base, productKey: '' }))).toBe('productKey');
    expect(fieldOf(() => mqttCredentials({ ...base, productKey: 'pk/x' }))).toBe('productKey');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceName: 'a'.repeat(33) }))).toBe('deviceName');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceName: 'dev+ice' }))).toBe('deviceName');
    expect(fieldOf(() => mqttCredentials({ ...base, clientId: 'x'.repeat(65) }))).toBe('clientId');
    expect(fieldOf(() => mqttCredentials({ ...base, clientId: 'a,b' }))).toBe('clientId');
    expect(fieldOf(() => mqttCredentials({ ...base, signMethod: 'hmacsha512' }))).toBe('signMethod');
    expect(fieldOf(() => mqttCredentials({ ...base, deviceSecret: '' }))).toBe('deviceSecret');
    expect(fieldOf(() => mqttCredentials({ ...base, timestamp: '12a' }))).toBe('timestamp');
    expect(fieldOf(() => mqttCredentials({ ...(base as object), deviceName: undefined } as never))).toBe('deviceName');
  });

  it('emits the advertised method lowercased and extra keys in order', () => {
    const c = mqttCredentials({ productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's', signMethod: 'HmacSHA256', extra: { lan: 'NODE', _ss: '1' } });
    expect(c.clientId).toBe('a1b2c3d4e5f.device1|securemode=2,signmethod=hmacsha256,lan=NODE,_ss=1|');
    expect(parseMqttClientId(c.clientId)?.params).toEqual({ securemode: '2', signmethod: 'hmacsha256', lan: 'NODE', _ss: '1' });
  });

  it('signContent sorts by byte order and drops excluded keys', () => {
    expect(signContent({ b: 1, a: 'x', sign: 'no', signMethod: 'no', version: '1.0', Z: true })).toBe('Ztrueaxb1');
    expect(signContent({ '\u{1F600}': 1, '\uFFFF': 2 })).toBe('\uFFFF2\u{1F600}1');
  });

  it('verify refuses malformed input without throwing', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
      expect(verifyMqttCredentials(a, b, c, () => 'x').ok).toBe(false);
    }), { numRuns: numRuns(300) });
  });
});

describe('mqttCredentials options and the broker endpoint', () => {
  it('any valid option set signs like node:crypto and verifies; keepalive is returned', () => {
    fc.assert(fc.property(mqttCredentialsOptions(), (o) => {
      const c = mqttCredentials(o);
      const clientId = o.clientId ?? `${o.productKey}.${o.deviceName}`;
      const content = `clientId${clientId}deviceName${o.deviceName}productKey${o.productKey}` + (o.timestamp === undefined ? '' : `timestamp${o.timestamp}`);
      const alg = (o.signMethod ?? 'hmacsha256').toLowerCase().slice(4);
      expect(c.password).toBe(createHmac(alg, o.deviceSecret as string).update(content).digest('hex'));
      expect(c.keepalive).toBe(o.keepalive);
      const v = verifyMqttCredentials(c.clientId, c.username, c.password, () => o.deviceSecret as string);
      expect(v.ok).toBe(true);
      expect(verifyMqttCredentials(c.clientId, c.username, c.password, () => `${o.deviceSecret as string}!`).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('refuses every malformed deviceName, clientId, timestamp and keepalive, naming the field', () => {
    const base = { productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's' };
    const field = (f: () => unknown) => { try { f(); } catch (e) { expect(e).toBeInstanceOf(SignError); return (e as SignError).field; } return undefined; };
    fc.assert(fc.property(malformedDeviceName(), (dn) => { expect(field(() => mqttCredentials({ ...base, deviceName: dn }))).toBe('deviceName'); }), { numRuns: numRuns(100) });
    fc.assert(fc.property(malformedClientId(), (id) => { expect(field(() => mqttCredentials({ ...base, clientId: id }))).toBe('clientId'); }), { numRuns: numRuns(100) });
    fc.assert(fc.property(malformedTimestamp(), (ts) => { expect(field(() => mqttCredentials({ ...base, timestamp: ts }))).toBe('timestamp'); }), { numRuns: numRuns(100) });
    fc.assert(fc.property(malformedKeepalive(), (k) => { expect(field(() => mqttCredentials({ ...base, keepalive: k }))).toBe('keepalive'); }), { numRuns: numRuns(100) });
    // The spelling this package once returned, which sessions ignored (they read keepalive).
    expect(field(() => mqttCredentials({ ...base, ...({ keepAlive: 300 } as unknown as { keepAlive?: never }) }))).toBe('keepAlive');
    // @ts-expect-error: the other spelling does not type-check either
    expect(() => mqttCredentials({ ...base, keepAlive: 300 })).toThrowError(/spelled `keepalive`/);
    expect(field(() => mqttCredentials({ ...base, extra: { signmethod: 'hmacmd5' } }))).toBe('extra');
    expect(field(() => mqttCredentials({ ...base, extra: { lan: 'a,b' } }))).toBe('extra');
    expect(field(() => mqttCredentials({ ...base, transport: 'quic' as 'tcp' }))).toBe('transport');
    expect(field(() => mqttCredentials({ ...base, deviceSecret: signingKey('hmacsha1', 's'), signMethod: 'hmacsha256' }))).toBe('deviceSecret');
  });

  it('a keyed secret signs exactly like the plain one', () => {
    const key = signingKey('hmacSha256', 'fleet-secret');
    for (let i = 0; i < 20; i++) {
      const o = { productKey: 'a1b2c3d4e5f', deviceName: `device${i}`, timestamp: 1700000000000 + i };
      expect(mqttCredentials({ ...o, deviceSecret: key })).toEqual(mqttCredentials({ ...o, deviceSecret: 'fleet-secret' }));
    }
  });

  it('broker endpoints for regions, instances and transports', () => {
    expect(mqttBroker({ productKey: 'a1b2c3d4e5f' })).toEqual({ host: 'a1b2c3d4e5f.iot-as-mqtt.cn-shanghai.aliyuncs.com', port: 1883, url: 'mqtts://a1b2c3d4e5f.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883', secureMode: 2 });
    expect(mqttBroker({ productKey: 'pk', regionId: 'ap-southeast-1', transport: 'tcp' }).url).toBe('mqtt://pk.iot-as-mqtt.ap-southeast-1.aliyuncs.com:1883');
    expect(mqttBroker({ productKey: 'pk', instanceId: 'iot-06z00abc', transport: 'wss' })).toEqual({ host: 'iot-06z00abc.mqtt.iothub.aliyuncs.com', port: 443, url: 'wss://iot-06z00abc.mqtt.iothub.aliyuncs.com:443', secureMode: 2 });
    expect(() => mqttBroker({ productKey: 'pk', regionId: 'evil.com/x' })).toThrow(SignError);
    expect(() => mqttBroker({ productKey: 'pk', instanceId: 'a.b' })).toThrow(SignError);
  });

  it('the verifier: seconds timestamps, required timestamps, duplicate keys, allowed methods', () => {
    const c = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', timestamp: 1_700_000_000 });
    expect(verifyMqttCredentials(c.clientId, c.username, c.password, () => 's', { now: 1_700_000_000_000 + 60_000 }).ok).toBe(true);
    const none = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 's' });
    const r = verifyMqttCredentials(none.clientId, none.username, none.password, () => 's', { requireTimestamp: true });
    expect(r.ok ? '' : r.code).toBe('timestamp_required');
    expect(parseMqttClientId('x|a=1,a=2|')).toBeUndefined();
    const ok = verifyMqttCredentials(none.clientId, none.username, none.password, () => 's', { allowedMethods: ['HMACSHA256'] });
    expect(ok.ok).toBe(true);
    const md5 = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', signMethod: 'hmacmd5' });
    const refused = verifyMqttCredentials(md5.clientId, md5.username, md5.password, () => 's', { allowedMethods: ['hmacsha256', 'hmacsha1'] });
    expect(refused.ok ? '' : refused.code).toBe('method_not_allowed');
  });
});

describe('parseMqttClientId and the signature comparison', () => {
  // The plain reading of `{id}|k=v,…|`, as a reference for the scanning parser.
  const reference = (full: string) => {
    const bar = full.indexOf('|');
    if (bar <= 0 || !full.endsWith('|') || full.length === bar + 1) return undefined;
    const body = full.slice(bar + 1, -1);
    if (body.includes('|')) return undefined;
    const params: Record<string, string> = {};
    for (const pair of body.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || Object.hasOwn(params, pair.slice(0, eq))) return undefined;
      params[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { clientId: full.slice(0, bar), params };
  };
  const piece = fc.stringMatching(/^[a-z=,|]{0,4}$/);

  it('agrees with the reference reading on arbitrary and near-valid input', () => {
    const text = fc.oneof(fc.string(), fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), fc.tuple(piece, fc.array(piece, { maxLength: 6 })).map(([id, p]) => `x${id}|${p.join('')}|`));
    fc.assert(fc.property(text, (s) => {
      const got = parseMqttClientId(s);
      const want = reference(s);
      expect(got === undefined ? undefined : { clientId: got.clientId, params: { ...got.params } }).toEqual(want);
    }), { numRuns: numRuns(500) });
  });

});
