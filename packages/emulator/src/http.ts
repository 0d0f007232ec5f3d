import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  deviceNameAuthReply, httpAuthReply, registerDeviceReply, verifyDeviceNameAuthRequest, verifyHttpAuthRequest, verifyRegisterDeviceRequest,
} from '@linkwire/sign';
import { issueSecret, register, type IssuedToken } from './auth.ts';
import type { DeviceRecord, DeviceRegistry } from './devices.ts';
import type { ProductRegistry } from './products.ts';

export type { EmulatorProduct } from './products.ts';

export interface HttpAuthDeps {
  readonly devices: DeviceRegistry;
  readonly products: ProductRegistry;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  readonly timestampWindowMs: number;
  /** A message a device sent over HTTPS: `allow` when it was taken, `deny` when the topic is not the device's. */
  readonly publish: (device: DeviceRecord, topic: string, payload: Uint8Array) => 'allow' | 'deny';
  /** iotId → iotToken for CONNECTs after `/auth/devicename`. */
  readonly iotTokens: Map<string, IssuedToken>;
  /** Where `/auth/devicename` tells devices to connect. */
  readonly mqttEndpoint: () => { host: string; port: number };
  /** Firmware files by path, served with Range support. */
  readonly download: (path: string) => Uint8Array | undefined;
  /** HTTPS transport tokens (token → device, expiry); the handler's own when absent. Shared so that they can be expired on demand. */
  readonly httpTokens?: Map<string, HttpToken>;
}

/** A token `/auth` issued for the HTTPS transport (seed §3.4). */
export interface HttpToken {
  readonly device: DeviceRecord;
  expires: number;
}

// Seed §3.4: a message body is at most 128 KB over HTTPS; requests beyond that are refused unread.
export const MAX_HTTP_BODY = 128 * 1024;
// Seed §3.4: HTTPS transport tokens live 48 hours; §3.1: iotTokens seven days.
const TOKEN_TTL_MS = 48 * 3600 * 1000;
const IOT_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;
// Tokens held at once; the oldest go first (a flood of /auth requests cannot grow memory without bound).
const MAX_TOKENS = 100_000;

function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_HTTP_BODY) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_HTTP_BODY) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', () => resolve(undefined));
  });
}

const bounded = <K, V>(map: Map<K, V>, key: K, value: V): void => {
  if (map.size >= MAX_TOKENS) map.delete(map.keys().next().value as K);
  map.set(key, value);
};

/**
 * The platform's HTTPS endpoints (seed §3.2 dynamic registration, §3.4 HTTP transport, and
 * MQTT-over-HTTPS auth) and the firmware downloads of OTA jobs: `/auth/register/device`,
 * `/auth/devicename`, `/auth`, `/topic/{topic}` and `GET /ota/…` (with `Range`). Every
 * signature is checked with the platform-side verifiers of @linkwire/sign.
 */
