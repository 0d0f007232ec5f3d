import { describe, isRecord, parseJson, toHex, utf8Encode, type Clock, type JsonValue, type Random } from '@linkwire/base';
import { verifyEdgeBasicAuthorization } from '@linkwire/sign';
import {
  COOKIE_MAX_AGE, COOKIE_NAME, EDGE_API_PREFIX, canonicalBulkAction, identifierIssues, parseFunctionArn, thingIssues,
  type EdgeThing, type FunctionArn, type JsonObject, type WatchKind,
} from './api.ts';
import { EDGE_STATUS, EdgeError, EdgeHttpError } from './errors.ts';
import { encodeWatchMessage, type WatchMessage } from './watch.ts';

/** A request as an adapter hands it over: header names in lower case, the whole body read (within the limit). */
export interface EdgeHttpRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  readonly headers: { readonly [name: string]: string | undefined };
  readonly body: Uint8Array;
}

/** An answer with a body, or a stream (Watch) the adapter pumps until either side ends it. */
export type EdgeHttpResponse =
  | { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array }
  | { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly stream: EdgeResponseStream };

export interface EdgeResponseStream {
  /** Starts the stream: `write` each chunk; `end` when the gateway closes it. */
  start(write: (chunk: Uint8Array) => void, end: () => void): void;
  /** The client went away: release everything. */
  cancel(): void;
}

/** A device event as the backend reports it to watchers. */
export type WatchEvent = Extract<WatchMessage, { kind: 'event' }>;

export interface WatchTarget {
  readonly productKey: string;
  readonly deviceName: string;
  readonly watches: WatchKind;
}

/** What a function's invocation gave: its output, or its error (`X-Fc-Error-Type`). */
export type FunctionOutcome =
  | { readonly ok: true; readonly body: Uint8Array; readonly contentType?: string }
  | { readonly ok: false; readonly errorType: 'Handled' | 'Unhandled'; readonly message: string; readonly stackTrace?: readonly string[] };

/**
 * What the API serves from. Each call throws {@link EdgeHttpError} for a refusal (404 unknown
 * device, 503 offline or timed out, 400 invalid against the model, 500 the device's own error).
 */
export interface EdgeBackend {
  listThings(): readonly EdgeThing[];
  getProperties(productKey: string, deviceName: string, identifiers: readonly string[]): Promise<JsonObject>;
  setProperties(productKey: string, deviceName: string, properties: JsonObject): Promise<JsonValue | undefined>;
  callService(productKey: string, deviceName: string, name: string, args: JsonValue | undefined): Promise<JsonValue | undefined>;
  /** Subscribes to events of the targets (every device when empty); returns the unsubscribe. */
  watch(targets: readonly WatchTarget[], listener: (event: WatchEvent) => void): () => void;
  invokeFunction?(fn: FunctionArn, payload: Uint8Array): Promise<FunctionOutcome>;
}

/** The API operations, for per-user permissions (the gateway console's "API access permissions"). */
export type EdgeApiName =
  | 'CreateAuthCookie' | 'DeleteAuthCookie' | 'ListThings' | 'GetThingProperties' | 'SetThingProperties' | 'CallThingServices' | 'BulkActions' | 'InvokeFunction';

export interface EdgeUser {
  readonly username: string;
  readonly password: string;
  /** Operations this user may call; every operation when omitted. */
  readonly permissions?: readonly EdgeApiName[];
}

export interface EdgeHttpHandlerOptions {
  readonly backend: EdgeBackend;
  readonly clock: Clock;
  /** Cookie tokens: 32 random bytes each. Must be a CSPRNG in production. */
  readonly random: Random;
  readonly users: readonly EdgeUser[];
  /** Heartbeat interval of a Watch stream, default 5 s. */
  readonly heartbeatMs?: number;
  /** Largest request body, default 1 MiB (adapters stop reading there too). */
  readonly maxBodyBytes?: number;
  /** Live cookies at most, default 1024; the oldest goes first. */
  readonly maxCookies?: number;
  /** Concurrent Watch streams at most, default 64. */
  readonly maxWatches?: number;
  /** Devices in one BulkActions request at most, default 1500 (the gateway's limit). */
  readonly maxBulkThings?: number;
}

