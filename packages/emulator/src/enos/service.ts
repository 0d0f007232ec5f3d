import type http from 'node:http';
import { decodeMessage, parseTopic, stringifyReply, type AlinkRequest, type ParsedTopic } from '@linkwire/alink';
import { toHex, utf8Decode, utf8Encode } from '@linkwire/base';
import type { ConnectPacket } from '@linkwire/mqtt';
import { nodeRandom } from '@linkwire/node';
import { parseMqttUsername, verifyEnosBatchLogin, verifyEnosLoginInfo, verifyEnosMqttCredentials, type EnosSecrets } from '@linkwire/sign';
import { ownerOf, subscriptionOwner as alibabaSubscriptionOwner, type Principal } from '../acl.ts';
import type { Broker, BrokerHooks, ConnectOutcome, Link } from '../broker.ts';
import { createCommandQueues, type CommandRecord, type CommandResult } from './commands.ts';
import { createEnosRestHandler, type EnosApp } from './rest.ts';
import { createState, keyOf, pushBounded, type DeviceState, type EnosFirmware, type EnosPlatformDevice, type EnosPlatformProduct } from './state.ts';

export type EnosPlatformEvent =
  | { readonly type: 'connected'; readonly productKey: string; readonly deviceKey: string; readonly secureMode: number }
  | { readonly type: 'refused'; readonly clientId: string; readonly reason: string }
  | { readonly type: 'denied'; readonly clientId: string; readonly topic: string; readonly action: 'publish' | 'subscribe' }
  | { readonly type: 'activated'; readonly productKey: string; readonly deviceKey: string }
  | { readonly type: 'request'; readonly topic: string; readonly method: string }
  | { readonly type: 'disconnected'; readonly productKey: string; readonly deviceKey: string }
  | { readonly type: 'command'; readonly productKey: string; readonly deviceKey: string; readonly commandId: string; readonly status: CommandRecord['status'] };

/** The EnOS side of the emulator: its products, devices, API gateway applications and responders. */
export interface EnosOptions {
  /** EnOS products: a CONNECT whose username names one of these productKeys is an EnOS login. */
  readonly products?: readonly EnosPlatformProduct[];
  readonly devices?: readonly EnosPlatformDevice[];
  /** Applications of the REST API gateway (token and invokeService), served on the emulator's HTTP listener. */
  readonly apps?: readonly EnosApp[];
  /** Seconds a token lives, default 7200 (the gateway's). */
  readonly tokenTtlSeconds?: number;
  /** What `up_raw` is answered with; default: the same bytes. */
  readonly rawReply?: (productKey: string, deviceKey: string, bytes: Uint8Array) => Uint8Array;
  readonly onEvent?: (event: EnosPlatformEvent) => void;
  /** What `ota.device.getversion` offers a device; default nothing. */
  readonly firmware?: (productKey: string, deviceKey: string) => readonly EnosFirmware[];
  /** Cached commands (`pendingTtl` > 0) kept per device, default 50 (EnOS's limit); beyond it invokeService answers 11902. */
  readonly maxCachedCommands?: number;
}

export interface CommandReply {
  readonly code: number;
  readonly data: unknown;
  readonly message?: string;
}

/** What a test or a demo does as the EnOS cloud. */
export interface EnosPlatformApi {
  device(productKey: string, deviceKey: string): DeviceState | undefined;
  addDevice(device: EnosPlatformDevice): void;
  /** Whether the device can take a command now (connected, or a sub-device logged in through its connected gateway). */
  online(productKey: string, deviceKey: string): boolean;
  /** Sends `thing.service.{serviceId}` to a device (or a logged-in sub-device, through its gateway) at once and waits for its reply. */
  invokeService(productKey: string, deviceKey: string, serviceId: string, params: unknown, timeoutMs?: number): Promise<CommandReply>;
  /**
   * `invokeService` as the API gateway runs it (what the REST call does, without HTTP): through
   * the device's command queue, cached when `pendingTtl` > 0 (seconds, 0–172800), answered or
   * failed with the EnOS code otherwise; `timeout` in seconds (1–60, default 30).
   */
  submitCommand(productKey: string, deviceKey: string, serviceId: string, inputData: unknown, options?: { readonly pendingTtl?: number; readonly timeout?: number }): Promise<CommandResult>;
  /** Commands waiting in a device's queue, oldest first. */
  waitingCommands(productKey: string, deviceKey: string): readonly CommandRecord[];
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
}

