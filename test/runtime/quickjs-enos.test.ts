/**
 * An embedded-engine host running the EnOS device client: QuickJS gets the host's seven
 * functions through @linkwire/embedded and nothing else; the EnOS DeviceClient inside it logs in
 * to the emulator's EnOS product over a real TCP socket, posts measure points, answers a service
 * command the platform sends, and closes leaving no timer or socket behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform } from '@linkwire/emulator';
import type { EnosOutcome } from './embedded-enos.ts';
import { startEngine } from './quickjs-host.ts';

const device = { productKey: 'pkQjsEnos1', deviceKey: 'qjs-meter-01', deviceSecret: 'qjs-enos-secret' };

describe('runtime matrix: the EnOS device client inside QuickJS', () => {
  let platform: EnosPlatform;
  beforeAll(async () => {
    platform = await startEnosPlatform({ products: [{ productKey: device.productKey, productSecret: 'qjs-ps' }], devices: [device] });
  });
  afterAll(() => platform.close());

  it('logs in, posts measure points and answers a command from the platform', async () => {
    const { vm, host, globals, run, dispose } = await startEngine('./embedded-enos.ts');
    try {
      expect(globals).toBe('undefined,undefined,undefined,undefined');
      const params = vm.unwrapResult(vm.evalCode(`(${JSON.stringify({ brokerUrl: platform.brokerUrl, ...device })})`));
      const outcome = run('runEnosDevice', params);
      outcome.catch(() => {}); // awaited below; a failure there is the test's

      // The platform's side: once the engine's measure point arrived, it commands the device.
      const end = Date.now() + 20_000;
      while (platform.device(device.productKey, device.deviceKey)!.measurepoints.get('power') === undefined) {
        if (Date.now() > end) throw new Error('no measure point from the engine');
        await new Promise((r) => setTimeout(r, 10));
      }
      const reply = await platform.invokeService(device.productKey, device.deviceKey, 'adjust', { target: 7 }, 5000);
      expect(reply).toEqual({ code: 200, data: { applied: 7, unit: 'kW' } });

      const result = (await outcome) as EnosOutcome;
      expect(result).toEqual({
        events: ['connect', 'close'], secret: device.deviceSecret, post: { code: 200, data: '' },
        command: { method: 'thing.service.adjust', params: { target: 7 } }, connectedAfterClose: false,
      });
      expect(platform.device(device.productKey, device.deviceKey)!.measurepoints.get('status')).toEqual({ value: 1, quality: 0 });
      await new Promise((r) => setTimeout(r, 50));
      expect(host.open()).toEqual({ timers: 0, sockets: 0 });
    } finally {
      dispose();
    }
  }, 60_000);
});