export interface EdgeHttpHandler {
  /**
   * Answers one request: every refusal of what the peer sent is a response with its status. A
   * request object of the wrong shape (the adapter's bug, not the peer's) rejects with
   * {@link EdgeError} `invalid_input`.
   */
  handle(request: EdgeHttpRequest): Promise<EdgeHttpResponse>;
  readonly maxBodyBytes: number;
  /** Live cookies and Watch streams, for tests and metrics. */
  readonly stats: { readonly cookies: number; readonly watches: number };
}

const JSON_TYPE = 'application/json; charset=utf-8';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): EdgeHttpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: utf8Encode(JSON.stringify(body)) };
}

/** A typed error body: the §3.2 status and `{"Code": status, "Message": reason}`. */
export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): EdgeHttpResponse {
  const known = (EDGE_STATUS as Record<number, string>)[status];
  return jsonResponse(status, { Code: status, Message: message || known || 'error' }, headers);
}

/**
 * What a device's set or service call returned, as the answer's `Data`: nothing (or an empty
 * object) is written `[]`, as every example of the seed shows it (`"Data":[]`).
 */
const returned = (d: JsonValue | undefined): JsonValue => (d === undefined || (isRecord(d) && Object.keys(d).length === 0) ? [] : d);

const ok = (data: unknown): EdgeHttpResponse => jsonResponse(200, { Data: data, Code: 200, Message: 'success' });

function readJsonBody(body: Uint8Array, max: number): JsonValue {
  if (body.length === 0) throw new EdgeHttpError(400, 'the request needs a JSON body');
  try {
    return parseJson(body, { maxBytes: max, maxDepth: 32 });
  } catch (e) {
    throw new EdgeHttpError(400, `the body is not valid JSON: ${(e as Error).message}`);
  }
}

function checkIssues(issues: readonly { path: string; message: string }[]): void {
  if (issues.length > 0) throw new EdgeHttpError(400, issues.map((i) => `${i.path}: ${i.message}`).join('; '));
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new EdgeHttpError(400, 'the path is not valid percent-encoded UTF-8');
  }
}

/**
 * The gateway side of the Edge HTTP API as a sans-IO handler: a request object in, a response
 * (or a Watch stream) out. It authenticates (Basic for the cookie operations, the `token`
 * cookie for the rest), enforces permissions, validates every request and answers refusals
 * with typed bodies carrying the §3.2 status codes. An adapter adds the listener, the body
 * limit while reading and the per-address connection limit (421).
 *
 * @example
 * const api = createEdgeHttpHandler({ backend, clock, random, users: [{ username: 'admin', password: 'admin1234' }] });
 * const res = await api.handle({ method: 'GET', url: '/2019-09-30/things', headers: { cookie }, body: new Uint8Array() });
 */
