import { TOPICS, decodeMessage, formatTopic, parseTopic, stringifyJson, stringifyReply, type AlinkJson, type AlinkReply, type ParsedTopic, type TopicName } from '@linkwire/alink';
import { describe, type Clock, type Dialer, type Random } from '@linkwire/base';
import { createMqttClient, type MqttClient, type MqttClientEvent, type OfflineQueueOptions, type OutgoingStore, type PublishPacket } from '@linkwire/mqtt';
import { enosMqttCredentials } from '@linkwire/sign';
import type { TslLookup, TslValidator } from '@linkwire/tsl';
import { DeviceCommand, type CommandHandler, type CommandRequest } from './device-command.ts';
import { DeviceData } from './device-data.ts';
import { DeviceOta } from './ota.ts';
import { Emitter } from './emitter.ts';
import { EnosError } from './errors.ts';
import { parseBrokerUrl, SECURE_MODE, type BrokerEndpoint, type SecureMode, type TlsMaterial } from './info.ts';
import { ReplyWaiter } from './replies.ts';

/** What the core needs from a runtime: time, randomness, a way to open byte streams. @linkwire/node and @linkwire/web supply it. */
export interface EnosRuntime {
  readonly clock: Clock;
  readonly random: Random;
  readonly dial: Dialer<BrokerEndpoint>;
  /** Wraps received payloads for the `message` event and upRawModel (the Node adapter returns a Buffer, as the seed documents). */
  readonly wrapPayload?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * Where a dynamically activated device keeps its secret. Activation happens once: the platform
 * pushes the secret only while the device is not yet activated, so a device that loses it
 * can never connect again. `save` may be async; the client reconnects in mode 2 only after it resolves.
 */
export interface DeviceSecretStore {
  load(productKey: string, deviceKey: string): string | undefined | Promise<string | undefined>;
  save(productKey: string, deviceKey: string, deviceSecret: string): void | Promise<void>;
}

/** A store in memory: enough for a test, lost with the process. */
function storeKey(productKey: unknown, deviceKey: unknown): string {
  if (typeof productKey !== 'string' || typeof deviceKey !== 'string') throw new EnosError('invalid_argument', 'productKey and deviceKey are text');
  return `${productKey}/${deviceKey}`;
}

export function memorySecretStore(): DeviceSecretStore & { readonly secrets: ReadonlyMap<string, string> } {
  const secrets = new Map<string, string>();
  return {
    secrets,
    load: (pk, dk) => secrets.get(storeKey(pk, dk)),
    save: (pk, dk, s) => {
      if (typeof s !== 'string') throw new EnosError('invalid_argument', 'a device secret is text');
      secrets.set(storeKey(pk, dk), s);
    },
  };
}

/** The seed's `mqttOptions` (seconds), plus linkwire's resilience options. */
export interface MqttOptions {
  /** Seconds, default 30: how long connect() waits for the first connection. */
  readonly connectionTimeout?: number;
  /** Seconds, default 3: the first reconnect delay (exponential backoff with jitter above it); 0 disables reconnection. */
  readonly reconnectPeriod?: number;
  /** The seed sample's spelling of `reconnectPeriod`, accepted so the sample runs unchanged. */
  readonly reconnectPeroid?: number;
  /** Seconds, default 60; 0 disables keepalive. */
  readonly keepAlive?: number;
  /** Largest reconnect delay in seconds, default 120. */
  readonly maxReconnectPeriod?: number;
  readonly offlineQueue?: OfflineQueueOptions;
  /** Outgoing QoS 1 messages survive a restart through it (`fileStore` in @linkwire/node, `indexedDbStore` in @linkwire/web). */
  readonly store?: OutgoingStore;
}

/** The seed's `clientOptions`. */
export interface ClientOptions extends TlsMaterial {
  readonly brokerUrl: string;
  readonly secureMode?: SecureMode;
  /** The seed sample's spelling of `secureMode`, accepted so the sample runs unchanged. */
  readonly secureCode?: SecureMode;
  readonly productKey: string;
  /** Required for modes 2 and 3. */
  readonly deviceKey?: string;
  readonly productSecret?: string;
  readonly deviceSecret?: string;
  readonly mqttOptions?: MqttOptions;
  /** Mode 3: where the activated secret is kept (default: memory). Loaded before connecting: a stored secret means mode 2. */
  readonly secretStore?: DeviceSecretStore;
  /** Seconds a request waits for its reply, default 10. */
  readonly replyTimeout?: number;
  /** Most requests awaiting replies at once, default 1000. */
  readonly maxPendingReplies?: number;
  /** Seconds a command handler has to answer once it returned, default 10; then the platform gets code 500. */
  readonly commandTimeout?: number;
  /** Validate outgoing data against this thing model (compileTsl(model, { dialect: 'enos' })) before sending. */
  readonly model?: TslValidator;
  /** The models of sub-devices, by productKey and deviceKey. */
  readonly models?: TslLookup;
}

/** The seed's `UpstreamResponse`. */
export interface UpstreamResponse<D = unknown> {
  readonly id: string;
  readonly code: number;
  readonly data: D;
  readonly message?: string;
}

/** The common request parameters of deviceData and subDeviceManagement (seed). */
export interface CommonParams {
  readonly deviceInfo?: { readonly productKey: string; readonly deviceKey: string };
  readonly qos?: 0 | 1;
  /** Default true; false resolves once the request is written, with undefined. */
  readonly needReply?: boolean;
}

/** What a request resolves with: the reply, or nothing when `needReply` is false. */
export type Replied<P, D> = P extends { readonly needReply: false } ? void : UpstreamResponse<D>;

export interface DeviceClientEvents {
  connect: () => void;
  close: () => void;
  message: (topic: string, message: Uint8Array) => void;
  error: (err: Error) => void;
}

const SEC = 1000;
/** Reply codes the client sends for commands it could not hand to a handler (README, "Decisions"). */
export const COMMAND_CODES: Readonly<{ noHandler: 404; handlerFailed: 500; payloadFormat: 1220; payloadEmpty: 1251; methodMismatch: 1260 }> = Object.freeze({ noHandler: 404, handlerFailed: 500, payloadFormat: 1220, payloadEmpty: 1251, methodMismatch: 1260 } as const);

/** Topic identifiers: the device's triple as @linkwire/alink names it (on EnOS `deviceName` carries the deviceKey). */
type Ids = { readonly productKey: string; readonly deviceName: string; readonly [id: string]: string };

/**
 * The seed's `DeviceClient` over linkwire's resilient MQTT client: reconnects with backoff,
 * resubscribes, holds publishes made while offline, signs a fresh timestamp at every attempt.
 * This core class does no IO; `@linkwire/node/enos` and `@linkwire/web/enos` export it with
 * their runtime filled in, so `new DeviceClient(clientOptions)` works as in the seed.
 */
export class DeviceClient extends Emitter<DeviceClientEvents> {
  /** True while connected in the device's working mode (not during the activation connection). */
  connected = false;
  /** True once a connection after the first one was established. */
  reconnected = false;
  readonly deviceData: DeviceData;
  readonly deviceCommand: DeviceCommand;
  /** EnOS OTA (`ota.device.*`): linkwire's addition to the seed's API. */
  readonly ota: DeviceOta;

