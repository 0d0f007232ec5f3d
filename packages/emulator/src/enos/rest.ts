import type http from 'node:http';
import { codeInfo } from '@linkwire/alink';
import { toHex } from '@linkwire/base';
import { nodeRandom } from '@linkwire/node';
import { enosTokenReply, verifyEnosApimRequest, verifyEnosTokenRequest } from '@linkwire/sign';
import type { CommandResult } from './commands.ts';
import type { DeviceState } from './state.ts';

/** An application of the API gateway. */
export interface EnosApp {
  readonly appKey: string;
  readonly appSecret: string;
}

export interface EnosRestDeps {
  readonly apps: readonly EnosApp[];
  readonly now: () => number;
  readonly tokenTtlSeconds: number;
  device(q: { assetId?: string; productKey?: string; deviceKey?: string }): DeviceState | undefined;
  /** Puts the command in the device's queue (commands.ts): cached, or instant and answered. */
  submit(d: DeviceState, serviceId: string, inputData: unknown, options: { pendingTtl: number; timeoutSeconds: number }): Promise<CommandResult>;
}

const MAX_BODY = 64 * 1024;

/**
 * The API gateway's token service and `invokeService` (enos-rest-invoke-service.txt): tokens
 * verified by their `encryption`, every call by its `apim-signature`; an instant command goes to
 * the device as `thing.service.{serviceId}` and its reply becomes the response; 11888 when the
 * device was never activated; the queue's codes otherwise (commands.ts: 11900 offline, 11904 not
 * sent in time, 11915 no answer in time, 11902 cache full); a cached command (`pendingTtl` > 0)
 * is answered at once with its commandId.
 */
export function createEnosRestHandler(deps: EnosRestDeps): http.RequestListener {
  const secrets = new Map(deps.apps.map((a) => [a.appKey, a.appSecret]));
  const tokens = new Map<string, { appKey: string; expiresAt: number }>();

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const failure = (res: http.ServerResponse, code: number, msg?: string, status = 200): void =>
    send(res, status, { code, msg: msg ?? codeInfo(code, 'enos-rest')?.message ?? 'error', submsg: null, requestId: toHex(nodeRandom(16)), data: null });

  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        failure(res, 413, 'request body too large', 413);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://emulator');
      if (req.method !== 'POST') return failure(res, 405, 'POST only', 405);
      if (url.pathname === '/apim-token-service/v2.0/token/get') {
        const v = verifyEnosTokenRequest(body, (k) => secrets.get(k), { now: deps.now() });
        if (!v.ok) return send(res, 200, { status: 401, msg: v.reason, data: null });
        const accessToken = toHex(nodeRandom(16));
        tokens.set(accessToken, { appKey: v.appKey, expiresAt: deps.now() + deps.tokenTtlSeconds * 1000 });
        return send(res, 200, enosTokenReply({ accessToken, expire: deps.tokenTtlSeconds }));
      }
      if (url.pathname === '/connect-service/v2.1/commands' && url.searchParams.get('action') === 'invokeService') {
        const headers = req.headers as Record<string, string | undefined>;
        const v = verifyEnosApimRequest({ headers, query: url.search, body }, (t) => {
          const tok = tokens.get(t);
          return tok === undefined || tok.expiresAt <= deps.now() ? undefined : secrets.get(tok.appKey);
        }, { now: deps.now() });
        if (!v.ok) return failure(res, 401, `unauthorized: ${v.reason}`, 401);
        return void invoke(url.searchParams, body, res);
      }
      failure(res, 404, 'no such API', 404);
    });
  };

  async function invoke(q: URLSearchParams, body: string, res: http.ServerResponse): Promise<void> {
    const int = (name: string, min: number, max: number, dflt: number): number | undefined => {
      const t = q.get(name);
      if (t === null) return dflt;
      const n = Number(t);
      return /^\d+$/.test(t) && n >= min && n <= max ? n : undefined;
    };
    const pendingTtl = int('pendingTtl', 0, 172_800, 0);
    const timeout = int('timeout', 1, 60, 30);
    const serviceId = q.get('serviceId');
    if (pendingTtl === undefined || timeout === undefined || !q.get('orgId') || !serviceId) return failure(res, 400, 'invalid parameter: orgId, serviceId, pendingTtl (0-172800), timeout (1-60)');
    let input: unknown;
    try {
      input = (JSON.parse(body) as { inputData?: unknown }).inputData;
    } catch {
      return failure(res, 400, 'the body is not JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return failure(res, 400, 'inputData must be an object');
    const d = deps.device({ assetId: q.get('assetId') ?? undefined, productKey: q.get('productKey') ?? undefined, deviceKey: q.get('deviceKey') ?? undefined });
    if (d === undefined) return failure(res, 400, 'the device does not exist');
    // 11888 is for instant commands; a cached one waits for the device to be activated and come online.
    if (d.deviceSecret === undefined && pendingTtl === 0) return failure(res, 11888);
    const ok = (data: Record<string, unknown>): void => send(res, 200, { code: 0, msg: 'Success', submsg: null, requestId: toHex(nodeRandom(16)), data });
    const r = await deps.submit(d, serviceId, input, { pendingTtl, timeoutSeconds: timeout });
    if (r.kind === 'cached') return ok({ commandId: r.commandId });
    if (r.kind === 'failed') return failure(res, r.enosCode);
    if (r.code !== 200) return failure(res, r.code, r.message ?? `the device answered ${r.code}`);
    ok({ commandId: r.commandId, outputData: r.data ?? {} });
  }
}
