// An independent device for emulator tests: MQTT.js (not linkwire's own client), with the
// messages it received and whether the platform closed it.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
}

export interface MqttJsDevice {
  readonly m: MqttClient;
  readonly messages: Received[];
  /** The CONNACK refusal (its `code` is the return code), or undefined when connected. */
  readonly error: (Error & { code?: number }) | undefined;
  isClosed(): boolean;
  /** The next message on `topic` (waits up to 3 s), removed from `messages`. */
  next(topic: string): Promise<Received>;
  end(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, ms = 3000): Promise<void> {
  for (let t = 0; t < ms && !check(); t += 10) await sleep(10);
}

export async function mqttJsDevice(url: string, credentials: { clientId: string; username: string; password: string }, extra: IClientOptions = {}): Promise<MqttJsDevice> {
  const messages: Received[] = [];
  let closed = false;
  const m = mqtt.connect(url, { ...credentials, reconnectPeriod: 0, connectTimeout: 3000, keepalive: 60, ...extra });
  m.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), qos: packet.qos }));
  m.on('close', () => {
    closed = true;
  });
  m.on('error', () => undefined);
  const error = await new Promise<(Error & { code?: number }) | undefined>((resolve) => {
    m.once('connect', () => resolve(undefined));
    m.once('error', (e) => resolve(e as Error & { code?: number }));
    m.once('close', () => resolve(new Error('closed before CONNACK')));
  });
  return {
    m, messages, error,
    isClosed: () => closed,
    async next(topic) {
      let i = -1;
      await until(() => (i = messages.findIndex((x) => x.topic === topic)) >= 0);
      if (i < 0) throw new Error(`no message on ${topic}; got ${JSON.stringify(messages.map((x) => x.topic))}`);
      return messages.splice(i, 1)[0]!;
    },
    end: async () => {
      await m.endAsync(true);
    },
  };
}
