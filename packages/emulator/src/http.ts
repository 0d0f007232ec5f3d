import { OptionError, optionsRecord, requiredFunction } from '@linkwire/base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  deviceNameAuthReply, httpAuthReply, registerDeviceReply, verifyDeviceNameAuthRequest, verifyHttpAuthRequest, verifyRegisterDeviceRequest,
} from '@linkwire/sign';
import { ownsTopic, type DeviceRegistry } from './devices.ts';

/** A product the platform knows, with the secret dynamic registration is signed with. */
export interface EmulatorProduct {
  readonly productKey: string;
  readonly productSecret: string;
}

export interface HttpAuthDeps {
  readonly registry: DeviceRegistry;
  readonly productSecret: (productKey: string) => string | undefined;
  readonly now: () => number;
  /** Publishes a message a device sent over HTTPS into the broker. */
  readonly publish: (topic: string, payload: Uint8Array) => Promise<void>;
  /** iotId → iotToken for CONNECTs after `/auth/devicename`. */
  readonly iotTokens: Map<string, { readonly productKey: string; readonly deviceName: string; readonly iotToken: string }>;
  /** Where `/auth/devicename` tells devices to connect. */
  readonly mqttEndpoint: () => { host: string; port: number };
}

const MAX_BODY = 256 * 1024;
// HTTPS transport tokens live 48 hours on the platform; the emulator keeps the same rule.
const TOKEN_TTL_MS = 48 * 3600 * 1000;

function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The platform's HTTPS endpoints (seed §3.2 dynamic registration, §3.4 HTTP transport, and
 * MQTT-over-HTTPS auth), served over plain HTTP on loopback: `/auth/register/device`,
 * `/auth/devicename`, `/auth` and `/topic/{topic}`. Every signature is checked with the
 * platform-side verifiers of @linkwire/sign.
 */
export function createHttpAuthHandler(deps: HttpAuthDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const o = optionsRecord('deps', deps ?? null);
  const registry = o['registry'] as DeviceRegistry | undefined;
  if (typeof registry !== 'object' || registry === null || typeof registry.secret !== 'function') throw new OptionError('registry', 'a DeviceRegistry', registry);
  for (const f of ['productSecret', 'now', 'publish', 'mqttEndpoint'] as const) requiredFunction(f, o[f]);
  if (!(o['iotTokens'] instanceof Map)) throw new OptionError('iotTokens', 'a Map', o['iotTokens']);
  const tokens = new Map<string, { productKey: string; deviceName: string; expires: number }>();
  const json = (res: ServerResponse, body: string, status = 200): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  };
  let messageId = 1;

  return (req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      if (req.method !== 'POST') return json(res, JSON.stringify({ code: 10001, message: 'param error' }), 405);
      const body = await readBody(req);
      if (body === undefined) return json(res, JSON.stringify({ code: 10001, message: 'param error' }), 413);
      const text = Buffer.from(body).toString('utf8');
      const now = deps.now();

      if (url === '/auth/register/device') {
        const v = verifyRegisterDeviceRequest(text, deps.productSecret, { now });
        if (!v.ok) {
          return json(res, registerDeviceReply({ code: 6250, message: v.reason }));
        }
        const device = { productKey: v.productKey, deviceName: v.deviceName, deviceSecret: randomBytes(16).toString('hex') };
        deps.registry.add(device);
        return json(res, registerDeviceReply(device));
      }
      if (url === '/auth/devicename') {
        const v = verifyDeviceNameAuthRequest(text, deps.registry.secret, { now });
        if (!v.ok) return json(res, deviceNameAuthReply({ code: v.replyCode }));
        const iotId = randomBytes(10).toString('hex');
        const iotToken = randomBytes(16).toString('hex');
        deps.iotTokens.set(iotId, { productKey: v.productKey, deviceName: v.deviceName, iotToken });
        const mqtt = v.resources.includes('mqtt') ? { mqtt: deps.mqttEndpoint() } : {};
        return json(res, deviceNameAuthReply({ iotId, iotToken, ...mqtt }));
      }
      if (url === '/auth') {
        const v = verifyHttpAuthRequest(body, deps.registry.secret, { now });
        if (!v.ok) return json(res, httpAuthReply({ code: v.replyCode }));
        const token = randomBytes(16).toString('hex');
        tokens.set(token, { productKey: v.productKey, deviceName: v.deviceName, expires: now + TOKEN_TTL_MS });
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
        const topic = decodeURI(url.slice('/topic'.length));
        if (url.includes('?') || !ownsTopic(who.productKey, who.deviceName, topic)) return json(res, JSON.stringify({ code: 10001, message: 'param error' }));
        try {
          await deps.publish(topic, body);
        } catch {
          return json(res, JSON.stringify({ code: 30001, message: 'publish message error' }));
        }
        // The seed's messageId is a 64-bit number; a counter keeps it exact in JSON.
        return json(res, JSON.stringify({ code: 0, message: 'success', info: { messageId: messageId++ } }));
      }
      json(res, JSON.stringify({ code: 10001, message: 'param error' }), 404);
    })().catch(() => {
      if (!res.headersSent) json(res, JSON.stringify({ code: 10000, message: 'common error' }), 500);
    });
  };
}
