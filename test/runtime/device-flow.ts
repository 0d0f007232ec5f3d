/**
 * A whole device flow through the web adapter: signed CONNECT over WebSocket, subscribe,
 * property post, reply. Run by Deno and by a Chromium page against the emulator in Node.
 */
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { mqttCredentials } from '@linkwire/sign';
import { connectMqttWebSocket } from '@linkwire/web';

export interface FlowResult {
  readonly connack: number;
  readonly granted: number[];
  readonly reply: { id: string; code: number };
  readonly refused: string;
}

export async function deviceFlow(url: string, device: { productKey: string; deviceName: string; deviceSecret: string }): Promise<FlowResult> {
  const credentials = mqttCredentials({ ...device, signMethod: 'hmacsha256', secureMode: 3, timestamp: Date.now() });
  let onReply: (payload: Uint8Array) => void = () => undefined;
  const replied = new Promise<Uint8Array>((resolve) => (onReply = resolve));
  const c = await connectMqttWebSocket({ url, ...credentials, keepalive: 60, ackTimeoutMs: 5000, onMessage: (m) => onReply(m.payload) });
  try {
    const granted = await c.session.subscribe(propertyPostReplyTopic(device.productKey, device.deviceName));
    await c.session.publish(propertyPostTopic(device.productKey, device.deviceName), encodePropertyPost({ id: '77', params: { Temperature: 20.5 } }), { qos: 1 });
    const r = decodeReply(await replied);
    const wrong = mqttCredentials({ ...device, deviceSecret: `${device.deviceSecret}x`, secureMode: 3 });
    const refused = await connectMqttWebSocket({ url, ...wrong }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    return { connack: c.connack.returnCode, granted, reply: { id: r.id, code: r.code }, refused };
  } finally {
    c.close();
  }
}
