import { createCipheriv, createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom, utf8Decode, utf8Encode } from '@linkwire/base';
import {
  CoapCode, CoapError, CoapOption, aliyunAesKey, aliyunAuthParams, aliyunAuthRequest, aliyunDecrypt, aliyunEncrypt, aliyunPublisher,
  aliyunSignContent, createAliyunCoapClient, createAliyunCoapServer, createCoapEndpoint, decodeBody, decodeCoap, decryptSeq, encodeBody, encodeCoap, encryptSeq,
  getOption, getUintOption, parseAliyunAuthResponse, pathOptions, uriPath, verifyAliyunSign,
  type AliyunPublish, type AliyunPublishOutcome, type CoapMessage, type CoapResult,
} from '@linkwire/coap';
import { aliyunAuthOptionsArbitrary } from '@linkwire/coap/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const PK = 'a1GFjLP3xxC';
const DN = 'device';
const SECRET = 'deviceSecret0123456789abcdef';

describe('signing (seed §3.3 Table 3-2, PROTOCOL-NOTES "Signing, as real peers do it")', () => {
  it('signs the sorted parameters without sign/signmethod/version/resources', () => {
    // Seed §3.3 symmetric-mode auth example (values as extracted from the PDF).
    expect(aliyunSignContent({
      productKey: 'alNUjcVkHZS', deviceName: 'ffla11e7c08d4b3db2b1500d8e0e55', clientId: 'alNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55',
      sign: 'F9FD53EE0CD010FCA40D14A9FEAB81E0', seq: '10',
    })).toBe('clientIdalNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55deviceNameffla11e7c08d4b3db2b1500d8e0e55productKeyalNUjcVkHZSseq10');
    expect(aliyunSignContent({ b: 1, a: 'x', signMethod: 'hmacsha1', version: '1.0', resources: 'r', sign: 's' })).toBe('axb1');
  });

  it('matches the known-good values for hmacmd5 (the default), hmacsha1 and hmacsha256', () => {
    const base = { productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', timestamp: 789 };
    expect(aliyunAuthParams(base)).toEqual({ productKey: 'pk', deviceName: 'device', clientId: '12345', timestamp: '789', sign: '14b198324fe55e1d3c88f2e705e201ee' });
    expect(aliyunAuthParams({ ...base, signMethod: 'hmacsha1' })['sign']).toBe('fafd82a3d602b37fb0fa8b7892f24a477f851a14');
    expect(aliyunAuthParams({ ...base, signMethod: 'hmacsha256' })['sign']).toBe('6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57');
    const p = aliyunAuthParams({ ...base, signMethod: 'hmacsha1' });
    expect(verifyAliyunSign({ ...p, sign: String(p['sign']).toUpperCase() }, 'secret')).toBe(true);
    expect(verifyAliyunSign(p, 'other')).toBe(false);
  });

  it('agrees with node:crypto for any identity, method and seq', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/);
    fc.assert(fc.property(id, id, fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('hmacmd5', 'hmacsha1', 'hmacsha256') as fc.Arbitrary<'hmacmd5'>, fc.nat(), (pk, dn, secret, method, seq) => {
      const p = aliyunAuthParams({ productKey: pk, deviceName: dn, deviceSecret: secret, signMethod: method, seq });
      const content = `clientId${pk}&${dn}deviceName${dn}productKey${pk}seq${seq}`;
      expect(p['sign']).toBe(createHmac(method.slice(4), secret).update(content).digest('hex'));
      expect(verifyAliyunSign(p, secret)).toBe(true);
    }), { numRuns: numRuns(100) });
  });

  it('refuses identities that would break a topic', () => {
    for (const bad of [{ productKey: 'a/b' }, { deviceName: '' }, { deviceName: 'x+' }, { clientId: 'c'.repeat(65) }, { deviceSecret: '' }, { signMethod: 'sha1' as 'hmacsha1' }]) {
      expect(() => aliyunAuthParams({ productKey: PK, deviceName: DN, deviceSecret: SECRET, ...bad })).toThrow(CoapError);
    }
  });
});

