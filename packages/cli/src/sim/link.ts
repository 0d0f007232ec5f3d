import { mqttCredentials } from '@linkwire/sign';
import { MqttConnectError, type PublishPacket } from '@linkwire/mqtt';
import { connectMqtt, type NodeMqttConnection } from '@linkwire/node';

/**
 * The small interface the simulator and the load generator drive a device through. Today it
 * is implemented here over @linkwire/node's MQTT session; when the reconnecting MQTT client and
 * the Alibaba device client land, they implement the same three verbs and these tools move onto
 * them unchanged. Benchmarks plug MQTT.js in through it as well.
 */
export interface DeviceLink {
  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1): Promise<void>;
  subscribe(filters: readonly string[]): Promise<number[]>;
  /** Sends DISCONNECT and stops reconnecting. */
  close(): void;
  readonly connected: boolean;
}

export interface LinkEvents {
  onMessage(topic: string, payload: Uint8Array): void;
  /** Lifecycle, for status lines and counters. */
  onState?(state: LinkState, detail?: string): void;
}

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'closed';

/** The credentials of one CONNECT; called again before every reconnect (a fresh timestamp). */
export interface ConnectParams {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive: number;
}

export interface Dialer {
  readonly name: string;
  /** Connects once; rejects on refusal (with `refused: true`) or a network failure. */
  dial(host: string, port: number, params: ConnectParams, onMessage: (topic: string, payload: Uint8Array) => void, onClose: (error?: Error) => void): Promise<DialedConnection>;
}

export interface DialedConnection {
  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1): Promise<void>;
  subscribe(filters: readonly string[]): Promise<number[]>;
  close(): void;
}

/** The dialer over @linkwire/node's TCP adapter and @linkwire/mqtt's sans-IO session. */
export const linkwireDialer: Dialer = {
  name: 'linkwire',
  async dial(host, port, params, onMessage, onClose) {
    const c: NodeMqttConnection = await connectMqtt({
      host, port, clientId: params.clientId, keepalive: params.keepalive,
      ...(params.username === undefined ? {} : { username: params.username }),
      ...(params.password === undefined ? {} : { password: params.password }),
      connectTimeoutMs: 15_000, ackTimeoutMs: 20_000, maxInflight: 10_000,
      onMessage: (m: PublishPacket) => onMessage(m.topic, m.payload),
      onClose,
    });
    return {
      publish: (topic, payload, qos) => c.session.publish(topic, payload, { qos }),
      subscribe: (filters) => c.session.subscribe(filters.map((topic) => ({ topic, qos: 1 as const }))),
      close: () => c.close(),
    };
  },
};

/**
 * A refusal that retrying cannot fix: the identifier, the credentials or the authorisation
 * (CONNACK 2, 4, 5). "Server unavailable" (3) is worth another try.
 */
export function isFinalRefusal(e: unknown): boolean {
  return e instanceof MqttConnectError && (e.returnCode === 2 || e.returnCode === 4 || e.returnCode === 5);
}

export function isRefusal(e: unknown): boolean {
  return e instanceof MqttConnectError || (e instanceof Error && /refused|not authori[sz]ed|bad user/i.test(e.message) && !/ECONNREFUSED/.test(e.message));
}

export interface ReconnectOptions {
  readonly host: string;
  readonly port: number;
  readonly dialer?: Dialer;
  /** Fresh credentials for each attempt. */
  readonly params: () => ConnectParams;
  readonly subscriptions: readonly string[];
  /** Backoff: the first wait, doubling up to the cap, each with ±50% jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Give up after this many refusals in a row; a refusal of the credentials (CONNACK 2, 4, 5) is final at once. Default 3. */
  readonly maxRefusals?: number;
  /** Retry a first connect that fails on the network instead of rejecting (a fleet under load). */
  readonly retryFirst?: boolean;
}

