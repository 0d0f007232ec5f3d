import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';
import { createPacketParser } from './decode.ts';
import { encodePacket } from './encode.ts';
import type { MqttPacket } from './packets.ts';

/** One dialed connection of a {@link scriptedNetwork}, driven by the test. */
export interface FakeConnection {
  readonly endpoint: string;
  /** Packets the client wrote, decoded. */
  readonly received: MqttPacket[];
  closedByClient: boolean;
  closed: boolean;
  open(): void;
  reply(...packets: MqttPacket[]): void;
  raw(bytes: Uint8Array): void;
  drop(error?: Error): void;
  /** CONNECT → CONNACK accepted, in one go. */
  accept(sessionPresent?: boolean): void;
}

/**
 * A network for testing code built on `createMqttClient` without sockets: every dial becomes a
 * {@link FakeConnection} the test drives by hand (open, answer, drop, send raw bytes), and
 * everything the client writes is decoded with linkwire's parser. With `manualClock` and
 * `seededRandom` a whole reconnect storm runs in microseconds and the same way every time.
 *
 * @example
 * const net = scriptedNetwork();
 * const client = createMqttClient({ clock, random, dial: net.dial, endpoint: 'broker', credentials: { clientId: 'c' } });
 * await settle();
 * net.last().accept();               // CONNECT → CONNACK 0
 * net.last().drop(new Error('cut')); // and the client starts its backoff
 */
export function scriptedNetwork(): { dial: Dialer<string>; connections: FakeConnection[]; last(): FakeConnection } {
  const connections: FakeConnection[] = [];
  const dial: Dialer<string> = (endpoint: string, events: TransportEvents): ByteTransport => {
    const parser = createPacketParser();
    const c: FakeConnection = {
      endpoint, received: [], closedByClient: false, closed: false,
      open: () => events.onOpen?.(),
      reply: (...packets) => { for (const p of packets) if (!c.closed) events.onData(encodePacket(p)); },
      raw: (bytes) => { if (!c.closed) events.onData(bytes); },
      drop: (error) => {
        if (c.closed) return;
        c.closed = true;
        events.onClose(error);
      },
      accept: (sessionPresent = false) => {
        c.open();
        c.reply({ type: 'connack', sessionPresent, returnCode: 0 });
      },
    };
    connections.push(c);
    return {
      send(bytes) {
        if (c.closed) throw new Error('send after close');
        c.received.push(...parser.push(bytes));
      },
      close() {
        if (c.closed) return;
        c.closed = true;
        c.closedByClient = true;
      },
    };
  };
  return { dial, connections, last: () => connections[connections.length - 1]! };
}

/** Lets the client's promise chains (credentials, store load, dial) run: a few microtask turns. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
