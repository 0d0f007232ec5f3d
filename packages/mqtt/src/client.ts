import { booleanOption, functionOption, integerOption, numberOption, OptionError, optionsRecord, requiredFunction, requiredOption, utf8Encode as utf8, type ByteTransport, type Clock, type Dialer, type Random, type TransportEvents } from '@linkwire/base';
import { backoffDelay, checkBackoff, type BackoffOptions } from './backoff.ts';
import { createPacketParser, type PacketParser } from './decode.ts';
import { encodePacket, encodePacketPooled } from './encode.ts';
import { MqttDecodeError, MqttError } from './errors.ts';
import type { ConnackPacket, MqttPacket, PublishPacket, QoS, Subscription, Will } from './packets.ts';
import { MqttConnectError } from './session.ts';
import type { OutgoingStore, StoredPublish } from './store.ts';
import { checkTopicFilter, checkTopicName } from './topic.ts';

/** What CONNECT carries that may change per attempt: an Alibaba password signs a fresh timestamp. */
export interface MqttConnectParams {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: Uint8Array | string;
  /** Seconds; overrides the client's `keepalive` (as `mqttCredentials({ keepalive })` returns it). */
  readonly keepalive?: number;
  /** The one spelling is `keepalive` (as MQTT 3.1.1 and the CONNECT packet): this one is refused. */
  readonly keepAlive?: never;
}

/** What to do with a publish when the offline queue is full. */
export type QueueFullPolicy = 'reject' | 'drop-oldest';

export interface OfflineQueueOptions {
  /** Most publishes waiting to be written, default 1000. */
  readonly maxMessages?: number;
  /** Most payload + topic bytes waiting to be written, default 1 MiB. */
  readonly maxBytes?: number;
  /**
   * `reject` (default): the new publish rejects with code `queue_full`. `drop-oldest`: the
   * oldest waiting publish rejects with code `dropped` and a `dropped` event names it.
   */
  readonly whenFull?: QueueFullPolicy;
  /** Keep QoS 0 publishes made while disconnected (`keep`, default) or reject them (`drop`, code `not_connected`). */
  readonly qos0?: 'keep' | 'drop';
}

export interface MqttClientOptions<E> {
  readonly clock: Clock;
  /** Jitter for the reconnect delays: a CSPRNG in production, `seededRandom` in tests. */
  readonly random: Random;
  readonly dial: Dialer<E>;
  readonly endpoint: E;
  /** CONNECT identity, or a function asked before every attempt (may be async, may throw to retry later). */
  readonly credentials: MqttConnectParams | ((attempt: number) => MqttConnectParams | Promise<MqttConnectParams>);
  /** Seconds, default 60; 0 disables keepalive. */
  readonly keepalive?: number;
  readonly keepAlive?: never;
  /** Default true. With false the broker may keep the session, and the client still resubscribes when it did not. */
  readonly cleanSession?: boolean;
  readonly will?: Will;
  /** Bounds dialing plus CONNACK, default 10 000 ms: a dead host fails here, not after the OS's two minutes. */
  readonly connectTimeoutMs?: number;
  /** How long a PINGREQ may wait for PINGRESP before the connection counts as half-open. Default min(keepalive, 30 s). */
  readonly pingTimeoutMs?: number;
  /** Largest accepted incoming packet, default 1 MiB. */
  readonly maxPacketSize?: number;
  /** Most QoS 1 publishes awaiting PUBACK at once, default 500; more wait in the queue. */
  readonly maxInflight?: number;
  readonly backoff?: BackoffOptions;
  /** A connection that lasted this long resets the backoff to its first step. Default 30 000 ms. */
  readonly stableAfterMs?: number;
  /**
   * Decides whether a CONNACK refusal that is not transient (1 protocol version, 2 identifier
   * rejected, 4 bad username or password, 5 not authorized) is retried. Default: never, the
   * client closes with the {@link MqttConnectError}. Code 3 (server unavailable) always retries.
   */
  readonly retryRefused?: (returnCode: number) => boolean;
  /**
   * Asked at each reconnect, for every unacknowledged QoS 1 publish, before it is sent again:
   * a promise holds that retransmission until it settles (a gateway holds a sub-device's
   * messages until the sub-device is logged in again, or the platform would refuse them).
   * Undefined (the default) sends it at once. A held message keeps its place in flight and is
   * asked about again if the connection drops while it waits.
   */
  readonly holdRetransmit?: (topic: string) => Promise<unknown> | undefined;
  readonly offlineQueue?: OfflineQueueOptions;
  /** Outgoing QoS 1 messages survive a process restart through it. Default: held in memory only. */
  readonly store?: OutgoingStore;
  readonly onEvent?: (event: MqttClientEvent) => void;
  readonly onMessage?: (message: PublishPacket) => void;
}

