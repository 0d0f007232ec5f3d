// Run by Bun (test/runtime/bun.test.ts): the device flow through the web adapter (Bun's
// WebSocket) and through the node adapter (Bun's node:net), against the emulator in Node.
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { connectMqtt } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';
import { deviceFlow } from './device-flow.ts';

declare const Bun: { argv: string[] };
const [wsUrl, tcpPort, productKey, deviceName, deviceSecret] = Bun.argv.slice(2) as [string, string, string, string, string];
const device = { productKey, deviceName, deviceSecret };

async function tcpFlow(): Promise<{ connack: number; granted: number[]; reply: { id: string; code: number }; refused: string }> {
  const credentials = mqttCredentials({ ...device, signMethod: 'hmacsha1', secureMode: 3, timestamp: Date.now() });
  let onReply: (payload: Uint8Array) => void = () => undefined;
  const replied = new Promise<Uint8Array>((resolve) => (onReply = resolve));
  const c = await connectMqtt({ host: '127.0.0.1', port: Number(tcpPort), ...credentials, ackTimeoutMs: 5000, onMessage: (m) => onReply(m.payload) });
  try {
    const granted = await c.session.subscribe(propertyPostReplyTopic(productKey, deviceName));
    await c.session.publish(propertyPostTopic(productKey, deviceName), encodePropertyPost({ id: '78', params: { Temperature: 21.5 } }), { qos: 1 });
    const r = decodeReply(await replied);
    const wrong = mqttCredentials({ ...device, deviceSecret: `${deviceSecret}x`, secureMode: 3 });
    const refused = await connectMqtt({ host: '127.0.0.1', port: Number(tcpPort), ...wrong }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    return { connack: c.connack.returnCode, granted, reply: { id: r.id, code: r.code }, refused };
  } finally {
    c.close();
  }
}

console.log(JSON.stringify({ web: await deviceFlow(wsUrl, device), node: await tcpFlow() }));
