import { enumOption, functionOption, integerOption, numberOption, optionsRecord, requiredFunction, requiredOption, toHex, type JsonValue, type Random } from '@linkwire/base';
import { aliyunAesKey, aliyunDecrypt, decryptSeq } from './aes.ts';
import { verifyAliyunSign } from './aliyun.ts';
import { CoapCode } from './codes.ts';
import { ContentFormat, decodeBody, encodeBody, formatOf, type AliyunFormat } from './content.ts';
import type { CoapResponseInit } from './endpoint.ts';
import { CoapError } from './errors.ts';
import { getOption, getUintOption, uriPathSegments, type CoapMessage } from './message.ts';
import { CoapOption, decodeOptionString } from './options.ts';

/** A device publish the server accepted. */
export interface AliyunPublish {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  /** The topic, with its leading `/` (`/a1GFjLP3xxC/device/pub`). */
  readonly topic: string;
  /** Decrypted in symmetric mode; a copy, safe to keep. */
  readonly payload: Uint8Array;
  readonly contentFormat: number | undefined;
}

export interface AliyunCoapServerOptions {
  /** DTLS (port 5684, the transport is already secure) or symmetric AES (port 5682). */
  readonly mode: 'dtls' | 'aes';
  /** The device secret of a registered device, or undefined. */
  lookupSecret(productKey: string, deviceName: string): string | undefined;
  readonly random: Random;
  /** Current time in ms, for token expiry. */
  now(): number;
  /** Takes an accepted publish; returns the message id sent back in option 2090. */
  onPublish(publish: AliyunPublish): string;
  /** Whether a device may publish to a topic; default: the topic starts with `/{pk}/{dn}/`. */
  canPublish?(productKey: string, deviceName: string, topic: string): boolean;
  /** Sessions kept at most (the oldest is dropped). Default 10 000. */
  readonly maxSessions?: number;
  /** Token lifetime in ms. Default 48 hours. */
  readonly tokenLifetime?: number;
  /** Remembered seq numbers per symmetric session, beyond which only larger ones pass. Default 1024. */
  readonly seqWindow?: number;
}

/** The platform side of the seed §3.3 flows: answers /auth and /topic/… requests. */
export interface AliyunCoapServer {
  /** The response to a request (for `CoapExchange.respond`). Never throws. */
  handle(request: CoapMessage): CoapResponseInit;
  /** Live sessions, for tests and monitoring. */
  sessions(): number;
}

interface Session {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  readonly expires: number;
  readonly key: Uint8Array | undefined;
  readonly seqOffset: number;
  readonly used: Set<number>;
  /** Every seq at or below this was used or has aged out of `used`. */
  floor: number;
}

const AUTH_LIMITS = { maxBytes: 2048, maxDepth: 4 };
const status = (code: number): CoapResponseInit => ({ code });

/**
 * Creates the server side of Alibaba's CoAP auth and publish (seed §3.3), for an emulator:
 * response codes follow the seed's Table 3-3 (4.00 bad payload, 4.01 bad sign or token, 4.03
 * topic not allowed, 4.04 path, 4.05 method, 4.06 Accept, 4.15 Content-Format, 5.00 internal).
 * In symmetric mode the auth answer carries `random` and `seqOffset`, and each publish must
 * carry an encrypted seq above seqOffset that the session has not seen.
 *
 * @example
 * const server = createAliyunCoapServer({ mode: 'aes', lookupSecret, random, now: clock.now, onPublish });
 * createCoapEndpoint({ clock, random, send, onRequest: (x) => x.respond(server.handle(x.request)) });
 */