/** The client's life as typed events, in order. */
export type MqttClientEvent =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'connected'; readonly sessionPresent: boolean; readonly attempt: number }
  | { readonly type: 'disconnected'; readonly reason: Error }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'closed'; readonly error?: Error }
  /** A queued publish given up under the `drop-oldest` policy; its promise rejected with code `dropped`. */
  | { readonly type: 'dropped'; readonly topic: string; readonly qos: 0 | 1 }
  /** Something that did not end the connection but must not pass silently: a store failure, a refused resubscription, a throwing handler. */
  | { readonly type: 'error'; readonly error: Error };

export type MqttClientState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface MqttPublishOptions {
  readonly qos?: 0 | 1;
  readonly retain?: boolean;
}

export interface MqttEndOptions {
  /** Wait for queued and in-flight publishes to be acknowledged first (default true, only while connected). */
  readonly flush?: boolean;
  /** The longest a flush may take, default 10 000 ms; what is left then is dropped (QoS 1 stays in the store). */
  readonly timeoutMs?: number;
}

export interface MqttClient {
  readonly state: MqttClientState;
  /**
   * QoS 0 resolves when written to a connection, QoS 1 when its PUBACK arrives, across as many
   * reconnects as it takes. Rejects with a typed {@link MqttError} (`queue_full`, `dropped`,
   * `not_connected` for QoS 0 under `qos0: 'drop'`, `client_ended`): never silently.
   */
  publish(topic: string, payload: Uint8Array | string, options?: MqttPublishOptions): Promise<void>;
  /** Remembers the filters for every later connection; resolves with the granted QoS per filter (0x80 = refused). */
  subscribe(filters: string | readonly string[] | readonly Subscription[]): Promise<number[]>;
  /** Forgets the filters; resolves on UNSUBACK. */
  unsubscribe(filters: string | readonly string[]): Promise<void>;
  /** Resolves when connected (now or later); rejects when the client closes first. */
  whenConnected(): Promise<void>;
  /** Stops reconnecting, sends DISCONNECT, releases every timer; resolves when the store is closed. */
  end(options?: MqttEndOptions): Promise<void>;
  /** Publishes waiting to be written, and QoS 1 publishes awaiting PUBACK. */
  readonly queued: number;
  readonly inflight: number;
}

/** Codes 3 (server unavailable) and unknown codes are worth retrying; the rest need a person. */
export function isTransientRefusal(returnCode: number): boolean {
  return typeof returnCode === 'number' && (returnCode === 3 || returnCode > 5);
}

interface Outgoing {
  seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  dup: boolean;
  /** Packet id while in flight, 0 before. */
  id: number;
  resolve: (() => void) | undefined;
  reject: ((e: Error) => void) | undefined;
}

interface Request {
  readonly kind: 'suback' | 'unsuback';
  readonly subscriptions: readonly Subscription[];
  readonly topics: readonly string[];
  id: number;
  /** Absent for the client's own resubscriptions. */
  readonly resolve?: (granted: number[]) => void;
  readonly reject?: (e: Error) => void;
}

const RESUBSCRIBE_BATCH = 100;

/**
 * A sans-IO MQTT 3.1.1 client that survives the network. It owns a sequence of connections over
 * an injected dialer, asks for credentials before each, reconnects with exponential backoff and
 * full jitter, resubscribes when the broker lost the session, retransmits unacknowledged QoS 1
 * publishes in order with DUP set, holds publishes made while offline in a bounded queue, and
 * reports its life as typed events. Time and randomness come from the injected Clock and Random,
 * so a test replays a whole reconnect storm exactly.
 *
 * @example
 * const client = createMqttClient({
 *   clock, random, dial: nodeDialer, endpoint: { host, port },
 *   credentials: () => mqttCredentials({ productKey, deviceName, deviceSecret, timestamp: clock.now() }),
 *   onEvent: (e) => console.log(e.type), onMessage: (m) => console.log(m.topic),
 * });
 * await client.subscribe('/sys/pk/dn/thing/service/+');
 * await client.publish('/sys/pk/dn/thing/event/property/post', json, { qos: 1 });
 * await client.end();
 */
export function createMqttClient<E>(options: MqttClientOptions<E>): MqttClient {
  checkClientOptions(options);
  if ((options as { keepAlive?: unknown }).keepAlive !== undefined) throw new MqttError('invalid_option', 'the option is spelled `keepalive`, not `keepAlive`');
  const backoffProblem = checkBackoff(options.backoff ?? {});
  if (backoffProblem !== undefined) throw new MqttError('invalid_option', backoffProblem);
  return new Client(options);
}

