// A scripted network for client tests: every dial becomes a FakeConnection the test drives by
// hand (open, answer, drop), and everything the client writes is decoded with our own parser.
import type { ByteTransport, Dialer, TransportEvents } from '@linkwire/base';
import { createPacketParser, encodePacket, type MqttPacket } from '@linkwire/mqtt';

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

/** Lets promise chains (credentials, dial) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
