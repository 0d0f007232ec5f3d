import { encodeMessage, formatTopic, requestIds, type AlinkJson, type EventParams, type PropertyParams, type RequestTopicName, type TopicIds } from '@linkwire/alink';
import { parseJson, requiredFunction, stringOption, toHex, utf8Encode, type Clock, type Random } from '@linkwire/base';
import { createAliyunCoapClient, type AliyunSignMethod, type CoapEndpoint } from '@linkwire/coap';
import { HTTP_ERRORS, httpAuthRequest, parseHttpAuthReply, type SignMethod } from '@linkwire/sign';
import type { TslResult, TslValidator } from '@linkwire/tsl';
import { DeviceError, asError } from './errors.ts';
import { clockOption, identityOptions, randomBytes, recordOption, requiredString, responseText } from './options.ts';
import type { FetchLike } from './ota.ts';
import type { DeviceIdentity } from './thing.ts';

/** What the platform answers an upstream message sent over HTTPS or CoAP: its message id. */
export interface Accepted {
  readonly messageId: string | undefined;
}

/**
 * The thing-model API over a transport that only goes up (HTTPS, seed §3.4; CoAP, seed §3.3):
 * the same calls as {@link Thing}, each resolving when the platform accepted the message (there
 * is no downstream channel to carry a reply).
 */
export interface UpstreamThing extends DeviceIdentity {
  postProperties(properties: PropertyParams, options?: { readonly validate?: boolean }): Promise<Accepted>;
  postEvent(eventId: string, value: { readonly [output: string]: AlinkJson }, options?: { readonly time?: number; readonly validate?: boolean }): Promise<Accepted>;
  postPack(params: AlinkJson): Promise<Accepted>;
  postHistory(params: readonly AlinkJson[]): Promise<Accepted>;
  postRaw(payload: Uint8Array): Promise<Accepted>;
  updateTags(tags: { readonly [key: string]: string }): Promise<Accepted>;
  deleteTags(keys: readonly string[]): Promise<Accepted>;
  /** Any topic of the device's own (`/{pk}/{dn}/user/…`, `/sys/{pk}/{dn}/…`). */
  publish(topic: string, payload: Uint8Array | string): Promise<Accepted>;
}

type Send = (topic: string, payload: Uint8Array) => Promise<Accepted>;

