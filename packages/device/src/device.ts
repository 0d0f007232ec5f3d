import {
  decodeJson, decodeMessage, decodeReply, encodeMessage, encodeReply, formatTopic, ntpTime, parseTopic, requestIds, stringifyJson,
  type AlinkJson, type AlinkReply, type AlinkRequest, type ParsedTopic, type RequestIds, type RequestTopicName, type TopicIds,
} from '@linkwire/alink/core';
import { describe, utf8Encode, type Clock, type Dialer, type Random } from '@linkwire/base';
import {
  createMqttClient, topicMatches, type MqttClient, type MqttClientEvent, type MqttClientOptions, type MqttConnectParams, type PublishPacket,
} from '@linkwire/mqtt';
import { mqttSigningInput, type SignMethod } from '@linkwire/sign/connect';
import type { TslValidator } from '@linkwire/tsl';
import type { DeviceShadowOptions } from '@linkwire/shadow';
import { DeviceError, asError, replyError } from './errors.ts';
import type { Gateway, GatewayOptions } from './gateway.ts';
import { LazyGateway, LazyOta, LazyShadow, type PartLoader } from './lazy.ts';
import type { FetchLike, Ota, OtaOptions } from './ota.ts';
import { identityKey, thingFilters } from './filters.ts';
import { checkDeviceClientOptions, randomBytes } from './options.ts';
import { createReplyWaiter, type ReplyWaiter } from './replies.ts';
import type { DeviceShadowApi } from './shadow.ts';
import { ThingModel, requestIdOf, type DeviceIdentity, type RequestOptions, type Thing, type ThingInternals, type ThingLink } from './thing.ts';

/** How CONNECT travels: TLS and wss sign `securemode=2`, plain TCP and ws `securemode=3`. */
export type DeviceTransport = 'tcp' | 'tls' | 'ws' | 'wss';

export interface DeviceClientOptions<E> extends DeviceIdentity {
  readonly clock: Clock;
  readonly random: Random;
  readonly dial: Dialer<E>;
  readonly endpoint: E;
  /**
   * What the endpoint is, which decides `securemode`: 2 only over TLS or wss, 3 over TCP or ws
   * (a TLS mode over a plain socket would be refused by the platform, or worse, accepted in the clear).
   */
  readonly transport: DeviceTransport;
  /** The device secret (一机一密). Or give `credentials`. */
  readonly deviceSecret?: string;
  /** CONNECT credentials asked before every attempt (the MQTT-over-HTTPS token flow, `connwl`…): replaces `deviceSecret`. */
  readonly credentials?: (attempt: number) => MqttConnectParams | Promise<MqttConnectParams>;
  /** `hmacmd5`, `hmacsha1` or `hmacsha256` (default): the password is signed with exactly this one. */
  readonly signMethod?: SignMethod;
  /**
   * Computes the CONNECT password: the hex HMAC of `content` under `secret`. Default:
   * `@linkwire/hash`, imported when the first CONNECT is signed (the web adapter uses Web Crypto
   * for SHA-1 and SHA-256, so a browser downloads no hash kernels).
   */
  readonly hmac?: HmacHex;
  /** The id before the `|` of the MQTT clientId; default `{productKey}.{deviceName}`. */
  readonly clientId?: string;
  /** Extra clientId keys (`lan`, `_v`…), kept minimal by default (none). */
  readonly clientIdExtra?: Readonly<Record<string, string>>;
  /** Seconds, 30-1200 (the platform's range); default 60. */
  readonly keepalive?: number;
  /** Validate what the device sends and is sent against this compiled thing model. */
  readonly tsl?: TslValidator;
  /** How long a request waits for its reply, default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Most requests awaiting replies at once, default 1000. */
  readonly maxPendingRequests?: number;
  /** Largest accepted downstream payload, default 256 KiB (the platform's message limit). */
  readonly maxMessageBytes?: number;
  /** A `fetch`-shaped function for OTA and configuration downloads. */
  readonly fetch?: FetchLike;
  readonly ota?: OtaOptions;
  readonly shadow?: DeviceShadowOptions;
  readonly gateway?: GatewayOptions;
  /** Passed to the MQTT client: backoff, offline queue, store, timeouts, clean session. */
  readonly mqtt?: Omit<MqttClientOptions<E>, 'clock' | 'random' | 'dial' | 'endpoint' | 'credentials' | 'onEvent' | 'onMessage' | 'holdRetransmit' | 'keepalive' | 'keepAlive'>;
  readonly onEvent?: (event: DeviceEvent) => void;
}

/** A hex HMAC: `md5`, `sha1` or `sha256` of `content` keyed with `secret`. */
export type HmacHex = (algorithm: 'md5' | 'sha1' | 'sha256', secret: string, content: string) => string | Promise<string>;

