import {
  createPacketParser, encodePacket, topicMatches, type ConnectPacket, type MqttPacket, type PublishPacket, type QoS,
} from '@linkwire/mqtt';
import { describe, LinkwireError, optionsRecord, requiredFunction } from '@linkwire/base';
import { checkBrokerLimits } from './options.ts';
import { ownerOf as ownerKeyOf, subscriptionOwner, type Principal } from './acl.ts';

/**
 * The emulator's own MQTT 3.1.1 broker on @linkwire/mqtt's codec. Sessions belong to devices,
 * not to clientId strings; each connection's packets are handled in order, synchronously; the
 * platform's messages reach a device at the QoS it subscribed with; every queue is bounded.
 */

export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss';

/** One client's byte stream, whatever carries it (a socket, a TLS socket, a WebSocket). */
export interface Link {
  readonly transport: TransportKind;
  write(bytes: Uint8Array): void;
  close(): void;
  /**
   * Stops and restarts taking bytes from the client (flow control): the broker pauses a
   * connection whose received packets wait for their turn, so one busy client cannot hold the
   * event loop. Optional: a link without them is served as fast as it sends.
   */
  pause?(): void;
  resume?(): void;
  /** The verified client certificate's subject, on TLS listeners that asked for one. */
  readonly peerCertificate?: { readonly subject: Readonly<Record<string, string>>; readonly fingerprint256: string };
}

/** What a CONNECT authenticates as. */
export type ConnectOutcome =
  | {
      readonly ok: true;
      /** The device the connection signed as: its session key. */
      readonly key: string;
      readonly productKey: string;
      readonly deviceName: string;
      readonly clientId: string;
      /** A registration CONNECT: one message is sent after CONNACK and the connection is closed. */
      readonly oneShot?: { readonly topic: string; readonly payload: Uint8Array };
    }
  | { readonly ok: false; readonly returnCode: 1 | 2 | 3 | 4 | 5; readonly reason: string };

export interface BrokerHooks {
  authenticate(connect: ConnectPacket, link: Link): ConnectOutcome;
  /** The ACL view of a device (and, for a gateway, of its sub-devices). */
  principal(key: string): Principal;
  /**
   * Whether the device may publish on topic (the ACL with direction): `allow`; `ignore` (the
   * platform answers the sender itself, e.g. a sub-device without a session, seed §6, and the
   * connection stays); `deny` ends the connection.
   */
  authorizePublish(key: string, topic: string): 'allow' | 'ignore' | 'deny';
  /**
   * The owner whose messages a filter carries, or undefined to refuse it. Default: the Alibaba
   * ACL (`subscriptionOwner` of acl.ts); another dialect (EnOS) brings its own rules.
   */
  subscriptionOwner?(key: string, filter: string): string | undefined;
  /** After SUBACK: the filters a device was granted (the platform may now send on them). */
  onSubscribed?(key: string, filters: readonly string[]): void;
  /** A message a device published, already authorised. Runs synchronously before PUBACK. */
  onMessage(key: string, topic: string, payload: Uint8Array): void;
  onEvent(event: BrokerEvent): void;
  now(): number;
}

export type BrokerEvent =
  | { readonly type: 'connected'; readonly productKey: string; readonly deviceName: string; readonly clientId: string; readonly transport: TransportKind }
  | { readonly type: 'refused'; readonly clientId: string; readonly reason: string; readonly returnCode: number }
  | { readonly type: 'denied'; readonly clientId: string; readonly topic: string; readonly action: 'publish' | 'subscribe' }
  | { readonly type: 'disconnected'; readonly productKey: string; readonly deviceName: string; readonly reason: string }
  | { readonly type: 'dropped'; readonly productKey: string; readonly deviceName: string; readonly topic: string; readonly reason: string }
  | { readonly type: 'protocol_error'; readonly transport: TransportKind; readonly reason: string };

