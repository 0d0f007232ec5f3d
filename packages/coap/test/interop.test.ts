/**
 * Interop over UDP on 127.0.0.1 with real peers, both directions: libcoap's command-line
 * client and server (Debian package libcoap3-bin: coap-client-notls, coap-server-notls) and
 * node-coap (npm `coap`). Node-only: node:dgram, node:child_process, real timers.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import dgram from 'node:dgram';
import * as nodeCoap from 'coap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '@linkwire/base';
import { utf8Decode, utf8Encode } from '@linkwire/base';
import {
  CoapCode, CoapOption, aliyunAesKey, block2Response, blockwiseRequest, createBlock1Receiver, createCoapEndpoint, decodeCoap, encryptSeq, getOption,
  getStringOption, getUintOption, pathOptions, uriPath, type BlockwiseResult, type CoapEndpoint, type CoapEndpointOptions, type CoapMessage,
  type CoapRequestInit, type CoapResult,
} from '@linkwire/coap';

const LIBCOAP = 'Debian package libcoap3-bin (apt-get update && apt-get install -y libcoap3-bin)';
const CLIENT = 'coap-client-notls';
const SERVER = 'coap-server-notls';

const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
const random = (n: number): Uint8Array => webcrypto.getRandomValues(new Uint8Array(n));

interface UdpEndpoint {
  readonly ep: CoapEndpoint;
  readonly port: number;
  readonly received: CoapMessage[];
  close(): Promise<void>;
}

/** The whole Node adapter: a dgram socket feeding an endpoint. */
async function udpEndpoint(options: Partial<CoapEndpointOptions> = {}): Promise<UdpEndpoint> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: CoapMessage[] = [];
  const ep = createCoapEndpoint({
    clock: realClock, random,
    send: (d, peer) => {
      const i = peer.lastIndexOf(':');
      socket.send(d, Number(peer.slice(i + 1)), peer.slice(0, i));
    },
    ...options,
    onRequest: options.onRequest === undefined ? undefined : (x) => {
      received.push({ ...x.request, token: x.request.token.slice(), payload: x.request.payload.slice(), options: x.request.options.map((o) => ({ number: o.number, value: o.value.slice() })) });
      options.onRequest!(x);
    },
  });
  socket.on('message', (msg, rinfo) => ep.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), `${rinfo.address}:${rinfo.port}`));
  const port = (socket.address() as { port: number }).port;
  if (process.env['COAP_INTEROP_DEBUG']) socket.on('message', (msg) => { try { const m = decodeCoap(new Uint8Array(msg)); console.log('RX', m.type, m.code.toString(16), m.options.map((o) => `${o.number}=${Buffer.from(o.value).toString('hex')}`).join(' '), m.payload.length); } catch (e) { console.log('RX bad', e); } });
  return { ep, port, received, close: () => new Promise((resolve) => { ep.close(); socket.close(() => resolve()); }) };
}

function request(ep: CoapEndpoint, init: CoapRequestInit): Promise<CoapResult> {
  return new Promise((resolve) => ep.request(init, resolve));
}

function blockwise(ep: CoapEndpoint, init: CoapRequestInit, szx: number, block2Szx?: number): Promise<BlockwiseResult> {
  return new Promise((resolve) => blockwiseRequest(ep, init, { szx, maxSize: 1 << 20, block2Szx }, resolve));
}

function coapClient(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(CLIENT, ['-B', '5', ...args], { timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null && (error as { code?: unknown }).code === 'ENOENT') reject(new Error(`${CLIENT} is missing: install the ${LIBCOAP}`));
      else if (error !== null && error.killed) reject(new Error(`${CLIENT} ${args.join(' ')} timed out`));
      else resolve({ stdout, stderr });
    });
  });
}