/** The default {@link HmacHex}: the hash package, loaded on first use. */
export const hashPackageHmac: HmacHex = (algorithm, secret, content) => import('@linkwire/hash').then((h) => h.hmacHex(algorithm, secret, content));

/** The device's life and what the platform tells it, as typed events. */
export type DeviceEvent =
  | { readonly type: 'connected'; readonly attempt: number; readonly sessionPresent: boolean }
  | { readonly type: 'disconnected'; readonly reason: Error }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'closed'; readonly error?: Error }
  /** `thing.enable` / `thing.disable` / `thing.delete` for this device or a sub-device (Link Kit `on_thing_enable`, `on_thing_disable`). */
  | { readonly type: 'enabled' | 'disabled' | 'deleted'; readonly productKey: string; readonly deviceName: string }
  /** An error the platform pushed on `/ext/error/{pk}/{dn}` (a sub-device's request failed). */
  | { readonly type: 'platform-error'; readonly productKey: string; readonly deviceName: string; readonly id: string; readonly code: number; readonly message: string | undefined }
  /** Bad input from the platform, a refused subscription, a throwing handler: reported, never fatal. */
  | { readonly type: 'error'; readonly error: Error };

/** A message on a topic the client does not route itself (Link Kit `on_topic_message`). */
export interface TopicMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: number;
}

export interface DeviceClient extends Thing {
  /** Starts connecting (Link Kit `connect_async`); resolves once connected and subscribed. */
  connect(): Promise<void>;
  /** Disconnects and stops reconnecting (Link Kit `disconnect`/`destruct`); pending requests reject with `closed`. */
  end(): Promise<void>;
  readonly state: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
  /** The MQTT client underneath, once `connect` was called. */
  readonly mqtt: MqttClient | undefined;
  /** Publishes on any topic (Link Kit `publish_topic`); QoS 1 resolves on PUBACK. */
  publish(topic: string, payload: Uint8Array | string, options?: { readonly qos?: 0 | 1 }): Promise<void>;
  /** Subscribes (Link Kit `subscribe_topic`); kept across reconnects. The handler sees messages on this filter. */
  subscribe(filter: string, handler?: (message: TopicMessage) => void): Promise<number[]>;
  unsubscribe(filter: string): Promise<void>;
  /** Every message no other handler consumed (Link Kit `on_topic_message`). */
  onMessage(handler: (message: TopicMessage) => void): () => void;
  /**
   * Serves a user RRPC topic (Link Kit `subscribe_rrpc_topic` + `on_topic_rrpc_message` +
   * `thing_answer_rrpc`): subscribes `/ext/rrpc/+/{topic}`; each call's answer goes back on its
   * own `/ext/rrpc/{messageId}/{topic}`, so concurrent calls never overwrite each other.
   */
  onRrpc(topic: string, handler: (payload: Uint8Array, context: { readonly messageId: string; readonly topic: string }) => Uint8Array | string | Promise<Uint8Array | string>): Promise<() => Promise<void>>;
  /** Asks the platform's time over `/ext/ntp` and resolves with it (ms); {@link platformClock} follows. */
  ntp(options?: RequestOptions): Promise<number>;
  /** The injected clock shifted by the offset the last `ntp()` measured (the seed's formula). */
  readonly platformClock: Clock;
  readonly shadow: DeviceShadowApi;
  readonly ota: Ota;
  readonly gateway: Gateway;
  /** Listens to {@link DeviceEvent}s; returns the function that stops listening. */
  on(listener: (event: DeviceEvent) => void): () => void;
}

/** The pieces the client's parts share (gateway, shadow, OTA). */
export interface DeviceCore {
  readonly clock: Clock;
  readonly random: Random;
  readonly identity: DeviceIdentity & TopicIds;
  readonly ids: RequestIds;
  readonly link: ThingLink;
  readonly fetch: FetchLike | undefined;
  readonly tsl: TslValidator | undefined;
  /** The client's reply timeout, for parts that wait on their own (shadow). */
  readonly timeoutMs: number;
  /** Subscribes now (or at connect) and on every later connection. */
  subscribe(filters: readonly string[]): Promise<number[]>;
  unsubscribe(filters: readonly string[]): Promise<void>;
  /** Waits for a reply on `replyTopic` with this id (for flows whose reply id is not the request's). */
  expect(replyTopic: string, id: string, options?: RequestOptions): Promise<Settled>;
  emit(event: DeviceEvent): void;
  /** Routes downstream commands for this identity to a thing (sub-devices register here). */
  addThing(productKey: string, deviceName: string, thing: ThingInternals): void;
  readonly connected: boolean;
}

