import { codeInfo, stringifyJson } from '@linkwire/alink';
import { parseJson, type Clock } from '@linkwire/base';
import { enosApimHeaders, enosTokenRequest, parseEnosTokenReply } from '@linkwire/sign';
import { EnosRestError } from './errors.ts';

/** The part of `fetch` the client uses: a global `fetch` fits, and so does a test double. */
export type FetchLike = (
  url: string,
  init: { readonly method: 'POST'; readonly headers: Record<string, string>; readonly body: string },
) => Promise<{ readonly status: number; text(): Promise<string> }>;

export interface EnosRestClientOptions {
  /** `https://{apigw-address}`, without a trailing path. */
  readonly apiGateway: string;
  readonly appKey: string;
  readonly appSecret: string;
  /** The organization every call names unless the call gives its own. */
  readonly orgId?: string;
  readonly fetch: FetchLike;
  /** Only `now()` is used: token expiry and `apim-timestamp`. */
  readonly clock: Pick<Clock, 'now'>;
  /** Refresh the token this long before it expires, default 300 s (the gateway issues 7200 s tokens). */
  readonly refreshBeforeSeconds?: number;
  /** Largest reply body read, default 1 MiB. */
  readonly maxReplyBytes?: number;
}

/** The device to invoke: `assetId`, or `productKey` + `deviceKey` (seed, "Request Parameters (URI)"). */
export type InvokeTarget = { readonly assetId: string; readonly productKey?: undefined; readonly deviceKey?: undefined } | { readonly assetId?: undefined; readonly productKey: string; readonly deviceKey: string };

export type InvokeServiceParams = InvokeTarget & {
  readonly orgId?: string;
  readonly serviceId: string;
  readonly inputData: { readonly [id: string]: unknown };
  /** Seconds 0..172800 (48 h); 0 (default) runs the command now. */
  readonly pendingTtl?: number;
  /** Seconds 1..60, default 30: how long the platform waits for the device. */
  readonly timeout?: number;
};

/** The seed's "Service Invocation Return Struct". */
export interface InvokeServiceResult {
  readonly commandId: string;
  /** Present when pendingTtl was 0 (an instant command): the service's output. */
  readonly outputData?: { readonly [id: string]: unknown };
}

export interface EnosRestClient {
  /** POST /connect-service/v2.1/commands?action=invokeService (enos-rest-invoke-service.txt). */
  invokeService(params: InvokeServiceParams): Promise<InvokeServiceResult>;
  /** The access token in use, fetched or refreshed first when needed. */
  accessToken(): Promise<string>;
}

export const INVOKE_SERVICE_PATH = '/connect-service/v2.1/commands';

