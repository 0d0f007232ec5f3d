import http from 'node:http';
import { OptionError } from '@linkwire/base';
import { checkEdgeGatewayOptions } from '../options.ts';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { encodeRequest, requestIds } from '@linkwire/alink';
import type { Clock, JsonValue, Random } from '@linkwire/base';
import {
  EdgeHttpError, createEdgeHttpHandler, createEdgeHub, errorResponse, functionArn,
  type EdgeBackend, type EdgeHttpResponse, type EdgeHub, type EdgeUser, type FunctionOutcome, type FunctionTransport, type HubDriver, type HubEvent,
} from '@linkwire/edge';
import { topicMatches } from '@linkwire/mqtt';
import { connectMqtt, nodeClock, nodeRandom, type NodeMqttConnection } from '@linkwire/node';
import { combineLoginParams, combineLogoutParams, mqttCredentials, topoAddEntry } from '@linkwire/sign';

/** What a function gets besides its event: the seed's `context` plus the SDK transport. */
export interface EdgeFunctionContext {
  readonly requestId: string;
  readonly invokerContext: JsonValue | undefined;
  /** Give it to `new IoTData(...)` and `new FCClient(...)`. */
  readonly transport: FunctionTransport;
  /** The group role's temporary credentials, for `contextCredentials(context)`. */
  readonly credentials?: { readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string };
}

/**
 * A function as the seed writes them: `handler(event, context, callback)`; it may also return
 * its result (or a Promise of it) instead of calling back. The result is a string or bytes.
 */
export type EdgeFunctionHandler = (
  event: Uint8Array,
  context: EdgeFunctionContext,
  callback: (err: Error | null | undefined, result?: string | Uint8Array) => void,
) => unknown;

export interface EdgeRoute {
  /** An MQTT filter over published topics. */
  readonly topicFilter: string;
  /** A function (`service:{s}:function:{f}`) that receives the message, or `cloud` for the upstream link. */
  readonly target: string;
}