export type Settled = { readonly reply: AlinkReply<AlinkJson>; readonly raw?: undefined; readonly json?: undefined } | { readonly raw: Uint8Array; readonly reply?: undefined; readonly json?: undefined } | { readonly json: AlinkJson; readonly reply?: undefined; readonly raw?: undefined };

const DEFAULT_MAX_MESSAGE = 256 * 1024;

type Part = {
  readonly connected?: (first: boolean) => void;
  readonly hold?: (topic: string) => Promise<unknown> | undefined;
  readonly disconnected?: () => void;
  readonly closed?: () => void;
  readonly route: (topic: ParsedTopic, payload: Uint8Array) => boolean;
};
type RrpcHandler = (payload: Uint8Array, context: { readonly messageId: string; readonly topic: string }) => Uint8Array | string | Promise<Uint8Array | string>;

const commandName = (name: string): 'propertySet' | 'propertyGet' | 'serviceCall' | undefined =>
  name === 'propertySet' || name === 'propertyGet' || name === 'serviceCall' ? name : undefined;

/**
 * The client's state and routing: the link its things send through and the core its parts
 * share. A class, so that a fleet of devices shares the code and each device holds only its
 * fields (closures per device cost 6 KB; see the README's measurements). Tables a device may
 * never need are made on first use.
 */
class Engine<E> implements ThingLink, DeviceCore {
  readonly clock: Clock;
  readonly random: Random;
  readonly identity: DeviceIdentity & TopicIds;
  readonly ids: RequestIds;
  readonly options: DeviceClientOptions<E>;
  readonly self: ThingModel;
  readonly fetch: FetchLike | undefined;
  mqtt: MqttClient | undefined;
  ended = false;
  connectedOnce: Promise<void> | undefined;
  firstConnection = true;
  listeners: ((e: DeviceEvent) => void)[];
  replies: ReplyWaiter<Settled> | undefined;
  filters: Set<string> | undefined;
  userHandlers: { filter: string; handler: (m: TopicMessage) => void }[] | undefined;
  fallbacks: Set<(m: TopicMessage) => void> | undefined;
  rrpcHandlers: Map<string, RrpcHandler> | undefined;
  subThings: Map<string, ThingInternals> | undefined;
  rawQueues: Map<string, string[]> | undefined;
  rawSeq = 0;
  timeouts: Set<string> | undefined;
  clockOffset = 0;
  parts: Part[] | undefined;
  /** Parts being loaded: `connect()` resolves once they are there and subscribed. */
  loading: Set<Promise<unknown>> | undefined;
  /** While a part is being made: the subscriptions it asks for. */
  subscribing: Promise<unknown>[] | undefined;
  shadow: PartLoader<DeviceShadowApi> | undefined;
  ota: PartLoader<Ota> | undefined;
  gateway: PartLoader<Gateway> | undefined;

  constructor(options: DeviceClientOptions<E>, self: (link: ThingLink) => ThingModel) {
    this.options = options;
    this.fetch = options.fetch;
    this.clock = options.clock;
    this.random = options.random;
    this.identity = { productKey: options.productKey, deviceName: options.deviceName };
    // A counter from a random start: ids stay unique per session and unlike the last session's
    // (replies to those may still be in flight), without a random draw per request.
    const start = randomBytes(options.random, 4);
    this.ids = requestIds({ start: (((start[0]! << 24) >>> 0) + (start[1]! << 16) + (start[2]! << 8) + start[3]!) % 4_000_000_000 + 1 });
    this.listeners = options.onEvent === undefined ? [] : [options.onEvent];
    this.self = self(this);
  }

  get link(): ThingLink {
    return this;
  }
  get tsl(): TslValidator | undefined {
    return this.options.tsl;
  }
  get timeoutMs(): number {
    return this.options.requestTimeoutMs ?? 10_000;
  }
  get connected(): boolean {
    return this.mqtt?.state === 'connected';
  }

  /** Made at the first request: an idle device (most of a fleet, most of the time) carries none. */
  waiter(): ReplyWaiter<Settled> {
    return (this.replies ??= createReplyWaiter<Settled>({ clock: this.clock, timeoutMs: this.timeoutMs, maxPending: this.options.maxPendingRequests ?? 1000 }));
  }

