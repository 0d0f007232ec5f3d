import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineBatchLoginParams, combineBatchLogoutParams, combineLoginParams, combineLogoutParams, proxyProvisioningParams, subRegisterParams,
  topoAddEntry, verifyCombineBatchLogin, verifyCombineLogin, verifyProxyProvisioning, verifyTopoAddEntry,
} from '@linkwire/sign';
import { clientId, deviceName, productKey, random, secret, signMethod, timestamp } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { fieldOf } from './support.ts';

const sub = fc.record({ productKey: productKey(), deviceName: deviceName(), deviceSecret: secret(), clientId: clientId(), timestamp: timestamp(), signMethod: signMethod() });
const hmac = (m: string, k: string, s: string) => createHmac(m.toLowerCase().slice(4), k).update(s).digest('hex');

describe('sub-device flows (seed §9.2-9.4, PROTOCOL-NOTES.md)', () => {
  it('topo add entries sign clientId/deviceName/productKey/timestamp and verify', () => {
    fc.assert(fc.property(sub, (o) => {
      const e = topoAddEntry(o);
      expect(e.sign).toBe(hmac(o.signMethod, o.deviceSecret, `clientId${o.clientId}deviceName${o.deviceName}productKey${o.productKey}timestamp${o.timestamp}`));
      expect(verifyTopoAddEntry(e, () => o.deviceSecret).ok).toBe(true);
      expect(verifyTopoAddEntry({ ...e, timestamp: `${e.timestamp}0` }, () => o.deviceSecret).ok).toBe(false);
      expect(verifyTopoAddEntry(e, () => `${o.deviceSecret}0`).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('combine.login: every cleanSession form verifies under "either"; a flipped cleanSession fails only when it is signed', () => {
    fc.assert(fc.property(sub, fc.boolean(), fc.constantFrom('signed' as const, 'unsigned' as const, 'omitted' as const), (o, cs, form) => {
      const p = combineLoginParams({ ...o, cleanSession: cs, cleanSessionForm: form });
      expect(p.signMethod).toBe(o.signMethod);
      expect(verifyCombineLogin(p, () => o.deviceSecret).ok).toBe(true);
      if (form !== 'omitted') {
        const flipped = { ...p, cleanSession: cs ? 'false' : 'true' };
        expect(verifyCombineLogin(flipped, () => o.deviceSecret, { cleanSession: 'signed' }).ok).toBe(false);
        expect(verifyCombineLogin(p, () => o.deviceSecret, { cleanSession: form }).ok).toBe(true);
      }
      expect(verifyCombineLogin({ ...p, deviceName: `${p.deviceName}x`.slice(0, 32) === p.deviceName ? 'other' : `${p.deviceName}x` }, () => o.deviceSecret).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('batch login: one method, per-device results in order', () => {
    fc.assert(fc.property(fc.uniqueArray(sub, { minLength: 1, maxLength: 6, selector: (d) => `${d.productKey}/${d.deviceName}` }), signMethod(), (devices, m) => {
      const p = combineBatchLoginParams({ devices, signMethod: m });
      expect(p.deviceList).toHaveLength(devices.length);
      const secrets = new Map(devices.map((d) => [`${d.productKey}/${d.deviceName}`, d.deviceSecret]));
      const v = verifyCombineBatchLogin(JSON.parse(JSON.stringify(p)), (pk, dn) => secrets.get(`${pk}/${dn}`));
      expect(v.ok && v.devices.every((d) => d.ok)).toBe(true);
      const broken = { ...p, deviceList: p.deviceList.map((d, i) => (i === 0 ? { ...d, sign: d.sign.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : d)) };
      const w = verifyCombineBatchLogin(broken, (pk, dn) => secrets.get(`${pk}/${dn}`));
      expect(w.ok && w.devices.map((d) => d.ok)).toEqual(devices.map((_, i) => i !== 0));
    }), { numRuns: numRuns(100) });
  });

  it('proxy provisioning signs each entry with its product secret', () => {
    fc.assert(fc.property(fc.array(fc.record({ productKey: productKey(), deviceName: deviceName(), productSecret: secret(), random: random(), signMethod: signMethod() }), { minLength: 1, maxLength: 4 }), (ds) => {
      const p = proxyProvisioningParams(ds);
      p.proxieds.forEach((e, i) => expect(e.sign).toBe(hmac(ds[i]!.signMethod, ds[i]!.productSecret, `deviceName${ds[i]!.deviceName}productKey${ds[i]!.productKey}random${ds[i]!.random}`)));
      const secrets = new Map(ds.map((d) => [d.productKey, d.productSecret]));
      const v = verifyProxyProvisioning(p, (pk) => secrets.get(pk));
      // Two entries of one product with different secrets cannot both verify: compare per entry.
      expect(v.ok && v.devices.map((d) => d.ok)).toEqual(ds.map((d) => secrets.get(d.productKey) === d.productSecret));
    }), { numRuns: numRuns(100) });
  });

  it('unsigned params and malformed inputs', () => {
    expect(subRegisterParams([{ productKey: 'pk', deviceName: 'device1' }])).toEqual([{ productKey: 'pk', deviceName: 'device1' }]);
    expect(combineLogoutParams({ productKey: 'pk', deviceName: 'device1' })).toEqual({ productKey: 'pk', deviceName: 'device1' });
    expect(combineBatchLogoutParams([{ productKey: 'pk', deviceName: 'device1' }])).toHaveLength(1);
    expect(fieldOf(() => subRegisterParams([{ productKey: 'pk', deviceName: 'a/b/c' }]))).toBe('deviceName');
    expect(fieldOf(() => combineLoginParams({ productKey: 'pk', deviceName: 'device1', deviceSecret: 's', timestamp: '' }))).toBe('timestamp');
    expect(fieldOf(() => combineBatchLoginParams({ devices: [] }))).toBe('devices');
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(verifyCombineLogin(v, () => 's').ok).toBe(false);
      expect(verifyTopoAddEntry(v, () => 's').ok).toBe(false);
      const batch = verifyCombineBatchLogin(v, () => 's');
      expect(batch.ok && batch.devices.some((d) => d.ok)).toBe(false);
      const proxy = verifyProxyProvisioning(v, () => 's');
      expect(proxy.ok && proxy.devices.some((d) => d.ok)).toBe(false);
    }), { numRuns: numRuns(200) });
  });
});