  /** @internal */ readonly options: ClientOptions;
  /** @internal */ readonly runtime: EnosRuntime;
  /** @internal */ readonly productKey: string;
  /** @internal */ readonly deviceKey: string;
  /** @internal */ readonly replyTimeoutMs: number;
  /** Message ids '1', '2', … wrapping after 2^32 − 1 (a counter: an idle device pays for one number). */
  #nextId = 0;
  readonly #endpoint: BrokerEndpoint;
  readonly #mode: SecureMode;
  readonly #store: DeviceSecretStore;
  readonly #replies: ReplyWaiter<AlinkReply<unknown>>;
  #rawWaiters: Map<string, { resolve(b: Uint8Array): void; reject(e: Error): void; cancel(): void }[]> | undefined;
  readonly #handlers = new Map<string, CommandHandler>();
  /** Filters this client wants on every connection (replies it waits for, commands it answers). */
  readonly #filters = new Set<string>();
  #mqtt: MqttClient | undefined;
  #deviceSecret: string | undefined;
  #everConnected = false;
  #closing = false;
  #connecting: Promise<string> | undefined;
  #activation: { resolve(pushed: { secret: string; ack(): Promise<void> }): void; reject(e: Error): void } | undefined;
  #firstConnect: { resolve(): void; reject(e: Error): void } | undefined;