  emit(event: DeviceEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        if (event.type !== 'error') this.emit({ type: 'error', error: asError(e) });
      }
    }
  }

  report(code: string, message: string, topic?: string): void {
    this.emit({ type: 'error', error: new DeviceError(code, message, topic === undefined ? undefined : { topic }) });
  }

  addThing(pk: string, dn: string, thing: ThingInternals): void {
    (this.subThings ??= new Map()).set(identityKey(pk, dn), thing);
  }

  thingOf(pk: string, dn: string): ThingInternals | undefined {
    return pk === this.identity.productKey && dn === this.identity.deviceName ? this.self : this.subThings?.get(identityKey(pk, dn));
  }

  /**
   * A part loaded on first use (its module is imported then, so a bundler splits it off). Once
   * made it routes its topics and hears of connections; made while connected, it acts as on a
   * first connection (OTA informs its versions).
   */
  loader<M, T>(load: () => Promise<M>, make: (module: M) => T & { readonly internals: unknown }): PartLoader<T> {
    let part: T | undefined;
    let pending: Promise<T> | undefined;
    return {
      loaded: () => part,
      failed: (e) => this.report('part_unavailable', `a part of the client failed to load: ${asError(e).message}`),
      load: () => {
        if (pending !== undefined) return pending;
        const loading = (this.loading ??= new Set());
        pending = load().then((module) => {
          // The part subscribes its topics as it is made: it counts as loaded once those are
          // acknowledged, so that connect() never resolves before the part can hear its pushes.
          const subscribing: Promise<unknown>[] = (this.subscribing = []);
          let made: T & { readonly internals: unknown };
          try {
            made = make(module);
          } finally {
            this.subscribing = undefined;
          }
          const internals = made.internals as Part;
          (this.parts ??= []).push(internals);
          if (this.connected) internals.connected?.(true);
          part = made;
          return Promise.allSettled(subscribing).then(() => made);
        });
        loading.add(pending);
        const done = (): void => void loading.delete(pending!);
        pending.then(done, done);
        return pending;
      },
    };
  }
  shadowPart(): PartLoader<DeviceShadowApi> {
    return (this.shadow ??= this.loader(() => import('./shadow.ts'), (m) => m.createShadow(this, this.options.shadow)));
  }
  otaPart(): PartLoader<Ota> {
    return (this.ota ??= this.loader(() => import('./ota.ts'), (m) => m.createOta(this, this.options.ota)));
  }
  gatewayPart(): PartLoader<Gateway> {
    return (this.gateway ??= this.loader(() => import('./gateway.ts'), (m) => m.createGateway(this, this.options.gateway)));
  }

  /** A message in flight at a drop waits before it is sent again while a part holds it (a sub-device not yet logged in again). */
  hold(topic: string): Promise<unknown> | undefined {
    for (const part of this.parts ?? []) {
      const h = part.hold?.(topic);
      if (h !== undefined) return h;
    }
    return undefined;
  }

  // ---- bytes out ----

  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1): Promise<void> {
    if (this.mqtt === undefined) return Promise.reject(new DeviceError('not_connected', 'call connect() first'));
    return this.mqtt.publish(topic, payload, { qos });
  }

  subscribe(list: readonly string[]): Promise<number[]> {
    const filters = (this.filters ??= new Set());
    for (const f of list) filters.add(f);
    const done = this.mqtt === undefined ? Promise.resolve(list.map(() => 1)) : this.mqtt.subscribe(list.map((topic) => ({ topic, qos: 1 as const })));
    this.subscribing?.push(done);
    return done;
  }

  unsubscribe(list: readonly string[]): Promise<void> {
    for (const f of list) this.filters?.delete(f);
    return this.mqtt === undefined ? Promise.resolve() : this.mqtt.unsubscribe([...list]);
  }

  expect(replyTopic: string, id: string, o?: RequestOptions): Promise<Settled> {
    const p = this.waiter().expect(replyTopic, id);
    const ms = o?.timeoutMs;
    if (ms === undefined) return p;
    const key = `${replyTopic}\u0000${id}`;
    const cancel = this.clock.setTimer(ms, () => {
      if (this.waiter().settle(replyTopic, id, { json: null }) === 'matched') (this.timeouts ??= new Set()).add(key);
    });
    return p.then(
      (s) => {
        cancel();
        if (this.timeouts?.delete(key) === true) throw new DeviceError('reply_timeout', `no reply on ${replyTopic} for id ${id} within ${ms} ms`, { topic: replyTopic });
        return s;
      },
      (e: unknown) => {
        cancel();
        throw e;
      },
    );
  }

  /** Publishes and awaits the reply; a failed publish rejects the wait at once. */
  exchange(topic: string, payload: Uint8Array, replyTopic: string, id: string, o?: RequestOptions): Promise<Settled> {
    const wait = this.expect(replyTopic, id, o);
    this.publish(topic, payload, 1).catch((e: unknown) => this.waiter().fail(replyTopic, id, asError(e)));
    return wait;
  }

  request(name: RequestTopicName, topicIds: TopicIds, body: (id: string) => AlinkRequest<unknown>, o?: RequestOptions): Promise<AlinkReply<AlinkJson>> {
    let message;
    const id = this.ids.next();
    try {
      message = encodeMessage(name, topicIds, body(id) as never);
    } catch (e) {
      return Promise.reject(e);
    }
    const topic = message.topic;
    return this.exchange(topic, message.payload, `${topic}_reply`, id, o).then((s) => {
      const reply = s.reply!;
      if (reply.code === 200) return reply;
      // The code table comes with the first error reply; without it the code and message still say what failed.
      return import('./explain.ts').then(
        (m) => Promise.reject(replyError(topic, reply.code, reply.message, m.explainCode)),
        () => Promise.reject(replyError(topic, reply.code, reply.message)),
      );
    });
  }

  requestRaw(topic: string, replyTopic: string, payload: Uint8Array, o?: RequestOptions): Promise<Uint8Array> {
    const id = `raw-${++this.rawSeq}`;
    const queues = (this.rawQueues ??= new Map());
    let q = queues.get(replyTopic);
    if (q === undefined) queues.set(replyTopic, (q = []));
    q.push(id);
    const done = (): void => {
      const i = q.indexOf(id);
      if (i >= 0) q.splice(i, 1);
    };
    return this.exchange(topic, payload, replyTopic, id, o).then(
      (s) => (done(), s.raw!),
      (e: unknown) => {
        done();
        throw e;
      },
    );
  }

  answer(topic: string, reply: AlinkReply<unknown>): void {
    let payload: Uint8Array;
    try {
      payload = encodeReply(reply);
    } catch (e) {
      payload = encodeReply({ id: reply.id, code: 400, data: {}, message: `the handler's result cannot be sent: ${asError(e).message}` });
    }
    this.publish(topic, payload, 0).catch((e: unknown) => this.emit({ type: 'error', error: asError(e) }));
  }

  // ---- bytes in: route each message to the one place that handles it ----

  onCommand(parsed: ParsedTopic, payload: Uint8Array, replyTopic: string, sync: boolean): void {
    const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
    const thing = this.thingOf(pk, dn);
    let request: AlinkRequest;
    let name: 'propertySet' | 'propertyGet' | 'serviceCall' | undefined;
    let serviceId: string | undefined;
    try {
      if (sync) {
        // RRPC carries the thing request on its own topic: read the method to know which command.
        const m = (decodeJson(payload) as { method?: unknown } | null)?.method;
        const rest = typeof m === 'string' && m.startsWith('thing.service.') ? m.slice('thing.service.'.length) : '';
        const path = rest === 'property.set' ? 'property/set' : rest === 'property.get' ? 'property/get' : rest;
        const inner = path === '' || path.includes('.') ? undefined : parseTopic(`/sys/${pk}/${dn}/thing/service/${path}`);
        name = inner === undefined ? undefined : commandName(inner.name);
        if (inner === undefined || name === undefined) throw new DeviceError('unknown_command', `RRPC request with method ${JSON.stringify(m)} is not a thing service`);
        const decoded = decodeMessage(inner, payload);
        if (decoded.kind !== 'request') throw new DeviceError('unknown_command', 'RRPC request is not an Alink request');
        request = decoded.request;
        serviceId = inner.ids['serviceId'];
      } else {
        const decoded = decodeMessage(parsed, payload);
        if (decoded.kind !== 'request') return;
        request = decoded.request;
        name = commandName(parsed.name);
        serviceId = parsed.ids['serviceId'];
      }
      if (thing === undefined) throw new DeviceError('unknown_device', `a command for ${pk}/${dn}, which is not this device or a logged-in sub-device`);
    } catch (e) {
      const error = asError(e);
      this.report(error instanceof DeviceError ? error.code : 'invalid_message', `${parsed.spec.name} on ${replyTopic.replace(/_reply$/, '')}: ${error.message}`, replyTopic);
      // A command we could not understand is answered with an error, never with success.
      const id = requestIdOf(payload);
      if (id !== undefined) this.answer(replyTopic, { id: id.id, ...(id.numericId ? { numericId: true } : {}), code: 460, data: {}, message: error.message });
      return;
    }
    if (name === undefined) return;
    void thing.command(name, request, serviceId, sync).then((reply) => this.answer(replyTopic, reply));
  }

  settle(topic: string, id: string, value: Settled): void {
    const status = this.replies === undefined ? 'unknown' : this.replies.settle(topic, id, value);
    if (status !== 'matched') this.report('unmatched_reply', `a reply on ${topic} with id ${id} matches no request (${status})`, topic);
  }

  onPacket(packet: PublishPacket): void {
    const { topic, payload } = packet;
    const maxMessage = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
    if (payload.length > maxMessage) return this.report('too_large', `${payload.length} bytes on ${topic}, more than ${maxMessage}`, topic);
    const parsed = parseTopic(topic);
    if (parsed === undefined || parsed.name === 'userTopic') return this.deliver(topic, payload, packet.qos);
    const spec = parsed.spec;
    // A plain broker echoes what this device publishes on topics it subscribes with wildcards;
    // only a filter the application subscribed itself sees those.
    if (spec.direction === 'up') return this.userHandlers === undefined ? undefined : this.deliver(topic, payload, packet.qos, true);
    for (const part of this.parts ?? []) if (part.route(parsed, payload)) return;
    try {
      switch (parsed.name) {
        case 'propertySet':
        case 'propertyGet':
        case 'serviceCall':
          return this.onCommand(parsed, payload, `${topic}_reply`, false);
        case 'rrpcRequest':
          return this.onCommand(parsed, payload, formatTopic('rrpcResponse', parsed.ids), true);
        case 'extRrpc':
          return this.onExtRrpc(topic, parsed, payload);
        case 'rawDown':
          return this.onRawDown(parsed, payload);
        case 'rawUpReply': {
          const q = this.rawQueues?.get(topic);
          if (q === undefined || q.length === 0) return this.report('unmatched_reply', `raw reply on ${topic} matches no request`, topic);
          return this.settle(topic, q.shift()!, { raw: payload });
        }
        case 'ntpResponse': {
          const json = decodeMessage(parsed, payload);
          if (json.kind !== 'json') return;
          const sent = (json.value as { deviceSendTime?: unknown }).deviceSendTime;
          return this.settle(`ntp ${topic}`, String(sent), { json: json.value });
        }
        case 'thingEnable':
        case 'thingDisable':
        case 'thingDelete': {
          const m = decodeMessage(parsed, payload);
          if (m.kind !== 'request') return;
          const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
          this.answer(`${topic}_reply`, { id: m.request.id, code: 200, data: {} });
          return this.emit({ type: parsed.name === 'thingEnable' ? 'enabled' : parsed.name === 'thingDisable' ? 'disabled' : 'deleted', productKey: pk, deviceName: dn });
        }
        case 'subDeviceError': {
          const r = decodeReply(payload);
          const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
          return this.emit({ type: 'platform-error', productKey: pk, deviceName: dn, id: r.id, code: r.code, message: r.message });
        }
        default:
          if (spec.payload === 'reply' && spec.replyTo !== undefined) {
            const r = decodeReply(payload);
            return this.settle(topic, r.id, { reply: r });
          }
          return this.deliver(topic, payload, packet.qos);
      }
    } catch (e) {
      this.report(e instanceof DeviceError ? e.code : 'invalid_message', `${spec.name} on ${topic}: ${asError(e).message}`, topic);
    }
  }

  deliver(topic: string, payload: Uint8Array, qos: number, quiet = false): void {
    const m: TopicMessage = { topic, payload, qos };
    let handled = false;
    for (const h of this.userHandlers ?? []) {
      if (topicMatches(h.filter, topic)) {
        handled = true;
        h.handler(m);
      }
    }
    if (handled || quiet) return;
    if (this.fallbacks === undefined || this.fallbacks.size === 0) return this.report('unhandled_message', `nothing handles ${topic}`, topic);
    for (const f of this.fallbacks) f(m);
  }

  onRawDown(parsed: ParsedTopic, payload: Uint8Array): void {
    const thing = this.thingOf(parsed.ids['productKey']!, parsed.ids['deviceName']!);
    if (thing === undefined) return this.report('unknown_device', `raw data for ${parsed.ids['productKey']}/${parsed.ids['deviceName']}`);
    thing
      .rawDown(payload)
      .then((reply) => (reply === undefined ? undefined : this.publish(formatTopic('rawDownReply', parsed.ids), reply, 0)))
      .catch((e: unknown) => this.emit({ type: 'error', error: asError(e) }));
  }

  onExtRrpc(topic: string, parsed: ParsedTopic, payload: Uint8Array): void {
    const userTopic = `/${parsed.ids['topic']!}`;
    const handler = this.rrpcHandlers?.get(userTopic);
    if (handler === undefined) return this.report('unknown_command', `RRPC on ${topic} has no handler`, topic);
    const messageId = parsed.ids['messageId']!;
    Promise.resolve()
      .then(() => handler(payload, { messageId, topic: userTopic }))
      .then((r) => this.publish(topic, r, 0))
      .catch((e: unknown) => this.emit({ type: 'error', error: asError(e) }));
  }

  // ---- the connection ----

  credentials(attempt: number): MqttConnectParams | Promise<MqttConnectParams> {
    const o = this.options;
    if (o.credentials !== undefined) return o.credentials(attempt);
    const input = mqttSigningInput({
      productKey: o.productKey, deviceName: o.deviceName, deviceSecret: o.deviceSecret!, transport: o.transport, timestamp: this.clock.now(),
      ...(o.signMethod === undefined ? {} : { signMethod: o.signMethod }),
      ...(o.clientId === undefined ? {} : { clientId: o.clientId }),
      ...(o.clientIdExtra === undefined ? {} : { extra: o.clientIdExtra }),
      keepalive: o.keepalive ?? 60,
    });
    const signed = (password: string): MqttConnectParams => ({ clientId: input.clientId, username: input.username, password, keepalive: input.keepalive! });
    const password = (o.hmac ?? hashPackageHmac)(input.algorithm, input.secret as string, input.content);
    return typeof password === 'string' ? signed(password) : password.then(signed);
  }

  onMqttEvent(e: MqttClientEvent): void {
    switch (e.type) {
      case 'connected': {
        const first = this.firstConnection;
        this.firstConnection = false;
        this.emit({ type: 'connected', attempt: e.attempt, sessionPresent: e.sessionPresent });
        for (const part of this.parts ?? []) part.connected?.(first);
        return;
      }
      case 'disconnected':
        this.replies?.cancelAll(new DeviceError('disconnected', `the connection dropped while a reply was awaited: ${e.reason.message}`));
        for (const part of this.parts ?? []) part.disconnected?.();
        return this.emit({ type: 'disconnected', reason: e.reason });
      case 'reconnecting':
        return this.emit(e);
      case 'closed':
        this.replies?.cancelAll(new DeviceError('closed', 'the client ended'));
        for (const part of this.parts ?? []) part.closed?.();
        return this.emit(e.error === undefined ? { type: 'closed' } : { type: 'closed', error: e.error });
      case 'error':
        return this.emit(e);
      default:
        return undefined;
    }
  }

  connect(): Promise<void> {
    if (this.ended) return Promise.reject(new DeviceError('closed', 'connect after end()'));
    if (this.connectedOnce !== undefined) return this.connectedOnce;
    const o = this.options;
    const client = (this.mqtt = createMqttClient<E>({
      ...o.mqtt, clock: this.clock, random: this.random, dial: o.dial, endpoint: o.endpoint, keepalive: o.keepalive ?? 60,
      credentials: (attempt) => this.credentials(attempt),
      onEvent: (e) => this.onMqttEvent(e),
      onMessage: (m) => this.onPacket(m),
      holdRetransmit: (topic) => this.hold(topic),
    }));
    const { productKey, deviceName } = this.identity;
    const initial = [...thingFilters(productKey, deviceName), formatTopic('ntpResponse', this.identity), ...(this.filters ?? [])];
    const subscribed = client.subscribe(initial.map((topic) => ({ topic, qos: 1 as const }))).then((granted) => {
      const refused = initial.filter((_, i) => granted[i] === 0x80);
      if (refused.length > 0) this.report('subscribe_refused', `the platform refused ${refused.join(', ')}`);
    });
    // Parts configured or first used before connecting are loaded (and their topics subscribed) too.
    return (this.connectedOnce = Promise.all([client.whenConnected(), subscribed, ...(this.loading ?? [])]).then(() => undefined));
  }

  ntp(o?: RequestOptions): Promise<number> {
    const sent = this.clock.now();
    const topic = formatTopic('ntpRequest', this.identity);
    // The tracker settles only reply topics; the NTP response is a plain document, so it waits under its own key.
    const replyTopic = `ntp ${formatTopic('ntpResponse', this.identity)}`;
    return this.exchange(topic, utf8Encode(stringifyJson({ deviceSendTime: String(sent) })), replyTopic, String(sent), o).then((s) => {
      const now = this.clock.now();
      const t = ntpTime(s.json as never, now);
      this.clockOffset = t - now;
      return t;
    });
  }
}