function upstreamThing(identity: DeviceIdentity, random: Random, tsl: TslValidator | undefined, send: Send): UpstreamThing {
  const ids: TopicIds = { productKey: identity.productKey, deviceName: identity.deviceName };
  // Ids of messages nobody answers: random, so a restarted device does not repeat its last ones.
  const ids4 = requestIds({ random });
  const nextId = (): string => ids4.next();
  const check = (r: TslResult | undefined, what: string, input: unknown): unknown => {
    if (r === undefined || r.ok) return r?.value ?? input;
    const first = r.issues[0];
    throw new DeviceError('invalid_params', `${what}: ${first === undefined ? 'invalid' : `${first.path} ${first.message}`}`);
  };
  const request = (name: RequestTopicName, topicIds: TopicIds, params: unknown): Promise<Accepted> => {
    try {
      const m = encodeMessage(name, topicIds, { id: nextId(), params } as never);
      return send(m.topic, m.payload);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const guarded = (f: () => Promise<Accepted>): Promise<Accepted> => {
    try {
      return f();
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return {
    ...identity,
    postProperties: (p, o) => guarded(() => request('propertyPost', ids, o?.validate === false ? p : check(tsl?.propertyPost(p), 'property post', p))),
    postEvent: (eventId, value, o) =>
      guarded(() => {
        const params: EventParams = o?.time === undefined ? { value } : { value, time: o.time };
        return request('eventPost', { ...ids, eventId }, o?.validate === false ? params : check(tsl?.eventPost(eventId, params), `event ${eventId}`, params));
      }),
    postPack: (params) => guarded(() => request('propertyPackPost', ids, check(tsl?.propertyPackPost(params), 'pack post', params))),
    postHistory: (params) => guarded(() => request('propertyHistoryPost', ids, check(tsl?.propertyHistoryPost(params), 'history post', params))),
    postRaw: (payload) => guarded(() => send(formatTopic('rawUp', ids), payload)),
    updateTags: (tags) => request('deviceinfoUpdate', ids, Object.keys(tags).map((attrKey) => ({ attrKey, attrValue: tags[attrKey]! }))),
    deleteTags: (keys) => request('deviceinfoDelete', ids, keys.map((attrKey) => ({ attrKey }))),
    publish: (topic, payload) => send(topic, typeof payload === 'string' ? utf8Encode(payload) : payload),
  };
}

export interface HttpsDeviceOptions extends DeviceIdentity {
  readonly deviceSecret: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly fetch: FetchLike;
  /** Default `https://iot-as-http.cn-shanghai.aliyuncs.com` (seed §3.4). */
  readonly baseUrl?: string;
  /** `hmacmd5` or `hmacsha1` (default), as the seed allows for `/auth`. */
  readonly signMethod?: SignMethod;
  readonly clientId?: string;
  readonly tsl?: TslValidator;
}

export interface HttpsDevice extends UpstreamThing {
  /** The token in use, if authenticated. */
  readonly token: string | undefined;
}

const TOKEN_ERRORS = new Set([20001, 20002, 20003]);

/**
 * The HTTPS transport (seed §3.4): `POST /auth` for a token (asked for on the first message and
 * again when the platform says it expired, 20001-20003), then `POST /topic/{topic}` with the
 * token in the `password` header and the payload as the body.
 *
 * @example
 * const d = createHttpsDevice({ productKey, deviceName, deviceSecret, clock, random, fetch });
 * await d.postProperties({ Temperature: 21.5 }); // { messageId: '…' }
 */
export function createHttpsDevice(options: HttpsDeviceOptions): HttpsDevice {
  checkUpstreamOptions('createHttpsDevice options', options);
  requiredFunction('fetch', options.fetch);
  for (const k of ['baseUrl', 'clientId'] as const) stringOption(k, options[k]);
  const base = (options.baseUrl ?? 'https://iot-as-http.cn-shanghai.aliyuncs.com').replace(/\/$/, '');
  const httpFetch = options.fetch;
  let token: string | undefined;
  let authing: Promise<string> | undefined;
  const json = async (res: unknown): Promise<{ code?: unknown; message?: unknown; info?: { messageId?: unknown } }> => {
    const text = await responseText(res, 'the HTTPS endpoint');
    try {
      return parseJson(text, { maxBytes: 65536, maxDepth: 8 }) as never;
    } catch (e) {
      throw new DeviceError('invalid_reply', `the HTTPS endpoint answered with something that is not JSON: ${asError(e).message}`);
    }
  };
  const auth = (): Promise<string> =>
    (authing ??= (async () => {
      const req = httpAuthRequest({
        productKey: options.productKey, deviceName: options.deviceName, deviceSecret: options.deviceSecret, timestamp: options.clock.now(),
        ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }), ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      });
      const res = await httpFetch(`${base}${req.path}`, { method: 'POST', headers: { ...req.headers }, body: req.body });
      const r = parseHttpAuthReply(await responseText(res, '/auth'));
      if (!r.ok) throw new DeviceError('auth_refused', `/auth: ${r.code} ${r.message}`, { replyCode: r.code });
      token = r.token;
      return r.token;
    })().finally(() => (authing = undefined)));

  const send: Send = async (topic, payload) => {
    for (let attempt = 0; ; attempt++) {
      const t = token ?? (await auth());
      const res = await httpFetch(`${base}/topic${encodeURI(topic)}`, { method: 'POST', headers: { password: t, 'Content-Type': 'application/octet-stream' }, body: payload });
      const r = await json(res);
      if (r.code === 0) {
        const id = r.info?.messageId;
        return { messageId: typeof id === 'number' || typeof id === 'string' || typeof id === 'bigint' ? String(id) : undefined };
      }
      const code = typeof r.code === 'number' ? r.code : 10000;
      if (TOKEN_ERRORS.has(code) && attempt === 0) {
        if (token === t) token = undefined; // expired: ask for a new one and send again, once
        continue;
      }
      throw new DeviceError('reply_error', `${topic}: ${code} ${HTTP_ERRORS[code] ?? String(r.message ?? 'error')}`, { replyCode: code, topic });
    }
  };
  const thing = upstreamThing(options, options.random, options.tsl, send);
  return {
    ...thing,
    get token() {
      return token;
    },
  };
}

export interface CoapDeviceOptions extends DeviceIdentity {
  readonly deviceSecret: string;
  readonly clock: Clock;
  readonly random: Random;
  /** A CoAP endpoint over a UDP socket (`openCoapSocket` in @linkwire/node). */
  readonly endpoint: CoapEndpoint;
  /** The platform's peer key on that endpoint. */
  readonly peer: string;
  /** `aes` (port 5682, the payload encrypted with the session key) or `dtls` (the socket must be DTLS). */
  readonly mode: 'aes' | 'dtls';
  readonly signMethod?: AliyunSignMethod;
  readonly tsl?: TslValidator;
}

/**
 * The CoAP transport (seed §3.3): auth on the first message, then each message a confirmable
 * POST to `/topic/{topic}`, AES-encrypted in symmetric mode; a lost token re-authenticates once.
 *
 * @example
 * const d = createCoapDevice({ productKey, deviceName, deviceSecret, clock, random, endpoint, peer, mode: 'aes' });
 * await d.postProperties({ Temperature: 21.5 });
 */
export function createCoapDevice(options: CoapDeviceOptions): UpstreamThing {
  checkUpstreamOptions('createCoapDevice options', options);
  const seq = randomBytes(options.random, 2);
  const client = createAliyunCoapClient({
    endpoint: options.endpoint, peer: options.peer, mode: options.mode,
    auth: {
      productKey: options.productKey, deviceName: options.deviceName, deviceSecret: options.deviceSecret, timestamp: options.clock.now(),
      ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }),
      // The auth seq must grow across sessions: a random start keeps a restarted device ahead.
      ...(options.mode === 'aes' ? { seq: 1 + ((seq[0]! << 8) | seq[1]!) } : {}),
    },
  });
  const send: Send = (topic, payload) =>
    new Promise((resolve, reject) =>
      client.publish(topic, payload, (o) => {
        if (o.ok) resolve({ messageId: o.messageId });
        else reject(new DeviceError(o.error === 'auth_refused' ? 'auth_refused' : 'reply_error', `${topic}: CoAP ${o.error}${o.code === undefined ? '' : ` (${(o.code >> 5)}.${String(o.code & 31).padStart(2, '0')})`}`, { topic, ...(o.code === undefined ? {} : { replyCode: o.code }) }));
      }),
    );
  return upstreamThing(options, options.random, options.tsl, send);
}

/** A random registration nonce: 16 hex characters from the injected source. */
export function registrationRandom(random: Random): string {
  return toHex(randomBytes(random, 8));
}

/** What both upstream devices read: identity, secret, clock, random source, sign method, model. */
function checkUpstreamOptions(name: string, options: unknown): void {
  const o = identityOptions(name, options);
  requiredString('deviceSecret', o['deviceSecret']);
  clockOption(o['clock']);
  requiredFunction('random', o['random']);
  stringOption('signMethod', o['signMethod']);
  recordOption('tsl', o['tsl']);
}
