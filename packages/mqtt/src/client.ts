import { utf8Encode as utf8, type ByteTransport, type Clock, type Dialer, type Random } from '@linkwire/base';
import { backoffDelay, checkBackoff, type BackoffOptions } from './backoff.ts';
import { createPacketParser, type PacketParser } from './decode.ts';
import { encodePacket } from './encode.ts';
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
  return returnCode === 3 || returnCode > 5;
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

const NOOP = (): void => {};
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
  const { clock, random, dial, endpoint, store } = options;
  if ((options as { keepAlive?: unknown }).keepAlive !== undefined) throw new MqttError('invalid_option', 'the option is spelled `keepalive`, not `keepAlive`');
  const backoffProblem = checkBackoff(options.backoff ?? {});
  if (backoffProblem !== undefined) throw new MqttError('invalid_option', backoffProblem);
  const maxInflight = Math.min(options.maxInflight ?? 500, 65_000);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const queueMax = options.offlineQueue?.maxMessages ?? 1000;
  const queueMaxBytes = options.offlineQueue?.maxBytes ?? 1 << 20;
  const dropOldest = options.offlineQueue?.whenFull === 'drop-oldest';
  const keepQos0 = options.offlineQueue?.qos0 !== 'drop';

  let state: MqttClientState | 'starting' = 'starting';
  let closing: { done: () => void; promise: Promise<void> } | undefined;
  // Every connection gets a generation; callbacks of an older one find it changed and do nothing.
  let gen = 0;
  let transport: ByteTransport | undefined;
  let parser: PacketParser | undefined;
  let keepaliveMs = 0;
  let attempt = 0;
  let connectedAt = 0;
  let lastSent = 0;
  let lastReceived = 0;
  let seq = 0;
  let nextId = 1;
  let stepTimer: (() => void) | undefined; // connect timeout, reconnect delay, or end's flush limit
  let keepaliveTimer: (() => void) | undefined;
  let pingTimer: (() => void) | undefined;

  // Waiting to be written, oldest first (a plain array with a moving head: O(1) at both ends).
  let queue: Outgoing[] = [];
  let head = 0;
  let queueBytes = 0;
  // QoS 1 written and awaiting PUBACK, by packet id, in the order first written.
  const inflight = new Map<number, Outgoing>();
  const requests: Request[] = [];
  const subscriptions = new Map<string, QoS>();
  const inboundQos2 = new Set<number>();
  let waiters: { resolve(): void; reject(e: Error): void }[] = [];
  let closedWith: Error | undefined;

  const emit = (event: MqttClientEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (e) {
      if (event.type !== 'error') emit({ type: 'error', error: asError(e) });
    }
  };
  const storeCall = (fn: () => Promise<void> | void): void => {
    try {
      const r = fn();
      if (r !== undefined) r.then(undefined, (e: unknown) => emit({ type: 'error', error: asError(e) }));
    } catch (e) {
      emit({ type: 'error', error: asError(e) });
    }
  };

  const write = (p: MqttPacket): void => {
    transport!.send(encodePacket(p));
    lastSent = clock.now();
  };
  const cancel = (t: (() => void) | undefined): undefined => {
    t?.();
    return undefined;
  };

  // ---- connection lifecycle ----

  function connect(): void {
    attempt++;
    state = 'connecting';
    const g = ++gen;
    emit({ type: 'connecting', attempt });
    stepTimer = clock.setTimer(connectTimeoutMs, () => {
      stepTimer = undefined;
      if (g === gen) lost(new MqttError('connect_timeout', `no connection and CONNACK within ${connectTimeoutMs} ms`));
    });
    const creds = options.credentials;
    Promise.resolve()
      .then(() => (typeof creds === 'function' ? creds(attempt) : creds))
      .then((params) => {
        if (g !== gen) return;
        if ((params as { keepAlive?: unknown }).keepAlive !== undefined) throw new MqttError('invalid_option', 'credentials carry `keepAlive`; the field is spelled `keepalive`');
        const password = typeof params.password === 'string' ? utf8(params.password) : params.password;
        const keepalive = params.keepalive ?? options.keepalive ?? 60;
        const connectBytes = encodePacket({
          type: 'connect', clientId: params.clientId, cleanSession: options.cleanSession ?? true, keepalive,
          ...(params.username !== undefined ? { username: params.username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(options.will !== undefined ? { will: options.will } : {}),
        });
        keepaliveMs = keepalive * 1000;
        parser = createPacketParser(options.maxPacketSize === undefined ? undefined : { maxPacketSize: options.maxPacketSize });
        const t = dial(endpoint, {
          onOpen() {
            if (g !== gen) return;
            transport!.send(connectBytes);
            lastSent = lastReceived = clock.now();
          },
          onData(bytes) {
            if (g === gen) receive(bytes);
          },
          onClose(error) {
            if (g === gen) lost(error ?? new MqttError('connection_lost', 'the connection closed'));
          },
        });
        // A dialer that failed synchronously has already reported through onClose.
        if (g === gen) transport = t;
        else t.close();
      })
      .catch((e: unknown) => {
        if (g === gen) lost(asError(e));
      });
  }

  /** The current connection ended (or never came up): decide between retrying and closing. */
  function lost(reason: Error): void {
    if (state === 'closed') return;
    const wasConnected = state === 'connected';
    gen++;
    stepTimer = cancel(stepTimer);
    keepaliveTimer = cancel(keepaliveTimer);
    pingTimer = cancel(pingTimer);
    const t = transport;
    transport = undefined;
    parser = undefined;
    t?.close();
    for (const r of requests) r.id = 0; // their ids belonged to that connection
    if (wasConnected && clock.now() - connectedAt >= stableAfterMs) attempt = 0;
    state = 'reconnecting';
    emit({ type: 'disconnected', reason });
    if (closing !== undefined) return finish();
    if (reason instanceof MqttConnectError && !isTransientRefusal(reason.returnCode) && !(options.retryRefused?.(reason.returnCode) ?? false)) {
      return finish(reason);
    }
    const delayMs = backoffDelay(attempt, options.backoff ?? {}, random);
    emit({ type: 'reconnecting', attempt: attempt + 1, delayMs });
    stepTimer = clock.setTimer(delayMs, () => {
      stepTimer = undefined;
      connect();
    });
  }

  function connected(connack: ConnackPacket): void {
    stepTimer = cancel(stepTimer);
    state = 'connected';
    connectedAt = clock.now();
    const g = gen;
    if (!connack.sessionPresent) {
      inboundQos2.clear();
      // The broker has no session: every filter goes out again, whatever it said before.
      const pendingTopics = new Set<string>();
      for (const r of requests) if (r.kind === 'suback') for (const s of r.subscriptions) pendingTopics.add(s.topic);
      const again = [...subscriptions].filter(([topic]) => !pendingTopics.has(topic)).map(([topic, qos]) => ({ topic, qos }));
      for (let i = 0; i < again.length; i += RESUBSCRIBE_BATCH) {
        requests.unshift({ kind: 'suback', subscriptions: again.slice(i, i + RESUBSCRIBE_BATCH), topics: [], id: 0 });
      }
    }
    for (const r of requests) sendRequest(r);
    for (const o of inflight.values()) {
      o.dup = true;
      write(publishPacket(o));
    }
    armKeepalive(keepaliveMs);
    emit({ type: 'connected', sessionPresent: connack.sessionPresent, attempt });
    if (g !== gen) return;
    for (const w of waiters) w.resolve();
    waiters = [];
    pump();
  }

  function finish(error?: Error): void {
    if (state === 'closed') return;
    if (state === 'connected' && transport !== undefined) write({ type: 'disconnect' });
    gen++;
    state = 'closed';
    stepTimer = cancel(stepTimer);
    keepaliveTimer = cancel(keepaliveTimer);
    pingTimer = cancel(pingTimer);
    const t = transport;
    transport = undefined;
    parser = undefined;
    t?.close();
    const ended = error ?? new MqttError('client_ended', 'the client ended before this was done');
    closedWith = ended;
    // QoS 1 messages stay in the store for the next process; their promises settle here.
    for (const o of inflight.values()) o.reject?.(ended);
    inflight.clear();
    for (let i = head; i < queue.length; i++) queue[i]!.reject?.(ended);
    queue = [];
    head = 0;
    queueBytes = 0;
    for (const r of requests) r.reject?.(ended);
    requests.length = 0;
    for (const w of waiters) w.reject(ended);
    waiters = [];
    emit(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    const done = closing?.done;
    Promise.resolve(store?.close?.())
      .catch((e: unknown) => emit({ type: 'error', error: asError(e) }))
      .then(done);
  }

  // ---- keepalive: one timer that works out on firing whether to ping ----

  function armKeepalive(delay: number): void {
    keepaliveTimer = cancel(keepaliveTimer);
    if (keepaliveMs <= 0) return;
    keepaliveTimer = clock.setTimer(delay, () => {
      keepaliveTimer = undefined;
      if (state !== 'connected') return;
      const now = clock.now();
      // Silence in either direction calls for a ping: a publisher that only sends would
      // otherwise never notice that nothing has come back from a black-holed connection.
      const quiet = Math.max(now - lastSent, now - lastReceived);
      if (quiet < keepaliveMs) return armKeepalive(keepaliveMs - quiet);
      if (pingTimer === undefined) {
        const ms = options.pingTimeoutMs ?? Math.min(keepaliveMs, 30_000);
        pingTimer = clock.setTimer(ms, () => {
          pingTimer = undefined;
          lost(new MqttError('keepalive_timeout', `no PINGRESP within ${ms} ms: the connection is half-open`));
        });
      }
      write({ type: 'pingreq' });
      armKeepalive(keepaliveMs);
    });
  }

  // ---- bytes in ----

  function receive(bytes: Uint8Array): void {
    lastReceived = clock.now();
    const g = gen;
    let packets: MqttPacket[];
    try {
      packets = parser!.push(bytes);
    } catch (e) {
      return lost(e instanceof MqttDecodeError ? e : new MqttError('protocol_error', String(e)));
    }
    for (const p of packets) {
      handle(p);
      if (g !== gen) return; // the packet ended the connection
    }
  }

  function handle(p: MqttPacket): void {
    if (p.type === 'connack') {
      if (state !== 'connecting') return lost(new MqttError('protocol_error', 'CONNACK out of place: the connection was already accepted'));
      if (p.returnCode !== 0) return lost(new MqttConnectError(p.returnCode));
      return connected(p);
    }
    if (state !== 'connected') return lost(new MqttError('protocol_error', `${p.type.toUpperCase()} before CONNACK`));
    switch (p.type) {
      case 'publish': {
        const id = p.messageId!;
        if (p.qos === 1) write({ type: 'puback', messageId: id });
        else if (p.qos === 2) {
          write({ type: 'pubrec', messageId: id });
          if (inboundQos2.has(id)) return; // delivered on the first PUBLISH, until PUBREL
          inboundQos2.add(id);
        }
        try {
          options.onMessage?.(p);
        } catch (e) {
          emit({ type: 'error', error: asError(e) });
        }
        return;
      }
      case 'pubrel':
        inboundQos2.delete(p.messageId);
        return write({ type: 'pubcomp', messageId: p.messageId });
      case 'puback': {
        const o = inflight.get(p.messageId);
        if (o === undefined) return lost(new MqttError('unexpected_ack', `PUBACK for message id ${p.messageId}, which is not in flight`));
        inflight.delete(p.messageId);
        storeCall(() => store?.delete(o.seq));
        o.resolve?.();
        return pump();
      }
      case 'suback':
      case 'unsuback': {
        const i = requests.findIndex((r) => r.id === p.messageId && r.id !== 0);
        const r = requests[i];
        if (r === undefined || r.kind !== p.type) return lost(new MqttError('unexpected_ack', `${p.type.toUpperCase()} for message id ${p.messageId}, which awaits no such acknowledgement`));
        requests.splice(i, 1);
        if (p.type === 'suback') {
          if (p.granted.length !== r.subscriptions.length) return lost(new MqttError('protocol_error', `SUBACK grants ${p.granted.length} filters, SUBSCRIBE asked for ${r.subscriptions.length}`));
          const refused = r.subscriptions.filter((s, k) => p.granted[k] === 0x80 && subscriptions.get(s.topic) === s.qos);
          for (const s of refused) subscriptions.delete(s.topic);
          if (r.resolve === undefined && refused.length > 0) {
            emit({ type: 'error', error: new MqttError('resubscribe_refused', `the broker refused to resubscribe ${refused.map((s) => s.topic).join(', ')}`) });
          }
          r.resolve?.([...p.granted]);
        } else r.resolve?.([]);
        return pump();
      }
      case 'pingresp':
        pingTimer = cancel(pingTimer);
        return;
      default:
        // CONNECT, SUBSCRIBE, PINGREQ… go client to server only, and we never send QoS 2, so
        // PUBREC/PUBCOMP are unsolicited: a broker sending them is broken.
        return lost(new MqttError('protocol_error', `unexpected ${p.type.toUpperCase()} from the server`));
    }
  }

  // ---- bytes out ----

  function freeId(): number {
    for (;;) {
      const id = nextId;
      nextId = nextId === 65535 ? 1 : nextId + 1;
      if (!inflight.has(id) && !requests.some((r) => r.id === id)) return id;
    }
  }

  function publishPacket(o: Outgoing): MqttPacket {
    return o.qos === 0
      ? { type: 'publish', topic: o.topic, payload: o.payload, qos: 0, retain: o.retain, dup: false }
      : { type: 'publish', topic: o.topic, payload: o.payload, qos: 1, retain: o.retain, dup: o.dup, messageId: o.id };
  }

  function sendRequest(r: Request): void {
    r.id = freeId();
    write(r.kind === 'suback' ? { type: 'subscribe', messageId: r.id, subscriptions: r.subscriptions } : { type: 'unsubscribe', messageId: r.id, topics: r.topics });
  }

  /** Writes one publish now. A message the encoder refuses (too large) rejects alone. */
  function send(o: Outgoing): void {
    if (o.qos === 1) {
      o.id = freeId();
      inflight.set(o.id, o);
    }
    let bytes: Uint8Array;
    try {
      bytes = encodePacket(publishPacket(o));
    } catch (e) {
      inflight.delete(o.id);
      if (o.qos === 1) storeCall(() => store?.delete(o.seq));
      return o.reject?.(asError(e));
    }
    transport!.send(bytes);
    lastSent = clock.now();
    if (o.qos === 0) o.resolve?.();
  }

  /** Moves waiting publishes onto the connection while the in-flight window has room. */
  function pump(): void {
    const g = gen;
    while (head < queue.length && state === 'connected' && g === gen) {
      const o = queue[head]!;
      if (o.qos === 1 && inflight.size >= maxInflight) break;
      queue[head++] = undefined as unknown as Outgoing;
      queueBytes -= o.payload.length + o.topic.length;
      send(o);
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (closing !== undefined && head === queue.length && inflight.size === 0 && state === 'connected') finish();
  }

  function enqueue(o: Outgoing): boolean {
    const size = o.payload.length + o.topic.length;
    while (queue.length - head >= queueMax || queueBytes + size > queueMaxBytes) {
      if (!dropOldest || head === queue.length) return false;
      const old = queue[head]!;
      queue[head++] = undefined as unknown as Outgoing;
      queueBytes -= old.payload.length + old.topic.length;
      if (old.qos === 1) storeCall(() => store?.delete(old.seq));
      old.reject?.(new MqttError('dropped', `dropped from the full offline queue to make room (${old.topic})`));
      emit({ type: 'dropped', topic: old.topic, qos: old.qos });
    }
    queue.push(o);
    queueBytes += size;
    return true;
  }

  // ---- start: load what the last process left, then dial ----

  const start = (loaded: readonly StoredPublish[]): void => {
    if (state === 'closed') return;
    const restored = loaded.map<Outgoing>((m) => ({ seq: m.seq, topic: m.topic, payload: m.payload, qos: 1, retain: m.retain, dup: true, id: 0, resolve: undefined, reject: undefined }));
    for (const m of loaded) if (m.seq > seq) seq = m.seq;
    // Restored messages go first, whatever the queue's limits: they were accepted already.
    // Publishes made while the store loaded are numbered after them and stored now.
    const early = queue.slice(head);
    for (const o of early) {
      o.seq = ++seq;
      if (o.qos === 1) storeCall(() => store?.put({ seq: o.seq, topic: o.topic, payload: o.payload, retain: o.retain }));
    }
    queue = [...restored, ...early];
    head = 0;
    for (const o of restored) queueBytes += o.payload.length + o.topic.length;
    connect();
  };
  if (store === undefined) start([]);
  else {
    Promise.resolve()
      .then(() => store.load())
      .then(start, (e: unknown) => {
        emit({ type: 'error', error: asError(e) });
        start([]);
      });
  }

  return {
    get state() {
      return state === 'starting' ? 'connecting' : state;
    },
    get queued() {
      return queue.length - head;
    },
    get inflight() {
      return inflight.size;
    },
    publish(topic, payload, opts) {
      const qos = opts?.qos ?? 0;
      if (state === 'closed' || closing !== undefined) return Promise.reject(new MqttError('client_ended', 'publish after end()'));
      if (qos !== 0 && qos !== 1) return Promise.reject(new MqttError('invalid_qos', `QoS ${String(qos)} is not supported for publishing (0 or 1)`));
      try {
        checkTopicName(topic);
      } catch (e) {
        return Promise.reject(e);
      }
      if (qos === 0 && state !== 'connected' && !keepQos0) return Promise.reject(new MqttError('not_connected', `QoS 0 publish to ${topic} while ${state}: not kept (offlineQueue.qos0 = 'drop')`));
      const o: Outgoing = { seq: ++seq, topic, payload: typeof payload === 'string' ? utf8(payload) : payload, qos, retain: opts?.retain ?? false, dup: false, id: 0, resolve: undefined, reject: undefined };
      const promise = new Promise<void>((resolve, reject) => {
        o.resolve = resolve;
        o.reject = reject;
      });
      const direct = state === 'connected' && head === queue.length && (qos === 0 || inflight.size < maxInflight);
      if (!direct && !enqueue(o)) return Promise.reject(new MqttError('queue_full', `the offline queue is full (${queueMax} messages, ${queueMaxBytes} bytes): ${topic} not accepted`));
      if (qos === 1 && store !== undefined && state !== 'starting') storeCall(() => store.put({ seq: o.seq, topic, payload: o.payload, retain: o.retain }));
      if (direct) send(o);
      return promise;
    },
    subscribe(filters) {
      if (state === 'closed' || closing !== undefined) return Promise.reject(new MqttError('client_ended', 'subscribe after end()'));
      const list = typeof filters === 'string' ? [filters] : filters;
      const subs = list.map((f): Subscription => (typeof f === 'string' ? { topic: f, qos: 1 } : f));
      try {
        if (subs.length === 0) throw new MqttError('invalid_topic_filter', 'subscribe needs at least one filter');
        for (const s of subs) checkTopicFilter(s.topic);
      } catch (e) {
        return Promise.reject(e);
      }
      for (const s of subs) subscriptions.set(s.topic, s.qos);
      return new Promise<number[]>((resolve, reject) => {
        const r: Request = { kind: 'suback', subscriptions: subs, topics: [], id: 0, resolve, reject };
        requests.push(r);
        if (state === 'connected') sendRequest(r);
      });
    },
    unsubscribe(filters) {
      if (state === 'closed' || closing !== undefined) return Promise.reject(new MqttError('client_ended', 'unsubscribe after end()'));
      const topics = typeof filters === 'string' ? [filters] : [...filters];
      try {
        if (topics.length === 0) throw new MqttError('invalid_topic_filter', 'unsubscribe needs at least one filter');
        for (const t of topics) checkTopicFilter(t);
      } catch (e) {
        return Promise.reject(e);
      }
      for (const t of topics) subscriptions.delete(t);
      return new Promise<void>((resolve, reject) => {
        const r: Request = { kind: 'unsuback', subscriptions: [], topics, id: 0, resolve: () => resolve(), reject };
        requests.push(r);
        if (state === 'connected') sendRequest(r);
      });
    },
    whenConnected() {
      if (state === 'connected') return Promise.resolve();
      if (state === 'closed') return Promise.reject(closedWith);
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    end(endOptions) {
      if (closing !== undefined) return closing.promise;
      let done = NOOP;
      const promise = new Promise<void>((resolve) => (done = resolve));
      closing = { done, promise };
      if (state === 'closed') {
        done();
        return promise;
      }
      const flush = (endOptions?.flush ?? true) && state === 'connected' && (head < queue.length || inflight.size > 0);
      if (!flush) {
        finish();
        return promise;
      }
      // Flushing: pump() finishes once the queue and the window are empty; a lost connection or
      // the time limit finishes earlier, rejecting what is left.
      stepTimer = cancel(stepTimer);
      stepTimer = clock.setTimer(endOptions?.timeoutMs ?? 10_000, () => {
        stepTimer = undefined;
        finish();
      });
      return promise;
    },
  };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new MqttError('error', String(e));
}
