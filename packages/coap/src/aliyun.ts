import { constantTimeEqualHex, describe, enumOption, integerOption, LinkwireError, optionsRecord, type JsonValue } from '@linkwire/base';
import type { HashAlgorithm } from '@linkwire/hash';
import { signContent, signMethodAlgorithm, signParams } from '@linkwire/sign';
import { aliyunAesKey, aliyunDecrypt, aliyunEncrypt, encryptSeq } from './aes.ts';
import { CoapCode } from './codes.ts';
import { ContentFormat, decodeBody, encodeBody, formatOf, type AliyunFormat } from './content.ts';
import type { CoapRequestInit } from './endpoint.ts';
import { CoapError } from './errors.ts';
import { getOption, getUintOption, pathOptions, type CoapMessage } from './message.ts';
import { CoapOption, decodeOptionString } from './options.ts';

/** Alibaba's CoAP sign methods (seed §3.3: hmacmd5, the default, and hmacsha1; hmacsha256 as the other flows). */
export type AliyunSignMethod = 'hmacmd5' | 'hmacsha1' | 'hmacsha256';

/** The hash behind a sign method name, in any letter case; undefined for an unknown method. */
export function signAlgorithm(method: string): HashAlgorithm | undefined {
  try {
    return signMethodAlgorithm(method);
  } catch {
    return undefined;
  }
}

/**
 * The content Alibaba signs (@linkwire/sign's `signContent`): parameter names in byte order,
 * each followed by its value, no separators; `sign`, `signmethod`, `version` and `resources`
 * left out.
 *
 * @example
 * aliyunSignContent({ productKey: 'pk', deviceName: 'dn', clientId: 'pk&dn', seq: '10' })
 * // 'clientIdpk&dndeviceNamednproductKeypkseq10'
 */
export function aliyunSignContent(params: Readonly<Record<string, string | number | boolean>>): string {
  return signContent(params);
}

/** Device identity and the auth options of seed §3.3. */
export interface AliyunAuthOptions {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: string;
  /** Default `{productKey}&{deviceName}` (the seed's symmetric-mode example). At most 64 characters. */
  readonly clientId?: string;
  /** Default hmacmd5 (the seed's default); when given it is also sent as `signmethod`. */
  readonly signMethod?: AliyunSignMethod;
  readonly timestamp?: number | string;
  /** 1: the server ACKs at once and answers separately. */
  readonly ackMode?: 0 | 1;
  /** Symmetric (AES) mode, port 5682: the auth `seq`. Required there, absent in DTLS mode. */
  readonly seq?: number | string;
  /** Body format (Content-Format); default json. */
  readonly format?: AliyunFormat;
  /** Response format (Accept); default the body format. */
  readonly accept?: AliyunFormat;
}

const checkId = (what: string, v: string, max: number): void => {
  // eslint-disable-next-line no-control-regex
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\u0000-\u001f\u007f/+#]/.test(v)) {
    throw new CoapError('invalid_argument', `${what} must be 1..${max} characters without '/', '+', '#' or control characters`);
  }
};

/**
 * The auth body of seed §3.3, signed: `{productKey, deviceName, clientId, [ackMode],
 * [timestamp], [signmethod], [seq], sign}`.
 */
export function aliyunAuthParams(options: AliyunAuthOptions): Record<string, string | number> {
  if (typeof options !== 'object' || options === null) throw new CoapError('invalid_argument', `auth options are an object, got ${describe(options)}`);
  const { productKey, deviceName, deviceSecret } = options;
  checkId('productKey', productKey, 64);
  checkId('deviceName', deviceName, 64);
  const clientId = options.clientId ?? `${productKey}&${deviceName}`;
  checkId('clientId', clientId, 64);
  if (typeof deviceSecret !== 'string' || deviceSecret.length === 0) throw new CoapError('invalid_argument', 'deviceSecret must not be empty');
  const method = options.signMethod ?? 'hmacmd5';
  if (signAlgorithm(method) === undefined) throw new CoapError('invalid_argument', `unknown sign method ${describe(method)}`);
  if (options.ackMode !== undefined && options.ackMode !== 0 && options.ackMode !== 1) throw new CoapError('invalid_argument', `ackMode is 0 or 1, got ${describe(options.ackMode)}`);
  if (options.timestamp !== undefined && !(typeof options.timestamp === 'number' && Number.isSafeInteger(options.timestamp) && options.timestamp >= 0)) throw new CoapError('invalid_argument', `timestamp is milliseconds, got ${describe(options.timestamp)}`);
  if (options.seq !== undefined && !(typeof options.seq === 'number' && Number.isSafeInteger(options.seq) && options.seq >= 0)) throw new CoapError('invalid_argument', `seq is a non-negative integer, got ${describe(options.seq)}`);
  const params: Record<string, string | number> = { productKey, deviceName, clientId };
  if (options.ackMode !== undefined) params['ackMode'] = options.ackMode;
  if (options.timestamp !== undefined) params['timestamp'] = String(options.timestamp);
  if (options.signMethod !== undefined) params['signmethod'] = method.toLowerCase();
  if (options.seq !== undefined) params['seq'] = String(options.seq);
  params['sign'] = signParams(params, deviceSecret, method);
  return params;
}

