/**
 * An embedded-engine host: Node plays the firmware of a device whose JS engine is QuickJS.
 * The engine gets seven host functions (clock, timers, random bytes, byte streams) through
 * @linkwire/embedded and nothing else: no sockets, no timers, no TextEncoder, no WebAssembly.
 * The host moves bytes between a real TCP socket and the engine; the device (linkwire's
 * device client) signs in to the emulator, posts properties, reads the reply, answers a service
 * call the emulator makes (invokeService) and verifies a firmware image with the JS hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { DeviceOutcome } from './embedded-device.ts';
import { startEngine } from './quickjs-host.ts';

const device = { productKey: 'a1QjsPk0001', deviceName: 'quickjs-device-1', deviceSecret: 'quickjs-secret-1' };

describe('runtime matrix: an embedded engine (QuickJS) hosting a device', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device] });
  });
  afterAll(() => platform.close());

  it('signs in over a host byte stream, posts properties, answers a service call from the platform and verifies firmware with the JS hashes', async () => {
    const { vm, host, globals, run, dispose } = await startEngine('./embedded-device.ts');
    try {
      expect(globals).toBe('undefined,undefined,undefined,undefined');
      const image = randomBytes(200_000);
      const upgrade = {
        version: '2.0.1', size: image.length, url: 'https://127.0.0.1/fw.bin', digestMethod: 'SHA256', digest: createHash('sha256').update(image).digest('hex'),
      };
      const params = vm.unwrapResult(vm.evalCode(`(${JSON.stringify({ endpoint: `tcp://127.0.0.1:${platform.port}`, ...device, firmware: { upgrade, chunks: [] } })})`));
      const firmware = vm.getProp(params, 'firmware');
      const chunks = vm.getProp(firmware, 'chunks');
      firmware.dispose();
      for (let i = 0, k = 0; i < image.length; i += 4096, k++) {
        const ab = vm.newArrayBuffer(image.buffer.slice(image.byteOffset + i, image.byteOffset + Math.min(image.length, i + 4096)));
        vm.setProp(chunks, k, ab);
        ab.dispose();
      }
      chunks.dispose();
      const running = run('runDevice', params);
      // The platform calls the device's service once it is online (offline answers come at once).
      let call: { status: string; code?: number; data?: unknown } = { status: 'offline' };
      for (const deadline = Date.now() + 20_000; call.status !== 'replied' && Date.now() < deadline;) {
        call = await platform.invokeService(device.productKey, device.deviceName, 'echo', { color: 'red', level: 3 }, { timeoutMs: 5000 });
        if (call.status !== 'replied') await new Promise((r) => setTimeout(r, 50));
      }
      expect(call).toMatchObject({ status: 'replied', code: 200, data: { color: 'red', level: 3, engine: 'quickjs' } });
      const result = (await running) as DeviceOutcome;
      expect(result).toEqual({ lifecycle: ['connected', 'closed'], reply: { code: 200 }, served: { color: 'red', level: 3 }, firmware: 'activated 2.0.1' });
      // The device disconnected: the engine holds no timer and no stream, the host no socket.
      await new Promise((r) => setTimeout(r, 50));
      expect(host.open()).toEqual({ timers: 0, sockets: 0 });
    } finally {
      dispose();
    }
  }, 60_000);
});
