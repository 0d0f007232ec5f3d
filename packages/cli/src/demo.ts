#!/usr/bin/env node
/**
 * The linkwire demo: starts the local platform, connects a device with signed credentials,
 * posts properties and prints each step and the platform's reply. No cloud account needed.
 *
 *   npm start                                  the whole flow; exits 0
 *   npm start -- --device-secret wrong         the platform refuses the device; exits 1
 */
import { parseArgs } from 'node:util';
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic, requestIds } from '@linkwire/alink';
import { utf8Decode } from '@linkwire/base';
import { MqttConnectError } from '@linkwire/mqtt';
import { createReplyWaiter } from '@linkwire/device';
import { connectMqtt, nodeClock, registerNodeHash } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';
import { startEmulator } from '@linkwire/emulator';

const device = { productKey: 'a1LwDemo01x', deviceName: 'demo-thermostat', deviceSecret: 'lw-demo-secret-7f3a9c2e' };

export const DEMO_USAGE = [
  'Usage: npm start [-- options]       (or: npx linkwire demo [options])',
  '',
  'Starts a local platform (the emulator on 127.0.0.1, an ephemeral port), connects a demo device',
  'with HMAC-signed credentials, posts properties twice and prints every step and reply.',
  '',
  'Options:',
  '  --device-secret <secret>   sign with this secret instead of the demo device\'s (a wrong one is refused: exit 1)',
  '  -h, --help                 show this help',
  '',
  'Exit codes: 0 done · 1 the platform refused the device or a post · 2 usage or an unexpected failure',
  'More tools: npx linkwire --help',
].join('\n');

export async function runDemo(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let values: { 'device-secret'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { 'device-secret': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    print(`demo: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
    print('       npm start -- --help shows the options');
    return 2;
  }
  if (values.help) {
    print(DEMO_USAGE);
    return 0;
  }
  registerNodeHash();
  const platform = await startEmulator({
    devices: [device],
    onEvent: (e) => {
      if (e.type === 'connected') print(`platform  authenticated ${e.deviceName}&${e.productKey} (signature verified)`);
      if (e.type === 'refused') print(`platform  refused client ${e.clientId}: ${e.reason}`);
    },
  });
  print(`platform  emulator listening on ${platform.host}:${platform.port}`);
  try {
    const credentials = mqttCredentials({
      productKey: device.productKey,
      deviceName: device.deviceName,
      deviceSecret: values['device-secret'] ?? device.deviceSecret,
      signMethod: 'hmacsha256',
      secureMode: 3,
      timestamp: Date.now(),
    });
    print(`device    CONNECT clientId=${credentials.clientId}`);
    print(`device            username=${credentials.username} password=${credentials.password.slice(0, 16)}…`);
    const replyTopic = propertyPostReplyTopic(device.productKey, device.deviceName);
    // Replies are matched by topic and id, and every wait is bounded.
    const replies = createReplyWaiter<Uint8Array>({ clock: nodeClock, timeoutMs: 5000 });
    const ids = requestIds();
    let connection;
    try {
      connection = await connectMqtt({
        host: platform.host,
        port: platform.port,
        keepalive: 60,
        ...credentials,
        onMessage: (m) => {
          if (m.topic !== replyTopic) return;
          try {
            replies.settle(m.topic, decodeReply(m.payload).id, m.payload);
          } catch (e) {
            print(`device    ignored a malformed reply: ${(e as Error).message}`);
          }
        },
      });
    } catch (e) {
      if (e instanceof MqttConnectError) {
        print(`device    REFUSED by the platform: ${e.message} (CONNACK ${e.returnCode})`);
        print('          check the device secret: the platform could not verify the signature.');
        return 1;
      }
      throw e;
    }
    print('device    connected (CONNACK 0)');
    const { session } = connection;
    const granted = await session.subscribe(replyTopic);
    print(`device    SUBSCRIBE ${replyTopic} → granted QoS ${granted.join(',')}`);

    for (const params of [
      { CurrentTemperature: 21.5, TargetTemperature: 22, PowerSwitch: 1 },
      { CurrentTemperature: 21.7, Humidity: 48 },
    ]) {
      const id = ids.next();
      const topic = propertyPostTopic(device.productKey, device.deviceName);
      const payload = encodePropertyPost({ id, params });
      const reply = replies.expect(replyTopic, id);
      await session.publish(topic, payload, { qos: 1 });
      print(`device    PUBLISH ${topic}`);
      print(`                  ${utf8Decode(payload)}`);
      const replyBytes = await reply;
      const r = decodeReply(replyBytes);
      print(`platform  PUBLISH ${replyTopic}`);
      print(`                  ${utf8Decode(replyBytes)}`);
      if (r.code !== 200) {
        print(`device    the platform rejected message ${id} with code ${r.code}`);
        return 1;
      }
    }
    connection.close();
    print('device    disconnected');
    print('done      signed CONNECT, subscribe, 2 property posts, 2 replies with code 200');
    return 0;
  } finally {
    await platform.close();
  }
}
