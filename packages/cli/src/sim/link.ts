import { createMqttClient, MqttConnectError, type MqttClient } from '@linkwire/mqtt';
import { nodeClock, nodeDialer, nodeRandom, type NodeEndpoint } from '@linkwire/node';

/**
 * The small interface the load generator drives a device through: three verbs over a connection
 * that reconnects by itself ({@link LinkStack}), so that MQTT.js can be plugged in beside linkwire.
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

/**
 * A client stack: opens a device link that reconnects by itself. linkwire's is @linkwire/mqtt's
 * reconnecting client over @linkwire/node's `nodeDialer` (base's `Dialer`); the fleet benchmark
 * plugs MQTT.js in through the same interface to compare the two stacks under the same engine.
 */
export interface LinkStack {
  readonly name: string;
  open(options: LinkOptions, events: LinkEvents): Promise<DeviceLink>;
}

export function isRefusal(e: unknown): boolean {
  return e instanceof MqttConnectError || (e instanceof Error && /refused|not authori[sz]ed|bad user/i.test(e.message) && !/ECONNREFUSED/.test(e.message));
}

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  /** Fresh credentials for each attempt. */
  readonly params: () => ConnectParams;
  readonly subscriptions: readonly string[];
  /** Backoff: the first wait, doubling up to the cap, with jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Retry a first connect that fails on the network, or is refused with code 3, instead of rejecting (a fleet under load). */
  readonly retryFirst?: boolean;
}

/**
 * linkwire's stack: @linkwire/mqtt's reconnecting client (backoff with jitter, credentials
 * re-signed for every attempt, subscriptions renewed on every connect, a refusal of the
 * credentials final at once) over `nodeDialer`. Publishing while disconnected rejects at once
 * (`qos0: 'drop'`, an offline queue of one): a simulator counts that as an error rather than
 * queueing without bound.
 */
export const linkwireStack: LinkStack = {
  name: 'linkwire',
  open(options, events) {
    let connectedOnce = false;
    let closing = false;
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const first = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const client: MqttClient = createMqttClient<NodeEndpoint>({
      clock: nodeClock, random: nodeRandom, dial: nodeDialer, endpoint: { host: options.host, port: options.port },
      credentials: () => options.params(),
      connectTimeoutMs: 15_000, maxInflight: 10_000, stableAfterMs: 10_000,
      backoff: { minMs: options.minBackoffMs ?? 500, maxMs: options.maxBackoffMs ?? 30_000 },
      offlineQueue: { maxMessages: 1, qos0: 'drop', whenFull: 'reject' },
      onMessage: (m) => events.onMessage(m.topic, m.payload),
      onEvent: (e) => {
        switch (e.type) {
          case 'connecting':
            return events.onState?.(e.attempt === 0 ? 'connecting' : 'reconnecting');
          case 'connected':
            if (connectedOnce) return events.onState?.('connected');
            return;
          case 'disconnected':
            if (!connectedOnce && !options.retryFirst && !closing) {
              // The reason first: ending the client rejects its waiters with `client_ended`.
              settle?.reject(e.reason);
              closing = true;
              void client.end({ flush: false });
            } else if (connectedOnce) events.onState?.('reconnecting', e.reason.message);
            return;
          case 'closed':
            if (e.error !== undefined && isRefusal(e.error)) events.onState?.('refused', e.error.message);
            if (!connectedOnce) settle?.reject(e.error ?? new Error('closed before connecting'));
            if (connectedOnce && !closing) events.onState?.('closed', e.error?.message);
            return;
          default:
            return;
        }
      },
    });
    // Subscriptions are part of the client's state: renewed on every connection, not trusted to the broker.
    const subscribed = options.subscriptions.length > 0 ? client.subscribe(options.subscriptions.map((topic) => ({ topic, qos: 1 as const }))) : Promise.resolve([]);
    subscribed.catch(() => undefined);
    const link: DeviceLink = {
      publish(topic, payload, qos) {
        if (client.state !== 'connected') return Promise.reject(new Error('not connected'));
        return client.publish(topic, payload, { qos });
      },
      subscribe: (filters) => client.subscribe(filters.map((topic) => ({ topic, qos: 1 as const }))),
      close() {
        if (closing) return;
        closing = true;
        void client.end({ flush: false });
        events.onState?.('closed');
      },
      get connected() {
        return client.state === 'connected';
      },
    };
    return (async () => {
      await Promise.race([first, client.whenConnected()]);
      const granted = await Promise.race([first.then(() => []), subscribed]);
      if (granted.some((g) => g === 0x80)) {
        link.close();
        throw new Error(`the broker refused a subscription (${options.subscriptions.join(', ')})`);
      }
      connectedOnce = true;
      events.onState?.('connected');
      return link;
    })();
  },
};
