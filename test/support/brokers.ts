// Real brokers for client tests: aedes in-process and Debian mosquitto in a child process
// (with persistence, restartable on the same port), both on 127.0.0.1 with ephemeral ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface TestBroker {
  readonly port: number;
  /** mosquitto's directory (config, persistence database); empty for aedes. */
  readonly dir: string;
  /** Stops the broker (mosquitto: SIGTERM, which writes its persistence file) and starts it again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** mosquitto with persistence on, so a restart keeps sessions and queued QoS 1 messages. */
export async function startMosquitto(extraConfig = ''): Promise<TestBroker> {
  if (!existsSync(MOSQUITTO)) throw new Error('mosquitto is missing: install the Debian package "mosquitto" (npm test does this when run as root)');
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-mosquitto-'));
  // Started as root, mosquitto drops to its own user: it must be able to write its database here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true',
    'persistence true', `persistence_location ${dir}/`, 'autosave_interval 60',
    // Queue without limit for offline persistent subscribers: the test counts every message.
    'max_queued_messages 0', 'max_inflight_messages 100', extraConfig,
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    dir,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * aedes in this process; a restart is a new broker (its in-memory sessions are gone). `options`
 * are aedes's own (an `authenticate` hook…); `aedes` is the running instance, for event hooks.
 */
export async function startAedes(options: AedesOptions = {}): Promise<TestBroker & { readonly aedes: Aedes }> {
  const port = await freePort();
  let broker: Aedes | undefined;
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const start = async (): Promise<void> => {
    const b = await Aedes.createBroker(options);
    broker = b;
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      b.handle(socket);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  };
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
  };
  await start();
  return {
    port,
    dir: '',
    get aedes() {
      return broker!;
    },
    async restart() {
      await stop();
      await start();
    },
    close: stop,
  };
}
