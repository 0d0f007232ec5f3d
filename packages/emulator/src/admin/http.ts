import type http from 'node:http';
import { JsonError, parseJson, type JsonValue } from '@linkwire/base';

/**
 * The admin API's error body: `{"error": {"code", "message", …}}` with a stable `code`, so a
 * script can branch on it without reading prose.
 */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export type AdminErrorCode =
  | 'bad_json' | 'invalid_request' | 'not_found' | 'method_not_allowed' | 'payload_too_large'
  | 'unsupported_media_type' | 'unauthorized' | 'forbidden' | 'conflict' | 'device_offline'
  | 'timeout' | 'invalid_params' | 'version_conflict' | 'unavailable' | 'internal';

/** JSON request bodies: more than any command a person sends, far less than a memory problem. */
export const MAX_JSON_BODY = 256 * 1024;
/** Firmware uploads (`application/octet-stream`). */
export const MAX_FIRMWARE_BODY = 16 * 1024 * 1024;

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: http.ServerResponse, e: AdminError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refused body is not read: the connection is closed after the answer, so its rest is not either.
  if (e.code === 'payload_too_large') res.setHeader('connection', 'close');
  if (e.status === 401) res.setHeader('www-authenticate', 'Bearer realm="linkwire emulator"');
  if (e.status === 405 && typeof e.extra['allow'] === 'string') res.setHeader('allow', e.extra['allow']);
  const { allow: _allow, ...extra } = e.extra;
  sendJson(res, e.status, { error: { code: e.code, message: e.message, ...extra } });
}

/** Reads a body of at most `max` bytes: refuses by `content-length` before reading, or once the count passes it. */
export function readBody(req: http.IncomingMessage, max: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    return Promise.reject(new AdminError(413, 'payload_too_large', `the body is over ${max} bytes`, { limit: max }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        req.pause();
        reject(new AdminError(413, 'payload_too_large', `the body is over ${max} bytes`, { limit: max }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
  });
}

/** A JSON object body, read with the size limit and without prototype surprises. */
export async function readJsonObject(req: http.IncomingMessage): Promise<Record<string, JsonValue>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // application/json only: a cross-site form cannot send it without a CORS preflight, which this server never grants.
  if (type !== 'application/json') throw new AdminError(415, 'unsupported_media_type', 'send the body as application/json');
  const bytes = await readBody(req, MAX_JSON_BODY);
  let value: JsonValue;
  try {
    value = parseJson(bytes, { maxBytes: MAX_JSON_BODY, maxDepth: 32 });
  } catch (e) {
    throw new AdminError(400, 'bad_json', e instanceof JsonError ? e.message : 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminError(400, 'invalid_request', 'the body must be a JSON object');
  return value;
}

/** Field readers that turn a wrong type into a 400 naming the field. */
export const field = {
  text(body: Record<string, JsonValue>, name: string, required: boolean): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (required) throw new AdminError(400, 'invalid_request', `"${name}" is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw new AdminError(400, 'invalid_request', `"${name}" must be a string`);
    return v;
  },
  bool(body: Record<string, JsonValue>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new AdminError(400, 'invalid_request', `"${name}" must be true or false`);
    return v;
  },
  integer(body: Record<string, JsonValue>, name: string, min: number, max: number): number | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new AdminError(400, 'invalid_request', `"${name}" must be an integer from ${min} to ${max}`);
    return v;
  },
  object(body: Record<string, JsonValue>, name: string, required: boolean): Record<string, JsonValue> | undefined {
    const v = body[name];
    if (v === undefined) {
      if (required) throw new AdminError(400, 'invalid_request', `"${name}" is required`);
      return undefined;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AdminError(400, 'invalid_request', `"${name}" must be a JSON object`);
    return v;
  },
};

/** An integer query parameter in a range, or the default. */
export function queryInteger(params: URLSearchParams, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw new AdminError(400, 'invalid_request', `query "${name}" must be an integer from ${min} to ${max}`);
  return n;
}