export interface BrokerLimits {
  /** Largest packet accepted (header included). Default 256 KiB + 1 KiB of header: the seed's message limit. */
  readonly maxPacketSize?: number;
  /** Seconds a connection may stay silent before CONNECT. Default 10. */
  readonly connectTimeoutSeconds?: number;
  /** QoS 1 messages held per device (in flight and queued while offline). Default 1000. */
  readonly maxQueuedPerDevice?: number;
  /** Topic filters per device session. Default 1000. */
  readonly maxSubscriptionsPerDevice?: number;
  /**
   * Connections open and not yet authenticated, across listeners. Default 1000: a peer that
   * opens sockets and never sends CONNECT cannot use up the process's file descriptors; beyond
   * the bound, new connections are closed at once.
   */
  readonly maxPendingConnections?: number;
  /**
   * Largest packet before the connection has authenticated (the CONNECT, with its will).
   * Default 64 KiB: bytes buffered for a stranger stay small whatever length it declares.
   */
  readonly maxConnectPacketSize?: number;
  /**
   * Packets one connection has handled before the others get a turn. Default 64: a client
   * sending as fast as it can gets its share of the event loop, not all of it; the rest of its
   * bytes wait in its socket (reading is paused), so it is throttled by TCP itself.
   */
  readonly packetsPerTurn?: number;
}

interface Outgoing {
  readonly topic: string;
  readonly payload: Uint8Array;
}

interface Session {
  readonly key: string;
  readonly productKey: string;
  readonly deviceName: string;
  clientId: string;
  conn: Connection | undefined;
  clean: boolean;
  /** filter → granted QoS and the owner whose messages it carries. */
  readonly subs: Map<string, { qos: QoS; owner: string }>;
  /** owner → its filters and their QoS: a delivery scans only the filters of the topic's owner. */
  readonly ownerFilters: Map<string, Map<string, QoS>>;
  /** QoS 1 messages sent and not yet acknowledged, by message id. */
  readonly inflight: Map<number, Outgoing>;
  /** QoS 1 messages waiting for the device to come back (clean session false). */
  queue: Outgoing[];
  nextId: number;
}

interface Connection {
  readonly link: Link;
  readonly opened: number;
  lastSeen: number;
  keepaliveMs: number;
  session: Session | undefined;
  will: { readonly topic: string; readonly payload: Uint8Array } | undefined;
  closed: boolean;
}

export interface Broker {
  /** Starts serving one client's byte stream; returns the function that takes its bytes and the one to call when it ends. */
  accept(link: Link): { receive(bytes: Uint8Array): void; ended(): void };
  /**
   * Delivers a platform message to the sessions subscribed to it (the topic's owner, and the
   * gateway of a logged-in sub-device). Returns how many sessions took it (online or queued).
   */
  deliver(topic: string, payload: Uint8Array, qos?: QoS): number;
  /** Whether a device has a connection open. */
  isOnline(key: string): boolean;
  /** Ends a device's connection (a disabled or deleted device), and forgets its session if asked. */
  kick(key: string, reason: string, forget?: boolean): void;
  /** Connections open right now. */
  readonly connections: number;
  close(): void;
}

const HEADER_ROOM = 1024;

