import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeForm, encodeForm, mqttAuthType, mqttConnwlCredentials, mqttCredentials, mqttRegisterCredentials, mqttRegistrationReply,
  parseMqttRegistrationReply, parseRegisterDeviceReply, registerDeviceReply, registerDeviceRequest, signingKey, verifyMqttConnwl,
  verifyMqttCredentials, verifyMqttRegistration, verifyRegisterDeviceRequest,
} from '@linkwire/sign';
import { deviceName, productKey, random, secret, signMethod } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { fieldOf, onlySignError } from './support.ts';

const reg = fc.record({ productKey: productKey(), deviceName: deviceName(), productSecret: secret(), random: random(), signMethod: signMethod() });
const oracle = (o: { productKey: string; deviceName: string; productSecret: string; random: string; signMethod: string }) =>
  createHmac(o.signMethod.toLowerCase().slice(4), o.productSecret).update(`deviceName${o.deviceName}productKey${o.productKey}random${o.random}`).digest('hex');

describe('dynamic registration over HTTPS (seed §9.2)', () => {
  it('signs with the product secret (node:crypto oracle), verifies, and refuses any change', () => {
    fc.assert(fc.property(reg, fc.constantFrom('productKey', 'deviceName', 'random'), (o, field) => {
      const req = registerDeviceRequest(o);
      const f = decodeForm(req.body);
      expect(f['sign']).toBe(oracle(o));
      expect(f['signMethod']).toBe(o.signMethod);
      const v = verifyRegisterDeviceRequest(req.body, (pk) => (pk === o.productKey ? o.productSecret : undefined));
      expect(v.ok && [v.productKey, v.deviceName, v.random]).toEqual([o.productKey, o.deviceName, o.random]);
      expect(verifyRegisterDeviceRequest(encodeForm({ ...f, [field]: `${f[field]}0` }), () => o.productSecret).ok).toBe(false);
      expect(verifyRegisterDeviceRequest(req.body, () => `${o.productSecret}0`).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('reply round-trips; arbitrary bodies never throw', () => {
    const d = { productKey: 'pk', deviceName: 'device', deviceSecret: 'ds' };
    expect(parseRegisterDeviceReply(registerDeviceReply(d))).toEqual({ ok: true, ...d });
    expect(parseRegisterDeviceReply(registerDeviceReply({ code: 6288, message: 'dynamic register disabled' }))).toEqual({ ok: false, code: 6288, message: 'dynamic register disabled' });
    fc.assert(fc.property(fc.string(), (s) => {
      expect(verifyRegisterDeviceRequest(s, () => 'p').ok).toBe(false);
      onlySignError(() => parseRegisterDeviceReply(s));
    }), { numRuns: numRuns(200) });
  });

  it('names the field at fault', () => {
    const base = { productKey: 'pk', deviceName: 'device', productSecret: 'ps', random: 'r1' };
    expect(fieldOf(() => registerDeviceRequest({ ...base, random: '' }))).toBe('random');
    expect(fieldOf(() => registerDeviceRequest({ ...base, random: 'a,b' }))).toBe('random');
    expect(fieldOf(() => registerDeviceRequest({ ...base, productSecret: '' }))).toBe('productSecret');
    expect(fieldOf(() => registerDeviceRequest({ ...base, signMethod: 'md5' }))).toBe('signMethod');
  });
});

describe('dynamic registration over MQTT (PROTOCOL-NOTES.md)', () => {
  it('register and regnwl credentials verify; their authType is recognised', () => {
    fc.assert(fc.property(reg, fc.constantFrom('register' as const, 'regnwl' as const), (o, mode) => {
      const c = mqttRegisterCredentials({ ...o, mode });
      expect(c.password).toBe(oracle(o));
      expect(mqttAuthType(c.clientId)).toBe(mode);
      const v = verifyMqttRegistration(c.clientId, c.username, c.password, () => o.productSecret);
      expect(v.ok && v.mode).toBe(mode);
      expect(verifyMqttRegistration(c.clientId.replace(`random=${o.random}`, `random=${o.random}9`), c.username, c.password, () => o.productSecret).ok).toBe(false);
      // A registration CONNECT does not pass as a device-secret CONNECT.
      expect(verifyMqttCredentials(c.clientId, c.username, c.password, () => o.productSecret).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('the broker messages round-trip and connwl uses the device token', () => {
    const r1 = mqttRegistrationReply({ mode: 'register', deviceSecret: 'ds' });
    expect(r1.topic).toBe('/ext/register');
    expect(parseMqttRegistrationReply(r1.topic, r1.payload)).toEqual({ mode: 'register', deviceSecret: 'ds' });
    const n = { mode: 'regnwl' as const, clientId: 'c1', productKey: 'pk', deviceName: 'device', deviceToken: 'tok' };
    const r2 = mqttRegistrationReply(n);
    expect(parseMqttRegistrationReply(r2.topic, r2.payload)).toEqual(n);
    const c = mqttConnwlCredentials({ ...n, extra: { _ss: '1' } });
    expect(c).toEqual({ clientId: 'c1|authType=connwl,securemode=-2,_ss=1|', username: 'device&pk', password: 'tok' });
    expect(mqttAuthType(c.clientId)).toBe('connwl');
    expect(verifyMqttConnwl(c.clientId, c.username, c.password, () => 'tok').ok).toBe(true);
    expect(verifyMqttConnwl(c.clientId, c.username, 'TOK', () => 'tok').ok).toBe(false);
    expect(() => parseMqttRegistrationReply('/ext/other', '{}')).toThrow(expect.objectContaining({ code: 'malformed_reply' }));
    fc.assert(fc.property(fc.constantFrom('/ext/register', '/ext/regnwl'), fc.string(), (t, p) => { onlySignError(() => parseMqttRegistrationReply(t, p)); }), { numRuns: numRuns(200) });
  });

  it('recognises a plain device CONNECT and refuses unknown authTypes', () => {
    const c = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 's' });
    expect(mqttAuthType(c.clientId)).toBe('device');
    expect(mqttAuthType('x|authType=other|')).toBeUndefined();
    expect(mqttAuthType('no-bars')).toBe('token');
    expect(mqttAuthType('')).toBeUndefined();
    expect(mqttAuthType('x|y')).toBeUndefined();
  });

  it('a keyed product secret signs a fleet of registrations like the plain secret', () => {
    const key = signingKey('hmacsha256', 'ps');
    for (let i = 0; i < 20; i++) {
      const o = { productKey: 'pk', deviceName: `device${i}`, random: `r${i}`, signMethod: 'hmacsha256' };
      expect(mqttRegisterCredentials({ ...o, productSecret: key })).toEqual(mqttRegisterCredentials({ ...o, productSecret: 'ps' }));
    }
  });
});