/** The EnOS dialect plugged into the emulator's broker and HTTP listener. */
export interface EnosService {
  readonly api: EnosPlatformApi;
  /** The emulator's broker hooks with EnOS logins, topics and responders in front of them. */
  hooks(base: BrokerHooks): BrokerHooks;
  /** The emulator's HTTP handler with the API gateway's paths in front of it. */
  http(base: http.RequestListener): http.RequestListener;
  close(): void;
}

interface Identity {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly secureMode: 2 | 3 | 4;
}

/** EnOS codes (PROTOCOL-NOTES.md). */
const CODE = { ok: 200, tooLarge: 1008, invalidModel: 1204, format: 1220, empty: 1251, mismatch: 1260, exists: 702, noDevice: 705, disabled: 723, notSub: 740, sign: 742 } as const;
const MAX_PAYLOAD = 512 * 1024;
const API_PATHS = ['/apim-token-service/', '/connect-service/'];

/**
 * EnOS in the emulator: CONNECT checked by the EnOS rules (modes 2, 3 and 4, sign by the plain
 * digest), dynamic activation (the secret pushed on `…/thing/activate/info` once the device
 * subscribes there, the device activated when it acknowledges), the EnOS topics answered
 * (measure points with model validation, attributes, tags, events, raw, registration,
 * topology, sub-device logins, OTA) with EnOS codes, commands to devices with their replies and
 * a per-device queue of cached commands, and the API gateway's token and invokeService.
 */
export interface EnosEnvironment {
  readonly now: () => number;
  readonly broker: () => Broker;
  /** Largest distance of a signed timestamp from the platform's clock (the emulator's option; default 15 minutes). */
  readonly timestampWindowMs?: number;
  /** Refuse CONNECTs without a timestamp (a replayable signature). Default false, as the Alibaba side. */
  readonly requireTimestamp?: boolean;
}

