import http from 'node:http';
import { checkEnosPlatformOptions } from '../options.ts';
import net from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { decodeMessage, parseTopic, stringifyReply, type AlinkRequest, type ParsedTopic } from '@linkwire/alink';
import { toHex } from '@linkwire/base';
import { nodeRandom } from '@linkwire/node';
import { verifyEnosBatchLogin, verifyEnosLoginInfo, verifyEnosMqttCredentials, type EnosSecrets } from '@linkwire/sign';
import { createEnosRestHandler, type EnosApp } from './rest.ts';
import { createState, keyOf, pushBounded, type DeviceState, type EnosFirmware, type EnosPlatformDevice, type EnosPlatformProduct } from './state.ts';

export type { DeviceState, EnosFirmware, EnosPlatformDevice, EnosPlatformModel, EnosPlatformProduct } from './state.ts';
export type { EnosApp } from './rest.ts';

export type EnosPlatformEvent =
  | { readonly type: 'connected'; readonly productKey: string; readonly deviceKey: string; readonly secureMode: number }
  | { readonly type: 'refused'; readonly clientId: string; readonly reason: string }
  | { readonly type: 'denied'; readonly clientId: string; readonly topic: string; readonly action: 'publish' | 'subscribe' }
  | { readonly type: 'activated'; readonly productKey: string; readonly deviceKey: string }
  | { readonly type: 'request'; readonly topic: string; readonly method: string }
  | { readonly type: 'disconnected'; readonly productKey: string; readonly deviceKey: string };

export interface EnosPlatformOptions {
  readonly products?: readonly EnosPlatformProduct[];
  readonly devices?: readonly EnosPlatformDevice[];
  /** Applications of the REST API gateway (token and invokeService). */
  readonly apps?: readonly EnosApp[];
  /** Loopback by default. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Also accept MQTT over WebSocket (subprotocol `mqtt`): `ws://{host}:{wsPort}/mqtt`. */
  readonly websocket?: boolean;
  /** Serve the REST endpoints (token, invokeService) over HTTP on `httpPort`. */
  readonly http?: boolean;
  /** Seconds a token lives, default 7200 (the gateway's). */
  readonly tokenTtlSeconds?: number;
  readonly now?: () => number;
  /** What `up_raw` is answered with; default: the same bytes. */
  readonly rawReply?: (productKey: string, deviceKey: string, bytes: Uint8Array) => Uint8Array;
  readonly onEvent?: (event: EnosPlatformEvent) => void;
  /** What `ota.device.getversion` offers a device; default nothing. */
  readonly firmware?: (productKey: string, deviceKey: string) => readonly EnosFirmware[];
}

export interface CommandReply {
  readonly code: number;
  readonly data: unknown;
  readonly message?: string;
}

export interface EnosPlatform {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  readonly httpPort: number | undefined;
  /** `tcp://host:port`, the seed's `brokerUrl`. */
  readonly brokerUrl: string;
  readonly wsUrl: string | undefined;
  device(productKey: string, deviceKey: string): DeviceState | undefined;
  addDevice(device: EnosPlatformDevice): void;
  online(productKey: string, deviceKey: string): boolean;
  /** Sends `thing.service.{serviceId}` to a device (or a logged-in sub-device, through its gateway) and waits for its reply. */
  invokeService(productKey: string, deviceKey: string, serviceId: string, params: unknown, timeoutMs?: number): Promise<CommandReply>;
  setMeasurepoint(productKey: string, deviceKey: string, points: Record<string, unknown>, timeoutMs?: number): Promise<CommandReply>;
  getMeasurepoint(productKey: string, deviceKey: string, ids: readonly string[], timeoutMs?: number): Promise<CommandReply>;
  /** `combine/enable|disable|delete` to a gateway; disable and delete log the sub-devices out, delete removes them. */
  pushSubDevices(gwProductKey: string, gwDeviceKey: string, kind: 'enable' | 'disable' | 'delete', subDevices: readonly { productKey: string; deviceKey: string }[], timeoutMs?: number): Promise<CommandReply>;
  /** Publishes anything to a topic (malformed commands in tests); resolves with the first payload on `{topic}_reply`, or undefined after timeoutMs. */
  send(topic: string, payload: string | Uint8Array, timeoutMs?: number): Promise<Uint8Array | undefined>;
  /** Sends `ota.device.upgrade` and waits for the device's acknowledgement. */
  pushUpgrade(productKey: string, deviceKey: string, firmware: EnosFirmware, timeoutMs?: number): Promise<CommandReply>;
  /** Drops the device's connection (its client should reconnect). */
  disconnect(productKey: string, deviceKey: string): void;
  close(): Promise<void>;
}

