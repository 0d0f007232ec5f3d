// A process restart with the file store: a child process publishes QoS 1 messages that no
// broker acknowledges and is killed with SIGKILL; a new client on the same file sends every one
// of them, in order, with DUP set, to a real broker (mosquitto), and the store empties.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import type { PublishPacket } from '@linkwire/mqtt';
import { createNodeMqttClient, fileStore } from '@linkwire/node';
import { startMosquitto, type TestBroker } from '../support/brokers.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';

const root = new URL('../..', import.meta.url).pathname;
let mosquitto: TestBroker;
let dir = '';

beforeAll(async () => {
  mosquitto = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'linkwire-restart-'));
});
afterAll(async () => {
  await mosquitto?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A broker that accepts CONNECT and then never acknowledges anything. */
async function silentBroker(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.write(Uint8Array.from([0x20, 0x02, 0x00, 0x00])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('the MQTT client across a process restart', () => {
  it('sends what a killed process left unacknowledged in its file store', async () => {
    // The child runs from a bundle beside node_modules, so `ws` resolves as it would for a user.
    const outdir = join(root, 'node_modules', '.cache', 'linkwire-test');
    mkdirSync(outdir, { recursive: true });
    const entry = join(outdir, `store-child-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, 'test/integration/fixtures/store-child.ts')], bundle: true, platform: 'node', format: 'esm',
      target: 'node20', outfile: entry, external: ['ws'], conditions: ['@linkwire/source'], logLevel: 'silent',
    });
    const silent = await silentBroker();
    const path = join(dir, 'outgoing.log');
    const child = spawn(process.execPath, [entry, path, String((silent.address() as net.AddressInfo).port), '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child did not get ready')), 15_000);
        child.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('READY')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`the child exited early (${code})`)));
      });
    } finally {
      child.kill('SIGKILL');
      silent.close();
      rmSync(entry, { force: true });
    }

    const got: PublishPacket[] = [];
    const sub = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port: mosquitto.port }, credentials: { clientId: 'restart-sub' }, onMessage: (m) => got.push(m) });
    await sub.subscribe([{ topic: 'restart/#', qos: 1 }]);
    const store = fileStore(path);
    // Through the (fault-free) proxy, which counts what the client sends with DUP.
    const proxy = await startFaultProxy(mosquitto.port);
    const client = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port: proxy.port }, credentials: { clientId: 'restart-parent' }, store });
    try {
      await client.publish('restart/t', 'after', { qos: 1 });
      const deadline = Date.now() + 10_000;
      while (got.length < 51 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got.map((m) => utf8Decode(m.payload))).toEqual([...Array.from({ length: 50 }, (_, i) => `before-${i}`), 'after']);
      expect(store.size).toBe(0);
      expect(proxy.publishes).toEqual({ dup: 50, fresh: 1 });
    } finally {
      await client.end();
      await sub.end();
      await proxy.close();
    }
  });
});