// Options checked once, at construction (OptionError): timers, bounds and callbacks below
// never meet a value of the wrong type.
function checkClientOptions(options: unknown): void {
  const o = optionsRecord('options', options ?? null);
  const clock = o['clock'] as Clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') throw new OptionError('clock', 'a Clock (now, setTimer)', clock);
  requiredFunction('random', o['random']);
  requiredFunction('dial', o['dial']);
  const credentials = requiredOption('credentials', o['credentials']);
  if (typeof credentials !== 'function') optionsRecord('credentials', credentials);
  for (const f of ['retryRefused', 'holdRetransmit', 'onEvent', 'onMessage'] as const) functionOption(f, o[f]);
  integerOption('keepalive', o['keepalive'], 60, 0, 65535);
  booleanOption('cleanSession', o['cleanSession'], true);
  if (o['will'] !== undefined) optionsRecord('will', o['will']);
  for (const t of ['connectTimeoutMs', 'pingTimeoutMs', 'stableAfterMs'] as const) numberOption(t, o[t], 1, 0, 2 ** 31 - 1);
  integerOption('maxPacketSize', o['maxPacketSize'], 1 << 20, 2);
  integerOption('maxInflight', o['maxInflight'], 1000, 1, 65535);
  if (o['backoff'] !== undefined) optionsRecord('backoff', o['backoff']);
  if (o['offlineQueue'] !== undefined) optionsRecord('offlineQueue', o['offlineQueue']);
  if (o['store'] !== undefined) {
    const store = optionsRecord('store', o['store']);
    for (const f of ['load', 'put', 'delete'] as const) requiredFunction(`store.${f}`, store[f]);
  }
}

/**
 * One connection's callbacks. A connection that ended finds the client's generation changed and
 * does nothing, so a late event from an old socket can never touch the current one.
 */
class Link<E> implements TransportEvents {
  constructor(private readonly client: Client<E>, private readonly gen: number) {}
  onOpen(): void {
    if (this.gen === this.client.gen) this.client.opened();
  }
  onData(bytes: Uint8Array): void {
    if (this.gen === this.client.gen) this.client.receive(bytes);
  }
  onClose(error?: Error): void {
    if (this.gen === this.client.gen) this.client.lost(error ?? new MqttError('connection_lost', 'the connection closed'));
  }
}

// A class, not a closure-per-method factory: 10 000 idle clients in one gateway process pay for
// fields only, not for two dozen function objects each. Collections are created on first use.
class Client<E> implements MqttClient {
  private st: MqttClientState | 'starting' = 'starting';
  private closing: { done: () => void; promise: Promise<void> } | undefined;
  /** Every connection gets a generation; see {@link Link}. */
  gen = 0;
  private transport: ByteTransport | undefined;
  /** Held only while a packet is partly received: an idle client keeps no parser. */
  private parser: PacketParser | undefined;
  private connectBytes: Uint8Array | undefined;
  private keepaliveMs = 0;
  private attempt = 0;
  private connectedAt = 0;
  private lastSent = 0;
  private lastReceived = 0;
  private seq = 0;
  private nextId = 1;
  private stepTimer: (() => void) | undefined; // connect timeout, reconnect delay, or end's flush limit
  private keepaliveTimer: (() => void) | undefined;
  private pingTimer: (() => void) | undefined;
  /** Waiting to be written, oldest first: an array with a moving head, O(1) at both ends. */
  private queue: Outgoing[] | undefined;
  private head = 0;
  private queueBytes = 0;
  /** QoS 1 written and awaiting PUBACK, by packet id, in the order first written. */
  private inflightById: Map<number, Outgoing> | undefined;
  private requests: Request[] | undefined;
  private subscriptions: Map<string, QoS> | undefined;
  private inboundQos2: Set<number> | undefined;
  private waiters: { resolve(): void; reject(e: Error): void }[] | undefined;
  private closedWith: Error | undefined;

  constructor(private readonly o: MqttClientOptions<E>) {
    const store = o.store;
    if (store === undefined) this.start([]);
    else {
      Promise.resolve()
        .then(() => store.load())
        .then((loaded) => this.start(loaded), (e: unknown) => {
          this.emit({ type: 'error', error: asError(e) });
          this.start([]);
        });
    }
  }

  get state(): MqttClientState {
    return this.st === 'starting' ? 'connecting' : this.st;
  }
  get queued(): number {
    return this.queue === undefined ? 0 : this.queue.length - this.head;
  }
  get inflight(): number {
    return this.inflightById?.size ?? 0;
  }

