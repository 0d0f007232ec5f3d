import {
  decodeJson, decodeMessage, decodeReply, encodeMessage, encodeReply, formatTopic, ntpTime, parseTopic, requestIds, stringifyJson,
  type AlinkJson, type AlinkReply, type AlinkRequest, type ParsedTopic, type RequestIds, type TopicIds,
} from '@linkwire/alink';
import { utf8Encode, type Clock, type Dialer, type Random } from '@linkwire/base';
import {
  createMqttClient, topicMatches, type MqttClient, type MqttClientEvent, type MqttClientOptions, type MqttConnectParams, type PublishPacket,
} from '@linkwire/mqtt';
import { mqttCredentials, type SignMethod } from '@linkwire/sign';
import type { TslValidator } from '@linkwire/tsl';
import type { DeviceShadowOptions } from '@linkwire/shadow';
import { DeviceError, asError, replyError } from './errors.ts';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
import { createOta, type FetchLike, type Ota, type OtaOptions } from './ota.ts';
import { createReplyWaiter, type ReplyWaiter } from './replies.ts';
import { createShadow, type DeviceShadowApi } from './shadow.ts';
import { createThing, requestIdOf, type DeviceIdentity, type RequestOptions, type Thing, type ThingInternals, type ThingLink } from './thing.ts';

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
  readonly mqtt?: Omit<MqttClientOptions<E>, 'clock' | 'random' | 'dial' | 'endpoint' | 'credentials' | 'onEvent' | 'onMessage' | 'keepalive' | 'keepAlive'>;
  readonly onEvent?: (event: DeviceEvent) => void;
}

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

export const identityKey = (productKey: string, deviceName: string): string => `${productKey}/${deviceName}`;

/** The downstream topics of one thing identity: commands and the replies to its requests. */
export function thingFilters(pk: string, dn: string): string[] {
  const sys = `/sys/${pk}/${dn}`;
  return [
    `${sys}/thing/service/+`, `${sys}/thing/service/property/+`, `${sys}/thing/event/+/post_reply`, `${sys}/thing/event/property/+/post_reply`,
    `${sys}/thing/model/+`, `${sys}/thing/deviceinfo/+`, `${sys}/thing/dsltemplate/get_reply`, `${sys}/rrpc/request/+`, `${sys}/thing/+`,
  ];
}