describe('symmetric mode crypto (PROTOCOL-NOTES "CoAP symmetric (AES) mode")', () => {
  const nodeKey = (secret: string, random: string) => Buffer.from(createHash('sha256').update(`${secret},${random}`).digest('hex').substring(16, 48), 'hex');
  const nodeEncrypt = (key: Uint8Array, data: Uint8Array) => {
    const c = createCipheriv('aes-128-cbc', key, Buffer.from('543yhjy97ae7fyfg'));
    return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
  };

  it('derives the key and encrypts as node:crypto does', () => {
    // The seed's example random.
    expect(Buffer.from(aliyunAesKey(SECRET, 'ad2b3a5eb51d64f7'))).toEqual(nodeKey(SECRET, 'ad2b3a5eb51d64f7'));
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.stringMatching(/^[0-9a-f]{16}$/), fc.uint8Array({ maxLength: 300 }), (secret, random, data) => {
      const key = aliyunAesKey(secret, random);
      expect(Buffer.from(key)).toEqual(nodeKey(secret, random));
      const c = aliyunEncrypt(key, data);
      expect(c).toEqual(nodeEncrypt(key, data));
      expect(aliyunDecrypt(key, c)).toEqual(data);
    }), { numRuns: numRuns(100) });
  });

  it('rejects tampered ciphertext with a typed error or yields different bytes, never anything else', () => {
    const key = aliyunAesKey(SECRET, 'ad2b3a5eb51d64f7');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, at, flip) => {
      const c = aliyunEncrypt(key, data);
      const t = c.slice();
      t[at % t.length]! ^= flip;
      try {
        expect(aliyunDecrypt(key, t)).not.toEqual(data);
      } catch (e) {
        expect(e).toBeInstanceOf(CoapError);
        expect(['bad_padding']).toContain((e as CoapError).code);
      }
      // The last block carries the padding: tampering there is nearly always caught.
      expect(() => aliyunDecrypt(key, c.subarray(0, c.length - 1))).toThrow(CoapError);
    }), { numRuns: numRuns(200) });
    expect(() => aliyunDecrypt(key, new Uint8Array(0))).toThrow(CoapError);
    expect(() => aliyunEncrypt(new Uint8Array(15), 'x')).toThrow(CoapError);
  });

  it('encrypts the seq as its decimal string and checks it on the way back', () => {
    const key = aliyunAesKey(SECRET, 'ad2b3a5eb51d64f7');
    expect(encryptSeq(key, 10)).toEqual(nodeEncrypt(key, utf8Encode('10')));
    expect(decryptSeq(key, encryptSeq(key, 12345))).toBe(12345);
    expect(() => decryptSeq(key, aliyunEncrypt(key, '12a'))).toThrow(CoapError);
    expect(() => encryptSeq(key, -1)).toThrow(CoapError);
  });
});

describe('payload formats', () => {
  it('round-trips JSON and CBOR and refuses hostile bodies with invalid_payload', () => {
    const v = { token: 'f13102810756432e85dfd351eeb41c04', seqOffset: 1, list: [1, 2.5, null, true, 'x'] };
    expect(decodeBody(encodeBody(v, 'json'), 'json')).toEqual(v);
    expect(decodeBody(encodeBody(v, 'cbor'), 'cbor')).toEqual(v);
    expect(encodeBody({ a: 1 }, 'cbor')).toEqual(Uint8Array.of(0xa1, 0x61, 0x61, 0x01));
    const code = (f: () => unknown) => { try { f(); } catch (e) { expect(e).toBeInstanceOf(CoapError); return (e as CoapError).code; } return undefined; };
    // {"__proto__": 1} in CBOR
    expect(code(() => decodeBody(Uint8Array.of(0xa1, 0x69, ...utf8Encode('__proto__'), 0x01), 'cbor'))).toBe('invalid_payload');
    expect(code(() => decodeBody(new Uint8Array(20000).fill(0x81), 'cbor'))).toBe('invalid_payload');
    expect(code(() => decodeBody(utf8Encode('{"__proto__":{}}'), 'json'))).toBe('invalid_payload');
    expect(code(() => decodeBody(Uint8Array.of(0xc1, 0x00), 'cbor'))).toBe('invalid_payload');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.constantFrom('json', 'cbor') as fc.Arbitrary<'json'>, (bytes, format) => {
      try { decodeBody(bytes, format); } catch (e) { expect(e).toBeInstanceOf(CoapError); }
    }), { numRuns: numRuns(300) });
  });
});