export function createBroker(hooks: BrokerHooks, limits: BrokerLimits = {}): Broker {
  checkBrokerLimits(limits);
  const h = optionsRecord('hooks', hooks ?? null);
  for (const name of ['authenticate', 'principal', 'authorizePublish', 'onMessage', 'onEvent', 'now'] as const) requiredFunction(`hooks.${name}`, h[name]);
  const maxPacketSize = limits.maxPacketSize ?? 256 * 1024 + HEADER_ROOM;
  const connectTimeoutMs = (limits.connectTimeoutSeconds ?? 10) * 1000;
  // Every held message needs a packet id of its own when it goes out: at most 65535.
  const maxQueued = Math.min(limits.maxQueuedPerDevice ?? 1000, 65535);
  const maxSubs = limits.maxSubscriptionsPerDevice ?? 1000;
  const maxPending = limits.maxPendingConnections ?? 1000;
  const maxConnectSize = Math.min(limits.maxConnectPacketSize ?? 64 * 1024, maxPacketSize);
  const packetsPerTurn = Math.max(1, limits.packetsPerTurn ?? 64);
  let pendingCount = 0;
  const sessions = new Map<string, Session>();
  /** owner key → sessions holding a subscription for that owner's topics. */
  const byOwner = new Map<string, Set<Session>>();
  const open = new Set<Connection>();

  const send = (c: Connection, packet: MqttPacket): void => {
    if (!c.closed) c.link.write(encodePacket(packet));
  };

  const end = (c: Connection, reason: string, publishWill: boolean): void => {
    if (c.closed) return;
    c.closed = true;
    open.delete(c);
    if (c.session === undefined) pendingCount--;
    c.link.close();
    const s = c.session;
    if (s === undefined || s.conn !== c) return;
    s.conn = undefined;
    hooks.onEvent({ type: 'disconnected', productKey: s.productKey, deviceName: s.deviceName, reason });
    if (publishWill && c.will !== undefined && hooks.authorizePublish(s.key, c.will.topic) === 'allow') hooks.onMessage(s.key, c.will.topic, c.will.payload);
    if (s.clean) forget(s);
  };

  const forget = (s: Session): void => {
    for (const owner of s.ownerFilters.keys()) unindex(s, owner);
    s.subs.clear();
    s.ownerFilters.clear();
    if (sessions.get(s.key) === s) sessions.delete(s.key);
  };

  const unindex = (s: Session, owner: string): void => {
    const set = byOwner.get(owner);
    set?.delete(s);
    if (set?.size === 0) byOwner.delete(owner);
  };

  const nextId = (s: Session): number => {
    for (let i = 0; i < 65535; i++) {
      const id = s.nextId;
      s.nextId = id === 65535 ? 1 : id + 1;
      if (!s.inflight.has(id)) return id;
    }
    return 0;
  };

  const transmit = (s: Session, m: Outgoing, qos: QoS, dup = false): void => {
    const c = s.conn!;
    if (qos === 0) return send(c, { type: 'publish', topic: m.topic, payload: m.payload, qos: 0, retain: false, dup: false });
    const messageId = nextId(s);
    s.inflight.set(messageId, m);
    send(c, { type: 'publish', topic: m.topic, payload: m.payload, qos: 1, retain: false, dup, messageId });
  };

  const held = (s: Session): number => s.inflight.size + s.queue.length;

  const deliverTo = (s: Session, owner: string, topic: string, payload: Uint8Array, qos: QoS): boolean => {
    const filters = s.ownerFilters.get(owner);
    if (filters === undefined) return false;
    let granted = -1;
    for (const [filter, q] of filters) if (q > granted && topicMatches(filter, topic)) granted = q;
    if (granted < 0) return false;
    const q = (granted < qos ? granted : qos) as QoS;
    if (q === 0) {
      // QoS 0 is never held for an offline device.
      if (s.conn === undefined) return false;
      transmit(s, { topic, payload }, 0);
      return true;
    }
    if (held(s) >= maxQueued) {
      hooks.onEvent({ type: 'dropped', productKey: s.productKey, deviceName: s.deviceName, topic, reason: `more than ${maxQueued} QoS 1 messages held for the device` });
      return false;
    }
    if (s.conn === undefined) s.queue.push({ topic, payload });
    else transmit(s, { topic, payload }, 1);
    return true;
  };

  const onConnect = (c: Connection, p: ConnectPacket): void => {
    const outcome = hooks.authenticate(p, c.link);
    if (typeof outcome !== 'object' || outcome === null || typeof outcome.ok !== 'boolean') throw new LinkwireError('invalid_hook', `hooks.authenticate must answer { ok: true, key, … } or { ok: false, returnCode, reason }, got ${describe(outcome)}`);
    if (!outcome.ok) {
      hooks.onEvent({ type: 'refused', clientId: p.clientId, reason: outcome.reason, returnCode: outcome.returnCode });
      send(c, { type: 'connack', sessionPresent: false, returnCode: outcome.returnCode });
      return end(c, outcome.reason, false);
    }
    if (outcome.oneShot !== undefined) {
      send(c, { type: 'connack', sessionPresent: false, returnCode: 0 });
      send(c, { type: 'publish', topic: outcome.oneShot.topic, payload: outcome.oneShot.payload, qos: 0, retain: false, dup: false });
      return end(c, 'registration answered', false);
    }
    if (p.will !== undefined && hooks.authorizePublish(outcome.key, p.will.topic) !== 'allow') {
      hooks.onEvent({ type: 'refused', clientId: p.clientId, reason: `will topic ${p.will.topic} is not the device's`, returnCode: 5 });
      send(c, { type: 'connack', sessionPresent: false, returnCode: 5 });
      return end(c, 'will topic refused', false);
    }
    // Seed §3.1: a second connection with the same device certificate brings the first offline.
    let s = sessions.get(outcome.key);
    if (s?.conn !== undefined) end(s.conn, 'another connection of the same device', false);
    if (s !== undefined && (p.cleanSession || s.clean)) {
      forget(s);
      s = undefined;
    }
    const present = s !== undefined;
    if (s === undefined) {
      s = {
        key: outcome.key, productKey: outcome.productKey, deviceName: outcome.deviceName, clientId: outcome.clientId, conn: undefined,
        clean: p.cleanSession, subs: new Map(), ownerFilters: new Map(), inflight: new Map(), queue: [], nextId: 1,
      };
      sessions.set(s.key, s);
    }
    s.clientId = outcome.clientId;
    s.conn = c;
    c.session = s;
    pendingCount--;
    c.keepaliveMs = p.keepalive * 1000;
    c.will = p.will === undefined ? undefined : { topic: p.will.topic, payload: p.will.payload.slice() };
    send(c, { type: 'connack', sessionPresent: present, returnCode: 0 });
    hooks.onEvent({ type: 'connected', productKey: s.productKey, deviceName: s.deviceName, clientId: outcome.clientId, transport: c.link.transport });
    // A resumed session: unacknowledged messages again (DUP), then what waited.
    for (const [id, m] of [...s.inflight]) {
      s.inflight.delete(id);
      transmit(s, m, 1, true);
    }
    const waiting = s.queue;
    s.queue = [];
    for (const m of waiting) transmit(s, m, 1);
  };

  const onPacket = (c: Connection, p: MqttPacket): void => {
    if (c.session === undefined) {
      if (p.type !== 'connect') return end(c, `${p.type} before CONNECT`, false);
      return onConnect(c, p);
    }
    const s = c.session;
    switch (p.type) {
      case 'publish':
        return onPublish(c, s, p);
      case 'puback':
        s.inflight.delete(p.messageId);
        return;
      case 'subscribe': {
        const principal = hooks.principal(s.key);
        const granted = p.subscriptions.map(({ topic, qos }) => {
          const owner = hooks.subscriptionOwner === undefined ? subscriptionOwner(principal, topic) : hooks.subscriptionOwner(s.key, topic);
          if (owner === undefined || (s.subs.size >= maxSubs && !s.subs.has(topic))) {
            hooks.onEvent({ type: 'denied', clientId: s.clientId, topic, action: 'subscribe' });
            return 0x80;
          }
          // The platform has no QoS 2 (seed §3.1): granted at most 1.
          const q: QoS = qos === 0 ? 0 : 1;
          s.subs.set(topic, { qos: q, owner });
          let filters = s.ownerFilters.get(owner);
          if (filters === undefined) s.ownerFilters.set(owner, (filters = new Map()));
          filters.set(topic, q);
          let set = byOwner.get(owner);
          if (set === undefined) byOwner.set(owner, (set = new Set()));
          set.add(s);
          return q;
        });
        send(c, { type: 'suback', messageId: p.messageId, granted });
        if (hooks.onSubscribed !== undefined) hooks.onSubscribed(s.key, p.subscriptions.filter((_, i) => granted[i] !== 0x80).map((x) => x.topic));
        return;
      }
      case 'unsubscribe':
        for (const t of p.topics) {
          const sub = s.subs.get(t);
          if (sub === undefined) continue;
          s.subs.delete(t);
          const filters = s.ownerFilters.get(sub.owner)!;
          filters.delete(t);
          if (filters.size === 0) {
            s.ownerFilters.delete(sub.owner);
            unindex(s, sub.owner);
          }
        }
        return send(c, { type: 'unsuback', messageId: p.messageId });
      case 'pingreq':
        return send(c, { type: 'pingresp' });
      case 'disconnect':
        return end(c, 'DISCONNECT', false);
      default:
        // A second CONNECT, QoS 2 flow packets or packets only a server sends (§3.1.0, §4.8).
        return end(c, `unexpected ${p.type}`, true);
    }
  };

  const onPublish = (c: Connection, s: Session, p: PublishPacket): void => {
    if (p.qos === 2) return end(c, 'QoS 2 is not supported', true);
    const verdict = hooks.authorizePublish(s.key, p.topic);
    if (verdict === 'deny') {
      hooks.onEvent({ type: 'denied', clientId: s.clientId, topic: p.topic, action: 'publish' });
      // The platform ends a connection that publishes where it may not.
      return end(c, `publish to ${p.topic} not authorised`, false);
    }
    // The payload is a view into the received chunk: responders copy what they keep.
    if (verdict === 'allow') hooks.onMessage(s.key, p.topic, p.payload);
    if (p.qos === 1) send(c, { type: 'puback', messageId: p.messageId! });
  };

  const sweep = setInterval(() => {
    const now = hooks.now();
    for (const c of open) {
      if (c.session === undefined) {
        if (now - c.opened > connectTimeoutMs) end(c, 'no CONNECT in time', false);
      } else if (c.keepaliveMs > 0 && now - c.lastSeen > c.keepaliveMs * 1.5) {
        // MQTT 3.1.1 §3.1.2.10: one and a half keepalive periods of silence end the connection.
        end(c, 'keepalive timeout', true);
      }
    }
  }, 1000);
  sweep.unref();

  return {
    accept(link) {
      if (pendingCount >= maxPending) {
        hooks.onEvent({ type: 'protocol_error', transport: link.transport, reason: `more than ${maxPending} connections waiting to authenticate` });
        link.close();
        return { receive: () => undefined, ended: () => undefined };
      }
      pendingCount++;
      const now = hooks.now();
      const c: Connection = { link, opened: now, lastSeen: now, keepaliveMs: 0, session: undefined, will: undefined, closed: false };
      open.add(c);
      const parser = createPacketParser({ maxPacketSize });
      let first = true;
      // Received bytes and parsed packets waiting for this connection's next turn.
      const chunks: Uint8Array[] = [];
      let packets: MqttPacket[] = [];
      let next = 0;
      let paused = false;
      let scheduled = false;
      const parse = (bytes: Uint8Array): boolean => {
        try {
          packets = parser.push(bytes);
        } catch (e) {
          const reason = (e as Error).message;
          hooks.onEvent({ type: 'protocol_error', transport: link.transport, reason });
          // Packets completed before the malformed one are handled (MQTT-4.8.0-1), then the end.
          packets = (e as { packets?: MqttPacket[] }).packets ?? [];
          next = 0;
          for (const p of packets) if (!c.closed) onPacket(c, p);
          end(c, `malformed packet: ${reason}`, true);
          return false;
        }
        next = 0;
        // A stranger's bytes stay few: the CONNECT and its will, whatever length it declared.
        if (c.session === undefined && parser.buffered > maxConnectSize) {
          hooks.onEvent({ type: 'protocol_error', transport: link.transport, reason: `CONNECT larger than ${maxConnectSize} bytes` });
          end(c, 'CONNECT too large', false);
          return false;
        }
        return true;
      };
      // Handles up to packetsPerTurn packets, then yields to the other connections.
      const turn = (): void => {
        scheduled = false;
        let budget = packetsPerTurn;
        while (!c.closed && budget > 0) {
          if (next < packets.length) {
            onPacket(c, packets[next++]!);
            budget--;
          } else if (chunks.length > 0) {
            if (!parse(chunks.shift()!)) return;
          } else break;
        }
        if (c.closed) return;
        if (next < packets.length || chunks.length > 0) {
          if (!paused) {
            paused = true;
            link.pause?.();
          }
          scheduled = true;
          setImmediate(turn);
        } else {
          packets = [];
          next = 0;
          if (paused) {
            paused = false;
            link.resume?.();
          }
        }
      };
      return {
        receive(bytes) {
          // The listener's bytes, not the peer's: anything else is a bug in the listener.
          if (!(bytes instanceof Uint8Array)) throw new LinkwireError('invalid_input', `a connection receives bytes (a Uint8Array), got ${describe(bytes)}`);
          if (c.closed || bytes.length === 0) return;
          // The first packet must be CONNECT (§3.1): anything else ends the connection at its
          // first byte instead of waiting for a body the peer may never send.
          if (first) {
            first = false;
            if (bytes[0] !== 0x10) {
              hooks.onEvent({ type: 'protocol_error', transport: link.transport, reason: 'first packet is not CONNECT' });
              return end(c, 'first packet is not CONNECT', false);
            }
          }
          c.lastSeen = hooks.now();
          chunks.push(bytes);
          if (!scheduled) turn();
        },
        ended: () => end(c, 'connection closed', true),
      };
    },
    deliver(topic, payload, qos = 1) {
      const owner = ownerKeyOf(topic);
      if (owner === undefined) return 0;
      const set = byOwner.get(owner);
      if (set === undefined) return 0;
      let n = 0;
      for (const s of set) {
        if (s.key !== owner && !hooks.principal(s.key).actsFor(owner)) continue;
        if (deliverTo(s, owner, topic, payload, qos)) n++;
      }
      return n;
    },
    isOnline: (key) => sessions.get(key)?.conn !== undefined,
    kick(key, reason, forgetSession = false) {
      const s = sessions.get(key);
      if (s === undefined) return;
      if (s.conn !== undefined) end(s.conn, reason, false);
      if (forgetSession) forget(s);
    },
    get connections() {
      return open.size;
    },
    close() {
      clearInterval(sweep);
      for (const c of [...open]) end(c, 'platform closing', false);
    },
  };
}