/**
 * A link that reconnects: exponential backoff with jitter, re-signed credentials and
 * re-subscription on every connect (the broker is never trusted to remember subscriptions), and
 * a refusal treated as final after a few tries. Publishing while disconnected rejects at once:
 * a simulator counts that as an error rather than queueing without bound.
 */
export async function reconnectingLink(options: ReconnectOptions, events: LinkEvents): Promise<DeviceLink> {
  const dialer = options.dialer ?? linkwireDialer;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const maxRefusals = options.maxRefusals ?? 3;
  let current: DialedConnection | undefined;
  let closed = false;
  let attempt = 0;
  let refusals = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstResolve: ((l: DeviceLink) => void) | undefined;
  let firstReject: ((e: Error) => void) | undefined;

  const link: DeviceLink = {
    publish(topic, payload, qos) {
      if (current === undefined) return Promise.reject(new Error('not connected'));
      return current.publish(topic, payload, qos);
    },
    subscribe(filters) {
      if (current === undefined) return Promise.reject(new Error('not connected'));
      return current.subscribe(filters);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = current;
      current = undefined;
      c?.close();
      events.onState?.('closed');
    },
    get connected() {
      return current !== undefined;
    },
  };

  const schedule = () => {
    if (closed) return;
    const base = Math.min(maxBackoff, minBackoff * 2 ** Math.min(attempt, 16));
    const wait = base * (0.5 + Math.random());
    attempt++;
    timer = setTimeout(connect, wait);
    timer.unref?.();
  };

  const connect = () => {
    if (closed) return;
    events.onState?.(attempt === 0 ? 'connecting' : 'reconnecting');
    const params = options.params();
    dialer.dial(options.host, options.port, params, (t, p) => events.onMessage(t, p), (error) => {
      if (current === undefined) return;
      current = undefined;
      if (closed) return;
      events.onState?.('reconnecting', error?.message);
      schedule();
    }).then(async (c) => {
      if (closed) {
        c.close();
        return;
      }
      current = c;
      refusals = 0;
      try {
        if (options.subscriptions.length > 0) await c.subscribe(options.subscriptions);
      } catch (e) {
        // A first connect whose SUBSCRIBE fails is reported to the caller and ends the link.
        // Otherwise the connection is closed (a link without its subscriptions is deaf) and the
        // close handler reconnects.
        if (firstReject && !options.retryFirst) {
          closed = true;
          current = undefined;
          c.close();
          firstReject(e as Error);
          firstResolve = firstReject = undefined;
        } else c.close();
        return;
      }
      attempt = 0;
      events.onState?.('connected');
      firstResolve?.(link);
      firstResolve = firstReject = undefined;
    }, (e: unknown) => {
      if (closed) return;
      if (isRefusal(e)) {
        refusals++;
        events.onState?.('refused', (e as Error).message);
        if (refusals >= maxRefusals || isFinalRefusal(e) || (firstReject && !options.retryFirst)) {
          // A refusal on the first connect is the answer the user needs now, not after backoff.
          closed = true;
          firstReject?.(e as Error);
          firstResolve = firstReject = undefined;
          return;
        }
      } else if (firstReject && !options.retryFirst) {
        firstReject(e as Error);
        firstResolve = firstReject = undefined;
        closed = true;
        return;
      }
      schedule();
    });
  };

  return new Promise<DeviceLink>((resolve, reject) => {
    firstResolve = resolve;
    firstReject = reject;
    connect();
  });
}

/** Alibaba CONNECT parameters for a device with its own secret, signed afresh on every call. */
export function alibabaParams(device: { productKey: string; deviceName: string; deviceSecret: string }, keepalive: number, now: () => number = Date.now): () => ConnectParams {
  return () => {
    const c = mqttCredentials({ ...device, signMethod: 'hmacsha256', secureMode: 3, timestamp: now(), keepalive });
    return { clientId: c.clientId, username: c.username, password: c.password, keepalive };
  };
}