// A device endpoint and a platform endpoint joined by a manual-clock link.
function world(mode: 'dtls' | 'aes', opts: { ackMode?: 1; seed?: number } = {}) {
  const clock = manualClock(1_700_000_000_000);
  const published: AliyunPublish[] = [];
  const server = createAliyunCoapServer({
    mode, random: seededRandom(opts.seed ?? 7), now: () => clock.now(),
    lookupSecret: (pk, dn) => (pk === PK && dn === DN ? SECRET : undefined),
    onPublish: (p) => { published.push(p); return `msg${published.length}`; },
  });
  let device: ReturnType<typeof createCoapEndpoint>;
  const platform = createCoapEndpoint({
    clock, random: seededRandom(2),
    send: (d) => { const c = d.slice(); clock.setTimer(5, () => device.receive(c, 'platform')); },
    onRequest: (x) => {
      if (opts.ackMode === 1) {
        // ackMode 1: ACK at once, answer separately once processed.
        x.accept();
        clock.setTimer(50, () => x.respond(server.handle(x.request)));
      } else x.respond(server.handle(x.request));
    },
  });
  device = createCoapEndpoint({
    clock, random: seededRandom(3),
    send: (d) => { const c = d.slice(); clock.setTimer(5, () => platform.receive(c, 'device')); },
  });
  const call = (req: Parameters<typeof device.request>[0]): CoapMessage => {
    let result: CoapResult | undefined;
    device.request({ ...req, peer: 'platform' }, (r) => { result = r; });
    clock.advance(1000);
    if (result === undefined || !result.ok) throw new Error(`no response: ${JSON.stringify(result)}`);
    return result.response;
  };
  return { clock, server, call, published, device: () => device };
}

