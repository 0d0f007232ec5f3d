/**
 * The device side of the QuickJS leg (test/runtime/quickjs-device.test.ts), bundled as an IIFE
 * and evaluated in an engine with no sockets, timers, TextEncoder, WebAssembly or crypto: the
 * host provides all of it through @linkwire/embedded. It signs in, posts properties, reads the
 * reply and verifies a firmware image with the pure-JS hash path.
 */
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { createMqttClient } from '@linkwire/mqtt';
import { activateFirmware, createFirmwareVerifier, type FirmwareUpgrade } from '@linkwire/ota';
import { mqttCredentials } from '@linkwire/sign';
import { engineRuntime } from './embedded-attach.ts';

export { attach } from './embedded-attach.ts';

export interface DeviceParams {
  readonly endpoint: string;
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: string;
  readonly firmware: { readonly upgrade: FirmwareUpgrade; readonly chunks: readonly ArrayBuffer[] };
}

export interface DeviceOutcome {
  /** The client's events, in order: a clean run is connecting, connected, closed. */
  readonly lifecycle: readonly string[];
  readonly granted: number[];
  readonly reply: { readonly id: string; readonly code: number };
  readonly firmware: string;
}

export async function runDevice(p: DeviceParams): Promise<DeviceOutcome> {
  const rt = engineRuntime();
  let onReply: (payload: Uint8Array) => void = () => undefined;
  const replied = new Promise<Uint8Array>((resolve) => (onReply = resolve));
  const lifecycle: string[] = [];
  const client = createMqttClient({
    clock: rt.clock,
    random: rt.random,
    dial: rt.dial,
    endpoint: p.endpoint,
    // Asked before every attempt, so each CONNECT signs a fresh timestamp.
    credentials: () => mqttCredentials({ productKey: p.productKey, deviceName: p.deviceName, deviceSecret: p.deviceSecret, signMethod: 'hmacsha256', secureMode: 3, timestamp: rt.clock.now() }),
    onEvent: (e) => void lifecycle.push(e.type),
    onMessage: (m) => onReply(m.payload),
  });
  try {
    await client.whenConnected();
    const granted = await client.subscribe(propertyPostReplyTopic(p.productKey, p.deviceName));
    await client.publish(propertyPostTopic(p.productKey, p.deviceName), encodePropertyPost({ id: '501', params: { Temperature: 22.5 } }), { qos: 1 });
    const r = decodeReply(await replied);
    const verifier = createFirmwareVerifier(p.firmware.upgrade);
    for (const chunk of p.firmware.chunks) verifier.update(new Uint8Array(chunk));
    const firmware = activateFirmware(verifier.finish(), (fw) => `activated ${fw.version}`);
    await client.end();
    return { lifecycle, granted, reply: { id: r.id, code: r.code }, firmware };
  } finally {
    if (client.state !== 'closed') await client.end({ flush: false });
  }
}