function integer(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EnosRestError('invalid_argument', `${name} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new EnosRestError('invalid_argument', `${name} is required`);
  return value;
}

/**
 * The EnOS REST client of the seed's invokeService, over an injected `fetch`: it obtains the
 * APIM access token and caches it, refreshes it before it expires and once more when a call is
 * refused for authentication, signs every call (`apim-accesstoken`, `apim-timestamp`,
 * `apim-signature`), validates `pendingTtl` and `timeout` to the seed's ranges, and turns every
 * failure into an {@link EnosRestError} carrying the seed's code and its meaning.
 *
 * @example
 * const rest = createEnosRestClient({ apiGateway: 'https://apim.example', appKey, appSecret, orgId, fetch, clock: { now: Date.now } });
 * const { commandId, outputData } = await rest.invokeService({ productKey, deviceKey, serviceId: 'identifier', inputData: { canshu1: 11 } });
 */
export function createEnosRestClient(options: EnosRestClientOptions): EnosRestClient {
  const base = text('apiGateway', options.apiGateway).replace(/\/+$/, '');
  const appKey = text('appKey', options.appKey);
  const appSecret = text('appSecret', options.appSecret);
  if (typeof options.fetch !== 'function') throw new EnosRestError('invalid_argument', 'fetch is required');
  // The injected transport: the caller's fetch (or a test double), never the global one.
  const { clock, fetch: request } = options;
  const refreshMs = (options.refreshBeforeSeconds ?? 300) * 1000;
  const maxBytes = options.maxReplyBytes ?? 1 << 20;
  let token: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
    let status: number;
    let raw: string;
    try {
      const res = await request(base + path, { method: 'POST', headers, body });
      status = res.status;
      raw = await res.text();
    } catch (e) {
      throw new EnosRestError('network', `the API gateway could not be reached: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = parseJson(raw, { maxBytes, maxDepth: 64 });
    } catch (e) {
      throw new EnosRestError('invalid_reply', `the API gateway answered HTTP ${status} with a body that is not JSON: ${(e as Error).message}`, { httpStatus: status });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new EnosRestError('invalid_reply', `the API gateway answered HTTP ${status} with a body that is not a JSON object`, { httpStatus: status });
    return { status, json: json as Record<string, unknown> };
  }

  async function fetchToken(): Promise<string> {
    const req = enosTokenRequest({ appKey, appSecret, timestamp: clock.now() });
    const { status, json } = await post(req.path, { ...req.headers }, req.body);
    const code = json['status'] ?? json['code'];
    if (status !== 200 || (code !== undefined && code !== 0)) {
      throw new EnosRestError('token_refused', `the token service refused: HTTP ${status}, ${String(json['msg'] ?? json['message'] ?? code)}`, { httpStatus: status, ...(typeof code === 'number' ? { enosCode: code } : {}) });
    }
    let t: { accessToken: string; expire: number };
    try {
      t = parseEnosTokenReply(JSON.stringify(json));
    } catch (e) {
      throw new EnosRestError('invalid_reply', `the token reply is malformed: ${(e as Error).message}`, { httpStatus: status });
    }
    token = { value: t.accessToken, expiresAt: clock.now() + t.expire * 1000 };
    return t.accessToken;
  }

  function accessToken(force = false): Promise<string> {
    if (!force && token !== undefined && clock.now() < token.expiresAt - refreshMs) return Promise.resolve(token.value);
    // One request for the token however many calls need it at once.
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }

  const isAuthFailure = (status: number, json: Record<string, unknown>): boolean => {
    const code = json['code'] ?? json['status'];
    return status === 401 || status === 403 || code === 401 || code === 403;
  };

  async function invokeService(p: InvokeServiceParams): Promise<InvokeServiceResult> {
    if (typeof p !== 'object' || p === null) throw new EnosRestError('invalid_argument', 'params are required');
    const orgId = text('orgId', p.orgId ?? options.orgId);
    const serviceId = text('serviceId', p.serviceId);
    const pendingTtl = integer('pendingTtl', p.pendingTtl, 0, 172_800);
    const timeout = integer('timeout', p.timeout, 1, 60);
    if (typeof p.inputData !== 'object' || p.inputData === null || Array.isArray(p.inputData)) throw new EnosRestError('invalid_argument', 'inputData must be an object');
    const query: [string, string][] = [['action', 'invokeService'], ['orgId', orgId]];
    if (p.assetId !== undefined) {
      if (p.productKey !== undefined || p.deviceKey !== undefined) throw new EnosRestError('invalid_argument', 'give assetId or productKey + deviceKey, not both');
      query.push(['assetId', text('assetId', p.assetId)]);
    } else {
      query.push(['productKey', text('productKey', p.productKey)], ['deviceKey', text('deviceKey', p.deviceKey)]);
    }
    query.push(['serviceId', serviceId]);
    if (pendingTtl !== undefined) query.push(['pendingTtl', String(pendingTtl)]);
    if (timeout !== undefined) query.push(['timeout', String(timeout)]);
    let body: string;
    try {
      body = stringifyJson({ inputData: p.inputData });
    } catch (e) {
      throw new EnosRestError('invalid_argument', `inputData cannot be sent as JSON: ${(e as Error).message}`);
    }
    let search: string;
    try {
      search = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    } catch {
      // encodeURIComponent refuses text with a lone surrogate: it cannot travel in a URL.
      throw new EnosRestError('invalid_argument', `${query.map(([k]) => k).join(', ')}: a value is not well-formed text`);
    }
    const record = Object.fromEntries(query);

    const call = async (accessTokenValue: string) => {
      const headers = { 'Content-Type': 'application/json', ...enosApimHeaders({ accessToken: accessTokenValue, appSecret, timestamp: clock.now(), query: record, body }) };
      return post(`${INVOKE_SERVICE_PATH}?${search}`, headers, body);
    };
    let r = await call(await accessToken());
    if (isAuthFailure(r.status, r.json)) r = await call(await accessToken(true));
    const { status, json } = r;
    const code = json['code'];
    const requestId = typeof json['requestId'] === 'string' ? json['requestId'] : undefined;
    if (code !== 0) {
      const info = typeof code === 'number' ? codeInfo(code, 'enos-rest') : undefined;
      const msg = typeof json['msg'] === 'string' ? json['msg'] : info?.message ?? 'failed';
      throw new EnosRestError(
        typeof code === 'number' ? (info === undefined ? 'api_error' : info.message.replace(/ /g, '_')) : 'invalid_reply',
        `invokeService failed: code ${String(code)} (${info?.description ?? msg}), HTTP ${status}`,
        { ...(typeof code === 'number' ? { enosCode: code } : {}), ...(info !== undefined ? { meaning: info.description } : {}), httpStatus: status, ...(requestId !== undefined ? { requestId } : {}) },
      );
    }
    const data = json['data'] as Record<string, unknown> | null | undefined;
    if (typeof data !== 'object' || data === null || typeof data['commandId'] !== 'string') {
      throw new EnosRestError('invalid_reply', 'the invokeService reply lacks data.commandId', { httpStatus: status, ...(requestId !== undefined ? { requestId } : {}) });
    }
    const out = data['outputData'];
    if (out !== undefined && out !== null && (typeof out !== 'object' || Array.isArray(out))) throw new EnosRestError('invalid_reply', 'data.outputData is not an object', { httpStatus: status });
    return out === undefined || out === null ? { commandId: data['commandId'] } : { commandId: data['commandId'], outputData: out as Record<string, unknown> };
  }

  return { invokeService, accessToken: () => accessToken() };
}
