/**
 * The device side of the QuickJS leg (test/runtime/quickjs-device.test.ts), bundled as an IIFE
 * and evaluated in an engine with no sockets, timers, TextEncoder, WebAssembly or crypto: the
 * host provides all of it through @linkwire/embedded. The full device client signs in, posts
 * properties and reads the reply, answers a service call the platform makes, and verifies a
 * firmware image with the pure-JS hash path.
 */
import { createDeviceClient } from '@linkwire/device';
import { activateFirmware, createFirmwareVerifier, type FirmwareUpgrade } from '@linkwire/ota';
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
  /** The client's events, in order: a clean run is connected, closed. */
  readonly lifecycle: readonly string[];
  readonly reply: { readonly code: number };
  /** The parameters of the service call the platform made, as the device's handler got them. */
  readonly served: unknown;
  readonly firmware: string;
}

/**
 * The device: the whole device client on the runtime's clock, random source and dialer. It
 * posts properties, then waits until the platform has called its `echo` service (the host makes
 * the call once the device is online) and its answer is on the wire, then verifies the firmware
 * and disconnects.
 */
export async function runDevice(p: DeviceParams): Promise<DeviceOutcome> {
  const rt = engineRuntime();
  const lifecycle: string[] = [];
  let onServed: (params: unknown) => void = () => undefined;
  const served = new Promise<unknown>((resolve) => (onServed = resolve));
  const client = createDeviceClient({
    productKey: p.productKey, deviceName: p.deviceName, deviceSecret: p.deviceSecret, signMethod: 'hmacsha256',
    clock: rt.clock, random: rt.random, dial: rt.dial, endpoint: p.endpoint, transport: 'tcp',
    onEvent: (e) => void lifecycle.push(e.type),
  });
  client.onService('echo', (params) => {
    // Answered after the handler returns: the reply is published on the next turn.
    rt.clock.setTimer(20, () => onServed(params));
    return { ...(params as Record<string, never>), engine: 'quickjs' };
  });
  try {
    await client.connect();
    const reply = await client.postProperties({ Temperature: 22.5 });
    const params = await served;
    const verifier = createFirmwareVerifier(p.firmware.upgrade);
    for (const chunk of p.firmware.chunks) verifier.update(new Uint8Array(chunk));
    const firmware = activateFirmware(verifier.finish(), (fw) => `activated ${fw.version}`);
    await client.end();
    return { lifecycle, reply: { code: reply.code }, served: params, firmware };
  } finally {
    if (client.state !== 'closed') await client.end();
  }
}