describe('Alibaba flows end to end (seed §3.3)', () => {
  for (const [mode, format, ackMode] of [['dtls', 'json', undefined], ['dtls', 'cbor', 1], ['aes', 'json', 1], ['aes', 'cbor', undefined]] as const) {
    it(`${mode} mode, ${format} body${ackMode === 1 ? ', ackMode 1 (separate response)' : ''}: auth then publish`, () => {
      const w = world(mode, { ackMode });
      const authResponse = w.call(aliyunAuthRequest({ productKey: PK, deviceName: DN, deviceSecret: SECRET, format, ...(mode === 'aes' ? { seq: 10 } : {}), ...(ackMode ? { ackMode } : {}) }));
      expect(getUintOption(authResponse, CoapOption.ContentFormat)).toBe(format === 'json' ? 50 : 60);
      const auth = parseAliyunAuthResponse(authResponse);
      if (!auth.ok) throw new Error(`auth refused: ${JSON.stringify(auth)}`);
      expect(auth.token).toMatch(/^[0-9a-f]{32}$/);
      const pub = aliyunPublisher(mode === 'aes'
        ? { token: auth.token, aes: { deviceSecret: SECRET, random: auth.random!, seqOffset: auth.seqOffset! }, format }
        : { token: auth.token, format });
      for (let i = 0; i < 3; i++) {
        const req = pub.publishRequest(`/${PK}/${DN}/pub`, `{"n":${i}}`);
        const res = w.call(req);
        const read = pub.readPublishResponse(res);
        expect(read).toMatchObject({ ok: true, code: CoapCode.Content, messageId: `msg${i + 1}` });
      }
      expect(w.published.map((p) => [p.topic, utf8Decode(p.payload)])).toEqual([0, 1, 2].map((i) => [`/${PK}/${DN}/pub`, `{"n":${i}}`]));
      if (mode === 'aes') expect(pub.seq).toBe(auth.seqOffset! + 3);
    });
  }

  it('the publish request has the seed shape: POST /topic/{topic}, Content-Format, Accept, 2088 (and encrypted 2089)', () => {
    const pub = aliyunPublisher({ token: 'tok', aes: { deviceSecret: SECRET, random: 'ad2b3a5eb51d64f7', seqOffset: 1 } });
    const req = pub.publishRequest(`/${PK}/${DN}/pub`, 'hello');
    const m = decodeCoap(encodeCoap({ type: 'CON', code: req.code, messageId: 1, options: req.options, payload: req.payload }));
    expect(m.options.map((o) => o.number)).toEqual([11, 11, 11, 11, 12, 17, 2088, 2089]);
    expect(uriPath(m)).toBe(`/topic/${PK}/${DN}/pub`);
    const key = aliyunAesKey(SECRET, 'ad2b3a5eb51d64f7');
    expect(decryptSeq(key, getOption(m, CoapOption.AliyunSeq)!)).toBe(2);
    expect(utf8Decode(aliyunDecrypt(key, m.payload))).toBe('hello');
    expect(() => pub.publishRequest('no-slash', 'x')).toThrow(CoapError);
    expect(() => pub.publishRequest('/a/+/b', 'x')).toThrow(CoapError);
  });

  it('answers with the codes of seed Table 3-3', () => {
    const w = world('aes');
    const auth = (extra: object, options: { number: number; value: number }[] = [], payload?: Uint8Array) => w.server.handle(decodeCoap(encodeCoap({
      type: 'CON', code: CoapCode.POST, messageId: 1, options: [...pathOptions('/auth'), ...options],
      payload: payload ?? encodeBody(aliyunAuthParams({ productKey: PK, deviceName: DN, deviceSecret: SECRET, seq: 1, ...extra }), 'json'),
    }))).code;
    expect(auth({})).toBe(CoapCode.Content);
    expect(auth({ deviceSecret: 'wrong' })).toBe(CoapCode.Unauthorized);
    expect(auth({ deviceName: 'unknown' })).toBe(CoapCode.Unauthorized);
    expect(auth({}, [{ number: CoapOption.ContentFormat, value: 42 }])).toBe(CoapCode.UnsupportedContentFormat);
    expect(auth({}, [{ number: CoapOption.Accept, value: 0 }])).toBe(CoapCode.NotAcceptable);
    expect(auth({}, [], utf8Encode('{"productKey":'))).toBe(CoapCode.BadRequest);
    expect(auth({}, [], utf8Encode('{"productKey":"a","deviceName":"b","clientId":"c","sign":"d"}'))).toBe(CoapCode.BadRequest); // no seq in AES mode
    expect(w.server.handle(decodeCoap(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 1, options: pathOptions('/auth') }))).code).toBe(CoapCode.MethodNotAllowed);
    expect(w.server.handle(decodeCoap(encodeCoap({ type: 'CON', code: CoapCode.POST, messageId: 1, options: pathOptions('/other') }))).code).toBe(CoapCode.NotFound);

    const ok = parseAliyunAuthResponse(w.call(aliyunAuthRequest({ productKey: PK, deviceName: DN, deviceSecret: SECRET, seq: 5 })));
    if (!ok.ok) throw new Error('auth failed');
    const key = aliyunAesKey(SECRET, ok.random!);
    const publish = (topic: string, seq: number | undefined, token = ok.token) => w.server.handle(decodeCoap(encodeCoap({
      type: 'CON', code: CoapCode.POST, messageId: 2,
      options: [...pathOptions(`/topic${topic}`), { number: CoapOption.AliyunToken, value: token }, ...(seq === undefined ? [] : [{ number: CoapOption.AliyunSeq, value: encryptSeq(key, seq) }])],
      payload: aliyunEncrypt(key, '{}'),
    }))).code;
    const topic = `/${PK}/${DN}/pub`;
    expect(publish(topic, ok.seqOffset! + 1)).toBe(CoapCode.Content);
    expect(publish(topic, ok.seqOffset! + 1)).toBe(CoapCode.BadRequest); // reused
    expect(publish(topic, ok.seqOffset!)).toBe(CoapCode.BadRequest); // not above seqOffset
    expect(publish(topic, undefined)).toBe(CoapCode.BadRequest);
    expect(publish(topic, ok.seqOffset! + 2, 'nope')).toBe(CoapCode.Unauthorized);
    expect(publish(`/${PK}/other/pub`, ok.seqOffset! + 3)).toBe(CoapCode.Forbidden);
    // Out of order but unused is fine.
    expect(publish(topic, ok.seqOffset! + 9)).toBe(CoapCode.Content);
    expect(publish(topic, ok.seqOffset! + 5)).toBe(CoapCode.Content);
    // Tokens expire (default 48 h).
    w.clock.advance(48 * 3600_000);
    expect(publish(topic, ok.seqOffset! + 20)).toBe(CoapCode.Unauthorized);
  });

  it('reads refusals and malformed auth answers as data', () => {
    const r = (code: number, payload?: string, cf?: number): CoapMessage => decodeCoap(encodeCoap({
      type: 'ACK', code, messageId: 1, options: cf === undefined ? [] : [{ number: CoapOption.ContentFormat, value: cf }], payload,
    }));
    expect(parseAliyunAuthResponse(r(CoapCode.Unauthorized))).toEqual({ ok: false, code: CoapCode.Unauthorized, reason: 'refused' });
    expect(parseAliyunAuthResponse(r(CoapCode.Content, '{"token":""}', 50))).toMatchObject({ ok: false, reason: 'invalid_payload' });
    expect(parseAliyunAuthResponse(r(CoapCode.Content, '[1]', 50))).toMatchObject({ ok: false, reason: 'invalid_payload' });
    // Seed §3.3 response examples.
    expect(parseAliyunAuthResponse(r(CoapCode.Content, '{"token":"f13102810756432e85dfd351eeb41c04"}', 50))).toEqual({ ok: true, token: 'f13102810756432e85dfd351eeb41c04' });
    expect(parseAliyunAuthResponse(r(CoapCode.Content, '{"random":"ad2b3a5eb51d64f7","seqOffset":1,"token":"MZ8m37hp01w1SSqoDFzo0010500d00.ad2b"}')))
      .toEqual({ ok: true, token: 'MZ8m37hp01w1SSqoDFzo0010500d00.ad2b', random: 'ad2b3a5eb51d64f7', seqOffset: 1 });
  });

  it('the server never throws, whatever request arrives', () => {
    const w = world('aes');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...[0, 50, 60, 42]), fc.constantFrom('/auth', '/topic/a/b', '/x'), (payload, cf, path) => {
      const m = decodeCoap(encodeCoap({ type: 'CON', code: CoapCode.POST, messageId: 1, options: [...pathOptions(path), { number: 12, value: cf }, { number: 2088, value: payload.subarray(0, 8) }, { number: 2089, value: payload }], payload }));
      const res = w.server.handle(m);
      expect(res.code >> 5).toBeGreaterThanOrEqual(2);
    }), { numRuns: numRuns(300) });
  });
});