/** The device's public face: its own thing (methods from ThingModel) and the client's members. */
class AlibabaDevice<E> extends ThingModel implements DeviceClient {
  readonly #e: Engine<E>;
  #shadow: DeviceShadowApi | undefined;
  #ota: Ota | undefined;
  #gateway: Gateway | undefined;

  constructor(options: DeviceClientOptions<E>) {
    let engine: Engine<E> | undefined;
    const link: ThingLink = {
      request: (name, ids, body, o) => engine!.request(name, ids, body, o),
      requestRaw: (topic, replyTopic, payload, o) => engine!.requestRaw(topic, replyTopic, payload, o),
      publish: (topic, payload, qos) => engine!.publish(topic, payload, qos),
    };
    super(options, link, options.tsl);
    engine = new Engine(options, () => this);
    this.#e = engine;
    // The signed credentials are built once now: a field the signer refuses (a clientIdExtra
    // value that is not a string, an unknown sign method, an empty secret) is a typed error
    // here, not a connect() that retries a permanent refusal for ever.
    if (options.credentials === undefined) engine.credentials(0);
    // Configured parts start loading now; a failure to load is reported (and rejects their requests).
    if (options.ota !== undefined) engine.otaPart().load().catch((e: unknown) => engine.otaPart().failed(e));
    if (options.gateway !== undefined) engine.gatewayPart().load().catch((e: unknown) => engine.gatewayPart().failed(e));
    if (options.shadow !== undefined) engine.shadowPart().load().catch((e: unknown) => engine.shadowPart().failed(e));
  }