export function createEnosService(options: EnosOptions, env: EnosEnvironment): EnosService {
  const now = env.now;
  const emit = (e: EnosPlatformEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // An observer's failure is not the platform's.
    }
  };
  const products = new Map((options.products ?? []).map((p) => [p.productKey, p]));
  const devices = createState(options.devices ?? []);
  /** The signed identity of each EnOS session, by session key (`{pk}&{dk}`). */
  const identities = new Map<string, Identity>();
  const waiting = new Map<string, (payload: Uint8Array) => void>();
  let nextId = 1;

  const secrets: EnosSecrets = {
    deviceSecret: (pk, dk) => devices.get(keyOf(pk, dk))?.deviceSecret,
    productSecret: (pk) => products.get(pk)?.productSecret,
  };
  const productOf = (key: string): string => key.slice(0, key.indexOf('&'));
  // Signed timestamps (CONNECT, sub-device logins) within the emulator's window: an old CONNECT does not replay.
  const verifyWindow = () => ({ now: now(), windowMs: env.timestampWindowMs ?? 15 * 60 * 1000, requireTimestamp: env.requireTimestamp ?? false });
  const isEnos = (key: string): boolean => products.has(productOf(key));

  const refuse = (clientId: string, reason: string, returnCode: 4 | 5): ConnectOutcome => {
    emit({ type: 'refused', clientId, reason });
    return { ok: false, returnCode, reason };
  };

  function authenticate(p: ConnectPacket, link: Link): ConnectOutcome {
    let password: string;
    try {
      password = p.password === undefined ? '' : utf8Decode(p.password);
    } catch {
      return refuse(p.clientId, 'password is not UTF-8', 4);
    }
    const r = verifyEnosMqttCredentials(p.clientId, p.username ?? '', password, secrets, verifyWindow());
    if (!r.ok) return refuse(p.clientId, r.reason, 4);
    if (r.secureMode !== 4) {
      const d = devices.get(keyOf(r.productKey, r.deviceKey));
      if (d === undefined) return refuse(p.clientId, 'device not exist (705)', 4);
      if (!d.enabled) return refuse(p.clientId, 'device disabled (723)', 5);
      // Mode 3 is for devices not yet activated (770 otherwise).
      if (r.secureMode === 3 && (d.deviceSecret !== undefined || products.get(r.productKey)?.dynamicActivation === false)) return refuse(p.clientId, 'dynamic activation not allowed (770)', 5);
      // Certificate-based two-way authentication: TLS (746 otherwise) with a client certificate
      // the platform's CA signed for this device (CN `{productKey}.{deviceKey}`), besides the sign.
      if (products.get(r.productKey)?.certificateAuth === true) {
        if (link.transport !== 'tls' && link.transport !== 'wss') return refuse(p.clientId, 'must log in over TLS (746)', 5);
        const cn = link.peerCertificate?.subject['CN'];
        if (cn !== `${r.productKey}.${r.deviceKey}`) return refuse(p.clientId, cn === undefined ? 'no verified client certificate' : `the certificate names ${cn}, not this device`, 5);
      }
    }
    // One session per device (the broker ends an older connection): the newer one wins.
    const key = keyOf(r.productKey, r.deviceKey);
    identities.set(key, { productKey: r.productKey, deviceKey: r.deviceKey, secureMode: r.secureMode });
    return { ok: true, key, productKey: r.productKey, deviceName: r.deviceKey, clientId: r.clientId };
  }

  /**
   * A device's own topics, segment by segment (never "the names anywhere in the topic"): its
   * `/sys/{pk}/{dk}/…` and `/ext/session/{pk}/{dk}/…`, a gateway's logged-in sub-devices'
   * `/sys/…`; a device being activated only its activation topics; a channel its product's `/sys/{pk}/…`.
   */
  function owns(who: Identity, topic: string, action: 'publish' | 'subscribe'): boolean {
    const s = topic.split('/');
    if (s[0] !== '' || s.length < 5) return false;
    const [, root, a, b] = s;
    // A topic names something below its owner: `/sys/{pk}/{dk}` or `/ext/session/{pk}/{dk}` alone is no topic.
    const tail = root === 'sys' ? 4 : 5;
    if (s.length <= tail || s[tail] === '') return false;
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

  /** Whose messages a session may receive: its own, a gateway's sub-devices in its topology, a channel's product's. */
  function receivesFor(key: string, owner: string): boolean {
    if (owner === key) return true;
    const who = identities.get(key);
    if (who?.secureMode === 4) return productOf(owner) === who.productKey;
    return who?.secureMode === 2 && devices.get(key)?.topology.has(owner) === true;
  }

  const principal = (key: string): Principal => ({ key, actsFor: (owner) => receivesFor(key, owner), manages: (owner) => receivesFor(key, owner) });

  const deliver = (topic: string, payload: string | Uint8Array, qos: 0 | 1): number =>
    env.broker().deliver(topic, typeof payload === 'string' ? utf8Encode(payload) : payload, qos);

  const answer = (topic: string, request: Pick<AlinkRequest, 'id' | 'numericId'>, code: number, data: unknown, message?: string): void =>
    void deliver(`${topic}_reply`, stringifyReply({ id: request.id, ...(request.numericId ? { numericId: true } : {}), code, data, ...(message !== undefined ? { message } : {}) }), 0);

  /** The activation push, once the device in mode 3 listens on its activation topic. */
  function onSubscribed(key: string, filters: readonly string[]): void {
    const who = identities.get(key);
    if (who === undefined) return;
    if (who.secureMode === 2) {
      // A device (or a gateway for its logged-in sub-devices) listening again: cached commands may go.
      queues.pump(key);
      for (const sub of devices.get(key)?.online ?? []) queues.pump(sub);
      return;
    }
    if (who.secureMode !== 3) return;
    const topic = `/ext/session/${who.productKey}/${who.deviceKey}/thing/activate/info`;
    if (!filters.includes(topic)) return;
    const d = devices.get(key)!;
    d.pendingSecret ??= toHex(nodeRandom(16));
    const body = { id: String(nextId++), version: '1.0', method: 'thing.activate.info', params: { assetId: d.assetId, productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: d.pendingSecret } };
    deliver(topic, JSON.stringify(body), 1);
  }

  function onDisconnected(key: string): void {
    const who = identities.get(key);
    if (who === undefined || who.secureMode === 3) return;
    // A gateway's sub-devices go offline with it (they log in again after it reconnects).
    devices.get(key)?.online.clear();
    emit({ type: 'disconnected', productKey: who.productKey, deviceKey: who.deviceKey });
  }

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
      deliver(`${topic}_reply`, reply, 0);
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
    let answered: Answer;
    try {
      answered = respond(who, parsed, request);
    } catch (e) {
      // Params of a shape the responder cannot read (a missing `params`, a list for a map):
      // answered as a format error, never left without a reply.
      answered = [CODE.format, {}, `malformed params: ${(e as Error).message}`];
    }
    const [code, data, message] = answered;
    answer(topic, request, code, data, message);
  }

  function activated(who: Identity, payload: Uint8Array): void {
    const d = devices.get(keyOf(who.productKey, who.deviceKey));
    if (d === undefined || d.pendingSecret === undefined) return;
    let code: unknown;
    try {
      code = (JSON.parse(utf8Decode(payload)) as { code?: unknown }).code;
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
      case 'tagQuery':
        return [CODE.ok, pick(d.tags, params['tags'])];
      case 'tagUpdate':
        for (const t of request.params as { tagKey: string; tagValue: string }[]) d.tags.set(t.tagKey, t.tagValue);
        return [CODE.ok, '1'];
      case 'tagDelete':
        for (const k of (params['tags'] as string[] | undefined) ?? []) d.tags.delete(k);
        return [CODE.ok, '1'];
      case 'attributeQuery':
        return [CODE.ok, pick(d.attributes, params['attributes'])];
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
          const v = verifyEnosLoginInfo(info, { deviceSecret: secrets.deviceSecret }, verifyWindow());
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
        const v = verifyEnosBatchLogin(request.params, secrets, verifyWindow());
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
          queueMicrotask(() => queues.pump(k));
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
    const v = verifyEnosLoginInfo(info, secrets, verifyWindow());
    if (!v.ok) return [v.code === 'unknown_device' ? CODE.noDevice : CODE.sign, {}, v.reason];
    const k = keyOf(v.productKey, v.deviceKey);
    const sub = devices.get(k)!;
    if (!gw.topology.has(k)) return [CODE.notSub, {}, 'not a sub-device of this gateway'];
    if (!sub.enabled) return [CODE.disabled, {}, 'device disabled'];
    gw.online.add(k);
    // After the login reply has gone: commands cached for the sub-device follow it.
    queueMicrotask(() => queues.pump(k));
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
    return { productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: d.deviceSecret, iotId: d.assetId, deviceAttributes: Object.fromEntries(d.attributes), status: env.broker().isOnline(keyOf(d.productKey, d.deviceKey)) ? 'online' : 'offline', nodeType: 2 };
  }

  function record(d: DeviceState, method: string, params: Record<string, unknown>): void {
    pushBounded(d.posts, { method, params });
    const points = params['measurepoints'];
    if (points !== null && typeof points === 'object') for (const [k, v] of Object.entries(points)) d.measurepoints.set(k, v);
  }


  /** Whether a device can take a command now: directly connected, or a sub-device logged in through a connected gateway. */
  function reachable(pk: string, dk: string): boolean {
    const k = keyOf(pk, dk);
    const broker = env.broker();
    if (broker.isOnline(k)) return true;
    const g = devices.get(k)?.gateway;
    return g !== undefined && broker.isOnline(g) && devices.get(g)!.online.has(k);
  }

  /** Publishes a command and waits for its reply; undefined when no session listens on the topic. */
  function dispatch(topic: string, method: string, params: unknown, timeoutMs: number): Promise<CommandReply> | undefined {
    const id = String(nextId++);
    const key = `${topic}_reply\u0000${id}`;
    if (deliver(topic, JSON.stringify({ id, version: '1.0', params, method }), 1) === 0) return undefined;
    return new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(key);
        reject(Object.assign(new Error(`no reply on ${topic}_reply within ${timeoutMs} ms`), { code: 'timeout' }));
      }, timeoutMs);
      waiting.set(key, (payload) => {
        clearTimeout(timer);
        waiting.delete(key);
        try {
          const r = JSON.parse(utf8Decode(payload)) as { code?: unknown; data?: unknown; message?: unknown };
          resolve({ code: typeof r.code === 'number' ? r.code : -1, data: r.data, ...(typeof r.message === 'string' ? { message: r.message } : {}) });
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  const command = (topic: string, method: string, params: unknown, timeoutMs: number): Promise<CommandReply> =>
    dispatch(topic, method, params, timeoutMs) ??
    Promise.reject(Object.assign(new Error(`no session listens on ${topic}: the device is offline or has not subscribed`), { code: 'not_delivered' }));

  const queues = createCommandQueues({
    maxCached: options.maxCachedCommands ?? 50,
    reachable: (key) => {
      const d = devices.get(key);
      return d !== undefined && reachable(d.productKey, d.deviceKey);
    },
    send: (c, timeoutMs) => dispatch(c.topic, c.method, c.params, timeoutMs),
    onRecord: (key, record, created) => {
      const d = devices.get(key);
      if (created && d !== undefined) pushBounded(d.commands, record);
      if (d !== undefined) emit({ type: 'command', productKey: d.productKey, deviceKey: d.deviceKey, commandId: record.commandId, status: record.status });
    },
  });

  const invokeService = (pk: string, dk: string, serviceId: string, params: unknown, timeoutMs = 10_000): Promise<CommandReply> =>
    command(`/sys/${pk}/${dk}/thing/service/${serviceId}`, `thing.service.${serviceId}`, params, timeoutMs);

  const restHandler = createEnosRestHandler({
    apps: options.apps ?? [], now, tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    device: (q) => {
      if (q.assetId !== undefined) for (const d of devices.values()) if (d.assetId === q.assetId) return d;
      return q.productKey !== undefined && q.deviceKey !== undefined ? devices.get(keyOf(q.productKey, q.deviceKey)) : undefined;
    },
    submit: (d, serviceId, inputData, o) => submit(d, serviceId, inputData, o),
  });

  function submit(d: DeviceState, serviceId: string, inputData: unknown, o: { pendingTtl: number; timeoutSeconds: number }): Promise<CommandResult> {
    const command = { topic: `/sys/${d.productKey}/${d.deviceKey}/thing/service/${serviceId}`, method: `thing.service.${serviceId}`, params: inputData, serviceId };
    return queues.submit(keyOf(d.productKey, d.deviceKey), command, o);
  }

  const api: EnosPlatformApi = {
    device: (pk, dk) => devices.get(keyOf(pk, dk)),
    addDevice: (d) => {
      for (const [k, s] of createState([d])) devices.set(k, s);
    },
    online: reachable,
    invokeService,
    submitCommand: async (pk, dk, serviceId, inputData, o = {}) => {
      const d = devices.get(keyOf(pk, dk));
      if (d === undefined) throw Object.assign(new Error(`no EnOS device ${pk}/${dk}`), { code: 'unknown_device' });
      const pendingTtl = o.pendingTtl ?? 0;
      const timeoutSeconds = o.timeout ?? 30;
      if (!Number.isInteger(pendingTtl) || pendingTtl < 0 || pendingTtl > 172_800) throw Object.assign(new RangeError('pendingTtl is 0-172800 seconds'), { code: 'invalid_argument' });
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 60) throw Object.assign(new RangeError('timeout is 1-60 seconds'), { code: 'invalid_argument' });
      if (d.deviceSecret === undefined && pendingTtl === 0) return { kind: 'failed', commandId: '', enosCode: 11888 };
      return submit(d, serviceId, inputData, { pendingTtl, timeoutSeconds });
    },
    waitingCommands: (pk, dk) => queues.waiting(keyOf(pk, dk)),
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
        const bytes = typeof payload === 'string' ? utf8Encode(payload) : payload;
        const key = `${topic}_reply\u0000${replyId(bytes) ?? ''}`;
        const timer = setTimeout(() => {
          waiting.delete(key);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(key, (p) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(p);
        });
        deliver(topic, bytes, 1);
      }),
    pushUpgrade: (pk, dk, firmware, timeoutMs = 10_000) => command(`/sys/${pk}/${dk}/ota/device/upgrade`, 'ota.device.upgrade', firmware, timeoutMs),
    disconnect: (pk, dk) => env.broker().kick(keyOf(pk, dk), 'disconnected by the platform'),
  };

  return {
    api,
    hooks(base) {
      return {
        authenticate: (p, link) => {
          const user = parseMqttUsername(p.username ?? '');
          return user !== undefined && products.has(user.productKey) ? authenticate(p, link) : base.authenticate(p, link);
        },
        principal: (key) => (isEnos(key) ? principal(key) : base.principal(key)),
        subscriptionOwner: (key, filter) => {
          if (!isEnos(key)) return base.subscriptionOwner === undefined ? alibabaSubscriptionOwner(base.principal(key), filter) : base.subscriptionOwner(key, filter);
          const who = identities.get(key);
          if (who !== undefined && owns(who, filter, 'subscribe')) {
            const owner = ownerOf(filter);
            if (owner !== undefined) return owner;
          }
          emit({ type: 'denied', clientId: who?.deviceKey ?? key, topic: filter, action: 'subscribe' });
          return undefined;
        },
        onSubscribed: (key, filters) => (isEnos(key) ? onSubscribed(key, filters) : base.onSubscribed?.(key, filters)),
        authorizePublish: (key, topic) => {
          if (!isEnos(key)) return base.authorizePublish(key, topic);
          const who = identities.get(key);
          if (who !== undefined && owns(who, topic, 'publish')) return 'allow';
          emit({ type: 'denied', clientId: who?.deviceKey ?? key, topic, action: 'publish' });
          return 'deny';
        },
        onMessage: (key, topic, payload) => {
          if (!isEnos(key)) return base.onMessage(key, topic, payload);
          const who = identities.get(key);
          if (who === undefined) return;
          try {
            onDevicePublish(who, topic, payload);
          } catch {
            // A responder must never take the broker down; a malformed message is answered where it can be.
          }
        },
        onEvent: (e) => {
          if (e.type === 'connected' || e.type === 'disconnected') {
            const key = keyOf(e.productKey, e.deviceName);
            const who = isEnos(key) ? identities.get(key) : undefined;
            if (who !== undefined && e.type === 'connected') emit({ type: 'connected', productKey: who.productKey, deviceKey: who.deviceKey, secureMode: who.secureMode });
            if (who !== undefined && e.type === 'disconnected') onDisconnected(key);
          }
          base.onEvent(e);
        },
        now: base.now,
      };
    },
    http: (base) => (req, res) => (API_PATHS.some((p) => req.url?.startsWith(p)) ? restHandler(req, res) : base(req, res)),
    close: () => queues.close(),
  };
}

/** The entries named by `keys` (a query's list), or all of them when it names none. */
function pick<V>(map: ReadonlyMap<string, V>, keys: unknown): Record<string, V> {
  const wanted = Array.isArray(keys) ? new Set(keys) : new Set();
  // fromEntries defines own properties: a key such as `__proto__` stays data, never a prototype.
  return Object.fromEntries([...map].filter(([k]) => wanted.size === 0 || wanted.has(k)));
}

/** The id of a JSON payload, read without trusting it (a reply, or a request that failed to decode). */
function replyId(payload: Uint8Array): string | undefined {
  const m = /"id"\s*:\s*"?([A-Za-z0-9_-]{1,64})/.exec(String.fromCharCode(...payload.subarray(0, 256)));
  return m?.[1];
}
