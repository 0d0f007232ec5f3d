/**
 * A broker at the Dialer seam for fuzz entries of MQTT clients (device, embedded): it accepts
 * every CONNECT (or refuses with `refuse`), acknowledges SUBSCRIBE and QoS 1 PUBLISH, hands
 * each PUBLISH to `onPublish` (which may answer), and `push` delivers a PUBLISH downlink. No
 * sockets, no timers: with a manual clock every deadline is exact and every case is fast.
 */
import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';
import { createPacketParser, encodePacket, type MqttPacket } from '@linkwire/mqtt';

export interface LoopbackBroker {
  readonly dial: Dialer<unknown>;
  /** Delivers a PUBLISH (QoS 0) to the connected client, if any. */
  push(topic: string, payload: Uint8Array): void;
  /** Ends the connection from the broker's side. */
  drop(): void;
  readonly connects: number;
}

export interface LoopbackOptions {
  /** Answers a PUBLISH from the client: `[topic, payload]` pairs to push back. */
  readonly onPublish?: (topic: string, payload: Uint8Array) => readonly (readonly [string, Uint8Array])[] | undefined;
  /** A CONNACK return code other than 0 refuses every CONNECT. */
  readonly refuse?: number;
}

export function loopbackBroker(options: LoopbackOptions = {}): LoopbackBroker {
  let current: { events: TransportEvents; open: boolean } | undefined;
  let connects = 0;
  // Encoded at once (a bad packet throws to the caller), delivered on a later microtask.
  const send = (p: MqttPacket): void => {
    const c = current;
    if (!c?.open) return;
    const bytes = encodePacket(p);
    queueMicrotask(() => c.open && c.events.onData(bytes));
  };
  const dial: Dialer<unknown> = (_endpoint, events) => {
    const conn = { events, open: true };
    current = conn;
    const parser = createPacketParser();
    queueMicrotask(() => conn.open && events.onOpen?.());
    const transport: ByteTransport = {
      send(bytes) {
        if (!conn.open) return;
        for (const p of parser.push(bytes)) {
          if (p.type === 'connect') {
            connects++;
            send({ type: 'connack', sessionPresent: false, returnCode: options.refuse ?? 0 });
          } else if (p.type === 'subscribe') send({ type: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) });
          else if (p.type === 'unsubscribe') send({ type: 'unsuback', messageId: p.messageId });
          else if (p.type === 'pingreq') send({ type: 'pingresp' });
          else if (p.type === 'publish') {
            if (p.qos === 1) send({ type: 'puback', messageId: p.messageId! });
            for (const [topic, payload] of options.onPublish?.(p.topic, p.payload) ?? []) push(topic, payload);
          } else if (p.type === 'disconnect') transport.close();
        }
      },
      close() {
        if (!conn.open) return;
        conn.open = false;
        queueMicrotask(() => events.onClose());
      },
    };
    return transport;
  };
  const push = (topic: string, payload: Uint8Array): void => send({ type: 'publish', topic, payload, qos: 0, retain: false, dup: false });
  return {
    dial, push,
    drop() {
      const c = current;
      if (!c?.open) return;
      c.open = false;
      queueMicrotask(() => c.events.onClose(new Error('dropped by the broker')));
    },
    get connects() {
      return connects;
    },
  };
}

/** Lets queued microtasks and promise chains run. */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