  get state(): DeviceClient['state'] {
    const e = this.#e;
    if (e.mqtt === undefined) return e.ended ? 'closed' : 'idle';
    return e.mqtt.state;
  }
  get mqtt(): MqttClient | undefined {
    return this.#e.mqtt;
  }
  get shadow(): DeviceShadowApi {
    return (this.#shadow ??= new LazyShadow(this.#e.shadowPart()));
  }
  get ota(): Ota {
    return (this.#ota ??= new LazyOta(this.#e.otaPart()));
  }
  get gateway(): Gateway {
    return (this.#gateway ??= new LazyGateway(this.#e.gatewayPart()));
  }
  get platformClock(): Clock {
    const e = this.#e;
    return { now: () => e.clock.now() + e.clockOffset, setTimer: (ms, fn) => e.clock.setTimer(ms, fn) };
  }

  connect(): Promise<void> {
    return this.#e.connect();
  }

  async end(): Promise<void> {
    const e = this.#e;
    e.ended = true;
    await e.mqtt?.end();
  }

  publish(topic: string, payload: Uint8Array | string, options?: { readonly qos?: 0 | 1 }): Promise<void> {
    return this.#e.publish(topic, payload, options?.qos ?? 0);
  }

  subscribe(filter: string, handler?: (message: TopicMessage) => void): Promise<number[]> {
    const e = this.#e;
    if (handler !== undefined) (e.userHandlers ??= []).push({ filter, handler });
    return e.subscribe([filter]);
  }

  unsubscribe(filter: string): Promise<void> {
    const e = this.#e;
    e.userHandlers = e.userHandlers?.filter((h) => h.filter !== filter);
    return e.unsubscribe([filter]);
  }

  onMessage(handler: (message: TopicMessage) => void): () => void {
    const set = (this.#e.fallbacks ??= new Set());
    set.add(handler);
    return () => void set.delete(handler);
  }

  async onRrpc(topic: string, handler: RrpcHandler): Promise<() => Promise<void>> {
    const e = this.#e;
    const filter = formatRrpcFilter(topic);
    const handlers = (e.rrpcHandlers ??= new Map());
    handlers.set(topic, handler);
    await e.subscribe([filter]);
    return async () => {
      handlers.delete(topic);
      await e.unsubscribe([filter]);
    };
  }

  ntp(options?: RequestOptions): Promise<number> {
    return this.#e.ntp(options);
  }

  on(listener: (event: DeviceEvent) => void): () => void {
    const e = this.#e;
    e.listeners = [...e.listeners, listener];
    return () => void (e.listeners = e.listeners.filter((l) => l !== listener));
  }
}

/**
 * The Alibaba device and gateway client (Link Kit's feature set), sans IO: it signs CONNECT
 * per attempt, subscribes what it routes, correlates every reply by topic and id, answers every
 * command exactly once, and re-logs-in its sub-devices after a reconnect. Sockets, timers,
 * randomness and HTTP come in through the options; `@linkwire/node` and `@linkwire/web` supply
 * them in one line.
 *
 * @example
 * const device = createDeviceClient({ clock, random, dial, endpoint, transport: 'tls', productKey, deviceName, deviceSecret });
 * device.onService('reboot', async () => ({ ok: 1 }));
 * await device.connect();
 * await device.postProperties({ Temperature: 21.5 });
 */
export function createDeviceClient<E>(options: DeviceClientOptions<E>): DeviceClient {
  checkDeviceClientOptions(options);
  return new AlibabaDevice(options);
}

/** `/ext/rrpc/+/{topic}` for a user topic such as `/pk/dn/user/get`. */
function formatRrpcFilter(topic: string): string {
  if (!topic.startsWith('/') || /[+#\u0000]/.test(topic)) throw new DeviceError('invalid_topic', `RRPC topic ${JSON.stringify(topic)} must start with / and carry no wildcards`);
  return `/ext/rrpc/+${topic}`;
}
