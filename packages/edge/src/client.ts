import { isRecord, parseJson, utf8Decode, utf8Encode, type Clock, type JsonValue, type Random } from '@linkwire/base';
import { edgeBasicAuthorization } from '@linkwire/sign';
import {
  COOKIE_NAME, EDGE_API_PREFIX, identifierIssues, parseFunctionArn, thingIssues,
  type BulkData, type BulkRequest, type EdgeEnvelope, type EdgeThing, type JsonObject, type ServiceCall, type ServiceReturn, type WatchKind,
} from './api.ts';
import { EdgeError, EdgeHttpError } from './errors.ts';
import { createWatchReader, type WatchMessage } from './watch.ts';

/** The part of a fetch `Response` the client reads; the global `fetch` satisfies it. */
export interface EdgeFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly body?: {
    getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> };
  } | null;
}

export interface EdgeFetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Browsers: `include`, so that the cookie the gateway sets is kept and sent by the browser. */
  readonly credentials?: 'include';
}

/** A fetch-shaped function: the global `fetch` of Node 18+, Deno, Bun and browsers fits. */
export type EdgeFetch = (url: string, init: EdgeFetchInit) => Promise<EdgeFetchResponse>;

export interface EdgeHttpClientOptions {
  /** `https://127.0.0.1:9999` (the seed's port); the path prefix `/2019-09-30` is added. */
  readonly baseUrl: string;
  readonly fetch: EdgeFetch;
  /** The gateway account for CreateAuthCookie (Basic). With it, the client signs in when needed and again on a 401. */
  readonly username?: string;
  readonly password?: string;
  /** A cookie token obtained elsewhere. */
  readonly token?: string;
  /**
   * The browser keeps the cookie itself (Set-Cookie cannot be read there): requests go with
   * `credentials: 'include'` and no Cookie header. Default false.
   */
  readonly browserCookies?: boolean;
  /** Largest answer body accepted, default 4 MiB. */
  readonly maxResponseBytes?: number;
}

export interface WatchOptions {
  /** Timers for reconnect backoff and the heartbeat watchdog. */
  readonly clock: Clock;
  /** Jitter for the backoff; without it the delays are the upper bounds. */
  readonly random?: Random;
  /** No byte for this long (heartbeats included) counts as a dead stream, default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Backoff between reconnects: full jitter over min·2^n capped at max. Defaults 200 ms, 10 s. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up after this many reconnects in a row without a message, default unlimited. */
  readonly maxAttempts?: number;
  readonly maxLineBytes?: number;
  /** Messages held for a slow consumer before reading pauses (backpressure), default 1024. */
  readonly maxQueued?: number;
}

/** What a Watch yields: the stream's messages, and a `gap` after every reconnect (events may have been missed meanwhile). */
export type WatchItem = WatchMessage | { readonly kind: 'gap'; readonly reason: string; readonly attempt: number };

export interface WatchSubscription extends AsyncIterable<WatchItem> {
  /** Ends the stream: the iterator finishes and the connection is cancelled. */
  close(): void;
}

/** The Edge HTTP API (§3) as methods; see {@link createEdgeHttpClient}. */
export interface EdgeHttpClient {
  /** CreateAuthCookie (§3.3.1): the token of a new cookie, kept for the calls that follow. */
  createAuthCookie(): Promise<string>;
  /** DeleteAuthCookie (§3.3.2): the current cookie unless another token is named. */
  deleteAuthCookie(token?: string): Promise<void>;
  /** The cookie token in use, if any. */
  readonly token: string | undefined;
  /** ListThings (§3.4.1). */
  listThings(): Promise<EdgeThing[]>;
  /** GetThingProperties (§3.4.2): up to 100 identifiers. */
  getThingProperties(productKey: string, deviceName: string, identifiers: readonly string[]): Promise<{ Properties: JsonObject; Timestamp: number }>;
  /** SetThingProperties (§3.4.3). */
  setThingProperties(productKey: string, deviceName: string, properties: JsonObject): Promise<{ Data?: JsonValue; Timestamp: number }>;
  /** CallThingServices (§3.4.4). */
  callThingServices(productKey: string, deviceName: string, services: readonly ServiceCall[]): Promise<{ Services: ServiceReturn[]; Timestamp: number }>;
  /** BulkActions (§3.4.5) GetProperties, SetProperties and CallServices. */
  bulkActions(request: Exclude<BulkRequest, { BulkAction: 'Watch' }>): Promise<BulkData>;
  /**
   * BulkActions Watch (§3.4.5): the gateway's event stream for the devices named (all devices
   * when the list is empty), read incrementally with bounded buffering. A cut, a 5xx, a stream
   * that stops mid-message or falls silent past the idle timeout reconnects with backoff; a
   * `gap` item says so. A 4xx other than 401 ends it with the error.
   */
  watch(things: readonly { productKey: string; deviceName: string; watches?: WatchKind }[], options: WatchOptions): WatchSubscription;
  /**
   * InvokeFunction (§3.5.1): the payload goes to the function unchanged; the answer is the
   * function's output. A function error is an {@link EdgeHttpError} with `errorType`.
   */
  invokeFunction(arn: string, payload?: string | Uint8Array): Promise<{ body: Uint8Array; contentType: string | null; text(): string }>;
}