  constructor(clientOptions: ClientOptions, runtime?: EnosRuntime) {
    super();
    if (runtime === undefined) throw new EnosError('invalid_option', 'no runtime: import DeviceClient from @linkwire/node/enos or @linkwire/web/enos, or pass { clock, random, dial }');
    if (typeof clientOptions !== 'object' || clientOptions === null) throw new EnosError('invalid_option', 'clientOptions is required');
    this.options = clientOptions;
    this.runtime = runtime;
    const mode = clientOptions.secureMode ?? clientOptions.secureCode ?? SECURE_MODE.VIA_DEVICE_SECRET;
    if (mode !== 2 && mode !== 3 && mode !== 4) throw new EnosError('invalid_option', `secureMode ${describe(mode)} is not 2, 3 or 4`);
    this.#mode = mode;
    if (typeof clientOptions.productKey !== 'string' || clientOptions.productKey === '') throw new EnosError('invalid_option', 'productKey is required');
    this.productKey = clientOptions.productKey;
    if (mode !== 4 && (typeof clientOptions.deviceKey !== 'string' || clientOptions.deviceKey === '')) throw new EnosError('invalid_option', 'deviceKey is required');
    this.deviceKey = mode === 4 ? (clientOptions.deviceKey ?? '%channel%') : clientOptions.deviceKey!;
    if (mode === 2 && (typeof clientOptions.deviceSecret !== 'string' || clientOptions.deviceSecret === '')) throw new EnosError('invalid_option', 'deviceSecret is required for SECURE_MODE.VIA_DEVICE_SECRET');
    if (mode !== 2 && (typeof clientOptions.productSecret !== 'string' || clientOptions.productSecret === '')) throw new EnosError('invalid_option', `productSecret is required for secure mode ${mode}`);
    checkTimes(clientOptions);
    this.#deviceSecret = mode === 2 ? clientOptions.deviceSecret : undefined;
    this.#endpoint = parseBrokerUrl(clientOptions.brokerUrl, clientOptions);
    this.#store = clientOptions.secretStore ?? memorySecretStore();
    this.replyTimeoutMs = (clientOptions.replyTimeout ?? 10) * SEC;
    this.#replies = new ReplyWaiter(runtime.clock, clientOptions.maxPendingReplies ?? 1000);
    // The device's own command topics from the first connection on: a command without a
    // handler is answered (404) instead of timing out at the platform. A channel (mode 4) has
    // no device of its own.
    if (mode !== 4) {
      const base = `/sys/${this.productKey}/${this.deviceKey}/thing/service`;
      this.#filters.add(`${base}/+`).add(`${base}/measurepoint/+`);
    }
    this.deviceData = new DeviceData(this);
    this.deviceCommand = new DeviceCommand(this);
    this.ota = new DeviceOta(this);
  }