export function createEdgeHttpHandler(options: EdgeHttpHandlerOptions): EdgeHttpHandler {
  const { backend, clock } = options;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const maxCookies = options.maxCookies ?? 1024;
  const maxWatches = options.maxWatches ?? 64;
  const maxBulk = options.maxBulkThings ?? 1500;
  const users = new Map(options.users.map((u) => [u.username, u]));
  // Insertion order is age order: the first entry is the oldest cookie.
  const cookies = new Map<string, { readonly user: EdgeUser; readonly expires: number }>();
  let watches = 0;

  const basicUser = (req: EdgeHttpRequest): EdgeUser => {
    const header = req.headers['authorization'];
    if (header === undefined) throw new EdgeHttpError(401, 'Basic authorization is required');
    const v = verifyEdgeBasicAuthorization(header, (name) => users.get(name)?.password);
    if (!v.ok) throw new EdgeHttpError(401, v.code === 'malformed' ? 'malformed Basic authorization' : 'wrong username or password');
    return users.get(v.username)!;
  };

  const cookieUser = (req: EdgeHttpRequest): EdgeUser => {
    const header = req.headers['cookie'];
    if (header === undefined) throw new EdgeHttpError(401, 'an auth cookie is required: call CreateAuthCookie');
    let token: string | undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) token = part.slice(eq + 1).trim();
    }
    const entry = token === undefined ? undefined : cookies.get(token);
    if (entry === undefined) throw new EdgeHttpError(401, 'the auth cookie is unknown or was deleted: call CreateAuthCookie');
    if (entry.expires <= clock.now()) {
      cookies.delete(token!);
      throw new EdgeHttpError(401, 'the auth cookie has expired: call CreateAuthCookie');
    }
    return entry.user;
  };

  const allow = (user: EdgeUser, api: EdgeApiName): void => {
    if (user.permissions !== undefined && !user.permissions.includes(api)) throw new EdgeHttpError(403, `${user.username} may not call ${api}`);
  };

  function createCookie(user: EdgeUser): EdgeHttpResponse {
    const now = clock.now();
    for (const [t, c] of cookies) if (c.expires <= now) cookies.delete(t);
    while (cookies.size >= maxCookies) cookies.delete(cookies.keys().next().value!);
    const token = toHex(options.random(32));
    cookies.set(token, { user, expires: now + COOKIE_MAX_AGE * 1000 });
    return jsonResponse(201, { Code: 201, Message: 'success' }, { 'set-cookie': `${COOKIE_NAME}=${token}; Max-Age=${COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Strict` });
  }

  async function serviceReturns(pk: string, dn: string, services: unknown, path: string): Promise<{ Name: string; Returns: { Message: string; Data?: JsonValue } }[]> {
    if (!Array.isArray(services) || services.length === 0) throw new EdgeHttpError(400, `${path}: at least one service is required`);
    if (services.length > 100) throw new EdgeHttpError(400, `${path}: at most 100 services per call`);
    const calls = services.map((s: unknown, i) => {
      if (!isRecord(s) || typeof s['Name'] !== 'string' || s['Name'] === '') throw new EdgeHttpError(400, `${path}[${i}].Name: a service name is required`);
      return { name: s['Name'], args: s['Args'] as JsonValue | undefined };
    });
    return Promise.all(
      calls.map(async (c) => {
        try {
          const data = await backend.callService(pk, dn, c.name, c.args);
          return { Name: c.name, Returns: { Message: 'success', Data: returned(data) } };
        } catch (e) {
          if (e instanceof EdgeHttpError && e.status === 404) throw e;
          return { Name: c.name, Returns: { Message: (e as Error).message } };
        }
      }),
    );
  }

  async function bulk(body: JsonValue): Promise<EdgeHttpResponse> {
    if (!isRecord(body)) throw new EdgeHttpError(400, 'the body must be a JSON object');
    const action = canonicalBulkAction(body['BulkAction']);
    if (action === undefined) throw new EdgeHttpError(400, `BulkAction ${JSON.stringify(body['BulkAction'])} is not GetProperties, SetProperties, CallServices or Watch`);
    const things = body['Things'];
    if (!Array.isArray(things)) throw new EdgeHttpError(400, 'Things must be an array');
    if (things.length > maxBulk) throw new EdgeHttpError(400, `Things has ${things.length} devices, at most ${maxBulk} per request`);
    const items = things.map((t: unknown, i) => {
      if (!isRecord(t)) throw new EdgeHttpError(400, `Things[${i}] must be an object`);
      checkIssues(thingIssues(t['ProductKey'], t['DeviceName'], `Things[${i}]`));
      return { pk: t['ProductKey'] as string, dn: t['DeviceName'] as string, t, i };
    });
    if (action === 'Watch') {
      const targets = items.map(({ pk, dn, t, i }) => {
        const w = t['Watches'] ?? 'all';
        if (w !== 'all' && w !== 'properties' && w !== 'events') throw new EdgeHttpError(400, `Things[${i}].Watches must be all, properties or events`);
        return { productKey: pk, deviceName: dn, watches: w as WatchKind };
      });
      return watchResponse(targets);
    }
    if (action === 'GetProperties') for (const { t, i } of items) checkIssues(identifierIssues(t['Identifiers'], `Things[${i}].Identifiers`));
    if (action === 'SetProperties') {
      for (const { t, i } of items) if (!isRecord(t['Properties']) || Object.keys(t['Properties']).length === 0) throw new EdgeHttpError(400, `Things[${i}].Properties must be a non-empty object`);
    }
    const results = await Promise.all(
      items.map(async ({ pk, dn, t, i }) => {
        if (action === 'CallServices') {
          try {
            return { ProductKey: pk, DeviceName: dn, Services: await serviceReturns(pk, dn, t['Services'], `Things[${i}].Services`) };
          } catch (e) {
            if (e instanceof EdgeHttpError && e.status === 400) throw e;
            return { ProductKey: pk, DeviceName: dn, Services: [], Returns: { Message: (e as Error).message } };
          }
        }
        try {
          const data =
            action === 'GetProperties'
              ? await backend.getProperties(pk, dn, t['Identifiers'] as string[])
              : returned(await backend.setProperties(pk, dn, t['Properties'] as JsonObject));
          return { ProductKey: pk, DeviceName: dn, Returns: { Message: 'success', Data: data } };
        } catch (e) {
          return { ProductKey: pk, DeviceName: dn, Returns: { Message: (e as Error).message } };
        }
      }),
    );
    return ok({ Results: results, Timestamp: clock.now() });
  }

  function watchResponse(targets: readonly WatchTarget[]): EdgeHttpResponse {
    if (watches >= maxWatches) throw new EdgeHttpError(503, `too many Watch streams (at most ${maxWatches})`);
    watches++;
    let stop: (() => void) | undefined;
    let cancelBeat: (() => void) | undefined;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      watches--;
      stop?.();
      cancelBeat?.();
    };
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      stream: {
        start(write) {
          if (done) return;
          const beat = (): void => {
            cancelBeat = clock.setTimer(heartbeatMs, () => {
              write(encodeWatchMessage({ kind: 'heartbeat', timestamp: clock.now() }));
              beat();
            });
          };
          beat();
          stop = backend.watch(targets, (e) => write(encodeWatchMessage(e)));
        },
        cancel: release,
      },
    };
  }

  async function route(req: EdgeHttpRequest): Promise<EdgeHttpResponse> {
    if (req.body.length > maxBody) throw new EdgeHttpError(400, `the body exceeds ${maxBody} bytes`);
    const url = req.url.replace(/^\/+/, '/');
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (!path.startsWith(`${EDGE_API_PREFIX}/`)) throw new EdgeHttpError(404, `no API at ${path.slice(0, 200)}`);
    const parts = path.slice(EDGE_API_PREFIX.length + 1).split('/');
    const m = req.method.toUpperCase();
    const only = (method: string): void => {
      if (m !== method) throw new EdgeHttpError(405, `${path} accepts ${method} only`);
    };

    // /auth/cookies and /auth/cookies/{token}: Basic.
    if (parts[0] === 'auth' && parts[1] === 'cookies') {
      if (parts.length === 2) {
        only('POST');
        const user = basicUser(req);
        allow(user, 'CreateAuthCookie');
        return createCookie(user);
      }
      if (parts.length === 3) {
        only('DELETE');
        const user = basicUser(req);
        allow(user, 'DeleteAuthCookie');
        const entry = cookies.get(parts[2]!);
        // A user deletes its own cookies only; whether another's exists is not revealed.
        if (entry === undefined || entry.user.username !== user.username) throw new EdgeHttpError(404, 'no such cookie');
        cookies.delete(parts[2]!);
        return jsonResponse(200, { Code: 200, Message: 'success' });
      }
    }

    if (parts[0] === 'things') {
      const user = cookieUser(req);
      if (parts.length === 1) {
        only('GET');
        allow(user, 'ListThings');
        return ok({ Things: backend.listThings() });
      }
      if (parts.length === 2 && parts[1] === 'bulk') {
        only('POST');
        allow(user, 'BulkActions');
        return bulk(readJsonBody(req.body, maxBody));
      }
      if (parts.length === 4 && (parts[3] === 'properties' || parts[3] === 'services')) {
        const pk = decodeSegment(parts[1]!);
        const dn = decodeSegment(parts[2]!);
        checkIssues(thingIssues(pk, dn));
        if (parts[3] === 'properties' && m === 'GET') {
          allow(user, 'GetThingProperties');
          const ids = query.split('&').filter((p) => p.startsWith('identifiers=')).map((p) => decodeSegment(p.slice(12).replace(/\+/g, ' ')).trim());
          checkIssues(identifierIssues(ids, 'identifiers'));
          return ok({ Properties: await backend.getProperties(pk, dn, ids), Timestamp: clock.now() });
        }
        only('POST');
        const body = readJsonBody(req.body, maxBody);
        if (!isRecord(body)) throw new EdgeHttpError(400, 'the body must be a JSON object');
        if (parts[3] === 'properties') {
          allow(user, 'SetThingProperties');
          const props = body['Properties'];
          if (!isRecord(props) || Object.keys(props).length === 0) throw new EdgeHttpError(400, 'Properties must be a non-empty object');
          const data = await backend.setProperties(pk, dn, props as JsonObject);
          return ok({ Data: returned(data), Timestamp: clock.now() });
        }
        allow(user, 'CallThingServices');
        return ok({ Services: await serviceReturns(pk, dn, body['Services'], 'Services'), Timestamp: clock.now() });
      }
    }

    if (parts[0] === 'functions' && parts.length === 3 && parts[2] === 'invocations') {
      const user = cookieUser(req);
      only('POST');
      allow(user, 'InvokeFunction');
      const fn = parseFunctionArn(decodeSegment(parts[1]!));
      if (fn === undefined) throw new EdgeHttpError(400, 'Function is not a function ARN (service:{name}:function:{name})');
      if (backend.invokeFunction === undefined) throw new EdgeHttpError(404, 'this gateway runs no functions');
      const r = await backend.invokeFunction(fn, req.body);
      if (r.ok) return { status: 200, headers: { 'content-type': r.contentType ?? 'text/plain; charset=utf-8' }, body: r.body };
      // Both kinds are 500; the header tells the function's own error from the runtime's (§3.5.1).
      return jsonResponse(500, { Message: r.message, StackTrace: r.stackTrace ?? [] }, { 'x-fc-error-type': r.errorType });
    }
    throw new EdgeHttpError(404, `no API at ${path.slice(0, 200)}`);
  }

  return {
    maxBodyBytes: maxBody,
    get stats() {
      return { cookies: cookies.size, watches };
    },
    async handle(req) {
      // The adapter's request, not the peer's: a wrong shape is a bug in the adapter, refused as one.
      if (typeof req !== 'object' || req === null || typeof req.method !== 'string' || typeof req.url !== 'string' || typeof req.headers !== 'object' || req.headers === null || !(req.body instanceof Uint8Array)) {
        throw new EdgeError('invalid_input', `an Edge HTTP request needs method and url strings, a headers object and the body as bytes, got ${describe(req)}`);
      }
      try {
        return await route(req);
      } catch (e) {
        if (e instanceof EdgeHttpError) return errorResponse(e.status, e.message, e.status === 405 ? { allow: 'GET, POST, DELETE' } : {});
        return errorResponse(500, 'internal error');
      }
    },
  };
}