export interface EdgeGatewayOptions {
  /** Loopback by default. */
  readonly host?: string;
  /** The HTTP API port; 0 (default) picks a free one (a real gateway uses 9999). */
  readonly apiPort?: number;
  /** The driver listener's port; 0 (default) picks a free one. */
  readonly driverPort?: number;
  /** Also accept drivers over WebSocket (subprotocol `mqtt`): browsers, Deno and Bun dial it. */
  readonly websocket?: boolean;
  /** The gateway's own identity; `deviceSecret` is needed for the upstream link. */
  readonly gateway: { readonly productKey: string; readonly deviceName: string; readonly deviceSecret?: string };
  readonly drivers: readonly HubDriver[];
  /** TSL documents by productKey. */
  readonly tsl?: { readonly [productKey: string]: string };
  readonly tslExtInfo?: { readonly [productKey: string]: string };
  /** API accounts; default the seed's admin / admin1234, allowed only when listening on loopback. */
  readonly users?: readonly EdgeUser[];
  readonly functions?: { readonly [arn: string]: EdgeFunctionHandler };
  readonly routes?: readonly EdgeRoute[];
  /** How long a function may run, default 10 s (then `Unhandled`). */
  readonly functionTimeoutMs?: number;
  /** The group role's temporary credentials handed to every function (`context.credentials`). */
  readonly functionCredentials?: EdgeFunctionContext['credentials'];
  /** Connections one address may hold on the API listener, default 32; one more gets 421. */
  readonly maxConnectionsPerAddress?: number;
  readonly replyTimeoutMs?: number;
  readonly heartbeatMs?: number;
  /** A driver whose replies back up and that reads none of them for this long is disconnected. Default 10 s. */
  readonly driverStallMs?: number;
  /** Connect to a cloud (the emulator) as the gateway device, and log the sub-devices in there. */
  readonly upstream?: { readonly host: string; readonly port: number; readonly deviceSecret: (productKey: string, deviceName: string) => string | undefined };
  readonly onEvent?: (event: HubEvent | { readonly type: 'published'; readonly topic: string } | { readonly type: 'upstream'; readonly topic: string; readonly error?: string }) => void;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface EdgeGateway {
  readonly host: string;
  readonly apiPort: number;
  readonly driverPort: number;
  /** The WebSocket driver listener's port when `websocket` was asked for. */
  readonly driverWsPort: number | undefined;
  /** `http://{host}:{apiPort}`: the client adds `/2019-09-30`. */
  readonly url: string;
  readonly hub: EdgeHub;
  registerFunction(serviceName: string, functionName: string, handler: EdgeFunctionHandler): void;
  /** IoTData.publish from outside a function. */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /** The upstream link's connection, once up. */
  readonly upstream: NodeMqttConnection | undefined;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** Bytes the gateway holds for a driver that does not read them before it closes the driver's connection. */
const MAX_DRIVER_BACKLOG = 8 * 1024 * 1024;
/** Posts and events of one device waiting for the upstream link; more are dropped (an `upstream` event says so). */
const MAX_UPSTREAM_PER_DEVICE = 100;

/**
 * A local Link IoT Edge gateway: the Edge HTTP API on one listener, the driver protocol on
 * another (both sans-IO cores from @linkwire/edge under thin Node sockets), functions registered
 * in code, message routes, and optionally the gateway itself connected upstream to the cloud as
 * a gateway device, forwarding its drivers' devices (topology, sub-device login, posts).
 *
 * @example
 * const gw = await startEdgeGateway({ gateway: { productKey: 'a1gw', deviceName: 'edge1' }, drivers: [{ driverId, driverSecret, config }] });
 * // drivers dial gw.driverPort; API clients use gw.url
 */
export async function startEdgeGateway(options: EdgeGatewayOptions): Promise<EdgeGateway> {
  checkEdgeGatewayOptions(options);
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? nodeClock;
  const random = options.random ?? nodeRandom;
  if (options.users === undefined && !LOOPBACK.has(host)) throw new OptionError('users', 'given when the gateway listens beyond loopback (the default admin/admin1234 account is only allowed on loopback)', undefined);
  const users = options.users ?? [{ username: 'admin', password: 'admin1234' }];
  const functions = new Map<string, EdgeFunctionHandler>(Object.entries(options.functions ?? {}));
  const routes = options.routes ?? [];
  const functionTimeoutMs = options.functionTimeoutMs ?? 10_000;
  let upstream: NodeMqttConnection | undefined;
  let upstreamChain: Promise<unknown> = Promise.resolve();
  const upstreamIds = requestIds();
  let requestSeq = 0;

  const hub = createEdgeHub({
    clock,
    gateway: options.gateway,
    drivers: options.drivers,
    tsl: (pk) => options.tsl?.[pk],
    tslExtInfo: (pk) => options.tslExtInfo?.[pk],
    replyTimeoutMs: options.replyTimeoutMs,
    onEvent: (e) => {
      options.onEvent?.(e);
      forwardUpstream(e);
    },
  });

  // ---- the upstream link: the gateway as a gateway device of the cloud ----
  const gw = options.gateway;
  // Posts and events queued per device: a device posting faster than the link carries has its
  // surplus dropped (as the platform rate-limits), so it cannot delay every other device's posts.
  const queued = new Map<string, number>();
  function toCloud(topic: string, params: unknown, method: string, device?: string): void {
    if (device !== undefined) {
      const n = queued.get(device) ?? 0;
      if (n >= MAX_UPSTREAM_PER_DEVICE) {
        options.onEvent?.({ type: 'upstream', topic, error: `upstream queue full: more than ${MAX_UPSTREAM_PER_DEVICE} messages of ${device} waiting, ${method} dropped` });
        return;
      }
      queued.set(device, n + 1);
    }
    upstreamChain = upstreamChain.then(async () => {
      if (device !== undefined) {
        const n = (queued.get(device) ?? 1) - 1;
        if (n === 0) queued.delete(device);
        else queued.set(device, n);
      }
      if (upstream === undefined) return;
      try {
        await upstream.session.publish(topic, encodeRequest({ id: upstreamIds.next(), version: '1.0', params, method }), { qos: 1 });
        options.onEvent?.({ type: 'upstream', topic });
      } catch (e) {
        options.onEvent?.({ type: 'upstream', topic, error: (e as Error).message });
      }
    });
  }
  function forwardUpstream(e: HubEvent): void {
    const up = options.upstream;
    if (up === undefined || !('productKey' in e)) return;
    const { productKey, deviceName } = e;
    const secret = up.deviceSecret(productKey, deviceName);
    if (secret === undefined) return;
    const sys = `/sys/${gw.productKey}/${gw.deviceName}`;
    const session = `/ext/session/${gw.productKey}/${gw.deviceName}`;
    switch (e.type) {
      case 'registered':
        return toCloud(`${sys}/thing/topo/add`, [topoAddEntry({ productKey, deviceName, deviceSecret: secret, timestamp: clock.now() })], 'thing.topo.add');
      case 'online':
        return toCloud(`${session}/combine/login`, combineLoginParams({ productKey, deviceName, deviceSecret: secret, timestamp: clock.now() }), 'combine.login');
      case 'offline':
        return toCloud(`${session}/combine/logout`, combineLogoutParams({ productKey, deviceName }), 'combine.logout');
      case 'unregistered':
        return toCloud(`${sys}/thing/topo/delete`, [{ productKey, deviceName }], 'thing.topo.delete');
      case 'properties':
        return toCloud(`/sys/${productKey}/${deviceName}/thing/event/property/post`, e.params, 'thing.event.property.post', `${productKey}/${deviceName}`);
      case 'event':
        return toCloud(`/sys/${productKey}/${deviceName}/thing/event/${e.eventId}/post`, e.params, `thing.event.${e.eventId}.post`, `${productKey}/${deviceName}`);
      default:
        return;
    }
  }

  // ---- functions and message routing ----
  const transport: FunctionTransport = {
    publish: (topic, payload) => publish(topic, payload),
    getThingProperties: (pk, dn, ids) => hub.backend.getProperties(pk, dn, ids),
    setThingProperties: (pk, dn, props) => hub.backend.setProperties(pk, dn, props),
    callThingService: (pk, dn, service, args) => hub.backend.callService(pk, dn, service, args),
    getThingsWithTags: async (tags) => hub.thingsWithTags(tags),
    async invokeFunction(service, fn, payload, o) {
      const r = await invoke(functionArn(service, fn), payload, o.invokerContext, o.invocationType === 'Async');
      if (!r.ok) throw new EdgeHttpError(500, r.message, { errorType: r.errorType, stackTrace: r.stackTrace });
      return r.body;
    },
  };

  function invoke(arn: string, payload: Uint8Array, invokerContext: JsonValue | undefined, async = false): Promise<FunctionOutcome> {
    const handler = functions.get(arn);
    if (handler === undefined) return Promise.reject(new EdgeHttpError(404, `no function ${arn} on this gateway`));
    const context: EdgeFunctionContext = { requestId: String(++requestSeq), invokerContext, transport, credentials: options.functionCredentials };
    const run = new Promise<FunctionOutcome>((resolve) => {
      let done = false;
      const finish = (o: FunctionOutcome): void => {
        if (done) return;
        done = true;
        cancel();
        resolve(o);
      };
      const cancel = clock.setTimer(functionTimeoutMs, () => finish({ ok: false, errorType: 'Unhandled', message: `the function timed out after ${functionTimeoutMs} ms` }));
      const callback = (err: Error | null | undefined, result?: string | Uint8Array): void => {
        if (err) return finish({ ok: false, errorType: 'Handled', message: err.message, stackTrace: (err.stack ?? '').split('\n').slice(1, 20).map((l) => l.trim()) });
        finish({ ok: true, body: typeof result === 'string' ? Buffer.from(result) : (result ?? new Uint8Array(0)) });
      };
      try {
        const r = handler(payload, context, callback);
        if (r instanceof Promise) r.then((v) => v !== undefined && callback(null, typeof v === 'string' || v instanceof Uint8Array ? v : JSON.stringify(v)), (e: unknown) => finish({ ok: false, errorType: 'Unhandled', message: (e as Error)?.message ?? String(e) }));
        else if (typeof r === 'string' || r instanceof Uint8Array) callback(null, r);
      } catch (e) {
        finish({ ok: false, errorType: 'Unhandled', message: (e as Error)?.message ?? String(e) });
      }
    });
    if (async) {
      run.catch(() => undefined);
      return Promise.resolve({ ok: true, body: new Uint8Array(0) });
    }
    return run;
  }

  async function publish(topic: string, payload: Uint8Array): Promise<void> {
    options.onEvent?.({ type: 'published', topic });
    for (const r of routes) {
      if (!topicMatches(r.topicFilter, topic)) continue;
      if (r.target === 'cloud') {
        if (upstream !== undefined) await upstream.session.publish(topic, payload, { qos: 1 });
      } else if (functions.has(r.target)) void invoke(r.target, payload, { topic }, true);
    }
  }

  const backend: EdgeBackend = {
    ...hub.backend,
    invokeFunction: (fn, payload) => invoke(functionArn(fn.serviceName, fn.functionName), payload, undefined),
  };
  const api = createEdgeHttpHandler({ backend, clock, random, users, heartbeatMs: options.heartbeatMs });

  // ---- the API listener ----
  const perAddress = new Map<string, number>();
  const maxPerAddress = options.maxConnectionsPerAddress ?? 32;
  const server = http.createServer((req, res) => void serve(req, res));
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('connection', (socket) => {
    const addr = socket.remoteAddress ?? '?';
    const n = (perAddress.get(addr) ?? 0) + 1;
    perAddress.set(addr, n);
    socket.once('close', () => {
      const left = (perAddress.get(addr) ?? 1) - 1;
      if (left <= 0) perAddress.delete(addr);
      else perAddress.set(addr, left);
    });
    if (n > maxPerAddress) {
      const body = Buffer.from(JSON.stringify({ Code: 421, Message: `too many connections from ${addr} (at most ${maxPerAddress})` }));
      socket.end(`HTTP/1.1 421 Too Many Connections\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString()}`);
    }
  });

  function send(res: http.ServerResponse, r: EdgeHttpResponse, req: http.IncomingMessage): void {
    if ('body' in r) {
      res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) }).end(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.length));
      return;
    }
    res.writeHead(r.status, { ...r.headers });
    res.flushHeaders();
    let ended = false;
    const stop = (): void => {
      if (ended) return;
      ended = true;
      r.stream.cancel();
      if (!res.writableEnded) res.end();
    };
    req.socket.once('close', stop);
    res.once('close', stop);
    r.stream.start(
      (chunk) => {
        if (ended) return;
        res.write(chunk);
        // A reader that does not keep up is cut rather than buffered without bound.
        if (res.writableLength > 1 << 20) {
          res.destroy();
          stop();
        }
      },
      stop,
    );
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if ((perAddress.get(req.socket.remoteAddress ?? '?') ?? 0) > maxPerAddress) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > api.maxBodyBytes) {
        tooLarge = true;
        break;
      }
      chunks.push(c);
    }
    if (tooLarge) {
      const r = errorResponse(400, `the body exceeds ${api.maxBodyBytes} bytes`) as { status: number; headers: Record<string, string>; body: Uint8Array };
      res.writeHead(r.status, { ...r.headers, connection: 'close' }).end(Buffer.from(r.body));
      req.socket?.destroySoon?.();
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const r = await api.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: new Uint8Array(Buffer.concat(chunks)) });
    send(res, r, req);
  }

  // ---- the driver listener ----
  const sockets = new Set<net.Socket>();
  // A driver that sends faster than it reads what the gateway answers is throttled, then cut:
  // once its replies back up past the socket's buffer, the gateway stops reading from it (its
  // further packets wait in its own kernel buffers, so it slows down instead of the gateway), and
  // a driver that has not read for `driverStallMs`, or whose backlog passes 8 MiB, is closed.
  const stallMs = options.driverStallMs ?? 10_000;
  const driverServer = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let cancelStall: (() => void) | undefined;
    const send = (bytes: Uint8Array): void => {
      if (socket.destroyed) return;
      socket.write(bytes);
      if (socket.writableLength > MAX_DRIVER_BACKLOG) return void socket.destroy();
      if (!socket.writableNeedDrain || cancelStall !== undefined) return;
      socket.pause();
      cancelStall = clock.setTimer(stallMs, () => socket.destroy());
      socket.once('drain', () => {
        cancelStall?.();
        cancelStall = undefined;
        if (!socket.destroyed) socket.resume();
      });
    };
    const conn = hub.accept(send, () => socket.end());
    socket.on('data', (b: Buffer) => conn.receive(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      cancelStall?.();
      sockets.delete(socket);
      conn.closed();
    });
  });

  // The same hub behind a WebSocket listener: one binary frame in, bytes to the hub.
  let wsServer: http.Server | undefined;
  let wss: WebSocketServer | undefined;
  const wsClients = new Set<WsSocket>();
  if (options.websocket === true) {
    wsServer = http.createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
    wss = new WebSocketServer({ server: wsServer, maxPayload: 256 * 1024, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws) => {
      wsClients.add(ws);
      const conn = hub.accept(
        (bytes) => {
          if (ws.readyState !== ws.OPEN) return;
          // The same bound for a browser driver that stops reading: its backlog is cut at 8 MiB.
          if (ws.bufferedAmount > MAX_DRIVER_BACKLOG) return void ws.terminate();
          ws.send(bytes);
        },
        () => ws.close(),
      );
      ws.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? conn.receive(new Uint8Array(data.buffer, data.byteOffset, data.length)) : ws.close(1003)));
      ws.on('error', () => undefined);
      ws.on('close', () => {
        wsClients.delete(ws);
        conn.closed();
      });
    });
    const ws = wsServer;
    await new Promise<void>((resolve, reject) => ws.once('error', reject).listen(0, host, () => resolve()));
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.apiPort ?? 0, host, () => resolve()));
  // Drivers are few; a flood of connections (each holds nothing until CONNECT, and is cut after
  // 10 s without one) is capped, not accumulated.
  driverServer.maxConnections = 256;
  await new Promise<void>((resolve, reject) => driverServer.once('error', reject).listen(options.driverPort ?? 0, host, () => resolve()));
  const apiPort = (server.address() as net.AddressInfo).port;
  const driverPort = (driverServer.address() as net.AddressInfo).port;

  if (options.upstream !== undefined) {
    if (gw.deviceSecret === undefined) throw new Error('the upstream link needs gateway.deviceSecret');
    upstream = await connectMqtt({
      host: options.upstream.host,
      port: options.upstream.port,
      ...mqttCredentials({ productKey: gw.productKey, deviceName: gw.deviceName, deviceSecret: gw.deviceSecret, secureMode: 3, timestamp: clock.now(), clientId: `${gw.productKey}.${gw.deviceName}.${randomBytes(4).toString('hex')}` }),
      keepalive: 60,
    });
  }

  return {
    host,
    apiPort,
    driverPort,
    driverWsPort: wsServer === undefined ? undefined : (wsServer.address() as net.AddressInfo).port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${apiPort}`,
    hub,
    get upstream() {
      return upstream;
    },
    registerFunction(serviceName, functionName, handler) {
      functions.set(functionArn(serviceName, functionName), handler);
    },
    publish,
    async close() {
      hub.close();
      upstream?.close();
      for (const s of sockets) s.destroy();
      for (const w of wsClients) w.terminate();
      wss?.close();
      wsServer?.close();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((r) => server.close(() => r())), new Promise<void>((r) => driverServer.close(() => r()))]);
    },
  };
}

