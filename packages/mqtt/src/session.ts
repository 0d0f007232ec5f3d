import { booleanOption, functionOption, integerOption, numberOption, OptionError, optionsRecord, requiredFunction, stringOption, utf8Encode as utf8, type Clock } from '@linkwire/base';

// Options checked once, at construction (OptionError): timers and bounds below never meet a
// bigint, NaN or null, and callbacks are functions.
// A setTimer that hands back no cancel function would break every exchange later.
function cancellableClock(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    setTimer(ms, fn) {
      const cancel = clock.setTimer(ms, fn);
      if (typeof cancel !== 'function') throw new OptionError('clock', 'a Clock whose setTimer returns a cancel function', cancel);
      return cancel;
    },
  };
}

function checkSessionOptions(options: unknown): void {
  const o = optionsRecord('options', options ?? null);
  const clock = o['clock'] as Clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') throw new OptionError('clock', 'a Clock (now, setTimer)', clock);
  requiredFunction('send', o['send']);
  for (const f of ['close', 'onMessage', 'onConnect'] as const) functionOption(f, o[f]);
  if (typeof o['clientId'] !== 'string') throw new OptionError('clientId', 'a string', o['clientId']);
  stringOption('username', o['username']);
  if (o['password'] !== undefined && typeof o['password'] !== 'string' && !(o['password'] instanceof Uint8Array)) throw new OptionError('password', 'a string or a Uint8Array', o['password']);
  integerOption('keepalive', o['keepalive'], 60, 0, 65535);
  booleanOption('cleanSession', o['cleanSession'], true);
  if (o['will'] !== undefined) optionsRecord('will', o['will']);
  for (const t of ['connectTimeoutMs', 'ackTimeoutMs', 'pingTimeoutMs'] as const) numberOption(t, o[t], 1, 1, 2 ** 31 - 1);
  integerOption('maxPacketSize', o['maxPacketSize'], 1 << 20, 2);
  integerOption('maxInflight', o['maxInflight'], 1000, 1, 65535);
}
import { encodePacket } from './encode.ts';
import { createPacketParser } from './decode.ts';
import { MqttDecodeError, MqttError } from './errors.ts';
import type { ConnackPacket, MqttPacket, PublishPacket, QoS, Will } from './packets.ts';

export interface MqttSessionOptions {
  readonly clock: Clock;
  /** Called with every byte string to put on the wire. */
  readonly send: (bytes: Uint8Array) => void;
  /** Called once when the session ends; the adapter closes its socket. */
  readonly close?: (error?: Error) => void;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: Uint8Array | string;
  /** Seconds, default 60. Alibaba accepts 30..1200. */
  readonly keepalive?: number;
  /** Spelled `keepalive` (as MQTT and `mqttCredentials` spell it): this spelling does not type-check and throws. */
  readonly keepAlive?: never;
  readonly cleanSession?: boolean;
  readonly will?: Will;
  /** How long to wait for CONNACK, default 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long to wait for PUBACK/SUBACK/UNSUBACK before failing the request, default 30 s. */
  readonly ackTimeoutMs?: number;
  /** How long to wait for PINGRESP, default: the keepalive interval. */
  readonly pingTimeoutMs?: number;
  /** Largest accepted incoming packet, default 1 MiB. */
  readonly maxPacketSize?: number;
  /** Most requests awaiting an acknowledgement at once, default 1000. */
  readonly maxInflight?: number;
  readonly onMessage?: (message: PublishPacket) => void;
  readonly onConnect?: (connack: ConnackPacket) => void;
}

export type MqttSessionState = 'idle' | 'connecting' | 'connected' | 'closed';

export interface MqttSession {
  readonly state: MqttSessionState;
  /** Sends CONNECT; resolves with the CONNACK, rejects with the refusal or a timeout. */
  connect(): Promise<ConnackPacket>;
  /** Feeds bytes received from the transport. */
  receive(bytes: Uint8Array): void;
  /** QoS 0 resolves once written; QoS 1 once the PUBACK arrives. */
  publish(topic: string, payload: Uint8Array | string, options?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /** Resolves with the granted QoS per filter (0x80 = refused). */
  subscribe(filters: string | readonly string[] | readonly { topic: string; qos: QoS }[]): Promise<number[]>;
  unsubscribe(filters: string | readonly string[]): Promise<void>;
  /** Sends DISCONNECT and ends the session. */
  disconnect(): void;
  /** The transport closed underneath the session. */
  transportClosed(error?: Error): void;
}

/** Names of CONNACK refusals (§3.2.2.3), for error messages a person can act on. */
const CONNACK_REASONS: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad username or password',
  5: 'not authorized',
};

/** A refused CONNECT; `returnCode` is the CONNACK code. */
export class MqttConnectError extends MqttError {
  readonly returnCode: number;
  constructor(returnCode: number) {
    super('connect_refused', `connection refused: ${CONNACK_REASONS[returnCode] ?? `return code ${returnCode}`}`);
    this.returnCode = returnCode;
  }
}

interface Pending {
  readonly kind: 'puback' | 'suback' | 'unsuback';
  resolve(value: unknown): void;
  reject(error: Error): void;
  cancelTimer: () => void;
}

