// A scripted broker behind the Dialer seam: the client's packets are parsed with
// @linkwire/mqtt, CONNECT is checked by the EnOS rules, and the test pushes PUBLISHes or drops
// the connection at will. With a manual clock every deadline is exact.
import { utf8Decode, type ByteTransport, type Dialer, type TransportEvents } from '@linkwire/base';
import { createPacketParser, encodePacket, type MqttPacket } from '@linkwire/mqtt';
import { verifyEnosMqttCredentials } from '@linkwire/sign';
import type { BrokerEndpoint } from '@linkwire/enos';

export interface Scripted {
  readonly dial: Dialer<BrokerEndpoint>;
  /** Every CONNECT, PUBLISH and SUBSCRIBE the client sent, in order. */
  readonly seen: MqttPacket[];
  readonly published: { topic: string; text: string; payload: Uint8Array }[];
  readonly connects: number;
  /** Delivers a PUBLISH to the client (QoS 0). */
  push(topic: string, payload: string | Uint8Array): void;
  /** Ends the connection from the broker's side. */
  drop(): void;
}

export function scriptedBroker(secret: (pk: string, dk: string) => string | undefined): Scripted {
  let events: TransportEvents | undefined;
  let open = false;
  let connects = 0;
  const seen: MqttPacket[] = [];
  const published: { topic: string; text: string; payload: Uint8Array }[] = [];
  const send = (p: MqttPacket): void => {
    if (open) events!.onData(encodePacket(p));
  };
  const dial: Dialer<BrokerEndpoint> = (_endpoint, ev) => {
    events = ev;
    open = true;
    const parser = createPacketParser();
    queueMicrotask(() => ev.onOpen?.());
    const transport: ByteTransport = {
      send(bytes) {
        for (const p of parser.push(bytes)) {
          seen.push(p);
          switch (p.type) {
            case 'connect': {
              const pass = p.password === undefined ? '' : utf8Decode(p.password);
              const ok = verifyEnosMqttCredentials(p.clientId, p.username ?? '', pass, { deviceSecret: secret }).ok;
              connects++;
              queueMicrotask(() => send({ type: 'connack', sessionPresent: false, returnCode: ok ? 0 : 4 }));
              break;
            }
            case 'subscribe':
              queueMicrotask(() => send({ type: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 0) }));
              break;
            case 'publish':
              published.push({ topic: p.topic, text: utf8Decode(p.payload), payload: p.payload });
              if (p.qos === 1) queueMicrotask(() => send({ type: 'puback', messageId: p.messageId! }));
              break;
            case 'pingreq':
              queueMicrotask(() => send({ type: 'pingresp' }));
              break;
            case 'disconnect':
              transport.close();
              break;
          }
        }
      },
      close() {
        if (!open) return;
        open = false;
        queueMicrotask(() => ev.onClose());
      },
    };
    return transport;
  };
  return {
    dial, seen, published,
    get connects() {
      return connects;
    },
    push: (topic, payload) => send({ type: 'publish', topic, payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, qos: 0, retain: false, dup: false }),
    drop() {
      if (!open) return;
      open = false;
      const ev = events!;
      queueMicrotask(() => ev.onClose(new Error('dropped by the test')));
    },
  };
}

/** Lets queued microtasks and promise chains run. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
