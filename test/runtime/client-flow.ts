/**
 * The reconnecting client through the web adapter, run by Deno and by a Chromium page against
 * the emulator in Node: signed CONNECT (a fresh signature per attempt), subscribe, property
 * post and reply; then the socket drops under it, a publish made while it is down is queued and
 * acknowledged after the reconnect, and the resubscribed reply topic answers again. Where
 * IndexedDB exists (Chromium) the client keeps its QoS 1 messages in the IndexedDB store.
 */
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import type { OutgoingStore } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { createWebMqttClient, indexedDbStore } from '@linkwire/web';

export interface ClientFlowResult {
  readonly granted: number[];
  readonly replies: string[];
  readonly attempts: number;
  readonly events: string[];
  readonly sockets: number;
  /** Messages left in the IndexedDB store after the flow (0), or null without IndexedDB. */
  readonly stored: number | null;
  /** put 2, delete 1, load → the seq left, or null without IndexedDB. */
  readonly storeRoundTrip: number[] | null;
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

export async function clientFlow(url: string, device: { productKey: string; deviceName: string; deviceSecret: string }): Promise<ClientFlowResult> {
  const sockets: WebSocket[] = [];
  // A WebSocket the flow can drop from the page side, as a network change would.
  class Tracked extends WebSocket {
    constructor(u: string | URL, protocols?: string | string[]) {
      super(u, protocols);
      sockets.push(this);
    }
  }
  const hasIdb = typeof indexedDB !== 'undefined';
  let store: OutgoingStore | undefined;
  let storeRoundTrip: number[] | null = null;
  if (hasIdb) {
    const probe = indexedDbStore(`linkwire-probe-${Date.now()}`);
    await probe.put({ seq: 1, topic: 'a', payload: new Uint8Array([1]), retain: false });
    await probe.put({ seq: 2, topic: 'b', payload: new Uint8Array([2]), retain: true });
    await probe.delete(1);
    storeRoundTrip = (await probe.load()).map((m) => m.seq);
    await probe.close?.();
    store = indexedDbStore(`linkwire-flow-${Date.now()}`);
  }
  const events: string[] = [];
  const waiting = new Map<string, () => void>();
  const replies: string[] = [];
  let attempts = 0;
  const client = createWebMqttClient({
    endpoint: { url, WebSocket: Tracked },
    credentials: () => {
      attempts++;
      return mqttCredentials({ ...device, signMethod: 'hmacsha256', secureMode: 3, timestamp: Date.now() });
    },
    keepalive: 60, backoff: { minMs: 10, maxMs: 100 },
    ...(store !== undefined ? { store } : {}),
    onEvent: (e) => events.push(e.type),
    onMessage: (m) => {
      const r = decodeReply(m.payload);
      replies.push(r.id);
      waiting.get(r.id)?.();
    },
  });
  const reply = (id: string) => new Promise<void>((resolve) => waiting.set(id, resolve));
  const post = (id: string) => client.publish(propertyPostTopic(device.productKey, device.deviceName), encodePropertyPost({ id, params: { Temperature: 20.5 } }), { qos: 1 });
  try {
    const granted = await within(client.subscribe(propertyPostReplyTopic(device.productKey, device.deviceName)), 10_000, 'SUBACK');
    const first = reply('1');
    await within(post('1'), 10_000, 'PUBACK 1');
    await within(first, 10_000, 'reply 1');

    sockets[sockets.length - 1]!.close(4001, 'dropped by the test');
    await within(post('2'), 10_000, 'PUBACK 2, queued while reconnecting');
    await within(client.whenConnected(), 10_000, 'reconnect');
    // The broker had no session: the client resubscribed by itself. Give the SUBACK a moment.
    await new Promise((r) => setTimeout(r, 200));
    const third = reply('3');
    await within(post('3'), 10_000, 'PUBACK 3');
    await within(third, 10_000, 'reply 3 on the resubscribed topic');
    const stored = store === undefined ? null : (await store.load()).length;
    return { granted, replies, attempts, events, sockets: sockets.length, stored, storeRoundTrip };
  } finally {
    await client.end();
  }
}