async function freeUdpPort(): Promise<number> {
  // Bind, read the port, release it: coap-server-notls needs a port number up front.
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const text = (m: CoapMessage): string => utf8Decode(m.payload);
const body = (n: number): Uint8Array => utf8Encode(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

describe('libcoap (coap-client-notls, coap-server-notls)', () => {
  beforeAll(() => {
    for (const bin of [CLIENT, SERVER]) {
      // An unknown flag makes either binary print its usage and exit.
      const r = spawnSync(bin, ['-Z'], { encoding: 'utf8', timeout: 5000 });
      if (r.error !== undefined) throw new Error(`${bin} is missing or broken (${r.error.message}): the interop tests need the ${LIBCOAP}`);
    }
  });

  describe('their client → our endpoint', () => {
    let server: UdpEndpoint;
    const store = new Map<string, Uint8Array>();
    beforeAll(async () => {
      const uploads = createBlock1Receiver({ maxSize: 1 << 20, now: () => Date.now(), szx: 6 });
      server = await udpEndpoint({
        onRequest: (x) => {
          const path = uriPath(x.request);
          if (x.request.code === CoapCode.PUT) {
            const o = uploads.receive(x.request, x.peer);
            if (o?.kind === 'respond') return x.respond(o.response);
            store.set(path, (o === undefined ? x.request.payload : o.body).slice());
            return x.respond({ code: CoapCode.Changed, options: o?.options });
          }
          if (x.request.code === CoapCode.GET) {
            const b = store.get(path);
            return x.respond(b === undefined ? { code: CoapCode.NotFound } : block2Response(CoapCode.Content, b, x.request, { szx: 6 }));
          }
          x.respond({ code: CoapCode.Content, options: [{ number: CoapOption.ContentFormat, value: 50 }], payload: `{"echo":${JSON.stringify(text(x.request))}}` });
        },
      });
    });
    afterAll(() => server.close());
    const uri = (path: string) => `coap://127.0.0.1:${server.port}${path}`;

    it('decodes their seed-shaped publish (Content-Format, Accept, 2088) and they decode our answer', async () => {
      const { stdout } = await coapClient(['-m', 'post', '-t', '50', '-A', '50', '-O', '2088,f13102810756432e85dfd351eeb41c04', '-e', '{"n":1}', uri('/topic/a1GFjLP3xxC/device/pub')]);
      const m = server.received.at(-1)!;
      expect(uriPath(m)).toBe('/topic/a1GFjLP3xxC/device/pub');
      expect([getUintOption(m, CoapOption.ContentFormat), getUintOption(m, CoapOption.Accept)]).toEqual([50, 50]);
      expect(getStringOption(m, CoapOption.AliyunToken)).toBe('f13102810756432e85dfd351eeb41c04');
      expect(text(m)).toBe('{"n":1}');
      expect(stdout.trim()).toBe('{"echo":"{\\"n\\":1}"}');
    });

    it('carries an encrypted 2089 seq from their client byte for byte', async () => {
      const seq = encryptSeq(aliyunAesKey('secret', 'ad2b3a5eb51d64f7'), 11);
      await coapClient(['-m', 'post', '-O', `2088,tok`, '-O', `2089,0x${Buffer.from(seq).toString('hex')}`, '-e', 'x', uri('/topic/pk/dn/pub')]);
      expect(getOption(server.received.at(-1)!, CoapOption.AliyunSeq)).toEqual(seq);
    });

    it('takes their Block1 upload and serves it back to them with Block2', async () => {
      const payload = utf8Decode(body(3000));
      await coapClient(['-m', 'put', '-b', '64', '-e', payload, uri('/store/a')]);
      const stored = utf8Decode(store.get('/store/a')!);
      expect([stored.length, stored.slice(0, 80), stored.slice(-80)]).toEqual([payload.length, payload.slice(0, 80), payload.slice(-80)]);
      expect(stored).toBe(payload);
      const puts = server.received.filter((m) => m.code === CoapCode.PUT);
      expect(puts.length).toBeGreaterThan(3);
      const { stdout } = await coapClient(['-b', '128', uri('/store/a')]);
      expect(stdout.trimEnd()).toBe(payload);
      const gets = server.received.filter((m) => m.code === CoapCode.GET);
      expect(gets.length).toBeGreaterThan(3);
    });

    it('answers their unknown critical option with 4.02', async () => {
      const before = server.received.length;
      const { stdout, stderr } = await coapClient(['-v', '6', '-O', '2091,x', uri('/topic/x')]);
      expect(server.received.length).toBe(before);
      // -v 6 makes the client log the response it received.
      expect(`${stdout}${stderr}`).toMatch(/c:4\.02/);
    });
  });

  describe('our endpoint → their server', () => {
    let peer: string;
    let child: ChildProcess;
    let client: UdpEndpoint;
    beforeAll(async () => {
      const port = await freeUdpPort();
      child = spawn(SERVER, ['-A', '127.0.0.1', '-p', String(port), '-v', '0'], { stdio: 'ignore' });
      const spawned = await new Promise<Error | undefined>((resolve) => {
        child.once('error', resolve);
        setTimeout(() => resolve(undefined), 400);
      });
      if (spawned !== undefined) throw new Error(`${SERVER} is missing: install the ${LIBCOAP}`);
      peer = `127.0.0.1:${port}`;
      client = await udpEndpoint();
    });
    afterAll(async () => {
      child?.kill();
      await client?.close();
    });

    it('reads their index resource', async () => {
      const r = await request(client.ep, { code: CoapCode.GET, peer });
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.response.code).toBe(CoapCode.Content);
        expect(text(r.response)).toMatch(/libcoap/);
      }
    });

    it('PUTs with option 2088 (elective, ignored by them) and GETs the value back', async () => {
      const put = await request(client.ep, { code: CoapCode.PUT, peer, options: [...pathOptions('/example_data'), { number: CoapOption.AliyunToken, value: 'tok' }], payload: 'hello from linkwire' });
      expect([CoapCode.Created, CoapCode.Changed]).toContain(put.ok && put.response.code);
      const get = await request(client.ep, { code: CoapCode.GET, peer, options: pathOptions('/example_data') });
      expect(get.ok && text(get.response)).toBe('hello from linkwire');
    });

    it('gets 4.02 for option 2089, a critical option they do not know', async () => {
      const r = await request(client.ep, { code: CoapCode.GET, peer, options: [{ number: CoapOption.AliyunSeq, value: Uint8Array.of(1, 2, 3) }] });
      expect(r.ok && r.response.code).toBe(CoapCode.BadOption);
    });

    it('uploads with Block1 and downloads with Block2', async () => {
      const b = body(5000);
      const put = await blockwise(client.ep, { code: CoapCode.PUT, peer, options: pathOptions('/example_data'), payload: b }, 4);
      expect(put).toMatchObject({ ok: true });
      expect([CoapCode.Created, CoapCode.Changed]).toContain(put.ok && put.response.code);
      // Early negotiation: 64-byte blocks from the first response on.
      const get = await blockwise(client.ep, { code: CoapCode.GET, peer, options: pathOptions('/example_data') }, 2, 2);
      expect(get).toMatchObject({ ok: true, response: { code: CoapCode.Content } });
      if (get.ok) expect(get.response.payload).toEqual(b);
    });
  });
});