interface Identity {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly secureMode: 2 | 3 | 4;
}

/** EnOS codes (PROTOCOL-NOTES.md). */
const CODE = { ok: 200, tooLarge: 1008, invalidModel: 1204, format: 1220, empty: 1251, mismatch: 1260, exists: 702, noDevice: 705, disabled: 723, notSub: 740, sign: 742 } as const;
const MAX_PAYLOAD = 512 * 1024;

/**
 * A local EnOS platform on an embedded aedes broker: CONNECT checked by the EnOS rules (modes
 * 2, 3 and 4, sign by the plain digest), dynamic activation (the secret pushed on
 * `…/thing/activate/info` once the device subscribes there, the device activated when it
 * acknowledges), the EnOS topics answered (measure points with model validation, attributes,
 * tags, events, raw, registration, topology, sub-device logins) with EnOS codes, commands to
 * devices with their replies, and over HTTP the API gateway's token and invokeService.
 *
 * @example
 * const platform = await startEnosPlatform({ products: [{ productKey, productSecret }], devices: [{ productKey, deviceKey, deviceSecret }], http: true, apps: [{ appKey, appSecret }] });
 * const client = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey, deviceKey, deviceSecret });
 */
export async function startEnosPlatform(options: EnosPlatformOptions = {}): Promise<EnosPlatform> {
  checkEnosPlatformOptions(options);
  const now = options.now ?? Date.now;
  const emit = (e: EnosPlatformEvent): void => options.onEvent?.(e);
  const products = new Map((options.products ?? []).map((p) => [p.productKey, p]));
  const devices = createState(options.devices ?? []);
  const identities = new WeakMap<Client, Identity>();
  const clients = new Map<string, Client>();
  const waiting = new Map<string, (payload: Uint8Array) => void>();
  let nextId = 1;

  const secrets: EnosSecrets = {
    deviceSecret: (pk, dk) => devices.get(keyOf(pk, dk))?.deviceSecret,
    productSecret: (pk) => products.get(pk)?.productSecret,
  };

  const refuse = (clientId: string, reason: string, returnCode: number): AuthenticateError => {
    emit({ type: 'refused', clientId, reason });
    return Object.assign(new Error(reason), { returnCode }) as AuthenticateError;
  };

  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const r = verifyEnosMqttCredentials(client.id, username ?? '', password?.toString('utf8') ?? '', secrets, { now: now() });
      if (!r.ok) return done(refuse(client.id, r.reason, 4), null);
      if (r.secureMode !== 4) {
        const d = devices.get(keyOf(r.productKey, r.deviceKey));
        if (d === undefined) return done(refuse(client.id, 'device not exist (705)', 4), null);
        if (!d.enabled) return done(refuse(client.id, 'device disabled (723)', 5), null);
        // Mode 3 is for devices not yet activated (770 otherwise).
        if (r.secureMode === 3 && (d.deviceSecret !== undefined || products.get(r.productKey)?.dynamicActivation === false)) return done(refuse(client.id, 'dynamic activation not allowed (770)', 5), null);
      }
      identities.set(client, { productKey: r.productKey, deviceKey: r.deviceKey, secureMode: r.secureMode });
      if (r.secureMode !== 3) {
        const key = keyOf(r.productKey, r.deviceKey);
        const old = clients.get(key);
        clients.set(key, client);
        // EnOS keeps one connection per device: the newer one wins.
        if (old !== undefined && old !== client) old.close();
      }
      emit({ type: 'connected', productKey: r.productKey, deviceKey: r.deviceKey, secureMode: r.secureMode });
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      if (client === null) return done(null);
      const who = identities.get(client);
      if (who === undefined || !owns(who, packet.topic, 'publish')) {
        emit({ type: 'denied', clientId: client.id, topic: packet.topic, action: 'publish' });
        return done(new Error('topic not authorized'));
      }
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const who = identities.get(client);
      if (who === undefined || !owns(who, sub.topic, 'subscribe')) {
        emit({ type: 'denied', clientId: client.id, topic: sub.topic, action: 'subscribe' });
        return done(null, null);
      }
      done(null, sub);
    },
  });

  /**
   * A device's own topics, segment by segment (never "the names anywhere in the topic"): its
   * `/sys/{pk}/{dk}/…` and `/ext/session/{pk}/{dk}/…`, a gateway's logged-in sub-devices'
   * `/sys/…`; a device being activated only its activation topics; a channel its product's `/sys/{pk}/…`.
   */
  function owns(who: Identity, topic: string, action: 'publish' | 'subscribe'): boolean {
    const s = topic.split('/');
    if (s[0] !== '' || s.length < 5) return false;
    const [, root, a, b] = s;
    if (who.secureMode === 3) return root === 'ext' && a === 'session' && s[3] === who.productKey && s[4] === who.deviceKey && s.slice(5).join('/').startsWith('thing/activate/info');
    if (root === 'sys') {
      if (a === '+' || a === '#' || b === '+' || b === '#') return false;
      if (who.secureMode === 4) return a === who.productKey;
      if (a === who.productKey && b === who.deviceKey) return true;
      const g = devices.get(keyOf(who.productKey, who.deviceKey));
      // A gateway may listen on a sub-device's topics once it is in the topology, and publish once it is logged in.
      return g !== undefined && (action === 'subscribe' ? g.topology.has(keyOf(a!, b!)) : g.online.has(keyOf(a!, b!)));
    }
    if (root === 'ext' && a === 'session') return s[3] === who.productKey && s[4] === who.deviceKey && who.secureMode === 2;
    return false;
  }

  const publish = (topic: string, payload: string | Uint8Array): Promise<void> =>
    new Promise((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false }, (e) => (e ? reject(e) : resolve())),
    );

  const answer = (topic: string, request: Pick<AlinkRequest, 'id' | 'numericId'>, code: number, data: unknown, message?: string): Promise<void> =>
    publish(`${topic}_reply`, stringifyReply({ id: request.id, ...(request.numericId ? { numericId: true } : {}), code, data, ...(message !== undefined ? { message } : {}) }));

  broker.on('subscribe', (subs, client) => {
    const who = client === null ? undefined : identities.get(client);
    if (who?.secureMode !== 3) return;
    const topic = `/ext/session/${who.productKey}/${who.deviceKey}/thing/activate/info`;
    if (!subs.some((s) => s.topic === topic)) return;
    const d = devices.get(keyOf(who.productKey, who.deviceKey))!;
    d.pendingSecret ??= toHex(nodeRandom(16));
    const body = { id: String(nextId++), version: '1.0', method: 'thing.activate.info', params: { assetId: d.assetId, productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: d.pendingSecret } };
    void publish(topic, JSON.stringify(body));
  });

  broker.on('clientDisconnect', (client) => {
    const who = identities.get(client);
    if (who === undefined || who.secureMode === 3) return;
    const key = keyOf(who.productKey, who.deviceKey);
    if (clients.get(key) !== client) return;
    clients.delete(key);
    // A gateway's sub-devices go offline with it (they log in again after it reconnects).
    devices.get(key)?.online.clear();
    emit({ type: 'disconnected', productKey: who.productKey, deviceKey: who.deviceKey });
  });

  broker.on('publish', (packet, client) => {
    if (client === null) return;
    const who = identities.get(client);
    if (who === undefined) return;
    const payload = new Uint8Array(packet.payload as Buffer);
    try {
      onDevicePublish(who, packet.topic, payload);
    } catch {
      // A responder must never take the broker down; a malformed message is answered where it can be.
    }
  });

  function onDevicePublish(who: Identity, topic: string, payload: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (parsed === undefined) return;
    if (parsed.spec.replyTo !== undefined) {
      // A device's reply to a platform command (or to activation).
      if (parsed.name === 'activateInfoReply') return activated(who, payload);
      const id = parsed.spec.payload === 'raw' ? '' : replyId(payload);
      const w = waiting.get(`${topic}\u0000${id ?? ''}`);
      if (w !== undefined) w(payload);
      return;
    }
    if (parsed.spec.direction !== 'up') return;
    if (parsed.name === 'rawUp') {
      const reply = options.rawReply?.(parsed.ids['productKey']!, parsed.ids['deviceName']!, payload) ?? payload;
      void publish(`${topic}_reply`, reply);
      return;
    }
    if (payload.length === 0) return void answer(topic, { id: '0' }, CODE.empty, {}, 'payload empty');
    if (payload.length > MAX_PAYLOAD) return void answer(topic, { id: replyId(payload) ?? '0' }, CODE.tooLarge, {}, 'message too large');
    let request: AlinkRequest;
    try {
      const m = decodeMessage(parsed, payload);
      if (m.kind !== 'request') return;
      request = m.request;
    } catch (e) {
      const code = (e as { code?: string }).code === 'method_mismatch' ? CODE.mismatch : CODE.format;
      return void answer(topic, { id: replyId(payload) ?? '0' }, code, {}, (e as Error).message);
    }
    emit({ type: 'request', topic, method: request.method ?? '' });
    const [code, data, message] = respond(who, parsed, request);
    void answer(topic, request, code, data, message);
  }

  function activated(who: Identity, payload: Uint8Array): void {
    const d = devices.get(keyOf(who.productKey, who.deviceKey));
    if (d === undefined || d.pendingSecret === undefined) return;
    let code: unknown;
    try {
      code = (JSON.parse(Buffer.from(payload).toString('utf8')) as { code?: unknown }).code;
    } catch {
      return;
    }
    if (code !== 200) return;
    d.deviceSecret = d.pendingSecret;
    d.pendingSecret = undefined;
    emit({ type: 'activated', productKey: d.productKey, deviceKey: d.deviceKey });
  }

  type Answer = [code: number, data: unknown, message?: string];

  function target(parsed: ParsedTopic): DeviceState | undefined {
    return devices.get(keyOf(parsed.ids['productKey']!, parsed.ids['deviceName']!));
  }

  function invalid(result: { ok: boolean; issues: readonly { path: string; message: string; severity?: string }[] } | undefined): string | undefined {
    if (result === undefined || result.ok) return undefined;
    return result.issues.filter((i) => i.severity !== 'warning').map((i) => `${i.path}: ${i.message}`).join('; ');
  }

  function respond(who: Identity, parsed: ParsedTopic, request: AlinkRequest): Answer {
    const d = target(parsed);
    if (d === undefined) return [CODE.noDevice, {}, 'device not exist'];
    const params = request.params as Record<string, unknown>;
    const model = products.get(d.productKey)?.model;
    switch (parsed.name) {
      case 'measurepointPost':
      case 'measurepointResume': {
        const bad = invalid(model?.measurepointPost(params));
        if (bad !== undefined) return [CODE.invalidModel, {}, bad];
        record(d, request.method!, params);
        return [CODE.ok, ''];
      }
      case 'measurepointPostBatch':
      case 'measurepointResumeBatch': {
        const gw = devices.get(keyOf(who.productKey, who.deviceKey));
        const extra = request.extra ?? {};
        for (const [i, e] of (request.params as Record<string, unknown>[]).entries()) {
          const pk = typeof e['productKey'] === 'string' ? e['productKey'] : d.productKey;
          const dk = typeof e['deviceKey'] === 'string' ? e['deviceKey'] : d.deviceKey;
          const t = devices.get(keyOf(pk, dk));
          if (t === undefined) return [CODE.noDevice, {}, `params[${i}]: device not exist`];
          if (t !== d) {
            if (gw === undefined || !gw.topology.has(keyOf(pk, dk))) return [CODE.notSub, {}, `params[${i}]: not a sub-device of this gateway`];
            if (!gw.online.has(keyOf(pk, dk)) && extra['allowOfflineSubDevice'] !== true) return [CODE.notSub, {}, `params[${i}]: sub-device offline`];
          }
          const bad = invalid(products.get(pk)?.model?.measurepointPost({ measurepoints: e['measurepoints'], ...(e['time'] !== undefined ? { time: e['time'] } : {}) }));
          if (bad !== undefined && extra['skipInvalidMeasurepoints'] !== true) return [CODE.invalidModel, {}, `params[${i}]: ${bad}`];
          if (bad === undefined) record(t, request.method!, { measurepoints: e['measurepoints'], time: e['time'] });
        }
        return [CODE.ok, ''];
      }
      case 'eventPost': {
        const eventId = parsed.ids['eventId']!;
        const bad = invalid(model?.eventPost(eventId, params));
        if (bad !== undefined) return [CODE.invalidModel, {}, bad];
        pushBounded(d.events, { eventId, params });
        return [CODE.ok, ''];
      }
      case 'tagQuery': {
        const keys = (params['tags'] as string[] | undefined) ?? [];
        const out: Record<string, string> = {};
        for (const [k, v] of d.tags) if (keys.length === 0 || keys.includes(k)) out[k] = v;
        return [CODE.ok, out];
      }
      case 'tagUpdate':
        for (const t of request.params as { tagKey: string; tagValue: string }[]) d.tags.set(t.tagKey, t.tagValue);
        return [CODE.ok, '1'];
      case 'tagDelete':
        for (const k of (params['tags'] as string[] | undefined) ?? []) d.tags.delete(k);
        return [CODE.ok, '1'];
      case 'attributeQuery': {
        const ids = (params['attributes'] as string[] | undefined) ?? [];
        const out: Record<string, unknown> = {};
        for (const [k, v] of d.attributes) if (ids.length === 0 || ids.includes(k)) out[k] = v;
        return [CODE.ok, out];
      }
      case 'attributeUpdate': {
        const bad = invalid(model?.attributeUpdate(params));
        if (bad !== undefined) return [CODE.invalidModel, {}, bad];
        for (const [k, v] of Object.entries(params['attributes'] as Record<string, unknown>)) d.attributes.set(k, v);
        return [CODE.ok, ''];
      }
      case 'attributeDelete':
        for (const k of params['attributes'] as string[]) d.attributes.delete(k);
        return [CODE.ok, ''];
      case 'deviceRegister':
        return register(request.params as Record<string, unknown>[]);
      case 'topoGet':
        return [CODE.ok, [...d.topology].map((k) => describe(devices.get(k)!))];
      case 'topoAdd': {
        for (const info of request.params as unknown[]) {
          const v = verifyEnosLoginInfo(info, { deviceSecret: secrets.deviceSecret }, { now: now() });
          if (!v.ok) return [v.code === 'unknown_device' ? CODE.noDevice : CODE.sign, {}, v.reason];
          const sub = devices.get(keyOf(v.productKey, v.deviceKey))!;
          if (sub.gateway !== undefined && sub.gateway !== keyOf(d.productKey, d.deviceKey)) return [CODE.notSub, {}, `${v.deviceKey} belongs to another gateway`];
          d.topology.add(keyOf(v.productKey, v.deviceKey));
          sub.gateway = keyOf(d.productKey, d.deviceKey);
        }
        return [CODE.ok, ''];
      }
      case 'topoDelete':
        for (const s of request.params as { productKey: string; deviceKey: string }[]) {
          const k = keyOf(s.productKey, s.deviceKey);
          d.topology.delete(k);
          d.online.delete(k);
          const sub = devices.get(k);
          if (sub !== undefined) sub.gateway = undefined;
        }
        return [CODE.ok, ''];
      case 'combineLogin':
        return login(d, request.params);
      case 'combineLoginBatch': {
        const v = verifyEnosBatchLogin(request.params, secrets, { now: now() });
        if (!v.ok) return [CODE.format, {}, v.reason];
        const logined: Record<string, unknown>[] = [];
        const failed: { productKey: string; deviceKey: string }[] = [];
        const entries = (request.params as { subDevices: { productKey: string; deviceKey: string }[] }).subDevices;
        v.subDevices.forEach((r, i) => {
          const e = entries[i]!;
          const k = keyOf(e.productKey, e.deviceKey);
          const sub = devices.get(k);
          if (!r.ok || sub === undefined || !d.topology.has(k) || !sub.enabled) return void failed.push({ productKey: e.productKey, deviceKey: e.deviceKey });
          d.online.add(k);
          logined.push({ assetId: sub.assetId, productKey: sub.productKey, deviceKey: sub.deviceKey, ...(r.secureMode === 3 ? { deviceSecret: activateSub(sub) } : {}) });
        });
        return [CODE.ok, { loginedSubDevices: logined, failedSubDevices: failed }];
      }
      case 'combineLogout': {
        const k = keyOf(String(params['productKey']), String(params['deviceKey']));
        d.online.delete(k);
        return [CODE.ok, { productKey: params['productKey'], deviceKey: params['deviceKey'] }];
      }
      case 'enosOtaInform':
        d.otaVersion = String(params['version']);
        return [CODE.ok, {}];
      case 'enosOtaProgress':
        pushBounded(d.otaProgress, { step: Number(params['step']), ...(typeof params['desc'] === 'string' ? { desc: params['desc'] } : {}) });
        return [CODE.ok, {}];
      case 'enosOtaGetVersion':
        return [CODE.ok, [...(options.firmware?.(d.productKey, d.deviceKey) ?? [])]];
      default:
        return [CODE.format, {}, `${parsed.name} is not served by the emulator`];
    }
  }

  function activateSub(sub: DeviceState): string {
    sub.deviceSecret ??= toHex(nodeRandom(16));
    return sub.deviceSecret;
  }

  function login(gw: DeviceState, info: unknown): Answer {
    const v = verifyEnosLoginInfo(info, secrets, { now: now() });
    if (!v.ok) return [v.code === 'unknown_device' ? CODE.noDevice : CODE.sign, {}, v.reason];
    const k = keyOf(v.productKey, v.deviceKey);
    const sub = devices.get(k)!;
    if (!gw.topology.has(k)) return [CODE.notSub, {}, 'not a sub-device of this gateway'];
    if (!sub.enabled) return [CODE.disabled, {}, 'device disabled'];
    gw.online.add(k);
    return [CODE.ok, { assetId: sub.assetId, productKey: sub.productKey, deviceKey: sub.deviceKey, ...(v.secureMode === 3 ? { deviceSecret: activateSub(sub) } : {}) }];
  }

  function register(list: Record<string, unknown>[]): Answer {
    const out: Record<string, string>[] = [];
    for (const r of list) {
      const pk = r['productKey'] as string;
      if (!products.has(pk)) return [CODE.noDevice, {}, `product ${pk} does not exist`];
      const dk = typeof r['deviceKey'] === 'string' ? r['deviceKey'] : `dev${toHex(nodeRandom(5))}`;
      if (devices.has(keyOf(pk, dk))) return [CODE.exists, {}, `deviceKey ${dk} exists`];
      const [s] = [...createState([{ productKey: pk, deviceKey: dk, deviceSecret: toHex(nodeRandom(16)), assetId: `asset${toHex(nodeRandom(4))}`, attributes: r['deviceAttributes'] as Record<string, unknown> | undefined }]).values()];
      devices.set(keyOf(pk, dk), s!);
      out.push({ assetId: s!.assetId, productKey: pk, deviceKey: dk, deviceSecret: s!.deviceSecret! });
    }
    return [CODE.ok, out];
  }

  function describe(d: DeviceState): Record<string, unknown> {
    return { productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: d.deviceSecret, iotId: d.assetId, deviceAttributes: Object.fromEntries(d.attributes), status: clients.has(keyOf(d.productKey, d.deviceKey)) ? 'online' : 'offline', nodeType: 2 };
  }

  function record(d: DeviceState, method: string, params: Record<string, unknown>): void {
    pushBounded(d.posts, { method, params });
    const points = params['measurepoints'];
    if (points !== null && typeof points === 'object') for (const [k, v] of Object.entries(points)) d.measurepoints.set(k, v);
  }

  /** Whether a device can take a command now: directly connected, or a sub-device logged in through a connected gateway. */
  function reachable(pk: string, dk: string): boolean {
    const k = keyOf(pk, dk);
    if (clients.has(k)) return true;
    const g = devices.get(k)?.gateway;
    return g !== undefined && clients.has(g) && devices.get(g)!.online.has(k);
  }

  function command(topic: string, method: string, params: unknown, timeoutMs: number): Promise<CommandReply> {
    const id = String(nextId++);
    const key = `${topic}_reply\u0000${id}`;
    return new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(key);
        reject(Object.assign(new Error(`no reply on ${topic}_reply within ${timeoutMs} ms`), { code: 'timeout' }));
      }, timeoutMs);
      waiting.set(key, (payload) => {
        clearTimeout(timer);
        waiting.delete(key);
        try {
          const r = JSON.parse(Buffer.from(payload).toString('utf8')) as { code?: unknown; data?: unknown; message?: unknown };
          resolve({ code: typeof r.code === 'number' ? r.code : -1, data: r.data, ...(typeof r.message === 'string' ? { message: r.message } : {}) });
        } catch (e) {
          reject(e as Error);
        }
      });
      publish(topic, JSON.stringify({ id, version: '1.0', params, method })).catch((e: Error) => {
        clearTimeout(timer);
        waiting.delete(key);
        reject(e);
      });
    });
  }

  const invokeService = (pk: string, dk: string, serviceId: string, params: unknown, timeoutMs = 10_000): Promise<CommandReply> =>
    command(`/sys/${pk}/${dk}/thing/service/${serviceId}`, `thing.service.${serviceId}`, params, timeoutMs);

  const server = net.createServer((socket) => broker.handle(socket));
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as net.AddressInfo).port;

  let wsServer: http.Server | undefined;
  let wss: WebSocketServer | undefined;
  if (options.websocket === true) {
    wsServer = http.createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
    wss = new WebSocketServer({ server: wsServer, maxPayload: 1 << 20, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (socket) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', () => socket.terminate());
      broker.handle(stream);
    });
    await listen(wsServer, 0, host);
  }
  const wsPort = wsServer === undefined ? undefined : (wsServer.address() as net.AddressInfo).port;

  let restServer: http.Server | undefined;
  if (options.http === true) {
    restServer = http.createServer(
      createEnosRestHandler({
        apps: options.apps ?? [], now, tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
        device: (q) => {
          if (q.assetId !== undefined) for (const d of devices.values()) if (d.assetId === q.assetId) return d;
          return q.productKey !== undefined && q.deviceKey !== undefined ? devices.get(keyOf(q.productKey, q.deviceKey)) : undefined;
        },
        reachable: (d) => reachable(d.productKey, d.deviceKey),
        invoke: (d, serviceId, input, timeoutMs) => invokeService(d.productKey, d.deviceKey, serviceId, input, timeoutMs),
      }),
    );
    await listen(restServer, 0, host);
  }
  const httpPort = restServer === undefined ? undefined : (restServer.address() as net.AddressInfo).port;

  return {
    host, port, wsPort, httpPort,
    brokerUrl: `tcp://${host}:${port}`,
    wsUrl: wsPort === undefined ? undefined : `ws://${host}:${wsPort}/mqtt`,
    device: (pk, dk) => devices.get(keyOf(pk, dk)),
    addDevice: (d) => {
      for (const [k, s] of createState([d])) devices.set(k, s);
    },
    online: reachable,
    invokeService,
    setMeasurepoint: (pk, dk, points, timeoutMs = 10_000) => command(`/sys/${pk}/${dk}/thing/service/measurepoint/set`, 'thing.service.measurepoint.set', points, timeoutMs),
    getMeasurepoint: (pk, dk, ids, timeoutMs = 10_000) => command(`/sys/${pk}/${dk}/thing/service/measurepoint/get`, 'thing.service.measurepoint.get', ids, timeoutMs),
    pushSubDevices: (gpk, gdk, kind, list, timeoutMs = 10_000) => {
      const gw = devices.get(keyOf(gpk, gdk));
      for (const s of list) {
        const k = keyOf(s.productKey, s.deviceKey);
        const sub = devices.get(k);
        if (sub !== undefined) sub.enabled = kind === 'enable';
        if (kind !== 'enable') gw?.online.delete(k);
        if (kind === 'delete') {
          gw?.topology.delete(k);
          devices.delete(k);
        }
      }
      return command(`/ext/session/${gpk}/${gdk}/combine/${kind}`, `combine.${kind}`, list, timeoutMs);
    },
    send: (topic, payload, timeoutMs = 2000) =>
      new Promise((resolve) => {
        const id = replyId(typeof payload === 'string' ? Buffer.from(payload) : payload) ?? '';
        const key = `${topic}_reply\u0000${id}`;
        const timer = setTimeout(() => {
          waiting.delete(key);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(key, (p) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(p);
        });
        void publish(topic, payload);
      }),
    pushUpgrade: (pk, dk, firmware, timeoutMs = 10_000) => command(`/sys/${pk}/${dk}/ota/device/upgrade`, 'ota.device.upgrade', firmware, timeoutMs),
    disconnect: (pk, dk) => clients.get(keyOf(pk, dk))?.conn.destroy(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        for (const c of wss?.clients ?? []) c.terminate();
        wss?.close();
        wsServer?.close();
        restServer?.close();
        restServer?.closeAllConnections();
        broker.close(() => resolve());
      }),
  };
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** The id of a JSON payload, read without trusting it (a reply, or a request that failed to decode). */
function replyId(payload: Uint8Array): string | undefined {
  const m = /"id"\s*:\s*"?([A-Za-z0-9_-]{1,64})/.exec(Buffer.from(payload.subarray(0, 256)).toString('latin1'));
  return m?.[1];
}
