import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { expectAllPassed } from './expect-all.ts';
import type { FlowResult } from './device-flow.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bun = `${root}node_modules/.bin/bun`;
// Bun runs the TypeScript sources through the same export condition as vitest and tsc.
const bunArgs = ['--conditions=@linkwire/source'];
const device = { productKey: 'a1BunPk0001', deviceName: 'bun-device-1', deviceSecret: 'bun-secret-1' };

function requireBun(): void {
  if (!existsSync(bun)) throw new Error('Bun is missing: it comes from the npm package "bun" (npm ci installs it)');
}

describe('runtime matrix: Bun', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device], websocket: true });
  });
  afterAll(() => platform.close());

  it('runs every conformance case on the TypeScript sources', () => {
    requireBun();
    const r = spawnSync(bun, [...bunArgs, 'test/runtime/bun-main.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runtime: string; results: [] };
    expect(out.runtime).toMatch(/^bun 1\./);
    expectAllPassed('Bun', out.results);
  }, 180_000);

  it('a device signs in, posts properties and is refused with a wrong secret: over Bun WebSocket (web adapter) and Bun node:net (node adapter)', async () => {
    requireBun();
    // Asynchronous on purpose: the emulator runs in this process and must keep serving.
    const r = await promisify(execFile)(bun, [
      ...bunArgs, 'test/runtime/bun-device.ts',
      `ws://127.0.0.1:${platform.wsPort}/mqtt`, String(platform.port), device.productKey, device.deviceName, device.deviceSecret,
    ], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { web: FlowResult; node: FlowResult };
    expect(out.web).toEqual({ connack: 0, granted: [1], reply: { id: '77', code: 200 }, refused: expect.stringMatching(/bad username or password/) });
    expect(out.node).toEqual({ connack: 0, granted: [1], reply: { id: '78', code: 200 }, refused: expect.stringMatching(/bad username or password/) });
  }, 90_000);
});