describe('node-coap', () => {
  describe('their client → our endpoint', () => {
    let server: UdpEndpoint;
    beforeAll(async () => {
      server = await udpEndpoint({
        onRequest: (x) => {
          if (uriPath(x.request) === '/big') return x.respond(block2Response(CoapCode.Content, body(4000), x.request, { szx: 4 }));
          x.respond({ code: CoapCode.Content, options: [{ number: CoapOption.AliyunMessageId, value: 'msg-1' }], payload: `got ${text(x.request)}` });
        },
      });
    });
    afterAll(() => server.close());

    const nodeRequest = (params: object, payload?: string): Promise<{ code: string; payload: Buffer; options: { name: string | number; value: unknown }[] }> =>
      new Promise((resolve, reject) => {
        const req = nodeCoap.request({ hostname: '127.0.0.1', port: server.port, agent: new nodeCoap.Agent({ type: 'udp4' }), ...params });
        req.on('response', (res: { code: string; payload: Buffer; options: { name: string | number; value: unknown }[] }) => resolve(res));
        req.on('error', reject);
        req.on('timeout', () => reject(new Error('node-coap timeout')));
        if (payload !== undefined) req.write(payload);
        req.end();
      });

    it('decodes their POST with 2088/2089 and they read our 2.05 with 2090', async () => {
      const res = await nodeRequest({ method: 'POST', pathname: '/topic/pk/dn/pub', options: { 'Content-Format': 'application/json', 2088: Buffer.from('tok'), 2089: Buffer.from([1, 2, 3]) } }, '{"a":1}');
      const m = server.received.at(-1)!;
      expect(uriPath(m)).toBe('/topic/pk/dn/pub');
      expect(getUintOption(m, CoapOption.ContentFormat)).toBe(50);
      expect(getStringOption(m, CoapOption.AliyunToken)).toBe('tok');
      expect(getOption(m, CoapOption.AliyunSeq)).toEqual(Uint8Array.of(1, 2, 3));
      expect(res.code).toBe('2.05');
      expect(res.payload.toString()).toBe('got {"a":1}');
      expect(res.options.find((o) => String(o.name) === '2090')?.value).toEqual(Buffer.from('msg-1'));
    });

    it('answers their unknown critical option with 4.02', async () => {
      const before = server.received.length;
      const res = await nodeRequest({ method: 'GET', pathname: '/x', options: { 2091: Buffer.from('x') } });
      expect(res.code).toBe('4.02');
      expect(server.received.length).toBe(before);
    });

    it('they follow our Block2 answer to the end', async () => {
      const res = await nodeRequest({ method: 'GET', pathname: '/big' });
      expect(new Uint8Array(res.payload)).toEqual(body(4000));
      expect(server.received.filter((m) => uriPath(m) === '/big').length).toBe(16);
    });
  });

  describe('our endpoint → their server', () => {
    let theirs: nodeCoap.Server;
    let peer: string;
    let client: UdpEndpoint;
    const seen: { url: string; options: { name: string | number; value: unknown }[]; payload: Buffer }[] = [];
    beforeAll(async () => {
      theirs = nodeCoap.createServer({ type: 'udp4' });
      theirs.on('request', (req: { url: string; options: { name: string | number; value: unknown }[]; payload: Buffer }, res: { code: string; setOption(n: string, v: unknown): void; end(p?: string | Buffer): void }) => {
        seen.push({ url: req.url, options: req.options, payload: req.payload });
        if (req.url === '/big') {
          res.end(Buffer.from(body(3000)));
          return;
        }
        res.code = '2.05';
        res.setOption('2090', Buffer.from('mid-7'));
        res.end(`ok ${req.payload.toString()}`);
      });
      await new Promise<void>((resolve) => theirs.listen(0, '127.0.0.1', () => resolve()));
      peer = `127.0.0.1:${(theirs as unknown as { _sock: dgram.Socket })._sock.address().port}`;
      client = await udpEndpoint();
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => theirs.close(() => resolve()));
      await client.close();
    });

    it('they decode our seed-shaped publish with 2088 and 2089; we read their 2090', async () => {
      const r = await request(client.ep, {
        code: CoapCode.POST, peer,
        options: [...pathOptions('/topic/a1GFjLP3xxC/device/pub'), { number: CoapOption.ContentFormat, value: 50 }, { number: CoapOption.Accept, value: 50 }, { number: CoapOption.AliyunToken, value: 'tok' }, { number: CoapOption.AliyunSeq, value: Uint8Array.of(9, 9) }],
        payload: '{"n":2}',
      });
      const s = seen.at(-1)!;
      expect(s.url).toBe('/topic/a1GFjLP3xxC/device/pub');
      expect(s.payload.toString()).toBe('{"n":2}');
      expect(s.options.find((o) => String(o.name) === '2088')?.value).toEqual(Buffer.from('tok'));
      expect(s.options.find((o) => String(o.name) === '2089')?.value).toEqual(Buffer.from([9, 9]));
      expect(r.ok && r.response.code).toBe(CoapCode.Content);
      if (r.ok) {
        expect(text(r.response)).toBe('ok {"n":2}');
        expect(getStringOption(r.response, CoapOption.AliyunMessageId)).toBe('mid-7');
      }
    });

    it('we follow their Block2 answer to the end', async () => {
      const r = await blockwise(client.ep, { code: CoapCode.GET, peer, options: pathOptions('/big') }, 6);
      expect(r.ok && r.response.payload).toEqual(body(3000));
    });
  });
});
