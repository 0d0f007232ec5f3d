import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  enosApimHeaders, enosApimSignature, enosBatchLoginParams, enosLoginInfo, enosMqttCredentials, enosSign, enosTokenReply, enosTokenRequest,
  enosTopoAddParams, parseEnosTokenReply, verifyEnosApimRequest, verifyEnosBatchLogin, verifyEnosLoginInfo, verifyEnosMqttCredentials,
  verifyEnosTokenRequest,
} from '@linkwire/sign';
import { clientId, enosDeviceKey, enosMqttCredentialsOptions, enosSignMethod, productKey, secret, timestamp } from '@linkwire/sign/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { fieldOf, onlySignError } from './support.ts';

const digest = (m: string, s: string) => createHash(m.toLowerCase().replace(/^hmac/, '')).update(s).digest('hex').toUpperCase();

describe('EnOS CONNECT (PROTOCOL-NOTES.md)', () => {
  it('password is the plain digest of content + secret (node:crypto oracle), uppercase, and verifies', () => {
    fc.assert(fc.property(enosMqttCredentialsOptions(), (o) => {
      const c = enosMqttCredentials(o);
      const content = `clientId${o.deviceKey}deviceKey${o.deviceKey}productKey${o.productKey}timestamp${String(o.timestamp)}`;
      expect(c.password).toBe(digest(o.signMethod!, content + o.deviceSecret!));
      expect(c.clientId).toBe(`${o.deviceKey}|securemode=2,signmethod=${o.signMethod!.toLowerCase()},timestamp=${String(o.timestamp)}|`);
      const secrets = { deviceSecret: (pk: string, dk: string) => (pk === o.productKey && dk === o.deviceKey ? o.deviceSecret : undefined) };
      expect(verifyEnosMqttCredentials(c.clientId, c.username, c.password.toLowerCase(), secrets).ok).toBe(true);
      expect(verifyEnosMqttCredentials(c.clientId, c.username, c.password, { deviceSecret: () => `${o.deviceSecret}0` }).ok).toBe(false);
      expect(verifyEnosMqttCredentials(c.clientId.replace(/timestamp=\d+/, 'timestamp=1'), c.username, c.password, secrets).ok).toBe(false);
      expect(enosMqttCredentials({ ...o, lowercase: true }).password).toBe(c.password.toLowerCase());
    }), { numRuns: numRuns(150) });
  });

  it('mode 3 uses the product secret and verifies with it; mode 2 never falls back to it', () => {
    const c = enosMqttCredentials({ productKey: 'pk', deviceKey: 'dev1', secureMode: 3, productSecret: 'ps', timestamp: 1 });
    expect(c.clientId).toBe('dev1|securemode=3,signmethod=sha256,timestamp=1|');
    expect(verifyEnosMqttCredentials(c.clientId, c.username, c.password, { deviceSecret: () => 'ds', productSecret: () => 'ps' }).ok).toBe(true);
    const m2 = enosMqttCredentials({ productKey: 'pk', deviceKey: 'dev1', deviceSecret: 'ps', timestamp: 1 });
    expect(verifyEnosMqttCredentials(m2.clientId, m2.username, m2.password, { deviceSecret: () => undefined, productSecret: () => 'ps' }).ok).toBe(false);
    expect(fieldOf(() => enosMqttCredentials({ productKey: 'pk', secureMode: 4, productSecret: 'ps', clientId: 'other' }))).toBe('clientId');
    expect(fieldOf(() => enosMqttCredentials({ productKey: 'pk', deviceKey: 'dev1', deviceSecret: 'x', secureMode: 5 as 2 }))).toBe('secureMode');
    expect(fieldOf(() => enosMqttCredentials({ productKey: 'pk', deviceKey: 'dev1', deviceSecret: 'x', signMethod: 'sha512' }))).toBe('signMethod');
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (a, b, p) => {
      expect(verifyEnosMqttCredentials(a, b, p, { deviceSecret: () => 's', productSecret: () => 's' }).ok).toBe(false);
    }), { numRuns: numRuns(200) });
  });
});