const COOKIE_RE = new RegExp(`(?:^|[;,]\\s*)${COOKIE_NAME}=([^;,\\s]+)`);

/**
 * A typed client of the Edge HTTP API (§3) over an injected fetch. Every call validates its
 * request before anything is sent (`invalid_request` with the issues), and a refusal is an
 * {@link EdgeHttpError} carrying the §3.2 status. The client signs in with the Basic header
 * when it has no cookie and once more when a call gets 401 (the cookie expired).
 *
 * @example
 * const edge = createEdgeHttpClient({ baseUrl: 'http://127.0.0.1:9999', fetch, username: 'admin', password: 'admin1234' });
 * const things = await edge.listThings();
 * const { Properties } = await edge.getThingProperties('a1WabAEC', 'lamp', ['LightSwitch']);
 */
export function createEdgeHttpClient(options: EdgeHttpClientOptions): EdgeHttpClient {
  const send = options.fetch;
  const base = options.baseUrl.replace(/\/+$/, '') + EDGE_API_PREFIX;
  const maxBytes = options.maxResponseBytes ?? 4 << 20;
  const basic = options.username !== undefined ? edgeBasicAuthorization(options.username, options.password ?? '') : undefined;
  let token = options.token;
  let signingIn: Promise<string> | undefined;

  const headersFor = (extra: Record<string, string>): Record<string, string> =>
    token !== undefined && options.browserCookies !== true ? { ...extra, cookie: `${COOKIE_NAME}=${token}` } : extra;

  async function readBody(res: EdgeFetchResponse): Promise<Uint8Array> {
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) throw new EdgeError('response_too_large', `the gateway's answer of ${declared} bytes exceeds ${maxBytes}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > maxBytes) throw new EdgeError('response_too_large', `the gateway's answer of ${bytes.length} bytes exceeds ${maxBytes}`);
    return bytes;
  }

  function errorFrom(status: number, bytes: Uint8Array, res: EdgeFetchResponse): EdgeHttpError {
    let message = '';
    let stack: string[] | undefined;
    try {
      const v = parseJson(bytes, { maxBytes });
      if (isRecord(v)) {
        if (typeof v['Message'] === 'string') message = v['Message'];
        if (Array.isArray(v['StackTrace'])) stack = v['StackTrace'].filter((x): x is string => typeof x === 'string');
      }
    } catch {
      message = utf8Decode(bytes.subarray(0, 512));
    }
    const type = res.headers.get('x-fc-error-type');
    const errorType = type === 'Handled' || type === 'Unhandled' ? type : undefined;
    return new EdgeHttpError(status, message || `the gateway answered ${status}`, { errorType, stackTrace: stack });
  }

  async function envelope<D>(res: EdgeFetchResponse, expect: number): Promise<EdgeEnvelope<D>> {
    const bytes = await readBody(res);
    if (res.status !== expect) throw errorFrom(res.status, bytes, res);
    let v: JsonValue;
    try {
      v = parseJson(bytes, { maxBytes });
    } catch (e) {
      throw new EdgeError('invalid_response', `the gateway's answer is not JSON: ${(e as Error).message}`);
    }
    if (!isRecord(v) || typeof v['Code'] !== 'number') throw new EdgeError('invalid_response', 'the gateway\'s answer has no Code');
    if (v['Code'] !== expect && v['Code'] !== 200) throw new EdgeHttpError(v['Code'], typeof v['Message'] === 'string' ? v['Message'] : '');
    return v as unknown as EdgeEnvelope<D>;
  }

  /** CreateAuthCookie (§3.3.1): the token of a new cookie. */
  async function createAuthCookie(): Promise<string> {
    if (basic === undefined) throw new EdgeError('invalid_request', 'CreateAuthCookie needs a username and password');
    const res = await send(`${base}/auth/cookies`, { method: 'POST', headers: { authorization: basic }, credentials: options.browserCookies ? 'include' : undefined });
    await envelope(res, 201);
    const m = COOKIE_RE.exec(res.headers.get('set-cookie') ?? '');
    if (m === null) {
      if (options.browserCookies === true) return '';
      throw new EdgeError('invalid_response', 'CreateAuthCookie answered without a token cookie');
    }
    token = m[1]!;
    return token;
  }

  async function signIn(): Promise<void> {
    signingIn ??= createAuthCookie().finally(() => {
      signingIn = undefined;
    });
    await signingIn;
  }

  /** Sends with the cookie, signing in first if needed and once more on a 401. */
  async function call(method: string, path: string, body?: unknown): Promise<EdgeFetchResponse> {
    if (token === undefined && basic !== undefined) await signIn();
    const init = (): EdgeFetchInit => ({
      method,
      headers: headersFor(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
      credentials: options.browserCookies ? 'include' : undefined,
    });
    const res = await send(`${base}${path}`, init());
    if (res.status !== 401 || basic === undefined) return res;
    await res.arrayBuffer().catch(() => undefined);
    token = undefined;
    await signIn();
    return send(`${base}${path}`, init());
  }

  const thingPath = (pk: string, dn: string): string => `/things/${encodeURIComponent(pk)}/${encodeURIComponent(dn)}`;
  const invalid = (issues: readonly { path: string; message: string }[]): EdgeError =>
    new EdgeError('invalid_request', issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const checkThing = (pk: string, dn: string): void => {
    const issues = thingIssues(pk, dn);
    if (issues.length > 0) throw invalid(issues);
  };
  const checkBulk = (request: BulkRequest): void => {
    if (!Array.isArray(request.Things)) throw invalid([{ path: 'Things', message: 'must be an array' }]);
    request.Things.forEach((t, i) => {
      const issues = thingIssues(t.ProductKey, t.DeviceName, `Things[${i}]`);
      if (request.BulkAction === 'GetProperties') issues.push(...identifierIssues((t as { Identifiers?: unknown }).Identifiers, `Things[${i}].Identifiers`));
      if (issues.length > 0) throw invalid(issues);
    });
  };

  return {
    createAuthCookie,

    /** DeleteAuthCookie (§3.3.2): the current cookie unless another token is named. */
    async deleteAuthCookie(which: string | undefined = token): Promise<void> {
      if (basic === undefined) throw new EdgeError('invalid_request', 'DeleteAuthCookie needs a username and password');
      if (which === undefined || !/^[A-Za-z0-9_-]{1,256}$/.test(which)) throw new EdgeError('invalid_request', 'DeleteAuthCookie needs the token of a cookie');
      const res = await send(`${base}/auth/cookies/${which}`, { method: 'DELETE', headers: { authorization: basic } });
      await envelope(res, 200);
      if (which === token) token = undefined;
    },

    /** The cookie token in use, if any. */
    get token(): string | undefined {
      return token;
    },

    /** ListThings (§3.4.1). */
    async listThings(): Promise<EdgeThing[]> {
      const e = await envelope<{ Things: EdgeThing[] }>(await call('GET', '/things'), 200);
      return shaped(e.Data?.Things ?? [], Array.isArray, 'Data.Things must be an array');
    },

    /** GetThingProperties (§3.4.2): up to 100 identifiers. */
    async getThingProperties(productKey: string, deviceName: string, identifiers: readonly string[]): Promise<{ Properties: JsonObject; Timestamp: number }> {
      checkThing(productKey, deviceName);
      const issues = identifierIssues(identifiers, 'identifiers');
      if (issues.length > 0) throw invalid(issues);
      const q = identifiers.map((id) => `identifiers=${encodeURIComponent(id)}`).join('&');
      const e = await envelope<{ Properties: JsonObject; Timestamp: number }>(await call('GET', `${thingPath(productKey, deviceName)}/properties?${q}`), 200);
      return shaped(e.Data ?? { Properties: {}, Timestamp: 0 }, (d) => isRecord(d) && isRecord(d.Properties), 'Data.Properties must be an object');
    },

    /** SetThingProperties (§3.4.3). */
    async setThingProperties(productKey: string, deviceName: string, properties: JsonObject): Promise<{ Data?: JsonValue; Timestamp: number }> {
      checkThing(productKey, deviceName);
      if (!isRecord(properties) || Object.keys(properties).length === 0) throw invalid([{ path: 'Properties', message: 'at least one property is required' }]);
      const e = await envelope<{ Data?: JsonValue; Timestamp: number }>(await call('POST', `${thingPath(productKey, deviceName)}/properties`, { Properties: properties }), 200);
      return e.Data ?? { Timestamp: 0 };
    },

    /** CallThingServices (§3.4.4). */
    async callThingServices(productKey: string, deviceName: string, services: readonly ServiceCall[]): Promise<{ Services: ServiceReturn[]; Timestamp: number }> {
      checkThing(productKey, deviceName);
      if (!Array.isArray(services) || services.length === 0) throw invalid([{ path: 'Services', message: 'at least one service is required' }]);
      const e = await envelope<{ Services: ServiceReturn[]; Timestamp: number }>(await call('POST', `${thingPath(productKey, deviceName)}/services`, { Services: services }), 200);
      return shaped(e.Data ?? { Services: [], Timestamp: 0 }, (d) => isRecord(d) && Array.isArray(d.Services), 'Data.Services must be an array');
    },

    /** BulkActions (§3.4.5) GetProperties, SetProperties and CallServices; Watch is {@link watch}. */
    async bulkActions(request: Exclude<BulkRequest, { BulkAction: 'Watch' }>): Promise<BulkData> {
      checkBulk(request);
      const e = await envelope<BulkData>(await call('POST', '/things/bulk', request), 200);
      return shaped(e.Data ?? { Results: [], Timestamp: 0 }, (d) => isRecord(d) && Array.isArray(d.Results), 'Data.Results must be an array');
    },

    /**
     * BulkActions Watch (§3.4.5): the gateway's event stream for the devices named (all devices
     * when the list is empty, as the seed's example), read incrementally with bounded buffering.
     * A cut, a 5xx, a stream that stops mid-message or falls silent past the idle timeout
     * reconnects with backoff; a `gap` item says so. A 4xx other than 401 ends it with the error.
     */
    watch(things: readonly { productKey: string; deviceName: string; watches?: WatchKind }[], watchOptions: WatchOptions): WatchSubscription {
      const request: BulkRequest = { BulkAction: 'Watch', Things: things.map((t) => ({ ProductKey: t.productKey, DeviceName: t.deviceName, ...(t.watches ? { Watches: t.watches } : {}) })) };
      checkBulk(request);
      return watchStream(request, watchOptions, call);
    },

    /**
     * InvokeFunction (§3.5.1): the payload goes to the function unchanged; the answer is the
     * function's output as bytes. A function error is an {@link EdgeHttpError} with
     * `errorType` Handled or Unhandled.
     */
    async invokeFunction(arn: string, payload: string | Uint8Array = ''): Promise<{ body: Uint8Array; contentType: string | null; text(): string }> {
      if (parseFunctionArn(arn) === undefined) throw invalid([{ path: 'Function', message: `${JSON.stringify(arn)} is not a function ARN` }]);
      const res = await call('POST', `/functions/${arn}/invocations`, typeof payload === 'string' ? utf8Encode(payload) : payload);
      const body = await readBody(res);
      if (res.status !== 200) throw errorFrom(res.status, body, res);
      return { body, contentType: res.headers.get('content-type'), text: () => utf8Decode(body) };
    },
  };
}


/** The part of an answer a caller reads, checked: a gateway that sends another shape is an `invalid_response`. */
function shaped<T>(value: T, ok: (v: T) => boolean, what: string): T {
  if (!ok(value)) throw new EdgeError('invalid_response', `the gateway's answer is malformed: ${what}`);
  return value;
}

function watchStream(
  request: BulkRequest,
  o: WatchOptions,
  call: (method: string, path: string, body?: unknown) => Promise<EdgeFetchResponse>,
): WatchSubscription {
  const idleMs = o.idleTimeoutMs ?? 30_000;
  const minDelay = o.minDelayMs ?? 200;
  const maxDelay = o.maxDelayMs ?? 10_000;
  const maxQueued = o.maxQueued ?? 1024;
  const queue: WatchItem[] = [];
  let waiter: ((v: void) => void) | undefined;
  // The reader waits here while the consumer is behind: the socket's own flow control then
  // holds the gateway back, and memory stays bounded.
  let drained: ((v: void) => void) | undefined;
  let failure: Error | undefined;
  let closed = false;
  let cancelCurrent: (() => void) | undefined;
  let cancelTimer: (() => void) | undefined;

  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      cancelTimer = o.clock.setTimer(ms, () => {
        cancelTimer = undefined;
        resolve();
      });
    });
  const delayFor = (attempt: number): number => {
    const cap = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt, 20));
    if (o.random === undefined) return cap;
    const r = o.random(4);
    return Math.floor((((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0) / 2 ** 32 * cap);
  };

  // One connection: resolves with the reason it ended (to reconnect), throws to stop.
  async function once(): Promise<{ reason: string; delivered: boolean }> {
    const res = await call('POST', '/things/bulk', request);
    if (res.status !== 200) {
      const text = utf8Decode(new Uint8Array(await res.arrayBuffer()).subarray(0, 512));
      if (res.status >= 500 || res.status === 421) return { reason: `the gateway answered ${res.status}`, delivered: false };
      let message = text;
      try {
        const v = parseJson(text);
        if (isRecord(v) && typeof v['Message'] === 'string') message = v['Message'];
      } catch {
        // not JSON: the text itself
      }
      throw new EdgeHttpError(res.status, message);
    }
    if (res.body === undefined || res.body === null) return { reason: 'the answer has no body', delivered: false };
    const reader = res.body.getReader();
    const lines = createWatchReader({ maxLineBytes: o.maxLineBytes });
    let delivered = false;
    let idle = false;
    let cancelIdle = (): void => undefined;
    const armIdle = (): void => {
      cancelIdle();
      cancelIdle = o.clock.setTimer(idleMs, () => {
        idle = true;
        void reader.cancel().catch(() => undefined);
      });
    };
    cancelCurrent = () => void reader.cancel().catch(() => undefined);
    armIdle();
    try {
      for (;;) {
        let r: { done: boolean; value?: Uint8Array };
        try {
          r = await reader.read();
        } catch (e) {
          return { reason: idle ? `no data for ${idleMs} ms` : `the stream failed: ${(e as Error).message}`, delivered };
        }
        if (closed) return { reason: 'closed', delivered };
        if (r.done) {
          if (idle) return { reason: `no data for ${idleMs} ms`, delivered };
          try {
            lines.end();
          } catch (e) {
            return { reason: (e as Error).message, delivered };
          }
          return { reason: 'the gateway ended the stream', delivered };
        }
        armIdle();
        let messages: WatchMessage[];
        try {
          messages = lines.push(r.value ?? new Uint8Array(0));
        } catch (e) {
          // A malformed line: the stream is no longer trustworthy from here; start again.
          void reader.cancel().catch(() => undefined);
          return { reason: (e as Error).message, delivered };
        }
        if (messages.length > 0) {
          delivered = true;
          for (const m of messages) queue.push(m);
          wake();
          if (queue.length >= maxQueued) {
            cancelIdle(); // a paused reader is not a silent gateway
            await new Promise<void>((resolve) => (drained = resolve));
            armIdle();
          }
        }
      }
    } finally {
      cancelIdle();
      cancelCurrent = undefined;
    }
  }

  void (async () => {
    let attempt = 0;
    let total = 0;
    while (!closed) {
      let outcome: { reason: string; delivered: boolean };
      try {
        outcome = await once();
      } catch (e) {
        if (e instanceof EdgeHttpError && e.status < 500) {
          failure = e;
          break;
        }
        outcome = { reason: (e as Error).message, delivered: false };
      }
      if (closed) break;
      attempt = outcome.delivered ? 0 : attempt + 1;
      total++;
      if (o.maxAttempts !== undefined && attempt > o.maxAttempts) {
        failure = new EdgeError('watch_failed', `the Watch stream failed ${attempt} times in a row: ${outcome.reason}`);
        break;
      }
      queue.push({ kind: 'gap', reason: outcome.reason, attempt: total });
      wake();
      await sleep(delayFor(attempt));
    }
    closed = true;
    wake();
  })();

  return {
    close() {
      if (closed) return;
      closed = true;
      cancelTimer?.();
      cancelCurrent?.();
      wake();
      drained?.();
    },
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length > 0) {
            const item = queue.shift()!;
            if (drained !== undefined && queue.length <= maxQueued >> 1) {
              const d = drained;
              drained = undefined;
              d();
            }
            yield item;
            continue;
          }
          if (closed) {
            if (failure !== undefined) throw failure;
            return;
          }
          await new Promise<void>((resolve) => {
            waiter = resolve;
          });
        }
      } finally {
        this.close();
      }
    },
  };
}