const DEFAULT_MAX_MESSAGE = 256 * 1024;

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
  const { clock, random, productKey, deviceName } = options;
  if (options.deviceSecret === undefined && options.credentials === undefined) throw new DeviceError('invalid_option', 'give a deviceSecret or a credentials function');
  const transport = options.transport;
  if (transport !== 'tcp' && transport !== 'tls' && transport !== 'ws' && transport !== 'wss') throw new DeviceError('invalid_option', `transport ${String(transport)} must be tcp, tls, ws or wss`);
  const identity = { productKey, deviceName };
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const maxMessage = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
  // A counter from a random start: ids stay unique per session and unlike the last session's
  // (replies to those may still be in flight), without a random draw per request.
  const start = random(4);
  const ids = requestIds({ start: (((start[0]! << 24) >>> 0) + (start[1]! << 16) + (start[2]! << 8) + start[3]!) % 4_000_000_000 + 1 });
  // Made at the first request: an idle device (most of a fleet, most of the time) carries none.
  let replies: ReplyWaiter<Settled> | undefined;
  const waiter = (): ReplyWaiter<Settled> => (replies ??= createReplyWaiter<Settled>({ clock, timeoutMs: requestTimeoutMs, maxPending: options.maxPendingRequests ?? 1000 }));
  let listeners: ((e: DeviceEvent) => void)[] = options.onEvent === undefined ? [] : [options.onEvent];
  const emit = (event: DeviceEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (e) {
        if (event.type !== 'error') emit({ type: 'error', error: asError(e) });
      }
    }
  };
  const report = (code: string, message: string, topic?: string): void => emit({ type: 'error', error: new DeviceError(code, message, topic === undefined ? undefined : { topic }) });

  let mqtt: MqttClient | undefined;
  let ended = false;
  let connectedOnce: Promise<void> | undefined;
  // Filters beyond the device's own thing topics (those are made at connect), and the tables
  // below, exist only once something needs them: memory per idle device is a fleet's budget.
  let filters: Set<string> | undefined;
  let userHandlers: { filter: string; handler: (m: TopicMessage) => void }[] | undefined;
  let fallbacks: Set<(m: TopicMessage) => void> | undefined;
  let rrpcHandlers: Map<string, (payload: Uint8Array, context: { readonly messageId: string; readonly topic: string }) => Uint8Array | string | Promise<Uint8Array | string>> | undefined;
  let subThings: Map<string, ThingInternals> | undefined;
  const thingOf = (pk: string, dn: string): ThingInternals | undefined =>
    pk === productKey && dn === deviceName ? selfInternals : subThings?.get(identityKey(pk, dn));
  let rawQueues: Map<string, string[]> | undefined;
  let rawSeq = 0;
  let clockOffset = 0;

  const publish = (topic: string, payload: Uint8Array | string, qos: 0 | 1): Promise<void> => {
    if (mqtt === undefined) return Promise.reject(new DeviceError('not_connected', 'call connect() first'));
    return mqtt.publish(topic, payload, { qos });
  };

  const expect = (replyTopic: string, id: string, options2?: RequestOptions): Promise<Settled> => {
    const p = waiter().expect(replyTopic, id);
    const ms = options2?.timeoutMs;
    if (ms !== undefined) {
      const cancel = clock.setTimer(ms, () => {
        if (waiter().settle(replyTopic, id, { json: null }) === 'matched') (timeouts ??= new Set()).add(`${replyTopic}\u0000${id}`);
      });
      return p.then(
        (s) => {
          cancel();
          if (timeouts?.delete(`${replyTopic}\u0000${id}`) === true) throw new DeviceError('reply_timeout', `no reply on ${replyTopic} for id ${id} within ${ms} ms`, { topic: replyTopic });
          return s;
        },
        (e: unknown) => {
          cancel();
          throw e;
        },
      );
    }
    return p;
  };
  let timeouts: Set<string> | undefined;

  /** Publishes and awaits the reply; a failed publish settles the wait at once. */
  const exchange = (topic: string, payload: Uint8Array, replyTopic: string, id: string, o?: RequestOptions): Promise<Settled> => {
    const wait = expect(replyTopic, id, o);
    publish(topic, payload, 1).catch((e: unknown) => {
      (failed ??= new Map()).set(`${replyTopic}\u0000${id}`, asError(e));
      waiter().settle(replyTopic, id, { json: null });
    });
    return wait.then((s) => {
      const f = failed?.get(`${replyTopic}\u0000${id}`);
      if (f !== undefined) {
        failed!.delete(`${replyTopic}\u0000${id}`);
        throw f;
      }
      return s;
    });
  };
  let failed: Map<string, Error> | undefined;

  const link: ThingLink = {
    request(name, topicIds, body, o) {
      let message;
      const id = ids.next();
      try {
        message = encodeMessage(name, topicIds, body(id) as never);
      } catch (e) {
        return Promise.reject(e);
      }
      const replyTopic = `${message.topic}_reply`;
      return exchange(message.topic, message.payload, replyTopic, id, o).then((s) => {
        const reply = s.reply!;
        if (reply.code !== 200) throw replyError(message.topic, reply.code, reply.message);
        return reply;
      });
    },
    requestRaw(topic, replyTopic, payload, o) {
      const id = `raw-${++rawSeq}`;
      rawQueues ??= new Map();
      let q = rawQueues.get(replyTopic);
      if (q === undefined) rawQueues.set(replyTopic, (q = []));
      q.push(id);
      const done = (): void => {
        const i = q.indexOf(id);
        if (i >= 0) q.splice(i, 1);
      };
      return exchange(topic, payload, replyTopic, id, o).then(
        (s) => {
          done();
          return s.raw!;
        },
        (e: unknown) => {
          done();
          throw e;
        },
      );
    },
    publish: (topic, payload, qos) => publish(topic, payload, qos),
  };

  const core: DeviceCore = {
    clock, random, identity, ids, link, fetch: options.fetch, tsl: options.tsl, timeoutMs: requestTimeoutMs,
    addThing: (pk, dn, t) => void (subThings ??= new Map()).set(identityKey(pk, dn), t),
    subscribe(list) {
      filters ??= new Set();
      for (const f of list) filters.add(f);
      return mqtt === undefined ? Promise.resolve(list.map(() => 1)) : mqtt.subscribe(list.map((topic) => ({ topic, qos: 1 as const })));
    },
    unsubscribe(list) {
      for (const f of list) filters?.delete(f);
      return mqtt === undefined ? Promise.resolve() : mqtt.unsubscribe([...list]);
    },
    expect,
    emit,
    get connected() {
      return mqtt?.state === 'connected';
    },
  };

  const { internals: selfInternals, ...self } = createThing(identity, link, options.tsl);
  // Shadow, OTA and gateway are made when first used (or configured): each subscribes its
  // topics then, so nothing arrives for a part that does not exist.
  type Part = { readonly connected?: (first: boolean) => void; readonly disconnected?: () => void; readonly closed?: () => void; readonly route: (topic: ParsedTopic, payload: Uint8Array) => boolean };
  const parts: Part[] = [];
  let shadow: ReturnType<typeof createShadow> | undefined;
  let ota: ReturnType<typeof createOta> | undefined;
  let gateway: ReturnType<typeof createGateway> | undefined;
  const part = <T extends { readonly internals: unknown }>(made: T): T => {
    parts.push(made.internals as Part);
    return made;
  };
  const shadowPart = (): ReturnType<typeof createShadow> => (shadow ??= part(createShadow(core, options.shadow)));
  const otaPart = (): ReturnType<typeof createOta> => (ota ??= part(createOta(core, options.ota)));
  const gatewayPart = (): ReturnType<typeof createGateway> => (gateway ??= part(createGateway(core, options.gateway)));
  if (options.ota !== undefined) otaPart();
  if (options.gateway !== undefined) gatewayPart();
  if (options.shadow !== undefined) shadowPart();

  // ---- bytes in: route each message to the one place that handles it ----

  const answer = (topic: string, reply: AlinkReply<unknown>): void => {
    let payload: Uint8Array;
    try {
      payload = encodeReply(reply);
    } catch (e) {
      payload = encodeReply({ id: reply.id, code: 400, data: {}, message: `the handler's result cannot be sent: ${asError(e).message}` });
    }
    publish(topic, payload, 0).catch((e: unknown) => emit({ type: 'error', error: asError(e) }));
  };

  const commandName = (name: string): 'propertySet' | 'propertyGet' | 'serviceCall' | undefined =>
    name === 'propertySet' || name === 'propertyGet' || name === 'serviceCall' ? name : undefined;

  function onCommand(parsed: ParsedTopic, payload: Uint8Array, replyTopic: string, sync: boolean): void {
    const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
    const thing = thingOf(pk!, dn!);
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
      report(error instanceof DeviceError ? error.code : 'invalid_message', `${parsed.spec.name} on ${replyTopic.replace(/_reply$/, '')}: ${error.message}`, replyTopic);
      // A command we could not understand is answered with an error, never with success.
      const id = requestIdOf(payload);
      if (id !== undefined) answer(replyTopic, { id: id.id, ...(id.numericId ? { numericId: true } : {}), code: 460, data: {}, message: error.message });
      return;
    }
    if (name === undefined) return;
    void thing.command(name, request, serviceId, sync).then((reply) => answer(replyTopic, reply));
  }

  function settle(topic: string, id: string, value: Settled): void {
    const status = replies === undefined ? 'unknown' : replies.settle(topic, id, value);
    if (status !== 'matched') report('unmatched_reply', `a reply on ${topic} with id ${id} matches no request (${status})`, topic);
  }

  function onPacket(packet: PublishPacket): void {
    const { topic, payload } = packet;
    if (payload.length > maxMessage) return report('too_large', `${payload.length} bytes on ${topic}, more than ${maxMessage}`, topic);
    const parsed = parseTopic(topic);
    if (parsed === undefined || parsed.name === 'userTopic') return deliver(topic, payload, packet.qos);
    const spec = parsed.spec;
    // A plain broker echoes what this device publishes on topics it subscribes with wildcards;
    // only a filter the application subscribed itself sees those.
    if (spec.direction === 'up') return userHandlers === undefined ? undefined : deliver(topic, payload, packet.qos, true);
    for (const part of parts) if (part.route(parsed, payload)) return;
    try {
      switch (parsed.name) {
        case 'propertySet':
        case 'propertyGet':
        case 'serviceCall':
          return onCommand(parsed, payload, `${topic}_reply`, false);
        case 'rrpcRequest':
          return onCommand(parsed, payload, formatTopic('rrpcResponse', parsed.ids), true);
        case 'extRrpc':
          return onExtRrpc(topic, parsed, payload);
        case 'rawDown':
          return onRawDown(parsed, payload);
        case 'rawUpReply': {
          const q = rawQueues?.get(topic);
          if (q === undefined || q.length === 0) return report('unmatched_reply', `raw reply on ${topic} matches no request`, topic);
          return settle(topic, q.shift()!, { raw: payload });
        }
        case 'ntpResponse': {
          const json = decodeMessage(parsed, payload);
          if (json.kind !== 'json') return;
          const sent = (json.value as { deviceSendTime?: unknown }).deviceSendTime;
          return settle(`ntp ${topic}`, String(sent), { json: json.value });
        }
        case 'thingEnable':
        case 'thingDisable':
        case 'thingDelete': {
          const m = decodeMessage(parsed, payload);
          if (m.kind !== 'request') return;
          const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
          answer(`${topic}_reply`, { id: m.request.id, code: 200, data: {} });
          return emit({ type: parsed.name === 'thingEnable' ? 'enabled' : parsed.name === 'thingDisable' ? 'disabled' : 'deleted', productKey: pk, deviceName: dn });
        }
        case 'subDeviceError': {
          const r = decodeReply(payload);
          const { productKey: pk, deviceName: dn } = parsed.ids as { productKey: string; deviceName: string };
          return emit({ type: 'platform-error', productKey: pk, deviceName: dn, id: r.id, code: r.code, message: r.message });
        }
        default:
          if (spec.payload === 'reply' && spec.replyTo !== undefined) {
            const r = decodeReply(payload);
            return settle(topic, r.id, { reply: r });
          }
          return deliver(topic, payload, packet.qos);
      }
    } catch (e) {
      report(e instanceof DeviceError ? e.code : 'invalid_message', `${spec.name} on ${topic}: ${asError(e).message}`, topic);
    }
  }

  function deliver(topic: string, payload: Uint8Array, qos: number, quiet = false): void {
    const m: TopicMessage = { topic, payload, qos };
    let handled = false;
    for (const h of userHandlers ?? []) {
      if (topicMatches(h.filter, topic)) {
        handled = true;
        h.handler(m);
      }
    }
    if (!handled && !quiet) {
      if (fallbacks === undefined || fallbacks.size === 0) return report('unhandled_message', `nothing handles ${topic}`, topic);
      for (const f of fallbacks) f(m);
    }
  }

  function onRawDown(parsed: ParsedTopic, payload: Uint8Array): void {
    const thing = thingOf(parsed.ids['productKey']!, parsed.ids['deviceName']!);
    if (thing === undefined) return report('unknown_device', `raw data for ${parsed.ids['productKey']}/${parsed.ids['deviceName']}`);
    thing.rawDown(payload).then(
      (reply) => (reply === undefined ? undefined : publish(formatTopic('rawDownReply', parsed.ids), reply, 0)),
      (e: unknown) => emit({ type: 'error', error: asError(e) }),
    ).catch((e: unknown) => emit({ type: 'error', error: asError(e) }));
  }

  function onExtRrpc(topic: string, parsed: ParsedTopic, payload: Uint8Array): void {
    const userTopic = `/${parsed.ids['topic']!}`;
    const handler = rrpcHandlers?.get(userTopic);
    if (handler === undefined) return report('unknown_command', `RRPC on ${topic} has no handler`, topic);
    const messageId = parsed.ids['messageId']!;
    Promise.resolve()
      .then(() => handler(payload, { messageId, topic: userTopic }))
      .then((r) => publish(topic, r, 0))
      .catch((e: unknown) => emit({ type: 'error', error: asError(e) }));
  }

  // ---- the connection ----

  const credentials = (attempt: number): MqttConnectParams | Promise<MqttConnectParams> => {
    if (options.credentials !== undefined) return options.credentials(attempt);
    return mqttCredentials({
      productKey, deviceName, deviceSecret: options.deviceSecret!, transport, timestamp: clock.now(),
      ...(options.signMethod === undefined ? {} : { signMethod: options.signMethod }),
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.clientIdExtra === undefined ? {} : { extra: options.clientIdExtra }),
      keepalive: options.keepalive ?? 60,
    });
  };

  let firstConnection = true;
  function onMqttEvent(e: MqttClientEvent): void {
    switch (e.type) {
      case 'connected': {
        const first = firstConnection;
        firstConnection = false;
        emit({ type: 'connected', attempt: e.attempt, sessionPresent: e.sessionPresent });
        for (const part of parts) part.connected?.(first);
        return;
      }
      case 'disconnected':
        replies?.cancelAll(new DeviceError('disconnected', `the connection dropped while a reply was awaited: ${e.reason.message}`));
        for (const part of parts) part.disconnected?.();
        return emit({ type: 'disconnected', reason: e.reason });
      case 'reconnecting':
        return emit(e);
      case 'closed':
        replies?.cancelAll(new DeviceError('closed', 'the client ended'));
        for (const p of parts) p.closed?.();
        return emit(e.error === undefined ? { type: 'closed' } : { type: 'closed', error: e.error });
      case 'error':
        return emit(e);
      default:
        return undefined;
    }
  }

  const device: DeviceClient = {
    ...self,
    get state() {
      if (mqtt === undefined) return ended ? 'closed' : 'idle';
      return mqtt.state;
    },
    get mqtt() {
      return mqtt;
    },
    connect() {
      if (ended) return Promise.reject(new DeviceError('closed', 'connect after end()'));
      if (connectedOnce !== undefined) return connectedOnce;
      const client = (mqtt = createMqttClient<E>({
        ...options.mqtt, clock, random, dial: options.dial, endpoint: options.endpoint, credentials,
        keepalive: options.keepalive ?? 60, onEvent: onMqttEvent, onMessage: onPacket,
      }));
      const initial = [...thingFilters(productKey, deviceName), formatTopic('ntpResponse', identity), ...(filters ?? [])];
      const subscribed = client.subscribe(initial.map((topic) => ({ topic, qos: 1 as const }))).then((granted) => {
        const refused = initial.filter((_, i) => granted[i] === 0x80);
        if (refused.length > 0) report('subscribe_refused', `the platform refused ${refused.join(', ')}`);
      });
      connectedOnce = Promise.all([client.whenConnected(), subscribed]).then(() => undefined);
      return connectedOnce;
    },
    async end() {
      ended = true;
      const m = mqtt;
      if (m === undefined) return;
      await m.end();
    },
    publish: (topic, payload, o) => publish(topic, payload, o?.qos ?? 0),
    subscribe(filter, handler) {
      if (handler !== undefined) (userHandlers ??= []).push({ filter, handler });
      return core.subscribe([filter]);
    },
    unsubscribe(filter) {
      userHandlers = userHandlers?.filter((h) => h.filter !== filter);
      return core.unsubscribe([filter]);
    },
    onMessage(handler) {
      (fallbacks ??= new Set()).add(handler);
      return () => fallbacks!.delete(handler);
    },
    async onRrpc(topic, handler) {
      const filter = formatRrpcFilter(topic);
      (rrpcHandlers ??= new Map()).set(topic, handler);
      await core.subscribe([filter]);
      return async () => {
        rrpcHandlers!.delete(topic);
        await core.unsubscribe([filter]);
      };
    },
    ntp(o) {
      const sent = clock.now();
      const topic = formatTopic('ntpRequest', identity);
      // The tracker settles only reply topics; the NTP response is a plain document, so it waits under its own key.
      const replyTopic = `ntp ${formatTopic('ntpResponse', identity)}`;
      return exchange(topic, utf8Encode(stringifyJson({ deviceSendTime: String(sent) })), replyTopic, String(sent), o).then((s) => {
        const now = clock.now();
        const t = ntpTime(s.json as never, now);
        clockOffset = t - now;
        return t;
      });
    },
    platformClock: {
      now: () => clock.now() + clockOffset,
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
    },
    get shadow() {
      return shadowPart();
    },
    get ota() {
      return otaPart();
    },
    get gateway() {
      return gatewayPart();
    },
    on(listener) {
      listeners = [...listeners, listener];
      return () => void (listeners = listeners.filter((l) => l !== listener));
    },
  };
  return device;
}

/** `/ext/rrpc/+/{topic}` for a user topic such as `/pk/dn/user/get`. */
function formatRrpcFilter(topic: string): string {
  if (!topic.startsWith('/') || /[+#\u0000]/.test(topic)) throw new DeviceError('invalid_topic', `RRPC topic ${JSON.stringify(topic)} must start with / and carry no wildcards`);
  return `/ext/rrpc/+${topic}`;
}