describe('EnOS prefix cache (repeated devices)', () => {
  // A small pool of device identities signed over and over with everything else varying: the
  // cached prefix states must never leak between devices, clientIds, products, algorithms or
  // the timestamped and untimestamped forms.
  const pool = fc.constantFrom('dev-a', 'dev-b', 'dev-c', 'd1.x', 'meter_01');
  const login = fc.record({
    deviceKey: pool,
    productKey: fc.constantFrom('pk1', 'pk2'),
    clientId: fc.option(fc.constantFrom('cid-1', 'cid-2'), { nil: undefined }),
    deviceSecret: fc.constantFrom('s1', 'secret-2', 'é-3'),
    timestamp: fc.option(fc.constantFrom('1', '1700000000000', '12345678901234'), { nil: undefined }),
    signMethod: fc.constantFrom('sha256', 'sha1', 'md5', 'hmacSHA256'),
    lowercase: fc.boolean(),
  });
  it('repeated logins give node:crypto\'s digest, whatever changes between them', () => {
    fc.assert(fc.property(fc.array(login, { minLength: 1, maxLength: 30 }), (logins) => {
      for (const o of logins) {
        const c = enosMqttCredentials(o);
        const cid = o.clientId ?? o.deviceKey;
        const content = `clientId${cid}deviceKey${o.deviceKey}productKey${o.productKey}${o.timestamp === undefined ? '' : `timestamp${o.timestamp}`}`;
        const want = digest(o.signMethod, content + o.deviceSecret);
        expect(c.password).toBe(o.lowercase ? want.toLowerCase() : want);
        const info = enosLoginInfo({ productKey: o.productKey, deviceKey: o.deviceKey, deviceSecret: o.deviceSecret, clientId: cid, timestamp: o.timestamp ?? '7', signMethod: o.signMethod });
        expect(info.sign).toBe(digest(o.signMethod, `clientId${cid}deviceKey${o.deviceKey}productKey${o.productKey}timestamp${o.timestamp ?? '7'}${o.deviceSecret}`));
        expect(verifyEnosLoginInfo(info, { deviceSecret: () => o.deviceSecret }).ok).toBe(true);
      }
    }), { numRuns: numRuns(200) });
  });

  it('more devices than the cache holds (4096), three times over: every credential still right', () => {
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 6000; n++) {
        const deviceKey = `device${n}`;
        const c = enosMqttCredentials({ productKey: 'pk', deviceKey, deviceSecret: `s${n}`, timestamp: 1700000000000 + round });
        expect(c.password).toBe(digest('sha256', `clientId${deviceKey}deviceKey${deviceKey}productKeypktimestamp${1700000000000 + round}s${n}`));
      }
    }
  });

  it('a verifier checking one device again and again: right timestamps pass, others fail, each time', () => {
    for (const ts of ['1700000000000', '17', 'ts-é', '1700000000001']) {
      const sign = digest('sha256', `clientIddev-zdeviceKeydev-zproductKeypktimestamp${ts}sec`);
      for (let i = 0; i < 3; i++) {
        const info = { timestamp: ts, productKey: 'pk', deviceKey: 'dev-z', clientId: 'dev-z', signMethod: 'sha256', sign };
        expect(verifyEnosLoginInfo(info, { deviceSecret: () => 'sec' }).ok).toBe(/^\d+$/.test(ts));
        expect(verifyEnosLoginInfo({ ...info, timestamp: `${ts}0` }, { deviceSecret: () => 'sec' }).ok).toBe(false);
      }
    }
  });

  it('a remembered device skips validation only for strings a builder validated, not ones a verifier saw', () => {
    const secretText = 'sec-remembered';
    const bad = { productKey: 'pk', deviceKey: 'dev#1', clientId: 'dev#1', timestamp: '1700000000000' };
    const content = `clientId${bad.clientId}deviceKey${bad.deviceKey}productKey${bad.productKey}timestamp${bad.timestamp}${secretText}`;
    const password = digest('sha256', content);
    for (let i = 0; i < 3; i++) {
      // The verifier parses, and remembers, identifiers no builder accepts.
      expect(verifyEnosMqttCredentials(`${bad.clientId}|securemode=2,signmethod=sha256,timestamp=${bad.timestamp}|`, `${bad.deviceKey}&${bad.productKey}`, password, { deviceSecret: () => secretText }).ok).toBe(true);
      expect(fieldOf(() => enosMqttCredentials({ ...bad, deviceSecret: secretText }))).toBe('deviceKey');
    }
    // A channel login remembered by the builder does not vouch for a device login with the same strings.
    for (let i = 0; i < 3; i++) {
      expect(enosMqttCredentials({ secureMode: 4, productKey: 'pk', productSecret: secretText, timestamp: '17' }).username).toBe('%channel%&pk');
    }
    expect(fieldOf(() => enosMqttCredentials({ secureMode: 2, productKey: 'pk', deviceKey: '%channel%', clientId: 'pk', deviceSecret: secretText, timestamp: '17' }))).toBe('deviceKey');
  });

  it('the PROTOCOL-NOTES vector, signed three times (first login, prefix made, prefix reused)', () => {
    for (let i = 0; i < 3; i++) {
      expect(enosMqttCredentials({ clientId: '123456', deviceKey: 'test', productKey: '654321', timestamp: '1548753362502', deviceSecret: 'abcdefg' }).password)
        .toBe('B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166');
    }
  });
});