/**
 * The auth request: CON POST /auth with Content-Format and Accept, ready for
 * `endpoint.request`.
 *
 * @example
 * ep.request(aliyunAuthRequest({ productKey, deviceName, deviceSecret }), (r) => {
 *   if (r.ok) console.log(parseAliyunAuthResponse(r.response));
 * });
 */
export function aliyunAuthRequest(options: AliyunAuthOptions): CoapRequestInit {
  const params = aliyunAuthParams(options);
  const format = enumOption('format', options.format, ['json', 'cbor'] as const, 'json');
  const accept = enumOption('accept', options.accept, ['json', 'cbor'] as const, format);
  return {
    type: 'CON',
    code: CoapCode.POST,
    options: [
      ...pathOptions('/auth'),
      { number: CoapOption.ContentFormat, value: ContentFormat[format] },
      { number: CoapOption.Accept, value: ContentFormat[accept] },
    ],
    payload: encodeBody(params, format),
  };
}

/** A successful auth: the token, and in symmetric mode the key material. */
export interface AliyunAuthSuccess {
  readonly ok: true;
  readonly token: string;
  readonly random?: string;
  readonly seqOffset?: number;
}

/** A refused auth: the response code (seed Table 3-3) or an unreadable body. */
export interface AliyunAuthFailure {
  readonly ok: false;
  readonly code: number;
  readonly reason: 'refused' | 'invalid_payload';
}

const RESPONSE_BODY_LIMITS = { maxBytes: 4096, maxDepth: 8 };

function responseBody(response: CoapMessage): JsonValue {
  const format = formatOf(getUintOption(response, CoapOption.ContentFormat)) ?? (response.payload[0] === 0x7b ? 'json' : 'cbor');
  return decodeBody(response.payload, format, RESPONSE_BODY_LIMITS);
}

/**
 * Reads the auth response: 2.05 with `{token}` (and `random`, `seqOffset` in symmetric
 * mode), any other code a refusal.
 */
