import { hashHex } from '@linkwire/hash';
import { describe, OptionError, parseJson } from '@linkwire/base';
import { replyJson, requireArgument, SignError } from './errors.ts';
import { decodeComponent } from './form.ts';
import { compareCodePoints } from './params.ts';
import { replyString } from './reply.ts';
import { required } from './validate.ts';
import { STAND_IN_SECRET, asRecord, checkSignature, checkTimestamp, checkVerifyOptions, fail, unknownOr, type VerifyOptions, type VerifyResult } from './verify.ts';

/** A request to an EnOS API gateway whose address the caller knows. */
export interface ApiGatewayRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const ENOS_TOKEN_PATH = '/apim-token-service/v2.0/token/get';

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new SignError('missing_field', `${field} is required`, field);
  return value;
}

/**
 * The token request of the EnOS API gateway (PROTOCOL-NOTES.md, "Envision EnOS REST"): POST
 * {@link ENOS_TOKEN_PATH} with `{appKey, encryption, timestamp}`, where encryption is the lowercase
 * hex SHA-256 of appKey + timestamp + appSecret.
 *
 * @example
 * enosTokenRequest({ appKey: 'k', appSecret: 's', timestamp: 1700000000000 }).body
 * // '{"appKey":"k","encryption":"<sha256 of k1700000000000s>","timestamp":1700000000000}'
 */
export function enosTokenRequest(options: { readonly appKey: string; readonly appSecret: string; readonly timestamp: number }): ApiGatewayRequest {
  requireArgument(options, 'options');
  const appKey = text('appKey', options.appKey);
  const appSecret = text('appSecret', options.appSecret);
  required('timestamp', options.timestamp);
  const timestamp = Number(options.timestamp);
  const encryption = hashHex('sha256', `${appKey}${timestamp}${appSecret}`);
  return { method: 'POST', path: ENOS_TOKEN_PATH, headers: { 'Content-Type': 'application/json' }, body: replyJson({ appKey, encryption, timestamp }) };
}

