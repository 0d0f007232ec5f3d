import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { constantTimeEqual } from '@linkwire/base';
import { listen } from '../listeners.ts';
import { createAdminApi, messageFilter, type AdminPlatform } from './api.ts';
import { AdminError, SECURITY_HEADERS, queryInteger, sendError } from './http.ts';
import { matches, type LogEntry } from './log.ts';

/** Where the admin API and the web console listen. */
export interface AdminOptions {
  /** Default 127.0.0.1. Any other address needs a `token`. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /**
   * Every `/api/` request must carry `Authorization: Bearer {token}`. Required when `host` is
   * not a loopback address; the console takes it from the URL's fragment (`/#token=…`).
   */
  readonly token?: string;
}

export interface AdminServer {
  /** `http://{host}:{port}/`: the console; the API is under `api/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Open event streams at once; a console tab holds one. */
export const MAX_EVENT_STREAMS = 64;
/** Bytes an event stream may fall behind before entries are skipped (and the gap announced). */
const STREAM_BACKLOG = 1024 * 1024;
/**
 * Entries per second a stream carries (a burst of twice as many): more than a person can read,
 * and a page can draw. Past it a flooding device is sampled, so the console stays current
 * instead of falling seconds behind; the skipped count is announced (`event: gap`).
 */
export const STREAM_RATE = 1000;
/** Entries replayed to a stream that asks for what came after an id (`Last-Event-ID`, `after`). */
const MAX_REPLAY = 1000;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Starts the admin HTTP API and the web console on one listener. Every peer is treated as
 * hostile: bodies are bounded, the token is compared in constant time, and on loopback without
 * a token the Host and Origin headers are checked so that a web page the user visits can
 * neither reach the API by DNS rebinding nor post to it across sites.
 */
export async function startAdminServer(platform: AdminPlatform, options: AdminOptions): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) throw new TypeError('admin token must be a string of at least 16 characters');
  if (token === undefined && !isLoopback(host)) {
    throw new TypeError(`the admin API on ${host} would be open to the network: give admin.token (or bind it to 127.0.0.1)`);
  }
  const api = createAdminApi(platform);
  const assets = createAssets(platform);
  let port = 0;
  const streams = new Set<http.ServerResponse>();

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host.includes(':') ? `[${host}]` : host}:${port}`]);
  let hosts: Set<string> | undefined;

  const checkAccess = (req: http.IncomingMessage): void => {
    const hostHeader = req.headers.host ?? '';
    if (token === undefined && !(hosts ??= allowedHosts()).has(hostHeader)) throw new AdminError(403, 'forbidden', `requests must name this server in Host (${[...hosts][0]}), not ${JSON.stringify(hostHeader)}`);
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${hostHeader}`) throw new AdminError(403, 'forbidden', 'cross-origin requests are refused');
    if (token !== undefined) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!constantTimeEqual(given, token)) throw new AdminError(401, 'unauthorized', 'send Authorization: Bearer {token}');
    }
  };

  const events = (req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): void => {
    if (streams.size >= MAX_EVENT_STREAMS) throw new AdminError(503, 'unavailable', `at most ${MAX_EVENT_STREAMS} event streams at once`);
    const filter = messageFilter(query);
    const lastId = req.headers['last-event-id'];
    const after = queryInteger(new URLSearchParams(typeof lastId === 'string' ? { after: lastId } : query), 'after', undefined, 0, Number.MAX_SAFE_INTEGER);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    streams.add(res);
    // Entries are written once per turn of the event loop: a busy device costs one write per
    // turn, not one per message.
    let batch = '';
    let scheduled = false;
    let skipped = 0;
    let lastGap = 0;
    let tokens = 2 * STREAM_RATE;
    let refilled = performance.now();
    const flush = (): void => {
      scheduled = false;
      if (res.destroyed || batch === '') return;
      res.write(batch);
      batch = '';
    };
    const push = (e: LogEntry): void => {
      if (!matches(e, filter)) return;
      const t = performance.now();
      tokens = Math.min(2 * STREAM_RATE, tokens + ((t - refilled) / 1000) * STREAM_RATE);
      refilled = t;
      if (tokens < 1 || res.writableLength > STREAM_BACKLOG) {
        skipped++;
        return;
      }
      tokens--;
      // The skipped count goes out at most once a second, not once per sampled entry.
      if (skipped > 0 && t - lastGap >= 1000) {
        batch += `event: gap\ndata: {"skipped":${skipped}}\n\n`;
        skipped = 0;
        lastGap = t;
      }
      batch += `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    if (after !== undefined) {
      const missed = platform.log.query({ ...filter, after, limit: MAX_REPLAY }).entries;
      for (let i = missed.length - 1; i >= 0; i--) push(missed[i]!);
    }
    const stop = platform.log.listen(push);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    res.on('close', () => {
      stop();
      clearInterval(heartbeat);
      streams.delete(res);
    });
  };

  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      return sendError(res, new AdminError(400, 'invalid_request', 'the request target is not a path'));
    }
    const path = url.pathname;
    const run = async (): Promise<void> => {
      if (path === '/api' || path.startsWith('/api/')) {
        checkAccess(req);
        if (path === '/api/events') {
          if (req.method !== 'GET') throw new AdminError(405, 'method_not_allowed', `${req.method} is not allowed here`, { allow: 'GET' });
          return events(req, res, url.searchParams);
        }
        return await api(req, res, path, url.searchParams);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new AdminError(405, 'method_not_allowed', `${req.method} is not allowed here`, { allow: 'GET, HEAD' });
      await assets.serve(req, res, path);
    };
    run().catch((e: unknown) => {
      if (e instanceof AdminError) return sendError(res, e);
      // A fault of ours: the message stays in the process, the client learns only that it happened.
      platform.ctx.emit({ type: 'invalid', topic: path, reason: `admin API: ${(e as Error)?.message ?? String(e)}` });
      sendError(res, new AdminError(500, 'internal', 'the request failed inside the emulator'));
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  server.maxConnections = 256;
  port = await listen(server, host, options.port ?? 0);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of streams) s.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Where the pages are: beside this module (running from src/), in the package's src/ (from
 * dist/), or found through the package's own name (when the emulator was bundled into
 * another script, as the benchmarks do).
 */
function consoleDirectory(): string | undefined {
  const candidates = [new URL('../console/', import.meta.url), new URL('../../src/console/', import.meta.url)];
  try {
    candidates.push(new URL('../src/console/', import.meta.resolve('@linkwire/emulator')));
  } catch {
    // not resolvable from here: the first two are all there is
  }
  return candidates.map((u) => fileURLToPath(u)).find((d) => existsSync(`${d}console.html`));
}

/** The page of the console and of the browser device: HTML and CSS from files, scripts bundled once from their sources. */
function createAssets(platform: AdminPlatform) {
  const dir = consoleDirectory();
  const bundles = new Map<string, Promise<string>>();
  const bundle = (entry: string): Promise<string> => {
    let b = bundles.get(entry);
    if (b === undefined) {
      b = bundleScript(`${dir}${entry}`);
      bundles.set(entry, b);
      // A failed build is retried on the next request rather than remembered.
      b.catch(() => bundles.delete(entry));
    }
    return b;
  };
  const csp = (connect: string, wasm: boolean): string =>
    `default-src 'none'; script-src 'self'${wasm ? " 'wasm-unsafe-eval'" : ''}; style-src 'self'; img-src 'self' data:; connect-src ${connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  const files: Record<string, { readonly file: string; readonly type: string; readonly script?: boolean }> = {
    '/': { file: 'console.html', type: 'text/html' },
    '/console.css': { file: 'console.css', type: 'text/css' },
    '/console.js': { file: 'console.ts', type: 'text/javascript', script: true },
    '/device': { file: 'device.html', type: 'text/html' },
    '/device.js': { file: 'device.ts', type: 'text/javascript', script: true },
    '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  };
  return {
    async serve(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
      const f = files[path];
      if (f === undefined || dir === undefined) throw new AdminError(404, 'not_found', `no page ${path}`);
      const wsPort = platform.emulator.wsPort;
      const body = f.script === true ? await bundle(f.file) : readFileSync(`${dir}${f.file}`, 'utf8').replace('{{WS_PORT}}', wsPort === undefined ? '' : String(wsPort));
      const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
      // The browser device talks MQTT over the emulator's WebSocket listener, and nothing else;
      // it may compile WebAssembly (the hashing fast path), never evaluate JavaScript.
      const connect = path === '/device' && wsPort !== undefined ? `'self' ws://${hostname}:${wsPort}` : "'self'";
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': `${f.type}; charset=utf-8`, 'content-security-policy': csp(connect, path === '/device'), 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/**
 * The page scripts import @linkwire/tsl and @linkwire/web, so they are bundled, from the
 * TypeScript sources every @linkwire package ships (`@linkwire/source`), with esbuild when first
 * asked for: nothing built is committed, and a clean clone serves the console after `npm ci`.
 */
async function bundleScript(file: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [file], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', minify: true,
    conditions: ['@linkwire/source', 'browser', 'import', 'default'], mainFields: ['browser', 'module', 'main'], logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}