export function parseAliyunAuthResponse(response: CoapMessage): AliyunAuthSuccess | AliyunAuthFailure {
  if (typeof response !== 'object' || response === null || typeof response.code !== 'number' || !(response.payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `not a CoAP message: ${describe(response)}`);
  if (response.code !== CoapCode.Content) return { ok: false, code: response.code, reason: 'refused' };
  const invalid: AliyunAuthFailure = { ok: false, code: response.code, reason: 'invalid_payload' };
  let body: JsonValue;
  try {
    body = responseBody(response);
  } catch {
    return invalid;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid;
  const { token, random, seqOffset } = body;
  if (typeof token !== 'string' || token.length === 0) return invalid;
  if (random !== undefined && typeof random !== 'string') return invalid;
  const offset = typeof seqOffset === 'string' && /^[0-9]{1,15}$/.test(seqOffset) ? Number(seqOffset) : seqOffset;
  if (offset !== undefined && !(typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0)) return invalid;
  return { ok: true, token, ...(random === undefined ? {} : { random }), ...(offset === undefined ? {} : { seqOffset: offset }) };
}

/** Throws `invalid_argument` unless `topic` is `/seg/seg…` with no empty segment, `+` or `#`. */
export function checkPublishTopic(topic: string): void {
  if (typeof topic !== 'string' || !topic.startsWith('/') || topic.includes('+') || topic.includes('#') || topic.split('/').slice(1).some((s) => s === '')) {
    throw new CoapError('invalid_argument', `not a publishable topic: ${describe(topic)}`);
  }
}

/** What {@link aliyunPublisher} needs: the token, and for symmetric mode the secret and auth answer. */
export interface AliyunPublisherOptions {
  readonly token: string;
  /** Symmetric mode: the device secret, with `random` and `seqOffset` from the auth response. */
  readonly aes?: { readonly deviceSecret: string; readonly random: string; readonly seqOffset: number };
  readonly format?: AliyunFormat;
  readonly accept?: AliyunFormat;
}

/** A publish answer: the platform's message id (option 2090) and the (decrypted) payload. */
export interface AliyunPublishResult {
  readonly ok: boolean;
  readonly code: number;
  readonly messageId: string | undefined;
  readonly payload: Uint8Array;
}

/** Builds publish requests for one authenticated session and reads their responses. */
export interface AliyunPublisher {
  readonly token: string;
  /** The AES key in symmetric mode. */
  readonly key: Uint8Array | undefined;
  /** The last seq used (symmetric mode); the next publish uses a larger one. */
  readonly seq: number;
  /** CON POST /topic/{topic} with option 2088, and in symmetric mode the encrypted payload and 2089. */
  publishRequest(topic: string, payload: Uint8Array | string): CoapRequestInit;
  readPublishResponse(response: CoapMessage): AliyunPublishResult;
}

/**
 * A publisher for one session. In symmetric mode every publish takes the next sequence number
 * above `seqOffset` (seqOffset + 1, + 2, …), so a seq is never reused within the session;
 * re-authenticate for a new session.
 *
 * @example
 * const pub = aliyunPublisher({ token: auth.token, aes: { deviceSecret, random: auth.random, seqOffset: auth.seqOffset } });
 * ep.request(pub.publishRequest('/a1GFjLP3xxC/device/pub', '{"temp":21}'), (r) => r.ok && pub.readPublishResponse(r.response));
 */
export function aliyunPublisher(options: AliyunPublisherOptions): AliyunPublisher {
  const o = optionsRecord('options', options ?? null);
  const token = o['token'];
  if (typeof token !== 'string' || token.length === 0) throw new CoapError('invalid_argument', 'token must not be empty');
  const aes = o['aes'] === undefined ? undefined : (optionsRecord('aes', o['aes']) as AliyunPublisherOptions['aes'] & object);
  const key = aes === undefined ? undefined : aliyunAesKey(aes.deviceSecret, aes.random);
  let seq = aes === undefined ? 0 : integerOption('aes.seqOffset', aes.seqOffset ?? null, 0, 0);
  const format = enumOption('format', o['format'], ['json', 'cbor'] as const, 'json');
  const accept = enumOption('accept', o['accept'], ['json', 'cbor'] as const, format);
  return {
    token,
    key,
    get seq() {
      return seq;
    },
    publishRequest(topic, payload) {
      checkPublishTopic(topic);
      const opts: { number: number; value: string | number | Uint8Array }[] = [
        ...pathOptions(`/topic${topic}`),
        { number: CoapOption.ContentFormat, value: ContentFormat[format] },
        { number: CoapOption.Accept, value: ContentFormat[accept] },
        { number: CoapOption.AliyunToken, value: token },
      ];
      if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `a payload is a string or a Uint8Array, got ${describe(payload)}`);
      let body: Uint8Array | string = payload;
      if (key !== undefined) {
        if (seq >= Number.MAX_SAFE_INTEGER) throw new CoapError('seq_exhausted', 'sequence numbers exhausted: authenticate again');
        seq++;
        opts.push({ number: CoapOption.AliyunSeq, value: encryptSeq(key, seq) });
        body = aliyunEncrypt(key, payload);
      }
      return { type: 'CON', code: CoapCode.POST, options: opts, payload: body };
    },
    readPublishResponse(response) {
      const id = getOption(response, CoapOption.AliyunMessageId);
      if (typeof response.code !== 'number' || !(response.payload instanceof Uint8Array)) throw new CoapError('invalid_argument', `not a CoAP message: ${describe(response)}`);
      let payload = response.payload;
      if (key !== undefined && payload.length > 0) payload = aliyunDecrypt(key, payload);
      const ok = response.code >> 5 === 2;
      return { ok, code: response.code, messageId: id === undefined ? undefined : decodeOptionString(id), payload };
    },
  };
}

/** Constant-time, case-insensitive check of a received sign. */
export function verifyAliyunSign(params: Readonly<Record<string, string | number | boolean>>, deviceSecret: string): boolean {
  if (typeof params !== 'object' || params === null || typeof deviceSecret !== 'string') return false;
  const method = params['signmethod'] ?? params['signMethod'] ?? 'hmacmd5';
  const sign = params['sign'];
  if (typeof method !== 'string' || signAlgorithm(method) === undefined || typeof sign !== 'string') return false;
  try {
    return constantTimeEqualHex(signParams(params, deviceSecret, method), sign);
  } catch (e) {
    // A parameter value that cannot be signed (an object, a bigint): not a valid signature.
    if (e instanceof LinkwireError) return false;
    throw e;
  }
}