  // ---- helpers ----

  private emit(event: MqttClientEvent): void {
    try {
      this.o.onEvent?.(event);
    } catch (e) {
      if (event.type !== 'error') this.emit({ type: 'error', error: asError(e) });
    }
  }

  private storeCall(op: 'put' | 'delete', arg: StoredPublish | number): void {
    const store = this.o.store;
    if (store === undefined) return;
    try {
      const r = op === 'put' ? store.put(arg as StoredPublish) : store.delete(arg as number);
      if (r !== undefined) r.then(undefined, (e: unknown) => this.emit({ type: 'error', error: asError(e) }));
    } catch (e) {
      this.emit({ type: 'error', error: asError(e) });
    }
  }

  private write(p: MqttPacket): void {
    this.out(encodePacketPooled(p));
  }

  /** Puts bytes on the current transport. A transport that throws ends the connection (false). */
  private out(bytes: Uint8Array): boolean {
    const t = this.transport;
    if (t === undefined) return false;
    try {
      t.send(bytes);
    } catch (e) {
      this.lost(asError(e));
      return false;
    }
    this.lastSent = this.o.clock.now();
    return true;
  }

  private cancelTimers(): void {
    this.stepTimer?.();
    this.keepaliveTimer?.();
    this.pingTimer?.();
    this.stepTimer = this.keepaliveTimer = this.pingTimer = undefined;
  }

  /** Ends the current transport and makes its late events harmless. */
  private dropTransport(): void {
    this.gen++;
    this.cancelTimers();
    const t = this.transport;
    this.transport = this.parser = this.connectBytes = undefined;
    t?.close();
  }

  // ---- connection lifecycle ----

  private start(loaded: readonly StoredPublish[]): void {
    if (this.st === 'closed') return;
    // Restored messages go first, whatever the queue's limits: they were accepted already.
    // Publishes made while the store loaded are numbered after them and stored now.
    for (const m of loaded) if (m.seq > this.seq) this.seq = m.seq;
    const early = this.queue === undefined ? [] : this.queue.slice(this.head);
    for (const o of early) {
      o.seq = ++this.seq;
      if (o.qos === 1) this.storeCall('put', { seq: o.seq, topic: o.topic, payload: o.payload, retain: o.retain });
    }
    if (loaded.length > 0) {
      const restored = loaded.map<Outgoing>((m) => ({ seq: m.seq, topic: m.topic, payload: m.payload, qos: 1, retain: m.retain, dup: true, id: 0, resolve: undefined, reject: undefined }));
      for (const o of restored) this.queueBytes += o.payload.length + o.topic.length;
      this.queue = [...restored, ...early];
      this.head = 0;
    }
    this.connect();
  }

