/**
 * The host side of the QuickJS legs (quickjs-device.test.ts, quickjs-enos.test.ts): Node plays
 * the firmware around a QuickJS engine, giving it seven functions (clock, timers, random bytes,
 * byte streams over real TCP sockets) and nothing else; promise jobs run when the host asks.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { build } from 'esbuild';
import { getQuickJS, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';

/** The engine flow `entry` (a file beside this one) bundled as an IIFE exposing `__device`. */
export async function engineBundle(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true, write: false, format: 'iife', globalName: '__device', platform: 'neutral', target: 'es2022',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'], mainFields: ['browser', 'module', 'main'], logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

/** The host: what a device's firmware would implement in C around the engine. */
export function hostFor(vm: QuickJSContext, pump: () => void) {
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

export interface Engine {
  readonly vm: QuickJSContext;
  readonly api: QuickJSHandle;
  readonly host: ReturnType<typeof hostFor>;
  /** What the engine offers of its own before the host adds anything (all `undefined` in QuickJS). */
  readonly globals: string;
  pump(): void;
  /** Calls `__device[name](params)` (params disposed) and resolves with the settled promise's value, dumped. */
  run(name: string, params: QuickJSHandle): Promise<unknown>;
  dispose(): void;
}

/** A fresh engine with the host bound and the bundle's `__device` API attached. */
export async function startEngine(entry: string): Promise<Engine> {
  const code = await engineBundle(entry);
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
  const probe = vm.unwrapResult(vm.evalCode('[typeof TextEncoder, typeof setTimeout, typeof WebAssembly, typeof crypto].join()'));
  const globals = vm.getString(probe);
  probe.dispose();
  vm.unwrapResult(vm.evalCode(code)).dispose();
  const api = vm.getProp(vm.global, '__device');
  const attach = vm.getProp(api, 'attach');
  host.bind(vm.unwrapResult(vm.callFunction(attach, api, host.raw)));
  attach.dispose();
  host.raw.dispose();
  return {
    vm, api, host, pump, globals,
    async run(name, params) {
      const fn = vm.getProp(api, name);
      const promise = vm.unwrapResult(vm.callFunction(fn, api, params));
      fn.dispose();
      params.dispose();
      const settled = vm.resolvePromise(promise);
      promise.dispose();
      pump();
      const outcome = vm.unwrapResult(await settled);
      const value = vm.dump(outcome) as unknown;
      outcome.dispose();
      return value;
    },
    dispose() {
      api.alive && api.dispose();
      host.shutdown();
      vm.dispose();
    },
  };
}
