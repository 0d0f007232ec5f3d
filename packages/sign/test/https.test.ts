import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEVICENAME_AUTH_ERRORS, decodeForm, deviceNameAuthReply, deviceNameAuthRequest, encodeForm, httpAuthReply, httpAuthRequest, mqttTokenCredentials,
  parseDeviceNameAuthReply, parseHttpAuthReply, verifyDeviceNameAuthRequest, verifyHttpAuthRequest, verifyMqttTokenCredentials,
} from '@linkwire/sign';
import { clientId, deviceName, productKey, secret, signMethod, timestamp } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { fieldOf, onlySignError } from './support.ts';

const identity = fc.record({ productKey: productKey(), deviceName: deviceName(), deviceSecret: secret(), clientId: clientId(), signMethod: signMethod(), timestamp: timestamp() });

describe('/auth/devicename (MQTT over HTTPS auth, seed §3.1)', () => {
  it('signs like node:crypto and verifies; changing a signed field, the method or the secret fails', () => {
    fc.assert(fc.property(identity, fc.constantFrom('productKey', 'deviceName', 'clientId', 'timestamp'), (o, field) => {
      const req = deviceNameAuthRequest({ ...o, resources: ['mqtt'], version: 'default' });
      const fields = decodeForm(req.body);
      const alg = o.signMethod.toLowerCase().slice(4);
      const content = `clientId${o.clientId}deviceName${o.deviceName}productKey${o.productKey}timestamp${o.timestamp}`;
      expect(fields['sign']).toBe(createHmac(alg, o.deviceSecret).update(content).digest('hex'));
      expect(fields['signmethod']).toBe(o.signMethod);
      const lookup = (pk: string, dn: string) => (pk === o.productKey && dn === o.deviceName ? o.deviceSecret : undefined);
      const v = verifyDeviceNameAuthRequest(req.body, lookup);
      expect(v.ok && v.resources).toEqual(['mqtt']);
      const changed = encodeForm({ ...fields, [field]: `${fields[field]}1`.slice(-32) === fields[field] ? `${fields[field]}2` : `${fields[field]}1` });
      expect(verifyDeviceNameAuthRequest(changed, () => o.deviceSecret).ok).toBe(false);
      expect(verifyDeviceNameAuthRequest(req.body, () => `${o.deviceSecret}x`).ok).toBe(false);
      const other = ['hmacmd5', 'hmacsha1', 'hmacsha256'].find((m) => m !== o.signMethod.toLowerCase())!;
      expect(verifyDeviceNameAuthRequest(encodeForm({ ...fields, signmethod: other }), lookup).ok).toBe(false);
      // version and resources are not signed.
      expect(verifyDeviceNameAuthRequest(encodeForm({ ...fields, version: 'v2', resources: 'mqtt,codec' }), lookup).ok).toBe(true);
    }), { numRuns: numRuns(150) });
  });

  it('maps failures to the seed reply codes', () => {
    const req = deviceNameAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 's' });
    const code = (r: ReturnType<typeof verifyDeviceNameAuthRequest>) => (r.ok ? 200 : r.replyCode);
    expect(code(verifyDeviceNameAuthRequest(req.body, () => 's'))).toBe(200);
    expect(code(verifyDeviceNameAuthRequest(req.body, () => 'x'))).toBe(401);
    expect(code(verifyDeviceNameAuthRequest(req.body, () => undefined))).toBe(5001);
    expect(code(verifyDeviceNameAuthRequest('productKey=pk', () => 's'))).toBe(460);
    expect(code(verifyDeviceNameAuthRequest('%zz', () => 's'))).toBe(460);
    expect(code(verifyDeviceNameAuthRequest(req.body, () => 's', { allowedMethods: ['hmacsha1'] }))).toBe(460);
    expect(Object.keys(DEVICENAME_AUTH_ERRORS).map(Number)).toEqual([401, 460, 500, 5001, 6200]);
  });

  it('reply round-trips, error replies carry the seed message, and malformed replies are typed errors', () => {
    const ok = deviceNameAuthReply({ iotId: 'id1', iotToken: 'tok', mqtt: { host: 'h.example', port: 1883 } });
    expect(parseDeviceNameAuthReply(ok)).toEqual({ ok: true, iotId: 'id1', iotToken: 'tok', mqtt: { host: 'h.example', port: 1883 } });
    expect(parseDeviceNameAuthReply(deviceNameAuthReply({ code: 6200 }))).toEqual({ ok: false, code: 6200, message: 'auth type mismatch' });
    fc.assert(fc.property(fc.string(), (s) => { onlySignError(() => parseDeviceNameAuthReply(s)); }), { numRuns: numRuns(200) });
    fc.assert(fc.property(fc.jsonValue(), (v) => { onlySignError(() => parseDeviceNameAuthReply(JSON.stringify(v))); }), { numRuns: numRuns(200) });
    const t = mqttTokenCredentials({ clientId: 'mac01', iotId: 'id1', iotToken: 'tok' });
    expect(t).toEqual({ clientId: 'mac01', username: 'id1', password: 'tok' });
    expect(verifyMqttTokenCredentials(t.clientId, t.username, t.password, (id) => (id === 'id1' ? 'tok' : undefined)).ok).toBe(true);
    expect(verifyMqttTokenCredentials(t.clientId, t.username, 'TOK', () => 'tok').ok).toBe(false);
    expect(verifyMqttTokenCredentials(t.clientId, 'id2', 'tok', () => undefined).ok).toBe(false);
  });

  it('verify never throws on arbitrary bodies', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (body) => {
      expect(verifyDeviceNameAuthRequest(body, () => 's').ok).toBe(false);
    }), { numRuns: numRuns(300) });
  });

  it('refuses bad inputs naming the field', () => {
    const base = { productKey: 'pk', deviceName: 'device', deviceSecret: 's' };
    expect(fieldOf(() => deviceNameAuthRequest({ ...base, resources: ['a,b'] }))).toBe('resources');
    expect(fieldOf(() => deviceNameAuthRequest({ ...base, regionId: 'x/y' }))).toBe('regionId');
    expect(fieldOf(() => deviceNameAuthRequest({ ...base, timestamp: '1.5' }))).toBe('timestamp');
    expect(deviceNameAuthRequest({ ...base, regionId: 'ap-southeast-1' }).host).toBe('iot-auth.ap-southeast-1.aliyuncs.com');
  });
});