  private connect(): void {
    const { clock, credentials } = this.o;
    const attempt = ++this.attempt;
    this.st = 'connecting';
    const g = ++this.gen;
    this.emit({ type: 'connecting', attempt });
    const ms = this.o.connectTimeoutMs ?? 10_000;
    this.stepTimer = clock.setTimer(ms, () => {
      this.stepTimer = undefined;
      if (g === this.gen) this.lost(new MqttError('connect_timeout', `no connection and CONNACK within ${ms} ms`));
    });
    Promise.resolve()
      .then(() => (typeof credentials === 'function' ? credentials(attempt) : credentials))
      .then((params) => {
        if (g !== this.gen) return;
        if ((params as { keepAlive?: unknown }).keepAlive !== undefined) throw new MqttError('invalid_option', 'credentials carry `keepAlive`; the field is spelled `keepalive`');
        const password = typeof params.password === 'string' ? utf8(params.password) : params.password;
        const keepalive = params.keepalive ?? this.o.keepalive ?? 60;
        this.connectBytes = encodePacket({
          type: 'connect', clientId: params.clientId, cleanSession: this.o.cleanSession ?? true, keepalive,
          ...(params.username !== undefined ? { username: params.username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(this.o.will !== undefined ? { will: this.o.will } : {}),
        });
        this.keepaliveMs = keepalive * 1000;
        const t = this.o.dial(this.o.endpoint, new Link(this, g));
        // A dialer that failed synchronously has already reported through onClose.
        if (g === this.gen) this.transport = t;
        else t.close();
      })
      .catch((e: unknown) => {
        if (g === this.gen) this.lost(asError(e));
      });
  }

  /** @internal The transport is open: send CONNECT. */
  opened(): void {
    const bytes = this.connectBytes;
    if (bytes === undefined || this.transport === undefined) return;
    this.connectBytes = undefined;
    this.lastReceived = this.o.clock.now();
    this.out(bytes);
  }

  /** @internal The current connection ended (or never came up): retry or close. */
  lost(reason: Error): void {
    if (this.st === 'closed') return;
    const wasConnected = this.st === 'connected';
    this.dropTransport();
    if (this.requests !== undefined) for (const r of this.requests) r.id = 0; // their ids belonged to that connection
    if (wasConnected && this.o.clock.now() - this.connectedAt >= (this.o.stableAfterMs ?? 30_000)) this.attempt = 0;
    this.st = 'reconnecting';
    this.emit({ type: 'disconnected', reason });
    if (this.closing !== undefined) return this.finish();
    if (reason instanceof MqttConnectError && !isTransientRefusal(reason.returnCode) && !(this.o.retryRefused?.(reason.returnCode) ?? false)) {
      return this.finish(reason);
    }
    const delayMs = backoffDelay(this.attempt, this.o.backoff ?? {}, this.o.random);
    this.emit({ type: 'reconnecting', attempt: this.attempt + 1, delayMs });
    this.stepTimer = this.o.clock.setTimer(delayMs, () => {
      this.stepTimer = undefined;
      this.connect();
    });
  }

  private connected(connack: ConnackPacket): void {
    this.stepTimer?.();
    this.stepTimer = undefined;
    this.st = 'connected';
    this.connectedAt = this.o.clock.now();
    const g = this.gen;
    if (!connack.sessionPresent) {
      this.inboundQos2 = undefined;
      // The broker has no session: every filter goes out again, whatever it said before.
      const subs = this.subscriptions;
      if (subs !== undefined && subs.size > 0) {
        const pending = new Set<string>();
        for (const r of this.requests ?? []) if (r.kind === 'suback') for (const s of r.subscriptions) pending.add(s.topic);
        const again: Subscription[] = [];
        for (const [topic, qos] of subs) if (!pending.has(topic)) again.push({ topic, qos });
        const batches: Request[] = [];
        for (let i = 0; i < again.length; i += RESUBSCRIBE_BATCH) {
          batches.push({ kind: 'suback', subscriptions: again.slice(i, i + RESUBSCRIBE_BATCH), topics: [], id: 0 });
        }
        if (batches.length > 0) this.requests = [...batches, ...(this.requests ?? [])];
      }
    }
    for (const r of this.requests ?? []) this.sendRequest(r);
    for (const o of this.inflightById?.values() ?? []) {
      o.dup = true;
      const hold = this.held(o);
      if (hold === undefined) this.write(this.publishPacket(o));
      else void hold.then(() => {
        // Still this connection, and still unacknowledged: send it now.
        if (g === this.gen && this.st === 'connected' && this.inflightById?.get(o.id) === o) this.write(this.publishPacket(o));
      });
    }
    if (g !== this.gen) return; // a write failed and ended this connection
    this.armKeepalive(this.keepaliveMs);
    this.emit({ type: 'connected', sessionPresent: connack.sessionPresent, attempt: this.attempt });
    if (g !== this.gen) return;
    const waiters = this.waiters;
    this.waiters = undefined;
    for (const w of waiters ?? []) w.resolve();
    this.pump();
  }

  /** The application's hold on retransmitting `o`, settled either way; undefined to send now. */
  private held(o: Outgoing): Promise<unknown> | undefined {
    const ask = this.o.holdRetransmit;
    if (ask === undefined) return undefined;
    try {
      const hold = ask(o.topic);
      return hold === undefined ? undefined : Promise.resolve(hold).catch(() => undefined);
    } catch (e) {
      this.emit({ type: 'error', error: asError(e) });
      return undefined;
    }
  }

  private finish(error?: Error): void {
    if (this.st === 'closed') return;
    if (this.st === 'connected' && this.transport !== undefined) this.write({ type: 'disconnect' });
    this.dropTransport();
    this.st = 'closed';
    const ended = error ?? new MqttError('client_ended', 'the client ended before this was done');
    this.closedWith = ended;
    // QoS 1 messages stay in the store for the next process; their promises settle here.
    for (const o of this.inflightById?.values() ?? []) o.reject?.(ended);
    if (this.queue !== undefined) for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.reject?.(ended);
    for (const r of this.requests ?? []) r.reject?.(ended);
    for (const w of this.waiters ?? []) w.reject(ended);
    this.inflightById = this.queue = this.requests = this.waiters = undefined;
    this.head = this.queueBytes = 0;
    this.emit(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    const done = this.closing?.done;
    Promise.resolve(this.o.store?.close?.())
      .catch((e: unknown) => this.emit({ type: 'error', error: asError(e) }))
      .then(done);
  }

  // ---- keepalive: one timer that works out on firing whether to ping ----

  private armKeepalive(delay: number): void {
    this.keepaliveTimer?.();
    this.keepaliveTimer = undefined;
    if (this.keepaliveMs <= 0) return;
    this.keepaliveTimer = this.o.clock.setTimer(delay, () => {
      this.keepaliveTimer = undefined;
      if (this.st !== 'connected') return;
      const now = this.o.clock.now();
      // Silence in either direction calls for a ping: a publisher that only sends would
      // otherwise never notice that nothing has come back from a black-holed connection.
      const quiet = Math.max(now - this.lastSent, now - this.lastReceived);
      if (quiet < this.keepaliveMs) return this.armKeepalive(this.keepaliveMs - quiet);
      if (this.pingTimer === undefined) {
        const ms = this.o.pingTimeoutMs ?? Math.min(this.keepaliveMs, 30_000);
        this.pingTimer = this.o.clock.setTimer(ms, () => {
          this.pingTimer = undefined;
          this.lost(new MqttError('keepalive_timeout', `no PINGRESP within ${ms} ms: the connection is half-open`));
        });
      }
      this.write({ type: 'pingreq' });
      this.armKeepalive(this.keepaliveMs);
    });
  }

  // ---- bytes in ----

  /** @internal */
  receive(bytes: Uint8Array): void {
    this.lastReceived = this.o.clock.now();
    const g = this.gen;
    const max = this.o.maxPacketSize;
    const parser = (this.parser ??= createPacketParser(max === undefined ? undefined : { maxPacketSize: max }));
    let packets: readonly MqttPacket[];
    let malformed: MqttDecodeError | undefined;
    try {
      packets = parser.push(bytes);
    } catch (e) {
      if (!(e instanceof MqttDecodeError)) return this.lost(new MqttError('protocol_error', String(e)));
      // The packets the chunk completed before the malformed one count, as they would had the
      // bytes arrived one at a time; then the connection ends ([MQTT-4.8.0-1]).
      packets = e.packets;
      malformed = e;
    }
    if (malformed === undefined && parser.buffered === 0) this.parser = undefined;
    for (const p of packets) {
      this.handle(p);
      if (g !== this.gen) return; // the packet ended the connection
    }
    if (malformed !== undefined) this.lost(malformed);
  }

  private handle(p: MqttPacket): void {
    if (p.type === 'connack') {
      if (this.st !== 'connecting') return this.lost(new MqttError('protocol_error', 'CONNACK out of place: the connection was already accepted'));
      if (p.returnCode !== 0) return this.lost(new MqttConnectError(p.returnCode));
      return this.connected(p);
    }
    if (this.st !== 'connected') return this.lost(new MqttError('protocol_error', `${p.type.toUpperCase()} before CONNACK`));
    switch (p.type) {
      case 'publish': {
        const id = p.messageId!;
        if (p.qos === 1) this.write({ type: 'puback', messageId: id });
        else if (p.qos === 2) {
          this.write({ type: 'pubrec', messageId: id });
          const seen = (this.inboundQos2 ??= new Set());
          if (seen.has(id)) return; // delivered on the first PUBLISH, until PUBREL
          seen.add(id);
        }
        try {
          this.o.onMessage?.(p);
        } catch (e) {
          this.emit({ type: 'error', error: asError(e) });
        }
        return;
      }
      case 'pubrel':
        this.inboundQos2?.delete(p.messageId);
        return this.write({ type: 'pubcomp', messageId: p.messageId });
      case 'puback': {
        const o = this.inflightById?.get(p.messageId);
        if (o === undefined) return this.lost(new MqttError('unexpected_ack', `PUBACK for message id ${p.messageId}, which is not in flight`));
        this.inflightById!.delete(p.messageId);
        this.storeCall('delete', o.seq);
        o.resolve?.();
        return this.pump();
      }
      case 'suback':
      case 'unsuback': {
        const requests = this.requests ?? [];
        const i = requests.findIndex((r) => r.id === p.messageId && r.id !== 0);
        const r = requests[i];
        if (r === undefined || r.kind !== p.type) return this.lost(new MqttError('unexpected_ack', `${p.type.toUpperCase()} for message id ${p.messageId}, which awaits no such acknowledgement`));
        if (p.type === 'suback' && p.granted.length !== r.subscriptions.length) return this.lost(new MqttError('protocol_error', `SUBACK grants ${p.granted.length} filters, SUBSCRIBE asked for ${r.subscriptions.length}`));
        requests.splice(i, 1);
        if (requests.length === 0) this.requests = undefined;
        if (p.type === 'suback') {
          const subs = this.subscriptions;
          const refused = r.subscriptions.filter((s, k) => p.granted[k] === 0x80 && subs?.get(s.topic) === s.qos);
          for (const s of refused) subs!.delete(s.topic);
          if (r.resolve === undefined && refused.length > 0) {
            this.emit({ type: 'error', error: new MqttError('resubscribe_refused', `the broker refused to resubscribe ${refused.map((s) => s.topic).join(', ')}`) });
          }
          r.resolve?.([...p.granted]);
        } else r.resolve?.([]);
        return this.pump();
      }
      case 'pingresp':
        this.pingTimer?.();
        this.pingTimer = undefined;
        return;
      default:
        // CONNECT, SUBSCRIBE, PINGREQ… go client to server only, and we never send QoS 2, so
        // PUBREC/PUBCOMP are unsolicited: a broker sending them is broken.
        return this.lost(new MqttError('protocol_error', `unexpected ${p.type.toUpperCase()} from the server`));
    }
  }

  // ---- bytes out ----

  private freeId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (this.inflightById?.has(id) !== true && this.requests?.some((r) => r.id === id) !== true) return id;
    }
  }

  private publishPacket(o: Outgoing): MqttPacket {
    return o.qos === 0
      ? { type: 'publish', topic: o.topic, payload: o.payload, qos: 0, retain: o.retain, dup: false }
      : { type: 'publish', topic: o.topic, payload: o.payload, qos: 1, retain: o.retain, dup: o.dup, messageId: o.id };
  }

  private sendRequest(r: Request): void {
    r.id = this.freeId();
    this.write(r.kind === 'suback' ? { type: 'subscribe', messageId: r.id, subscriptions: r.subscriptions } : { type: 'unsubscribe', messageId: r.id, topics: r.topics });
  }

  /** Writes one publish now. A message the encoder refuses (too large) rejects alone. */
  private send(o: Outgoing): void {
    if (o.qos === 1) {
      o.id = this.freeId();
      (this.inflightById ??= new Map()).set(o.id, o);
    }
    let bytes: Uint8Array;
    try {
      bytes = encodePacketPooled(this.publishPacket(o));
    } catch (e) {
      this.inflightById?.delete(o.id);
      if (o.qos === 1) this.storeCall('delete', o.seq);
      return o.reject?.(asError(e));
    }
    if (this.out(bytes)) {
      if (o.qos === 0) o.resolve?.();
    } else if (o.qos === 0) o.reject?.(new MqttError('connection_lost', `the connection failed while writing a QoS 0 publish to ${o.topic}`));
  }

  /** Moves waiting publishes onto the connection while the in-flight window has room. */
  private pump(): void {
    const g = this.gen;
    const queue = this.queue;
    if (queue !== undefined) {
      const max = this.o.maxInflight ?? 500;
      while (this.head < queue.length && this.st === 'connected' && g === this.gen) {
        const o = queue[this.head]!;
        if (o.qos === 1 && this.inflight >= max) break;
        queue[this.head++] = undefined as unknown as Outgoing;
        this.queueBytes -= o.payload.length + o.topic.length;
        this.send(o);
      }
      if (this.head === queue.length) {
        if (this.queue === queue) this.queue = undefined;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > queue.length) {
        this.queue = queue.slice(this.head);
        this.head = 0;
      }
    }
    if (this.closing !== undefined && this.queued === 0 && this.inflight === 0 && this.st === 'connected') this.finish();
  }

  private enqueue(o: Outgoing): boolean {
    const size = o.payload.length + o.topic.length;
    const q = this.o.offlineQueue;
    const maxMessages = q?.maxMessages ?? 1000;
    const maxBytes = q?.maxBytes ?? 1 << 20;
    const queue = (this.queue ??= []);
    while (queue.length - this.head >= maxMessages || this.queueBytes + size > maxBytes) {
      if (q?.whenFull !== 'drop-oldest' || this.head === queue.length) return false;
      const old = queue[this.head]!;
      queue[this.head++] = undefined as unknown as Outgoing;
      this.queueBytes -= old.payload.length + old.topic.length;
      if (old.qos === 1) this.storeCall('delete', old.seq);
      old.reject?.(new MqttError('dropped', `dropped from the full offline queue to make room (${old.topic})`));
      this.emit({ type: 'dropped', topic: old.topic, qos: old.qos });
    }
    queue.push(o);
    this.queueBytes += size;
    return true;
  }

  // ---- the public verbs ----

  publish(topic: string, payload: Uint8Array | string, opts?: MqttPublishOptions): Promise<void> {
    const qos = opts?.qos ?? 0;
    if (this.st === 'closed' || this.closing !== undefined) return Promise.reject(new MqttError('client_ended', 'publish after end()'));
    if (qos !== 0 && qos !== 1) return Promise.reject(new MqttError('invalid_qos', `QoS ${String(qos)} is not supported for publishing (0 or 1)`));
    try {
      checkTopicName(topic);
    } catch (e) {
      return Promise.reject(e);
    }
    if (qos === 0 && this.st !== 'connected' && this.o.offlineQueue?.qos0 === 'drop') {
      return Promise.reject(new MqttError('not_connected', `QoS 0 publish to ${topic} while ${this.state}: not kept (offlineQueue.qos0 = 'drop')`));
    }
    const o: Outgoing = { seq: ++this.seq, topic, payload: typeof payload === 'string' ? utf8(payload) : payload, qos, retain: opts?.retain ?? false, dup: false, id: 0, resolve: undefined, reject: undefined };
    const promise = new Promise<void>((resolve, reject) => {
      o.resolve = resolve;
      o.reject = reject;
    });
    const direct = this.st === 'connected' && this.queued === 0 && (qos === 0 || this.inflight < (this.o.maxInflight ?? 500));
    if (!direct && !this.enqueue(o)) {
      const q = this.o.offlineQueue;
      return Promise.reject(new MqttError('queue_full', `the offline queue is full (${q?.maxMessages ?? 1000} messages, ${q?.maxBytes ?? 1 << 20} bytes): ${topic} not accepted`));
    }
    if (qos === 1 && this.st !== 'starting') this.storeCall('put', { seq: o.seq, topic, payload: o.payload, retain: o.retain });
    if (direct) this.send(o);
    return promise;
  }

  subscribe(filters: string | readonly string[] | readonly Subscription[]): Promise<number[]> {
    if (this.st === 'closed' || this.closing !== undefined) return Promise.reject(new MqttError('client_ended', 'subscribe after end()'));
    const list = typeof filters === 'string' ? [filters] : filters;
    const subs = list.map((f): Subscription => (typeof f === 'string' ? { topic: f, qos: 1 } : f));
    try {
      if (subs.length === 0) throw new MqttError('invalid_topic_filter', 'subscribe needs at least one filter');
      for (const s of subs) checkTopicFilter(s.topic);
    } catch (e) {
      return Promise.reject(e);
    }
    const map = (this.subscriptions ??= new Map());
    for (const s of subs) map.set(s.topic, s.qos);
    return new Promise<number[]>((resolve, reject) => {
      const r: Request = { kind: 'suback', subscriptions: subs, topics: [], id: 0, resolve, reject };
      (this.requests ??= []).push(r);
      if (this.st === 'connected') this.sendRequest(r);
    });
  }

  unsubscribe(filters: string | readonly string[]): Promise<void> {
    if (this.st === 'closed' || this.closing !== undefined) return Promise.reject(new MqttError('client_ended', 'unsubscribe after end()'));
    const topics = typeof filters === 'string' ? [filters] : [...filters];
    try {
      if (topics.length === 0) throw new MqttError('invalid_topic_filter', 'unsubscribe needs at least one filter');
      for (const t of topics) checkTopicFilter(t);
    } catch (e) {
      return Promise.reject(e);
    }
    for (const t of topics) this.subscriptions?.delete(t);
    return new Promise<void>((resolve, reject) => {
      const r: Request = { kind: 'unsuback', subscriptions: [], topics, id: 0, resolve: () => resolve(), reject };
      (this.requests ??= []).push(r);
      if (this.st === 'connected') this.sendRequest(r);
    });
  }

  whenConnected(): Promise<void> {
    if (this.st === 'connected') return Promise.resolve();
    if (this.st === 'closed') return Promise.reject(this.closedWith);
    return new Promise<void>((resolve, reject) => (this.waiters ??= []).push({ resolve, reject }));
  }

  end(endOptions?: MqttEndOptions): Promise<void> {
    if (this.closing !== undefined) return this.closing.promise;
    let done = (): void => {};
    const promise = new Promise<void>((resolve) => (done = resolve));
    this.closing = { done, promise };
    if (this.st === 'closed') {
      done();
      return promise;
    }
    const flush = (endOptions?.flush ?? true) && this.st === 'connected' && (this.queued > 0 || this.inflight > 0);
    if (!flush) {
      this.finish();
      return promise;
    }
    // Flushing: pump() finishes once the queue and the window are empty; a lost connection or
    // the time limit finishes earlier, rejecting what is left.
    this.stepTimer?.();
    this.stepTimer = this.o.clock.setTimer(endOptions?.timeoutMs ?? 10_000, () => {
      this.stepTimer = undefined;
      this.finish();
    });
    return promise;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new MqttError('error', String(e));
}