describe('auth round trip for any identity (testing arbitraries)', () => {
  it('the platform side accepts every auth request the device side builds, in JSON and CBOR', () => {
    fc.assert(fc.property(aliyunAuthOptionsArbitrary(), (o) => {
      const server = createAliyunCoapServer({
        mode: 'aes', random: seededRandom(1), now: () => 0, onPublish: () => 'm',
        lookupSecret: (pk, dn) => (pk === o.productKey && dn === o.deviceName ? o.deviceSecret : undefined),
      });
      const req = aliyunAuthRequest({ ...o, seq: o.seq ?? 1 });
      const res = server.handle(decodeCoap(encodeCoap({ type: 'CON', code: req.code, messageId: 1, options: req.options, payload: req.payload })));
      expect(res.code).toBe(CoapCode.Content);
      const wrong = aliyunAuthRequest({ ...o, seq: o.seq ?? 1, deviceSecret: `${o.deviceSecret}x` });
      expect(server.handle(decodeCoap(encodeCoap({ type: 'CON', code: wrong.code, messageId: 2, options: wrong.options, payload: wrong.payload }))).code).toBe(CoapCode.Unauthorized);
    }), { numRuns: numRuns(100) });
  });
});

describe('createAliyunCoapClient', () => {
  const auth = { productKey: PK, deviceName: DN, deviceSecret: SECRET, seq: 1 };
  const topic = `/${PK}/${DN}/pub`;

  for (const mode of ['dtls', 'aes'] as const) {
    it(`${mode}: authenticates on the first publish, queues the rest, and re-authenticates once on 4.01`, () => {
      const w = world(mode);
      const client = createAliyunCoapClient({ endpoint: w.device(), peer: 'platform', mode, auth });
      const outcomes: AliyunPublishOutcome[] = [];
      for (let i = 0; i < 3; i++) client.publish(topic, `{"i":${i}}`, (o) => outcomes.push(o));
      w.clock.advance(5000);
      expect(outcomes.map((o) => o.ok && o.messageId)).toEqual(['msg1', 'msg2', 'msg3']);
      const first = client.token;
      expect(first).toMatch(/^[0-9a-f]{32}$/);
      // The token expires (48 h): the next publish gets 4.01, re-authenticates and succeeds.
      w.clock.advance(48 * 3600_000);
      client.publish(topic, 'later', (o) => outcomes.push(o));
      w.clock.advance(5000);
      expect(outcomes[3]).toMatchObject({ ok: true, messageId: 'msg4' });
      expect(client.token).not.toBe(first);
      expect(utf8Decode(w.published[3]!.payload)).toBe('later');
    });
  }

  it('reports a refused auth to every waiting publish, and refuses bad topics at once', () => {
    const w = world('dtls');
    const client = createAliyunCoapClient({ endpoint: w.device(), peer: 'platform', mode: 'dtls', auth: { ...auth, deviceSecret: 'wrong' }, maxQueued: 2 });
    const outcomes: AliyunPublishOutcome[] = [];
    for (let i = 0; i < 3; i++) client.publish(topic, 'x', (o) => outcomes.push(o));
    w.clock.advance(5000);
    expect(outcomes).toEqual([{ ok: false, error: 'queue_full' }, { ok: false, error: 'auth_refused', code: CoapCode.Unauthorized }, { ok: false, error: 'auth_refused', code: CoapCode.Unauthorized }]);
    expect(() => client.publish('/a/+/b', 'x', () => {})).toThrow(CoapError);
    expect(() => createAliyunCoapClient({ endpoint: w.device(), mode: 'aes', auth: { ...auth, seq: undefined } })).toThrow(CoapError);
  });

  it('a forbidden topic is refused with its code, not retried', () => {
    const w = world('aes');
    const client = createAliyunCoapClient({ endpoint: w.device(), peer: 'platform', mode: 'aes', auth });
    const outcomes: AliyunPublishOutcome[] = [];
    client.publish(`/${PK}/other/pub`, 'x', (o) => outcomes.push(o));
    w.clock.advance(5000);
    expect(outcomes).toEqual([{ ok: false, error: 'refused', code: CoapCode.Forbidden }]);
  });
});