/** The gateway side of {@link enosTokenRequest}, with the usual timestamp window when `now` is given. */
export function verifyEnosTokenRequest(
  body: string | Uint8Array,
  appSecret: (appKey: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<{ readonly appKey: string }> {
  let r: Readonly<Record<string, unknown>> | undefined;
  try {
    r = asRecord(parseJson(body, { maxBytes: 8192, maxDepth: 2 }));
  } catch (e) {
    return fail('malformed', `body is not JSON: ${(e as Error).message}`);
  }
  const appKey = r?.['appKey'];
  const timestamp = r?.['timestamp'];
  if (typeof appKey !== 'string' || appKey === '' || (typeof timestamp !== 'number' && typeof timestamp !== 'string')) {
    return fail('malformed', 'appKey, encryption and timestamp are required');
  }
  const late = checkTimestamp(timestamp, { ...options, requireTimestamp: true });
  if (late !== undefined) return late;
  const secret = appSecret(appKey);
  // An unknown app is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const mismatch = unknownOr(secret, checkSignature(hashHex('sha256', `${appKey}${String(timestamp)}${secret ?? STAND_IN_SECRET}`), r?.['encryption']), 'appKey');
  return mismatch ?? { ok: true, appKey };
}

/** The gateway's token reply: `{"status":0,"msg":"Success","data":{"accessToken":…,"expire":…}}`. */
export function enosTokenReply(reply: { readonly accessToken: string; readonly expire?: number }): string {
  requireArgument(reply, 'reply');
  return replyJson({ status: 0, msg: 'Success', data: { accessToken: reply.accessToken, expire: reply.expire ?? 7200 } });
}

/**
 * Reads the token reply; `expire` is in seconds. A reply without data.accessToken is a
 * `malformed_reply` SignError.
 */
export function parseEnosTokenReply(body: string | Uint8Array): { readonly accessToken: string; readonly expire: number } {
  let r: Readonly<Record<string, unknown>> | undefined;
  try {
    r = asRecord(parseJson(body, { maxBytes: 64 * 1024, maxDepth: 8 }));
  } catch (e) {
    throw new SignError('malformed_reply', `reply is not JSON: ${(e as Error).message}`, 'reply');
  }
  const data = asRecord(r?.['data']);
  const accessToken = replyString(data, 'accessToken');
  const expire = data?.['expire'];
  if (typeof expire !== 'number' || !Number.isFinite(expire) || expire < 0) throw new SignError('malformed_reply', 'reply lacks expire', 'expire');
  return { accessToken, expire };
}

/** Query parameters as a raw query string (`a=1&b=2`, a leading `?` allowed) or as a record. */
export type ApimQuery = string | Readonly<Record<string, string | number | boolean | undefined | readonly string[]>>;

function queryPairs(query: ApimQuery | undefined): [string, string][] {
  const pairs: [string, string][] = [];
  // null reads as no query, as undefined does (a framework's empty query is often null).
  if (query === undefined || query === null) return pairs;
  if (typeof query !== 'string' && typeof query !== 'object') throw new SignError('invalid_field', `query must be text or an object, got ${describe(query)}`, 'query');
  if (typeof query === 'string') {
    const q = query.startsWith('?') ? query.slice(1) : query;
    let at = 0;
    for (const part of q === '' ? [] : q.split('&')) {
      if (part !== '') {
        const eq = part.indexOf('=');
        pairs.push([decodeComponent(eq < 0 ? part : part.slice(0, eq), at), eq < 0 ? '' : decodeComponent(part.slice(eq + 1), at + eq + 1)]);
      }
      at += part.length + 1;
    }
    return pairs;
  }
  for (const k of Object.keys(query)) {
    const v = query[k];
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? (v as readonly unknown[]) : [v]) {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new SignError('invalid_field', `query ${k} cannot be signed: ${describe(x)}`, 'query');
      pairs.push([k, String(x)]);
    }
  }
  return pairs;
}

/**
 * The `apim-signature` of one EnOS API call: lowercase hex SHA-256 of accessToken + the query
 * parameters sorted by name (each name followed by its decoded value; a repeated name keeps its
 * values in request order) + the exact body + timestamp + appSecret.
 *
 * @example
 * enosApimSignature({ accessToken: 't', appSecret: 's', timestamp: 1, query: 'orgId=o1&action=invokeService', body: '{}' })
 * // sha256hex('t' + 'actioninvokeServiceorgIdo1' + '{}' + '1' + 's')
 */
export function enosApimSignature(options: {
  readonly accessToken: string;
  readonly appSecret: string;
  readonly timestamp: number | string;
  readonly query?: ApimQuery;
  readonly body?: string;
}): string {
  requireArgument(options, 'options');
  const accessToken = text('accessToken', options.accessToken);
  const appSecret = text('appSecret', options.appSecret);
  const timestamp = required('timestamp', options.timestamp);
  const pairs = queryPairs(options.query);
  // Array.prototype.sort is stable, so repeated names keep their order.
  pairs.sort((a, b) => compareCodePoints(a[0], b[0]));
  // The body is text (a hostile one, such as an array nested thousands deep, would otherwise
  // reach String() and overflow the stack).
  const body = options.body === undefined ? '' : options.body;
  if (typeof body !== 'string') throw new SignError('invalid_field', `body must be a string, got ${describe(body)}`, 'body');
  let content = accessToken;
  for (const [k, v] of pairs) content += k + v;
  return hashHex('sha256', content + body + timestamp + appSecret);
}

/**
 * The three headers of a signed EnOS API call.
 *
 * @example
 * enosApimHeaders({ accessToken: 't', appSecret: 's', timestamp: 1700000000000, query: { orgId: 'o1' }, body: '' })
 * // { 'apim-accesstoken': 't', 'apim-timestamp': '1700000000000', 'apim-signature': '…' }
 */
export function enosApimHeaders(options: Parameters<typeof enosApimSignature>[0]): {
  readonly 'apim-accesstoken': string;
  readonly 'apim-timestamp': string;
  readonly 'apim-signature': string;
} {
  requireArgument(options, 'options');
  const signature = enosApimSignature(options);
  return { 'apim-accesstoken': options.accessToken, 'apim-timestamp': String(options.timestamp), 'apim-signature': signature };
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() !== name) continue;
    const v: unknown = headers[k];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * The gateway side of {@link enosApimHeaders}: header names in any case, the app secret looked up
 * by access token, the signature compared in constant time, the timestamp window applied when
 * `now` is given.
 *
 * @example
 * verifyEnosApimRequest({ headers: req.headers, query: url.search, body: rawBody }, (t) => apps.byToken(t)?.secret, { now: clock.now() })
 */
export function verifyEnosApimRequest(
  request: { readonly headers: Readonly<Record<string, string | undefined>>; readonly query?: ApimQuery; readonly body?: string },
  appSecret: (accessToken: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<{ readonly accessToken: string }> {
  checkVerifyOptions(options);
  if (typeof appSecret !== 'function') throw new OptionError('appSecret', 'a function', appSecret);
  if (typeof request !== 'object' || request === null) return fail('malformed', 'the request is not an object');
  const accessToken = header(request.headers, 'apim-accesstoken');
  const timestamp = header(request.headers, 'apim-timestamp');
  const signature = header(request.headers, 'apim-signature');
  if (!accessToken || !timestamp || !signature) return fail('malformed', 'apim-accesstoken, apim-timestamp and apim-signature are required');
  const late = checkTimestamp(timestamp, { ...options, requireTimestamp: true });
  if (late !== undefined) return late;
  const secret = appSecret(accessToken);
  let expected: string;
  try {
    // An unknown token is signed and compared too (STAND_IN_SECRET): timing does not tell.
    expected = enosApimSignature({ accessToken, appSecret: secret ?? STAND_IN_SECRET, timestamp, query: request.query, body: request.body });
  } catch (e) {
    if (e instanceof SignError) return unknownOr(secret, fail('malformed', e.message), 'access token');
    throw e;
  }
  return unknownOr(secret, checkSignature(expected, signature), 'access token') ?? { ok: true, accessToken };
}