describe('HTTPS transport /auth (seed §3.4)', () => {
  it('verifies what it signs, within 15 minutes of the timestamp by default', () => {
    fc.assert(fc.property(identity, fc.integer({ min: -30 * 60_000, max: 30 * 60_000 }), (o, skew) => {
      const req = httpAuthRequest(o);
      const now = Number(o.timestamp) + skew;
      const v = verifyHttpAuthRequest(req.body, () => o.deviceSecret, { now });
      expect(v.ok).toBe(Math.abs(skew) <= 15 * 60_000);
      if (!v.ok) expect([v.code, v.replyCode]).toEqual(['timestamp_out_of_window', 20000]);
    }), { numRuns: numRuns(150) });
  });

  it('accepts a numeric timestamp in the body and refuses non-JSON with 10001', () => {
    const req = httpAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', timestamp: 789 });
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(verifyHttpAuthRequest(JSON.stringify({ ...body, timestamp: 789 }), () => 's').ok).toBe(true);
    const bad = verifyHttpAuthRequest('{', () => 's');
    expect(bad.ok ? 0 : bad.replyCode).toBe(10001);
    const proto = verifyHttpAuthRequest('{"__proto__":{"sign":"x"}}', () => 's');
    expect(proto.ok).toBe(false);
    fc.assert(fc.property(fc.jsonValue(), (v) => { expect(verifyHttpAuthRequest(JSON.stringify(v), () => 's').ok).toBe(false); }), { numRuns: numRuns(200) });
  });

  it('reply round-trips; malformed replies are typed errors', () => {
    expect(parseHttpAuthReply(httpAuthReply({ token: 't1' }))).toEqual({ ok: true, token: 't1' });
    expect(parseHttpAuthReply(httpAuthReply({ code: 40000 }))).toEqual({ ok: false, code: 40000, message: 'request too many' });
    fc.assert(fc.property(fc.string(), (s) => { onlySignError(() => parseHttpAuthReply(s)); }), { numRuns: numRuns(200) });
  });
});