  /**
   * Connects and resolves with the device secret in use: the configured one (mode 2), the one
   * activation delivered or the store held (mode 3), '' for an integration channel (mode 4).
   * Mode 3 activation: the platform pushes the secret, the client answers, hands it to the
   * store, and reconnects in mode 2, the mode of every later (re)connection.
   */
  connect(): Promise<string> {
    if (this.connected) return Promise.resolve(this.#deviceSecret ?? '');
    // Already started and reconnecting: wait for it rather than open a second connection.
    const running = this.#mqtt;
    if (running !== undefined && this.#connecting === undefined) return running.whenConnected().then(() => this.#deviceSecret ?? '');
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /** Stops reconnecting, rejects every waiting request with `closed`, and emits `close`. */
  async close(): Promise<void> {
    this.#closing = true;
    const mqtt = this.#mqtt;
    this.#mqtt = undefined;
    this.#activation?.reject(new EnosError('closed', 'the client was closed during activation'));
    this.#firstConnect?.reject(new EnosError('closed', 'the client was closed before it connected'));
    const closed = new EnosError('closed', 'the client was closed');
    this.#replies.rejectAll(closed);
    for (const list of this.#rawWaiters?.values() ?? []) for (const w of list) (w.cancel(), w.reject(closed));
    this.#rawWaiters = undefined;
    if (mqtt !== undefined) await mqtt.end({ flush: this.connected, timeoutMs: 2000 });
    const was = this.connected;
    this.connected = false;
    // Once per connection: a connection that already dropped has had its `close`.
    if (was) this.emit('close');
  }

  async #connect(): Promise<string> {
    this.#closing = false;
    if (this.#mode === 3 && this.#deviceSecret === undefined) {
      try {
        this.#deviceSecret = (await this.#store.load(this.productKey, this.deviceKey)) || undefined;
      } catch (e) {
        throw new EnosError('store_failed', `the secret store failed to load: ${(e as Error).message}`);
      }
    }
    if (this.#mode === 3 && this.#deviceSecret === undefined) await this.#activate();
    await this.#start(this.#mode === 3 ? 2 : this.#mode);
    return this.#deviceSecret ?? '';
  }

  /** Mode 3: one connection to receive the secret; it ends once the secret is stored. */
  async #activate(): Promise<void> {
    const ids = this.#ids();
    const topic = formatTopic('activateInfo', ids);
    const secret = new Promise<{ secret: string; ack(): Promise<void> }>((resolve, reject) => (this.#activation = { resolve, reject }));
    const timer = this.runtime.clock.setTimer(this.#connectTimeoutMs(), () => this.#activation?.reject(new EnosError('activation_failed', 'no activation info within the connection timeout')));
    const mqtt = this.#mqttClient(3, false);
    this.#activationMqtt = mqtt;
    try {
      void mqtt.subscribe(topic).catch(() => {});
      const pushed = await Promise.race([secret, this.#whenUp(mqtt)]).then(() => secret);
      // Stored before it is acknowledged: a device that cannot keep its secret does not tell the
      // platform it is activated, so it can activate again instead of being locked out.
      try {
        await this.#store.save(this.productKey, this.deviceKey, pushed.secret);
      } catch (e) {
        throw new EnosError('store_failed', `the secret store failed to save the activated secret: ${(e as Error).message}`);
      }
      await pushed.ack();
      this.#deviceSecret = pushed.secret;
    } finally {
      timer();
      this.#activation = undefined;
      this.#activationMqtt = undefined;
      await mqtt.end({ flush: true, timeoutMs: 2000 });
    }
  }

  #whenUp(mqtt: MqttClient): Promise<never> {
    // Rejects only: a refused or closed activation connection ends the wait for the secret.
    return mqtt.whenConnected().then(() => new Promise<never>(() => {}));
  }

  #connectTimeoutMs(): number {
    const s = this.options.mqttOptions?.connectionTimeout ?? 30;
    return (s > 0 ? s : 30) * SEC;
  }

  async #start(mode: SecureMode): Promise<void> {
    const mqtt = this.#mqttClient(mode, true);
    this.#mqtt = mqtt;
    // connect() resolves once the command and reply topics are subscribed: a handler registered
    // before connect() is live when it resolves.
    const subscribed = [...this.#filters].map((f) => mqtt.subscribe(f).catch((e: unknown) => this.#error(e)));
    const up = new Promise<void>((resolve, reject) => (this.#firstConnect = { resolve, reject }));
    const timer = this.runtime.clock.setTimer(this.#connectTimeoutMs(), () => this.#firstConnect?.reject(new EnosError('connect_timeout', `not connected within ${this.#connectTimeoutMs()} ms`)));
    try {
      await up;
      await Promise.all(subscribed);
    } catch (e) {
      if (this.#mqtt === mqtt) this.#mqtt = undefined;
      await mqtt.end({ flush: false });
      throw e;
    } finally {
      timer();
      this.#firstConnect = undefined;
    }
  }

  #mqttClient(mode: SecureMode, working: boolean): MqttClient {
    const o = this.options;
    const mo = o.mqttOptions ?? {};
    const period = mo.reconnectPeriod ?? mo.reconnectPeroid ?? 3;
    const { clock, random, dial } = this.runtime;
    const mqtt: MqttClient = createMqttClient<BrokerEndpoint>({
      clock, random, dial, endpoint: this.#endpoint,
      credentials: () =>
        enosMqttCredentials({
          productKey: this.productKey, secureMode: mode, timestamp: clock.now(),
          ...(mode === 4 ? {} : { deviceKey: this.deviceKey }),
          ...(mode === 2 ? { deviceSecret: this.#deviceSecret } : { productSecret: o.productSecret }),
        }),
      keepalive: mo.keepAlive ?? 60,
      connectTimeoutMs: this.#connectTimeoutMs(),
      backoff: { minMs: Math.max(period, 0.1) * SEC, maxMs: Math.max(period, mo.maxReconnectPeriod ?? 120) * SEC },
      ...(mo.offlineQueue !== undefined ? { offlineQueue: mo.offlineQueue } : {}),
      ...(working && mo.store !== undefined ? { store: mo.store } : {}),
      onEvent: (e) => this.#onEvent(mqtt, e, working, period),
      onMessage: (m) => this.#onMessage(m),
    });
    return mqtt;
  }

  #onEvent(mqtt: MqttClient, e: MqttClientEvent, working: boolean, period: number): void {
    if (e.type === 'error') return this.#error(e.error);
    if (!working) {
      if (e.type === 'closed' && e.error !== undefined) this.#activation?.reject(new EnosError('activation_failed', `activation connection failed: ${e.error.message}`));
      return;
    }
    if (mqtt !== this.#mqtt) return;
    switch (e.type) {
      case 'connected':
        this.connected = true;
        if (this.#everConnected) this.reconnected = true;
        this.#everConnected = true;
        this.#firstConnect?.resolve();
        this.emit('connect');
        this.onConnected();
        break;
      case 'disconnected':
        if (this.connected) {
          this.connected = false;
          this.emit('close');
        }
        this.onDisconnected();
        // reconnectPeriod 0: the seed's "reconnection is disabled".
        if (period === 0 && !this.#closing) {
          this.#mqtt = undefined;
          void mqtt.end({ flush: false });
          // No retry will come: a first connection refused or lost fails connect() now, with its
          // reason, instead of at connectionTimeout.
          this.#firstConnect?.reject(e.reason);
        }
        break;
      case 'closed':
        if (e.error !== undefined) {
          this.#firstConnect?.reject(e.error);
          this.#error(e.error);
        }
        break;
    }
  }

  /** @internal Hook for GatewayClient: after every (re)connection. */
  protected onConnected(): void {}
  /** @internal Hook for GatewayClient. */
  protected onDisconnected(): void {}

  /** @internal */
  error(e: unknown): void {
    this.#error(e);
  }

  #error(e: unknown): void {
    this.emit('error', e instanceof Error ? e : new EnosError('error', describe(e)));
  }

  #newId(): string {
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return String(this.#nextId);
  }

  #ids(productKey = this.productKey, deviceKey = this.deviceKey): Ids {
    return { productKey, deviceName: deviceKey };
  }

  /** @internal The topic identifiers of this device or of the sub-device named. */
  idsOf(deviceInfo?: { readonly productKey: string; readonly deviceKey: string }): Ids {
    if (deviceInfo === undefined) return this.#ids();
    if (typeof deviceInfo !== 'object' || !deviceInfo.productKey || !deviceInfo.deviceKey) throw new EnosError('invalid_option', 'deviceInfo needs productKey and deviceKey');
    return this.#ids(deviceInfo.productKey, deviceInfo.deviceKey);
  }

  /** @internal Validates with the model of the device named, when the options carry one. */
  validator(ids: Ids): TslValidator | undefined {
    if (ids.productKey === this.productKey && ids.deviceName === this.deviceKey) return this.options.model;
    return this.options.models?.(ids.productKey, ids.deviceName);
  }

  /** @internal Adds a filter for this and every later connection. */
  async want(filter: string): Promise<void> {
    if (this.#filters.has(filter)) return;
    this.#filters.add(filter);
    const mqtt = this.#mqtt;
    if (mqtt !== undefined) {
      const granted = await mqtt.subscribe(filter);
      if (granted[0] === 0x80) {
        this.#filters.delete(filter);
        throw new EnosError('subscribe_refused', `the broker refused the subscription to ${filter}`);
      }
    }
  }

  /** @internal */
  handle(topic: string, handler: CommandHandler): void {
    this.#handlers.set(topic, handler);
  }

  #live(): MqttClient {
    const mqtt = this.#mqtt;
    if (mqtt === undefined) throw new EnosError('not_connected', 'connect() first');
    return mqtt;
  }

  /** @internal Publishes a request and resolves with its reply (or undefined when needReply is false). */
  async request(name: TopicName, ids: Ids, params: unknown, options: CommonParams, extra?: Record<string, AlinkJson>): Promise<UpstreamResponse | undefined> {
    const mqtt = this.#live();
    const id = this.#newId();
    const topic = formatTopic(name, ids);
    const method = methodOf(name, ids);
    const body: Record<string, unknown> = { id, version: '1.0', params, method, ...extra };
    let payload: string;
    try {
      payload = stringifyJson(body);
    } catch (e) {
      // Cycles, excessive nesting, functions: refused before anything is sent.
      throw new EnosError('invalid_option', `the request's params cannot be sent as JSON: ${(e as Error).message}`);
    }
    const qos = defaultQos(options);
    if (options.needReply === false) {
      await mqtt.publish(topic, payload, { qos }).catch(rethrowAsEnos);
      return undefined;
    }
    const replyTopic = `${topic}_reply`;
    // Subscribed once per reply topic: later requests skip the await (a microtask hop each).
    if (!this.#filters.has(replyTopic)) await this.want(replyTopic);
    const reply = this.#replies.expect(replyTopic, id, this.replyTimeoutMs);
    mqtt.publish(topic, payload, { qos }).catch((e: unknown) => this.#replies.abandon(replyTopic, id, e instanceof Error ? e : new EnosError('publish_failed', describe(e))));
    const r = await reply;
    return r.message === undefined ? { id: r.id, code: r.code, data: r.data } : { id: r.id, code: r.code, data: r.data, message: r.message };
  }

  /** @internal Raw up: the reply is correlated by its topic alone (raw bytes carry no id), first in first out. */
  async requestRaw(ids: Ids, bytes: Uint8Array, options: CommonParams): Promise<Uint8Array | undefined> {
    const mqtt = this.#live();
    const topic = formatTopic('rawUp', ids);
    const qos = defaultQos(options);
    if (options.needReply === false) {
      await mqtt.publish(topic, bytes, { qos }).catch(rethrowAsEnos);
      return undefined;
    }
    const replyTopic = `${topic}_reply`;
    await this.want(replyTopic);
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      const waiters = (this.#rawWaiters ??= new Map());
      let list = waiters.get(replyTopic);
      if (list === undefined) waiters.set(replyTopic, (list = []));
      if (list.length >= 100) return reject(new EnosError('too_many_pending', `100 raw requests already wait on ${replyTopic}`));
      const w = {
        resolve, reject,
        cancel: this.runtime.clock.setTimer(this.replyTimeoutMs, () => {
          const at = list.indexOf(w);
          if (at >= 0) list.splice(at, 1);
          reject(new EnosError('reply_timeout', `no reply on ${replyTopic} within ${this.replyTimeoutMs} ms`));
        }),
      };
      list.push(w);
    });
    mqtt.publish(topic, bytes, { qos }).catch(() => {});
    return reply;
  }

  /** @internal Answers a cloud command on `{topic}_reply` at QoS 0 (PROTOCOL-NOTES.md). */
  reply(topic: string, request: { readonly id: string; readonly numericId?: boolean }, code: number, data: unknown, message?: string): Promise<void> {
    const mqtt = this.#mqtt;
    if (mqtt === undefined) return Promise.reject(new EnosError('not_connected', 'the client is closed'));
    const r: AlinkReply<unknown> = { id: request.id, ...(request.numericId ? { numericId: true } : {}), code, data: data ?? {}, ...(message !== undefined ? { message } : {}) };
    return mqtt.publish(`${topic}_reply`, stringifyReply(r), { qos: 0 });
  }

  #onMessage(m: PublishPacket): void {
    const wrap = this.runtime.wrapPayload;
    this.emit('message', m.topic, wrap === undefined ? m.payload : wrap(m.payload));
    const parsed = parseTopic(m.topic);
    if (parsed === undefined) return;
    const spec = parsed.spec;
    if (spec.replyTo !== undefined) {
      // Our own answers to cloud commands come back when a wildcard covers them: not replies for us.
      if (TOPICS[spec.replyTo as TopicName].direction !== 'up') return;
      return this.#onReply(m, parsed);
    }
    if (spec.direction !== 'down') return;
    this.#onCommand(m, parsed);
  }

  #onReply(m: PublishPacket, parsed: ParsedTopic): void {
    if (parsed.spec.payload === 'raw') {
      const w = this.#rawWaiters?.get(m.topic)?.shift();
      if (w === undefined) return this.#error(new EnosError('unexpected_reply', `a raw reply on ${m.topic} that no request waits for`));
      w.cancel();
      const wrap = this.runtime.wrapPayload;
      return w.resolve(wrap === undefined ? m.payload : wrap(m.payload));
    }
    let reply: AlinkReply<unknown>;
    try {
      const d = decodeMessage(parsed, m.payload, { validate: false });
      if (d.kind !== 'reply') return;
      reply = d.reply;
    } catch (e) {
      return this.#error(new EnosError('invalid_reply', `a malformed reply on ${m.topic}: ${(e as Error).message}`));
    }
    const status = this.#replies.settle(m.topic, reply.id, reply);
    if (status === 'unknown') this.#error(new EnosError('unexpected_reply', `a reply on ${m.topic} with id ${JSON.stringify(reply.id)} that no request waits for`));
  }

  #onCommand(m: PublishPacket, parsed: ParsedTopic): void {
    if (parsed.name === 'activateInfo') return this.#onActivate(m, parsed);
    if (parsed.spec.payload === 'raw') return;
    if (m.payload.length === 0) {
      this.#error(new EnosError('invalid_command', `an empty command on ${m.topic}`));
      return;
    }
    let request: CommandRequest;
    let envelope: { id: string; numericId?: boolean };
    try {
      const d = decodeMessage(parsed, m.payload, { validate: false });
      if (d.kind !== 'request') return;
      envelope = d.request;
      request = { messageId: d.request.id, version: d.request.version ?? '1.0', method: d.request.method ?? '', params: d.request.params };
    } catch (e) {
      const id = salvageId(m.payload);
      const code = (e as { code?: string }).code === 'method_mismatch' ? COMMAND_CODES.methodMismatch : COMMAND_CODES.payloadFormat;
      if (id !== undefined) this.reply(m.topic, { id }, code, {}, (e as Error).message).catch(() => {});
      this.#error(new EnosError('invalid_command', `a malformed command on ${m.topic}: ${(e as Error).message}`));
      return;
    }
    const handler = this.#handlers.get(m.topic);
    if (handler === undefined) {
      this.reply(m.topic, envelope, COMMAND_CODES.noHandler, {}, `no handler for ${request.method || m.topic}`).catch(() => {});
      return;
    }
    this.deviceCommand.dispatch(m.topic, handler, request, envelope, parsed);
  }

  #onActivate(m: PublishPacket, parsed: ParsedTopic): void {
    try {
      const d = decodeMessage(parsed, m.payload);
      if (d.kind !== 'request') return;
      const p = d.request.params as { deviceSecret?: unknown; deviceKey?: unknown; productKey?: unknown };
      if (typeof p.deviceSecret !== 'string' || p.deviceSecret === '' || p.deviceKey !== this.deviceKey || p.productKey !== this.productKey) {
        throw new EnosError('activation_failed', 'activation info for another device or without a secret');
      }
      const mqtt = this.#activationMqtt;
      const reply = stringifyReply({ id: d.request.id, ...(d.request.numericId ? { numericId: true } : {}), code: 200, data: {} });
      // QoS 1: the acknowledgement counts only once the broker has it; the activation
      // connection ends right after, and a QoS 0 write could still sit in a socket buffer.
      this.#activation?.resolve({ secret: p.deviceSecret, ack: () => mqtt?.publish(`${m.topic}_reply`, reply, { qos: 1 }) ?? Promise.resolve() });
    } catch (e) {
      this.#error(e instanceof EnosError ? e : new EnosError('activation_failed', `malformed activation info: ${(e as Error).message}`));
    }
  }

  #activationMqtt: MqttClient | undefined;
}

/** A publish that failed underneath (the client ended, the queue dropped it) as the package's error. */
function rethrowAsEnos(e: unknown): never {
  if (e instanceof EnosError) throw e;
  const code = (e as { code?: unknown } | null)?.code;
  throw new EnosError(code === 'client_ended' ? 'closed' : 'publish_failed', e instanceof Error ? e.message : describe(e));
}

/** Every duration option is a number of seconds in range, checked before anything uses it. */
function checkTimes(o: ClientOptions): void {
  const mo: unknown = o.mqttOptions;
  if (mo !== undefined && (typeof mo !== 'object' || mo === null)) throw new EnosError('invalid_option', 'mqttOptions must be an object');
  const m = (mo ?? {}) as Record<string, unknown>;
  // At most a day (beyond it a timer's milliseconds overflow what runtimes schedule); keepalive
  // at most MQTT's 65535 seconds.
  const checks: [string, unknown, number, number][] = [
    ['replyTimeout', o.replyTimeout, Number.MIN_VALUE, 86_400], ['commandTimeout', o.commandTimeout, Number.MIN_VALUE, 86_400],
    ['mqttOptions.connectionTimeout', m['connectionTimeout'], 0, 86_400], ['mqttOptions.reconnectPeriod', m['reconnectPeriod'], 0, 86_400],
    ['mqttOptions.reconnectPeroid', m['reconnectPeroid'], 0, 86_400], ['mqttOptions.keepAlive', m['keepAlive'], 0, 65_535],
    ['mqttOptions.maxReconnectPeriod', m['maxReconnectPeriod'], 0, 86_400],
  ];
  for (const [name, value, min, max] of checks) {
    if (value !== undefined && (typeof value !== 'number' || !(value >= min) || value > max)) throw new EnosError('invalid_option', `${name} must be a number of seconds from ${min === 0 ? 0 : 'above 0'} to ${max}`);
  }
}

/**
 * QoS when the caller gives none: 0 when a reply is awaited (the reply is the acknowledgement,
 * a lost request ends in reply_timeout, and a PUBACK per request halved throughput in
 * bench/enos.bench.ts), 1 when none is (the PUBACK is then the only proof of delivery).
 */
function defaultQos(options: CommonParams): 0 | 1 {
  const qos = options.qos ?? (options.needReply === false ? 1 : 0);
  if (qos !== 0 && qos !== 1) throw new EnosError('invalid_option', 'qos must be 0 or 1');
  return qos;
}

function methodOf(name: TopicName, ids: Ids): string | undefined {
  const m = TOPICS[name].method;
  if (m === undefined) return undefined;
  return m.replace(/\{(\w+)\}/, (_, k: string) => ids[k] ?? '');
}

/** The id of a payload that failed to decode, when one can be read, so the platform gets an answer. */
function salvageId(payload: Uint8Array): string | undefined {
  let text = '';
  for (let i = 0; i < Math.min(payload.length, 200); i++) text += String.fromCharCode(payload[i]!);
  const m = /"id"\s*:\s*"?([A-Za-z0-9_-]{1,64})/.exec(text);
  return m?.[1];
}