const subDevice = fc.record({ productKey: productKey(), deviceKey: enosDeviceKey(), secret: secret(), product: fc.boolean() });

describe('EnOS sub-devices', () => {
  it('login info and topo add verify with the secret their mode names', () => {
    fc.assert(fc.property(subDevice, clientId(), timestamp(), enosSignMethod(), fc.option(fc.boolean(), { nil: undefined }), (d, cid, ts, m, cs) => {
      const o = { productKey: d.productKey, deviceKey: d.deviceKey, clientId: cid, timestamp: ts, signMethod: m, cleanSession: cs, ...(d.product ? { productSecret: d.secret } : { deviceSecret: d.secret }) };
      const info = enosLoginInfo(o);
      expect(info.sign).toBe(digest(m, `clientId${cid}deviceKey${d.deviceKey}productKey${d.productKey}timestamp${ts}${d.secret}`));
      const secrets = d.product ? { deviceSecret: () => undefined, productSecret: () => d.secret } : { deviceSecret: () => d.secret };
      const v = verifyEnosLoginInfo(JSON.parse(JSON.stringify(info)), secrets);
      expect(v.ok && v.secureMode).toBe(d.product ? 3 : 2);
      expect(enosTopoAddParams([o])).toEqual([info]);
      expect(verifyEnosLoginInfo({ ...info, clientId: `${cid}x` }, secrets).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('batch login: one clientId and timestamp, secureMode per device, results in order', () => {
    fc.assert(fc.property(fc.uniqueArray(subDevice, { minLength: 1, maxLength: 5, selector: (d) => `${d.productKey}/${d.deviceKey}` }), clientId(), timestamp(), (ds, cid, ts) => {
      const p = enosBatchLoginParams({ clientId: cid, timestamp: ts, subDevices: ds.map((d) => ({ productKey: d.productKey, deviceKey: d.deviceKey, ...(d.product ? { productSecret: d.secret } : { deviceSecret: d.secret }) })) });
      expect(p.subDevices.map((s) => s.secureMode)).toEqual(ds.map((d) => (d.product ? 3 : 2)));
      const byKey = new Map(ds.map((d) => [`${d.productKey}/${d.deviceKey}`, d]));
      const secrets = {
        deviceSecret: (pk: string, dk: string) => { const d = byKey.get(`${pk}/${dk}`); return d && !d.product ? d.secret : undefined; },
        productSecret: (pk: string) => ds.find((d) => d.product && d.productKey === pk)?.secret,
      };
      const v = verifyEnosBatchLogin(p, secrets);
      expect(v.ok && v.subDevices.map((s) => s.ok)).toEqual(ds.map((d) => !d.product || ds.find((x) => x.product && x.productKey === d.productKey) === d));
    }), { numRuns: numRuns(100) });
  });

  it('refuses both or neither secret, and more than 200 sub-devices', () => {
    expect(fieldOf(() => enosLoginInfo({ productKey: 'pk', deviceKey: 'dev1', timestamp: 1 }))).toBe('deviceSecret');
    expect(fieldOf(() => enosLoginInfo({ productKey: 'pk', deviceKey: 'dev1', timestamp: 1, deviceSecret: 'a', productSecret: 'b' }))).toBe('productSecret');
    const many = Array.from({ length: 201 }, (_, i) => ({ productKey: 'pk', deviceKey: `dev${i}`, deviceSecret: 's' }));
    expect(fieldOf(() => enosBatchLoginParams({ clientId: 'c', timestamp: 1, subDevices: many }))).toBe('subDevices');
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(verifyEnosLoginInfo(v, { deviceSecret: () => 's' }).ok).toBe(false);
      const b = verifyEnosBatchLogin(v, { deviceSecret: () => 's' });
      expect(b.ok && b.subDevices.some((s) => s.ok)).toBe(false);
    }), { numRuns: numRuns(200) });
  });
});

describe('EnOS REST (API gateway v2)', () => {
  it('token encryption is sha256(appKey + timestamp + appSecret) and verifies within the window', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.integer({ min: 1e12, max: 2e12 }), (k, s, ts) => {
      const req = enosTokenRequest({ appKey: k, appSecret: s, timestamp: ts });
      const body = JSON.parse(req.body) as { encryption: string };
      expect(body.encryption).toBe(createHash('sha256').update(k + ts + s).digest('hex'));
      expect(verifyEnosTokenRequest(req.body, () => s, { now: ts }).ok).toBe(true);
      expect(verifyEnosTokenRequest(req.body, () => s, { now: ts + 16 * 60_000 }).ok).toBe(false);
      expect(verifyEnosTokenRequest(req.body, () => `${s}x`).ok).toBe(false);
    }), { numRuns: numRuns(150) });
    expect(parseEnosTokenReply(enosTokenReply({ accessToken: 'at' }))).toEqual({ accessToken: 'at', expire: 7200 });
    fc.assert(fc.property(fc.string(), (s) => { onlySignError(() => parseEnosTokenReply(s)); }), { numRuns: numRuns(200) });
  });

  const queryRecord = fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/), fc.string({ unit: 'grapheme', maxLength: 16 }), { maxKeys: 6 });

  it('apim-signature: sorted decoded query + exact body; a query string and a record agree; any change fails', () => {
    fc.assert(fc.property(queryRecord, fc.string({ unit: 'grapheme', maxLength: 64 }), fc.integer({ min: 1e12, max: 2e12 }), (q, body, ts) => {
      const qs = new URLSearchParams(q).toString();
      const a = enosApimSignature({ accessToken: 'tok', appSecret: 'sec', timestamp: ts, query: q, body });
      expect(enosApimSignature({ accessToken: 'tok', appSecret: 'sec', timestamp: ts, query: `?${qs}`, body })).toBe(a);
      const sorted = Object.keys(q).sort().map((k) => k + q[k]).join('');
      expect(a).toBe(createHash('sha256').update(`tok${sorted}${body}${ts}sec`).digest('hex'));
      const headers = enosApimHeaders({ accessToken: 'tok', appSecret: 'sec', timestamp: ts, query: q, body });
      const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
      expect(verifyEnosApimRequest({ headers: upper, query: qs, body }, () => 'sec', { now: ts }).ok).toBe(true);
      expect(verifyEnosApimRequest({ headers, query: qs, body: `${body} ` }, () => 'sec').ok).toBe(false);
      expect(verifyEnosApimRequest({ headers, query: `${qs}&zz=1`, body }, () => 'sec').ok).toBe(false);
      expect(verifyEnosApimRequest({ headers, query: qs, body }, () => 'sec', { now: ts + 3_600_000 }).ok).toBe(false);
    }), { numRuns: numRuns(150) });
  });

  it('a repeated query name keeps its values in request order', () => {
    const a = enosApimSignature({ accessToken: 't', appSecret: 's', timestamp: 1, query: 'b=2&a=1&b=1' });
    expect(a).toBe(createHash('sha256').update('ta1b2b11s').digest('hex'));
    expect(enosApimSignature({ accessToken: 't', appSecret: 's', timestamp: 1, query: { b: ['2', '1'], a: '1' } })).toBe(a);
  });
});

