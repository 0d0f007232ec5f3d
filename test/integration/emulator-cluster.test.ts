// Issue 20, cluster mode: two emulator processes on one Debian redis-server act as one platform.
// A device connected to process A answers a service call issued through process B's cloud-side
// API and through B's admin HTTP API; shadow writes issued through both at once are ordered by version with none lost
// (aliyun-iot-platform-device-guide.txt §7: a write is accepted only above the document's
// version, else 409); what a device posts on A is seen from B.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttCredentials } from '@linkwire/sign';
import { PlatformStoreError, startEmulator } from '@linkwire/emulator';
import { mqttJsDevice, until } from '../support/mqttjs-device.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';

const root = new URL('../..', import.meta.url).pathname;
const D = { productKey: 'a1ClusPk001', deviceName: 'cluster-dev-1', deviceSecret: 'cluster-secret-1' };
const FRESH = { productKey: 'a1ClusPk001', deviceName: 'cluster-dev-2', deviceSecret: 'cluster-secret-2' };

interface Node {
  readonly port: number;
  readonly adminUrl: string;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  readonly child: ChildProcess;
}

let redis: RedisServer;
let entry: string;
const nodes: Node[] = [];

async function startNode(prefix: string): Promise<Node> {
  const child = fork(entry, [redis.url, prefix, JSON.stringify([D, FRESH])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port, adminUrl } = await new Promise<{ port: number; adminUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator process did not get ready')), 15_000);
    child.once('message', (m: { port: number; adminUrl: string }) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`the emulator process exited with ${code}`)));
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  });
  const node: Node = {
    port, adminUrl, child,
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args });
      }),
  };
  nodes.push(node);
  return node;
}

