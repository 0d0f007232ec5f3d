/**
 * An embedded-engine host: Node plays the firmware of a device whose JS engine is QuickJS.
 * The engine gets seven host functions (clock, timers, random bytes, byte streams) through
 * @linkwire/embedded and nothing else: no sockets, no timers, no TextEncoder, no WebAssembly.
 * The host moves bytes between a real TCP socket and the engine; the device (linkwire's
 * device client) signs in to the emulator, posts properties, reads the reply, answers a service
 * call the emulator makes (invokeService) and verifies a firmware image with the JS hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { build } from 'esbuild';
import { getQuickJS, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { DeviceOutcome } from './embedded-device.ts';

const device = { productKey: 'a1QjsPk0001', deviceName: 'quickjs-device-1', deviceSecret: 'quickjs-secret-1' };

async function engineBundle(): Promise<string> {
  const r = await build({
    entryPoints: [new URL('./embedded-device.ts', import.meta.url).pathname],
    bundle: true, write: false, format: 'iife', globalName: '__device', platform: 'neutral', target: 'es2022',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'], mainFields: ['browser', 'module', 'main'], logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

/** The host: what a device's firmware would implement in C around the engine. */
function hostFor(vm: QuickJSContext, pump: () => void) {
  const timers = new Map<number, NodeJS.Timeout>();
  const sockets = new Map<number, net.Socket>();
  let entry: QuickJSHandle | undefined;
  const call = (name: string, ...args: QuickJSHandle[]): void => {
    const fn = vm.getProp(entry!, name);
    const r = vm.callFunction(fn, entry!, ...args);
    fn.dispose();
    for (const a of args) a.dispose();
    vm.unwrapResult(r).dispose();
    pump();
  };
  const fns: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined> = {
    now: () => vm.newNumber(Date.now()),
    setTimer: (id, ms) => {
      const n = vm.getNumber(id!);
      timers.set(n, setTimeout(() => {
        timers.delete(n);
        call('timerFired', vm.newNumber(n));
      }, vm.getNumber(ms!)));
      return undefined;
    },
    clearTimer: (id) => {
      const n = vm.getNumber(id!);
      clearTimeout(timers.get(n));
      timers.delete(n);
      return undefined;
    },
    randomBytes: (n) => vm.newArrayBuffer(randomBytes(vm.getNumber(n!)).buffer),
    connect: (id, endpoint) => {
      const n = vm.getNumber(id!);
      const url = new URL(vm.getString(endpoint!));
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      sockets.set(n, socket);
      socket.on('connect', () => call('opened', vm.newNumber(n)));
      socket.on('data', (b: Buffer) => call('received', vm.newNumber(n), vm.newArrayBuffer(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))));
      socket.on('close', () => {
        if (sockets.delete(n)) call('closed', vm.newNumber(n));
      });
      socket.on('error', () => undefined);
      return undefined;
    },
    send: (id, bytes) => {
      const data = vm.getArrayBuffer(bytes!);
      sockets.get(vm.getNumber(id!))?.write(Buffer.from(data.value));
      data.dispose();
      return undefined;
    },
    close: (id) => {
      const n = vm.getNumber(id!);
      const socket = sockets.get(n);
      sockets.delete(n);
      socket?.end();
      return undefined;
    },
  };
  const raw = vm.newObject();
  for (const [name, fn] of Object.entries(fns)) {
    const h = vm.newFunction(name, fn);
    vm.setProp(raw, name, h);
    h.dispose();
  }
  return {
    raw,
    bind(handle: QuickJSHandle) {
      entry = handle;
    },
    open: () => ({ timers: timers.size, sockets: sockets.size }),
    shutdown() {
      for (const t of timers.values()) clearTimeout(t);
      for (const s of sockets.values()) s.destroy();
      entry?.dispose();
    },
  };
}

describe('runtime matrix: an embedded engine (QuickJS) hosting a device', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device] });
  });
  afterAll(() => platform.close());

  it('signs in over a host byte stream, posts properties, answers a service call from the platform and verifies firmware with the JS hashes', async () => {
    const code = await engineBundle();
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    const pump = (): void => {
      // Promise jobs run only when the host asks: after every call into the engine.
      for (;;) {
        const r = vm.runtime.executePendingJobs();
        const n = vm.unwrapResult(r);
        if (n === 0) break;
      }
    };
    const host = hostFor(vm, pump);
    try {
      const probe = vm.unwrapResult(vm.evalCode('[typeof TextEncoder, typeof setTimeout, typeof WebAssembly, typeof crypto].join()'));
      expect(vm.getString(probe)).toBe('undefined,undefined,undefined,undefined');
      probe.dispose();
      vm.unwrapResult(vm.evalCode(code)).dispose();
      const api = vm.getProp(vm.global, '__device');
      const attach = vm.getProp(api, 'attach');
      host.bind(vm.unwrapResult(vm.callFunction(attach, api, host.raw)));
      attach.dispose();
      host.raw.dispose();

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
      const run = vm.getProp(api, 'runDevice');
      const promise = vm.unwrapResult(vm.callFunction(run, api, params));
      run.dispose();
      params.dispose();
      const settled = vm.resolvePromise(promise);
      promise.dispose();
      pump();
      // The platform calls the device's service once it is online (offline answers come at once).
      let call: { status: string; code?: number; data?: unknown } = { status: 'offline' };
      for (const deadline = Date.now() + 20_000; call.status !== 'replied' && Date.now() < deadline;) {
        call = await platform.invokeService(device.productKey, device.deviceName, 'echo', { color: 'red', level: 3 }, { timeoutMs: 5000 });
        if (call.status !== 'replied') await new Promise((r) => setTimeout(r, 50));
      }
      expect(call).toMatchObject({ status: 'replied', code: 200, data: { color: 'red', level: 3, engine: 'quickjs' } });
      const outcome = vm.unwrapResult(await settled);
      const result = vm.dump(outcome) as DeviceOutcome;
      outcome.dispose();
      api.dispose();
      expect(result).toEqual({ lifecycle: ['connected', 'closed'], reply: { code: 200 }, served: { color: 'red', level: 3 }, firmware: 'activated 2.0.1' });
      // The device disconnected: the engine holds no timer and no stream, the host no socket.
      await new Promise((r) => setTimeout(r, 50));
      expect(host.open()).toEqual({ timers: 0, sockets: 0 });
    } finally {
      host.shutdown();
      vm.dispose();
    }
  }, 60_000);
});
