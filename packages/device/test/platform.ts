// A platform side scripted with MQTT.js on a real broker, for the flows the emulator does not
// answer yet: it answers device requests and sends commands the way the seeds describe.
import mqtt, { type MqttClient } from 'mqtt';

export type Responder = (topic: string, payload: Buffer) => unknown;

export interface ScriptedPlatform {
  readonly client: MqttClient;
  /** Answers requests on topics matching `filter` (MQTT wildcards) with the returned JSON on `{topic}_reply`; undefined answers nothing. */
  answer(filter: string, respond: Responder): void;
  /** Every message seen on a topic matching `filter`. */
  seen(filter: string): { topic: string; payload: string }[];
  publish(topic: string, payload: string | Buffer): Promise<void>;
  /** Resolves with the next message on a topic matching `filter`. */
  next(filter: string, timeoutMs?: number): Promise<{ topic: string; payload: string }>;
  close(): Promise<void>;
}

export function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export async function startPlatform(port: number): Promise<ScriptedPlatform> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `platform-${process.pid}-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 50, connectTimeout: 5000 });
  const responders: { filter: string; respond: Responder }[] = [];
  const log: { topic: string; payload: string }[] = [];
  const waiters: { filter: string; resolve(m: { topic: string; payload: string }): void }[] = [];
  client.on('message', (topic, payload) => {
    const m = { topic, payload: payload.toString('utf8') };
    log.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (matches(waiters[i]!.filter, topic)) waiters.splice(i, 1)[0]!.resolve(m);
    }
    for (const r of responders) {
      if (!matches(r.filter, topic)) continue;
      const out = r.respond(topic, payload);
      if (out !== undefined) client.publish(`${topic}_reply`, typeof out === 'string' || Buffer.isBuffer(out) ? out : JSON.stringify(out));
    }
  });
  await client.subscribeAsync(['/sys/#', '/ext/#', '/shadow/#', '/ota/#'], { qos: 1 });
  return {
    client,
    answer: (filter, respond) => void responders.push({ filter, respond }),
    seen: (filter) => log.filter((m) => matches(filter, m.topic)),
    publish: (topic, payload) => client.publishAsync(topic, payload, { qos: 1 }).then(() => undefined),
    next(filter, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`nothing on ${filter} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ filter, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
    close: () => client.endAsync(true),
  };
}

/** The reply JSON a real platform gives an Alink request: `{id, code: 200, data}`. */
export function ok(payload: Buffer, data: unknown = {}): { id: string; code: number; data: unknown } {
  return { id: (JSON.parse(payload.toString('utf8')) as { id: string }).id, code: 200, data };
}