export function createAliyunCoapServer(options: AliyunCoapServerOptions): AliyunCoapServer {
  // Checked once here: the eviction loop below runs while the session count exceeds
  // maxSessions, so a maxSessions of 0, -0 or false used to hang the first authentication.
  const o = optionsRecord('options', options ?? null);
  enumOption('mode', requiredOption('mode', o['mode']), ['dtls', 'aes'] as const);
  for (const f of ['lookupSecret', 'random', 'now', 'onPublish'] as const) requiredFunction(f, o[f]);
  const maxSessions = integerOption('maxSessions', o['maxSessions'], 10_000, 1);
  const lifetime = numberOption('tokenLifetime', o['tokenLifetime'], 48 * 3600_000, 1, Number.MAX_SAFE_INTEGER);
  const seqWindow = integerOption('seqWindow', o['seqWindow'], 1024, 1, 1 << 20);
  const canPublish = functionOption<(pk: string, dn: string, topic: string) => boolean>('canPublish', o['canPublish']) ?? ((pk: string, dn: string, topic: string) => topic.startsWith(`/${pk}/${dn}/`));
  const sessions = new Map<string, Session>();

  const negotiate = (request: CoapMessage): { body: AliyunFormat; reply: AliyunFormat } | CoapResponseInit => {
    const cf = getUintOption(request, CoapOption.ContentFormat);
    const accept = getUintOption(request, CoapOption.Accept);
    const body = cf === undefined ? 'json' : formatOf(cf);
    if (body === undefined) return status(CoapCode.UnsupportedContentFormat);
    const reply = accept === undefined ? body : formatOf(accept);
    if (reply === undefined) return status(CoapCode.NotAcceptable);
    return { body, reply };
  };

  const auth = (request: CoapMessage): CoapResponseInit => {
    const formats = negotiate(request);
    if ('code' in formats) return formats;
    let body: JsonValue;
    try {
      body = decodeBody(request.payload, formats.body, AUTH_LIMITS);
    } catch {
      return status(CoapCode.BadRequest);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return status(CoapCode.BadRequest);
    const params: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(body)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return status(CoapCode.BadRequest);
      params[k] = v;
    }
    const { productKey, deviceName, clientId, sign, seq } = params;
    if (typeof productKey !== 'string' || typeof deviceName !== 'string' || typeof clientId !== 'string' || typeof sign !== 'string') return status(CoapCode.BadRequest);
    if (clientId.length === 0 || clientId.length > 64) return status(CoapCode.BadRequest);
    if (options.mode === 'aes' && seq === undefined) return status(CoapCode.BadRequest);
    const secret = options.lookupSecret(productKey, deviceName);
    if (secret === undefined || !verifyAliyunSign(params, secret)) return status(CoapCode.Unauthorized);
    const token = toHex(options.random(16));
    const answer: Record<string, string | number> = { token };
    let key: Uint8Array | undefined;
    let seqOffset = 0;
    if (options.mode === 'aes') {
      const r = options.random(10);
      answer['random'] = toHex(r.subarray(0, 8));
      seqOffset = 1 + ((((r[8] ?? 0) << 8) | (r[9] ?? 0)) % 1000);
      answer['seqOffset'] = seqOffset;
      key = aliyunAesKey(secret, answer['random']);
    }
    // Map order is insertion order: the first entry is the oldest session.
    while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
    sessions.set(token, { productKey, deviceName, clientId, expires: options.now() + lifetime, key, seqOffset, used: new Set(), floor: seqOffset });
    return {
      code: CoapCode.Content,
      options: [{ number: CoapOption.ContentFormat, value: ContentFormat[formats.reply] }],
      payload: encodeBody(answer, formats.reply),
    };
  };

  const publish = (request: CoapMessage, topic: string): CoapResponseInit => {
    const accept = getUintOption(request, CoapOption.Accept);
    if (accept !== undefined && formatOf(accept) === undefined) return status(CoapCode.NotAcceptable);
    const tokenValue = getOption(request, CoapOption.AliyunToken);
    const session = tokenValue === undefined ? undefined : sessions.get(decodeOptionString(tokenValue));
    if (session === undefined) return status(CoapCode.Unauthorized);
    if (session.expires <= options.now()) {
      sessions.delete(decodeOptionString(tokenValue!));
      return status(CoapCode.Unauthorized);
    }
    if (!canPublish(session.productKey, session.deviceName, topic)) return status(CoapCode.Forbidden);
    let payload: Uint8Array = request.payload.slice();
    if (session.key !== undefined) {
      const seqValue = getOption(request, CoapOption.AliyunSeq);
      if (seqValue === undefined) return status(CoapCode.BadRequest);
      let seq: number;
      try {
        seq = decryptSeq(session.key, seqValue);
        payload = payload.length === 0 ? payload : aliyunDecrypt(session.key, payload);
      } catch {
        return status(CoapCode.BadRequest);
      }
      if (seq <= session.floor || session.used.has(seq)) return status(CoapCode.BadRequest);
      session.used.add(seq);
      if (session.used.size > seqWindow) {
        // Forget the smallest remembered seq and refuse everything at or below it from now on.
        let min = Infinity;
        for (const s of session.used) if (s < min) min = s;
        session.used.delete(min);
        session.floor = min;
      }
    }
    const messageId = options.onPublish({
      productKey: session.productKey, deviceName: session.deviceName, clientId: session.clientId, topic, payload,
      contentFormat: getUintOption(request, CoapOption.ContentFormat),
    });
    return { code: CoapCode.Content, options: [{ number: CoapOption.AliyunMessageId, value: messageId }] };
  };

  return {
    handle(request) {
      try {
        const segments = uriPathSegments(request);
        const isAuth = segments.length === 1 && segments[0] === 'auth';
        const isTopic = segments.length >= 2 && segments[0] === 'topic' && segments.slice(1).every((s) => s !== '');
        if (!isAuth && !isTopic) return status(CoapCode.NotFound);
        if (request.code !== CoapCode.POST) return status(CoapCode.MethodNotAllowed);
        return isAuth ? auth(request) : publish(request, '/' + segments.slice(1).join('/'));
      } catch (e) {
        // A malformed option value (not UTF-8, say) is the client's fault; anything else is ours.
        return status(e instanceof CoapError ? CoapCode.BadRequest : CoapCode.InternalServerError);
      }
    },
    sessions: () => sessions.size,
  };
}