export function createHttpAuthHandler(deps: HttpAuthDeps): (req: IncomingMessage, res: ServerResponse) => void {
  // Read leniently: the handler is built before anything checks deps (a bad one fails per request).
  const shared = (deps as Partial<HttpAuthDeps> | null | undefined)?.httpTokens;
  const tokens = shared instanceof Map ? shared : new Map<string, HttpToken>();
  const json = (res: ServerResponse, body: string, status = 200): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  };
  const param = (res: ServerResponse, status = 200): void => json(res, JSON.stringify({ code: 10001, message: 'param error' }), status);
  let messageId = 1;
  const verifyOptions = () => ({ now: deps.now(), windowMs: deps.timestampWindowMs });

  return (req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url.startsWith('/ota/')) return serveFile(req, res, deps.download(url));
      if (req.method !== 'POST') return param(res, 405);
      const body = await readBody(req);
      if (body === undefined) {
        res.setHeader('connection', 'close');
        return param(res, 413);
      }
      const text = Buffer.from(body).toString('utf8');
      const now = deps.now();

      if (url === '/auth/register/device') {
        const v = verifyRegisterDeviceRequest(text, deps.products.registrationSecret, verifyOptions());
        if (!v.ok) return json(res, registerDeviceReply({ code: v.code === 'signature_mismatch' ? 401 : 6250, message: v.reason }));
        const r = register(deps, v.productKey, v.deviceName);
        if (!r.ok) return json(res, registerDeviceReply({ code: r.code, message: r.reason }));
        return json(res, registerDeviceReply({ productKey: r.record.productKey, deviceName: r.record.deviceName, deviceSecret: r.record.secret! }));
      }
      if (url === '/auth/devicename') {
        const v = verifyDeviceNameAuthRequest(text, deps.devices.secret, verifyOptions());
        if (!v.ok) return json(res, deviceNameAuthReply({ code: v.replyCode }));
        const iotId = issueSecret(deps.random).slice(0, 20);
        const iotToken = issueSecret(deps.random);
        bounded(deps.iotTokens, iotId, { productKey: v.productKey, deviceName: v.deviceName, iotToken, expires: now + IOT_TOKEN_TTL_MS });
        const mqtt = v.resources.includes('mqtt') ? { mqtt: deps.mqttEndpoint() } : {};
        return json(res, deviceNameAuthReply({ iotId, iotToken, ...mqtt }));
      }
      if (url === '/auth') {
        const v = verifyHttpAuthRequest(body, deps.devices.secret, verifyOptions());
        if (!v.ok) return json(res, httpAuthReply({ code: v.replyCode }));
        const device = deps.devices.get(v.productKey, v.deviceName)!;
        device.activated = true;
        const token = issueSecret(deps.random);
        bounded(tokens, token, { device, expires: now + TOKEN_TTL_MS });
        return json(res, httpAuthReply({ token }));
      }
      if (url.startsWith('/topic/')) {
        const token = req.headers['password'];
        if (typeof token !== 'string' || token === '') return json(res, JSON.stringify({ code: 20002, message: 'token is null' }));
        const who = tokens.get(token);
        if (who === undefined) return json(res, JSON.stringify({ code: 20003, message: 'check token error' }));
        if (who.expires <= now) {
          tokens.delete(token);
          return json(res, JSON.stringify({ code: 20001, message: 'token is expired' }));
        }
        if (!who.device.enabled) return json(res, JSON.stringify({ code: 20000, message: 'auth check error' }));
        let topic: string;
        try {
          topic = decodeURIComponent(url.slice('/topic'.length));
        } catch {
          return param(res);
        }
        if (url.includes('?') || deps.publish(who.device, topic, body) !== 'allow') return param(res);
        // The seed's messageId is a 64-bit number; a counter keeps it exact in JSON.
        return json(res, JSON.stringify({ code: 0, message: 'success', info: { messageId: messageId++ } }));
      }
      param(res, 404);
    })().catch(() => {
      if (!res.headersSent) json(res, JSON.stringify({ code: 10000, message: 'common error' }), 500);
    });
  };
}

/** A firmware file, whole or the one byte range asked for (RFC 9110 §14: `bytes=a-b`, `bytes=a-`, `bytes=-n`). */
function serveFile(req: IncomingMessage, res: ServerResponse, file: Uint8Array | undefined): void {
  if (file === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  const size = file.length;
  const range = req.headers['range'];
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  if (range === undefined) return void res.writeHead(200, { ...headers, 'content-length': size }).end(file);
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let start = -1;
  let end = size - 1;
  if (m !== null && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '') start = Math.max(0, size - Number(m[2]));
    else {
      start = Number(m[1]);
      if (m[2] !== '') end = Math.min(Number(m[2]), size - 1);
    }
  }
  if (m === null || start < 0 || start >= size || end < start) {
    return void res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
  }
  res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` }).end(file.subarray(start, end + 1));
}