beforeAll(async () => {
  redis = await startRedis();
  // The processes run a bundle of the emulator's sources placed beside node_modules.
  const outdir = join(root, 'node_modules', '.cache', 'linkwire-test');
  mkdirSync(outdir, { recursive: true });
  entry = join(outdir, `cluster-node-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, 'test/integration/fixtures/cluster-node.ts')], bundle: true, platform: 'node', format: 'esm',
    target: 'node20', outfile: entry, conditions: ['@linkwire/source'], logLevel: 'silent',
    // The project's packages from their sources, npm packages (ioredis, ws) from node_modules.
    plugins: [{ name: 'npm-external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true })) }],
  });
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => (n.child.exitCode === null ? n.call('close').catch(() => undefined) : undefined)));
  await redis?.stop();
});

describe('cluster mode (two processes, one Redis)', () => {
  it('a device on process A answers a service call issued through process B, and B sees what A holds', async () => {
    const a = await startNode('t1');
    const b = await startNode('t1');
    const device = await mqttJsDevice(`mqtt://127.0.0.1:${a.port}`, mqttCredentials({ ...D, secureMode: 3 }));
    expect(device.error).toBeUndefined();
    const service = `/sys/${D.productKey}/${D.deviceName}/thing/service/Reboot`;
    await device.m.subscribeAsync(service, { qos: 1 });
    device.m.on('message', (topic, payload) => {
      if (topic !== service) return;
      const { id } = JSON.parse(payload.toString()) as { id: string };
      device.m.publish(`${service}_reply`, JSON.stringify({ id, code: 200, data: { rebooted: true } }), { qos: 1 });
    });
    // B learns of the connection on A (presence is announced through Redis).
    let status: { online: boolean } | undefined;
    for (let i = 0; i < 100 && status?.online !== true; i++) {
      status = await b.call<{ online: boolean }>('device', D.productKey, D.deviceName);
      if (status?.online !== true) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status?.online).toBe(true);
    const r = await b.call<{ status: string; code: number; data: unknown }>('invokeService', D.productKey, D.deviceName, 'Reboot', { delay: 1 }, { timeoutMs: 3000 });
    expect(r).toMatchObject({ status: 'replied', code: 200, data: { rebooted: true } });
    // The same call through B's admin HTTP API (issue 20: any process's admin API reaches any device).
    const viaAdmin = await fetch(`${b.adminUrl}api/devices/${D.productKey}/${D.deviceName}/services/Reboot`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { delay: 2 } }),
    });
    const adminBody = await viaAdmin.json() as unknown;
    expect(viaAdmin.status).toBe(200);
    expect(adminBody).toMatchObject({ status: 'replied', code: 200, data: { rebooted: true } });

    // A property post answered on A is part of the device's state on B.
    const post = `/sys/${D.productKey}/${D.deviceName}/thing/event/property/post`;
    device.m.publish(post, JSON.stringify({ id: '7', version: '1.0', params: { temperature: 22.5 }, method: 'thing.event.property.post' }), { qos: 1 });
    await until(() => device.messages.some((m) => m.topic === `${post}_reply`) || true, 200);
    let seen: { properties: Record<string, { value: unknown }> } | undefined;
    for (let i = 0; i < 100 && seen?.properties['temperature'] === undefined; i++) {
      await a.call('flushState');
      seen = await b.call('device', D.productKey, D.deviceName);
    }
    expect(seen?.properties['temperature']?.value).toBe(22.5);

    // The same device connecting to B takes over: A's connection is closed (seed §3.1).
    const again = await mqttJsDevice(`mqtt://127.0.0.1:${b.port}`, mqttCredentials({ ...D, secureMode: 3 }));
    expect(again.error).toBeUndefined();
    await until(() => device.isClosed(), 3000);
    expect(device.isClosed()).toBe(true);
    // Disabled through A while connected to B: told on B, then B ends its connection (seed §9.7),
    // and neither process lets it back in.
    const disable = `/sys/${D.productKey}/${D.deviceName}/thing/disable`;
    await again.m.subscribeAsync(disable, { qos: 1 });
    again.m.on('message', (topic, payload) => {
      if (topic === disable) again.m.publish(`${disable}_reply`, JSON.stringify({ id: (JSON.parse(payload.toString()) as { id: string }).id, code: 200, data: {} }), { qos: 1 });
    });
    const disabled = await a.call<{ status: string; code: number }>('disableDevice', D.productKey, D.deviceName, { timeoutMs: 3000 });
    expect(disabled).toMatchObject({ status: 'replied', code: 200 });
    await until(() => again.isClosed(), 3000);
    expect(again.isClosed()).toBe(true);
    await a.call('flushState');
    for (const port of [a.port, b.port]) {
      let refused: { error: (Error & { code?: number }) | undefined } | undefined;
      for (let i = 0; i < 50 && refused?.error === undefined; i++) {
        const attempt = await mqttJsDevice(`mqtt://127.0.0.1:${port}`, mqttCredentials({ ...D, secureMode: 3 }));
        await attempt.end();
        refused = attempt;
        if (attempt.error === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(refused?.error?.code).toBe(5); // a disabled device: CONNACK 5 (README, Refusals)
    }
    await again.end();
    await device.end();
  }, 30_000);

  it('orders shadow writes issued through both processes at once by version, none lost', async () => {
    const a = await startNode('t2');
    const b = await startNode('t2');
    const device = await mqttJsDevice(`mqtt://127.0.0.1:${a.port}`, mqttCredentials({ ...FRESH, secureMode: 3 }));
    const get = `/shadow/get/${FRESH.productKey}/${FRESH.deviceName}`;
    await device.m.subscribeAsync(get, { qos: 1 });
    // Versions 1..40 from applications, odd ones through A and even ones through B, all at once.
    const APP = 40;
    const OWN = 10;
    const N = APP + OWN;
    // The device's own writes (reported, versions 41..50) through A's MQTT, at the same time.
    for (let v = APP + 1; v <= N; v++) device.m.publish(`/shadow/update/${FRESH.productKey}/${FRESH.deviceName}`, JSON.stringify({ method: 'update', state: { reported: { [`r${v}`]: v } }, version: v }), { qos: 1 });
    await Promise.all(Array.from({ length: APP }, (_, i) => {
      const v = i + 1;
      return (v % 2 === 1 ? a : b).call('updateShadow', FRESH.productKey, FRESH.deviceName, { method: 'update', state: { desired: { [`k${v}`]: v } }, version: v });
    }));
    // Every write is answered once: accepted with its version, or refused with 409 (a newer one came first).
    // A desired write also pushes `control` on the same topic: the replies are the `reply` messages.
    const repliesNow = () => device.messages.filter((m) => m.topic === get).map((m) => JSON.parse(m.payload) as { method: string; payload: { status: string; version?: number; content?: { errorcode: string } } }).filter((m) => m.method === 'reply');
    await until(() => repliesNow().length >= N, 5000);
    const replies = repliesNow();
    expect(replies).toHaveLength(N);
    const accepted = replies.filter((r) => r.payload.status === 'success').map((r) => r.payload.version!);
    const refused = replies.filter((r) => r.payload.status === 'error');
    expect(accepted.length + refused.length).toBe(N);
    for (const r of refused) expect(r.payload.content?.errorcode).toBe('409');
    expect(new Set(accepted).size).toBe(accepted.length);
    // Both processes hold the same document: the highest version, with every accepted write's attribute.
    const expected = Object.fromEntries(accepted.filter((v) => v <= APP).map((v) => [`k${v}`, v]));
    const expectedReported = Object.fromEntries(accepted.filter((v) => v > APP).map((v) => [`r${v}`, v]));
    for (const node of [a, b]) {
      let doc: { version: number; state: { desired?: Record<string, unknown>; reported?: Record<string, unknown> } } | undefined;
      for (let i = 0; i < 100; i++) {
        doc = await node.call('shadow', FRESH.productKey, FRESH.deviceName);
        if (doc?.version === Math.max(...accepted)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(doc?.version).toBe(Math.max(...accepted));
      expect(doc?.state.desired ?? {}).toEqual(expected);
      expect(doc?.state.reported ?? {}).toEqual(expectedReported);
    }
    expect(accepted).toContain(N);
    expect(accepted.length).toBeGreaterThan(1);
    await device.end();
  }, 30_000);

  it('carries on after Redis restarts empty: presence announced again, a process started afterwards reaches the device', async () => {
    const a = await startNode('t3');
    const b = await startNode('t3');
    const device = await mqttJsDevice(`mqtt://127.0.0.1:${a.port}`, mqttCredentials({ ...FRESH, secureMode: 3 }));
    const service = `/sys/${FRESH.productKey}/${FRESH.deviceName}/thing/service/Ping`;
    await device.m.subscribeAsync(service, { qos: 1 });
    device.m.on('message', (topic, payload) => {
      if (topic === service) device.m.publish(`${service}_reply`, JSON.stringify({ id: (JSON.parse(payload.toString()) as { id: string }).id, code: 200, data: {} }), { qos: 1 });
    });
    const call = () => b.call<{ status: string; code?: number }>('invokeService', FRESH.productKey, FRESH.deviceName, 'Ping', {}, { timeoutMs: 1000 });
    let r = { status: 'offline' } as { status: string; code?: number };
    for (let i = 0; i < 50 && r.status !== 'replied'; i++) r = await call();
    expect(r).toMatchObject({ status: 'replied', code: 200 });
    await redis.restart();
    // Once A is back on the new, empty Redis it announces its device again: a process started
    // only now (C) learns from Redis where the device is, and reaches it.
    const c = await startNode('t3');
    r = { status: 'offline' };
    for (let i = 0; i < 50 && r.status !== 'replied'; i++) {
      r = await c.call<{ status: string; code?: number }>('invokeService', FRESH.productKey, FRESH.deviceName, 'Ping', {}, { timeoutMs: 1000 });
      if (r.status !== 'replied') await new Promise((res) => setTimeout(res, 100));
    }
    expect(r).toMatchObject({ status: 'replied', code: 200 });
    expect((await call()).status).toBe('replied');
    await b.call('updateShadow', FRESH.productKey, FRESH.deviceName, { method: 'update', state: { desired: { after: 1 } }, version: 1 });
    let doc: { state: { desired?: Record<string, unknown> } } | undefined;
    for (let i = 0; i < 50 && doc?.state.desired?.['after'] !== 1; i++) {
      doc = await a.call('shadow', FRESH.productKey, FRESH.deviceName);
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(doc?.state.desired).toEqual({ after: 1 });
    await device.end();
  }, 30_000);

  it('refuses to start without its Redis: a PlatformStoreError with code io', async () => {
    const e = await startEmulator({ devices: [D], redis: join(root, 'no-such-redis.sock') }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(PlatformStoreError);
    expect((e as PlatformStoreError).code).toBe('io');
    expect((e as Error).message).toMatch(/cannot reach Redis/);
  });
});