/**
 * A sans-IO MQTT 3.1.1 client session: bytes in through `receive`, bytes out through `send`,
 * time through the injected clock. It allocates message ids, matches acknowledgements by type
 * and id, answers incoming QoS 1/2 publishes, keeps the connection alive with PINGREQ and
 * bounds every wait with a timer, so no request can hang forever.
 *
 * @example
 * const session = createMqttSession({ clock, send: (b) => socket.write(b), clientId, username, password });
 * socket.on('data', (b) => session.receive(b));
 * await session.connect();
 * await session.publish(topic, JSON.stringify(msg), { qos: 1 });
 */
export function createMqttSession(options: MqttSessionOptions): MqttSession {
  checkSessionOptions(options);
  if ((options as { keepAlive?: unknown }).keepAlive !== undefined) throw new MqttError('invalid_option', 'the option is spelled `keepalive`, not `keepAlive`');
  const clock = cancellableClock(options.clock);
  const keepaliveMs = (options.keepalive ?? 60) * 1000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const maxInflight = options.maxInflight ?? 1000;
  const parser = createPacketParser(options.maxPacketSize === undefined ? undefined : { maxPacketSize: options.maxPacketSize });
  const pending = new Map<number, Pending>();
  // Incoming QoS 2 ids between PUBREC and PUBREL: a duplicate PUBLISH is not delivered twice.
  const inboundQos2 = new Set<number>();
  let state: MqttSessionState = 'idle';
  let nextId = 1;
  let connectWaiter: { resolve(c: ConnackPacket): void; reject(e: Error): void; cancel: () => void } | undefined;
  let cancelKeepalive: (() => void) | undefined;
  let cancelPingTimeout: (() => void) | undefined;

  // When the session last sent anything: the keepalive timer is armed once per interval and
  // works out on firing whether to ping, so a busy publisher arms no timer per packet.
  let lastSent = 0;
  // And when it last heard anything: a session that only publishes QoS 0 would otherwise never
  // ping, and never notice a connection that has gone silent (half-open).
  let lastReceived = 0;

  const write = (p: MqttPacket): void => {
    options.send(encodePacket(p));
    lastSent = clock.now();
  };

  function armKeepalive(delay: number): void {
    cancelKeepalive?.();
    cancelKeepalive = undefined;
    if (keepaliveMs <= 0 || state !== 'connected') return;
    cancelKeepalive = clock.setTimer(delay, () => {
      cancelKeepalive = undefined;
      if (state !== 'connected') return;
      const idle = Math.max(clock.now() - lastSent, clock.now() - lastReceived);
      if (idle < keepaliveMs) return armKeepalive(keepaliveMs - idle);
      if (cancelPingTimeout === undefined) {
        cancelPingTimeout = clock.setTimer(options.pingTimeoutMs ?? keepaliveMs, () => {
          cancelPingTimeout = undefined;
          end(new MqttError('keepalive_timeout', 'no PINGRESP from the server in time'));
        });
      }
      write({ type: 'pingreq' });
      armKeepalive(keepaliveMs);
    });
  }

  function end(error?: Error): void {
    if (state === 'closed') return;
    state = 'closed';
    cancelKeepalive?.();
    cancelPingTimeout?.();
    const reason = error ?? new MqttError('closed', 'session closed');
    if (connectWaiter !== undefined) {
      connectWaiter.cancel();
      connectWaiter.reject(reason);
      connectWaiter = undefined;
    }
    for (const p of pending.values()) {
      p.cancelTimer();
      p.reject(new MqttError('connection_closed', `connection closed before ${p.kind}: ${reason.message}`));
    }
    pending.clear();
    options.close?.(error);
  }

  function allocateId(): number {
    if (pending.size >= maxInflight) throw new MqttError('too_many_inflight', `${maxInflight} requests already await acknowledgement`);
    for (let i = 0; i < 65535; i++) {
      const id = nextId;
      nextId = nextId === 65535 ? 1 : nextId + 1;
      if (!pending.has(id)) return id;
    }
    throw new MqttError('too_many_inflight', 'no free message id');
  }

  function request<T>(kind: Pending['kind'], build: (id: number) => MqttPacket): Promise<T> {
    if (state !== 'connected') return Promise.reject(new MqttError('not_connected', `cannot send ${kind.replace('ack', '')} while ${state}`));
    let id: number;
    let packet: MqttPacket;
    try {
      id = allocateId();
      packet = build(id);
      encodePacket(packet);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<T>((resolve, reject) => {
      const cancelTimer = clock.setTimer(ackTimeoutMs, () => {
        pending.delete(id);
        reject(new MqttError('ack_timeout', `no ${kind} for message ${id} within ${ackTimeoutMs} ms`));
      });
      pending.set(id, { kind, resolve: resolve as (v: unknown) => void, reject, cancelTimer });
      write(packet);
    });
  }

  function settle(kind: Pending['kind'], id: number, value: unknown): void {
    const p = pending.get(id);
    // An acknowledgement must match both the id and the kind of request it answers.
    if (p === undefined || p.kind !== kind) return;
    pending.delete(id);
    p.cancelTimer();
    p.resolve(value);
  }

  function handle(p: MqttPacket): void {
    switch (p.type) {
      case 'connack': {
        const w = connectWaiter;
        if (state !== 'connecting' || w === undefined) return end(new MqttError('protocol_error', 'unexpected CONNACK'));
        connectWaiter = undefined;
        w.cancel();
        if (p.returnCode !== 0) {
          const err = new MqttConnectError(p.returnCode);
          w.reject(err);
          return end(err);
        }
        state = 'connected';
        lastSent = lastReceived = clock.now();
        armKeepalive(keepaliveMs);
        options.onConnect?.(p);
        w.resolve(p);
        return;
      }
      case 'publish':
        if (p.qos === 1) write({ type: 'puback', messageId: p.messageId! });
        if (p.qos === 2) {
          write({ type: 'pubrec', messageId: p.messageId! });
          if (inboundQos2.has(p.messageId!)) return;
          inboundQos2.add(p.messageId!);
        }
        options.onMessage?.(p);
        return;
      case 'pubrel':
        inboundQos2.delete(p.messageId);
        write({ type: 'pubcomp', messageId: p.messageId });
        return;
      case 'puback':
        return settle('puback', p.messageId, undefined);
      case 'suback':
        return settle('suback', p.messageId, p.granted);
      case 'unsuback':
        return settle('unsuback', p.messageId, undefined);
      case 'pingresp':
        cancelPingTimeout?.();
        cancelPingTimeout = undefined;
        return;
      default:
        // CONNECT, SUBSCRIBE, PINGREQ… are client-to-server only; we never send QoS 2, so
        // PUBREC/PUBCOMP are unsolicited. A server sending them is broken: end the session.
        return end(new MqttError('protocol_error', `unexpected ${p.type.toUpperCase()} from the server`));
    }
  }

  return {
    get state() {
      return state;
    },
    connect() {
      if (state !== 'idle') return Promise.reject(new MqttError('invalid_state', `connect() called while ${state}`));
      const password = typeof options.password === 'string' ? utf8(options.password) : options.password;
      const packet: MqttPacket = {
        type: 'connect', clientId: options.clientId, cleanSession: options.cleanSession ?? true, keepalive: options.keepalive ?? 60,
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(options.will !== undefined ? { will: options.will } : {}),
      };
      let bytes: Uint8Array;
      try {
        bytes = encodePacket(packet);
      } catch (e) {
        return Promise.reject(e);
      }
      state = 'connecting';
      return new Promise<ConnackPacket>((resolve, reject) => {
        const cancel = clock.setTimer(options.connectTimeoutMs ?? 10_000, () => {
          end(new MqttError('connect_timeout', 'no CONNACK from the server in time'));
        });
        connectWaiter = { resolve, reject, cancel };
        options.send(bytes);
      });
    },
    receive(bytes) {
      if (state === 'closed') return;
      lastReceived = clock.now();
      let packets: readonly MqttPacket[];
      let malformed: MqttDecodeError | undefined;
      try {
        packets = parser.push(bytes);
      } catch (e) {
        if (!(e instanceof MqttDecodeError)) return end(new MqttError('protocol_error', String(e)));
        // The packets before the malformed one are handled first, as if the bytes had
        // arrived one at a time; then the session ends ([MQTT-4.8.0-1]).
        packets = e.packets;
        malformed = e;
      }
      for (const p of packets) {
        // A handler may have ended the session (a refused CONNACK, a protocol error).
        if ((state as MqttSessionState) === 'closed') return;
        handle(p);
      }
      if (malformed !== undefined && (state as MqttSessionState) !== 'closed') end(malformed);
    },
    publish(topic, payload, opts) {
      const qos = opts?.qos ?? 0;
      const body = typeof payload === 'string' ? utf8(payload) : payload;
      const retain = opts?.retain ?? false;
      if (qos === 0) {
        if (state !== 'connected') return Promise.reject(new MqttError('not_connected', `cannot publish while ${state}`));
        try {
          write({ type: 'publish', topic, payload: body, qos: 0, retain, dup: false });
        } catch (e) {
          return Promise.reject(e);
        }
        return Promise.resolve();
      }
      return request<void>('puback', (messageId) => ({ type: 'publish', topic, payload: body, qos: 1, retain, dup: false, messageId }));
    },
    subscribe(filters) {
      const list = typeof filters === 'string' ? [filters] : filters;
      const subscriptions = list.map((f) => (typeof f === 'string' ? { topic: f, qos: 1 as QoS } : f));
      return request<number[]>('suback', (messageId) => ({ type: 'subscribe', messageId, subscriptions }));
    },
    unsubscribe(filters) {
      const topics = typeof filters === 'string' ? [filters] : [...filters];
      return request<void>('unsuback', (messageId) => ({ type: 'unsubscribe', messageId, topics }));
    },
    disconnect() {
      if (state === 'connected') options.send(encodePacket({ type: 'disconnect' }));
      end();
    },
    transportClosed(error) {
      end(error ?? new MqttError('connection_lost', 'the transport closed'));
    },
  };
}