describe('enosSign', () => {
  it('is content + secret through the plain digest named by the method', () => {
    expect(enosSign('abc', 'k', 'hmacmd5', false)).toBe(createHash('md5').update('abck').digest('hex'));
    expect(enosSign('abc', 'k', 'SHA1')).toBe(createHash('sha1').update('abck').digest('hex').toUpperCase());
  });
});

describe('EnOS deviceKey rule (EnOS device limitations: 4-64 of letters, digits and -_.)', () => {
  it('accepts 33-64 character keys that the Alibaba deviceName rule refused', () => {
    for (const n of [4, 32, 33, 48, 64]) {
      const deviceKey = 'k'.repeat(n - 2) + '_.';
      expect(enosMqttCredentials({ productKey: 'pk', deviceKey, deviceSecret: 's', timestamp: 1 }).username).toBe(`${deviceKey}&pk`);
      expect(enosLoginInfo({ productKey: 'pk', deviceKey, deviceSecret: 's', timestamp: 1 }).deviceKey).toBe(deviceKey);
    }
  });

  it('refuses keys shorter than 4, longer than 64, or with characters outside the alphabet', () => {
    for (const deviceKey of ['abc', 'k'.repeat(65), 'dev@1', 'dev:1', 'dev 1', 'dév1', 'dev/1', 'dev+1']) {
      expect(fieldOf(() => enosMqttCredentials({ productKey: 'pk', deviceKey, deviceSecret: 's', timestamp: 1 }))).toBe('deviceKey');
    }
  });

  it('every key of the EnOS alphabet signs', () => {
    fc.assert(fc.property(enosDeviceKey(), (deviceKey) => enosMqttCredentials({ productKey: 'pk', deviceKey, deviceSecret: 's', timestamp: 1 }).username === `${deviceKey}&pk`), { numRuns: numRuns(200) });
  });
});
