/**
 * `npm run fuzz` itself, briefly: the decoder pass over one package (case counts, the families
 * table, the cost slopes) and the exit code. The long run is documented in README.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm run fuzz', () => {
  it('drives each decoder to its case count (generative, then mutation), measures the cost slopes and exits 0 when only typed errors escape', () => {
    const r = spawnSync(process.execPath, ['scripts/fuzz.mjs', '--decoders-only', '--decoder-cases', '600', '--generative', '200', '--cases-of', 'mqtt.createPacketParser=300', '--seed', '7', 'mqtt'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/pass 2: 2 decoders in 1 families, 600 cases per decoder \(200 generative, 400 mutation\), mqtt\.createPacketParser 300/);
    expect(r.stdout).toMatch(/\| MQTT \| 2 \| 400 \| 500 \| 300 \|/);
    // Both MQTT decoders have sized inputs: three sizes and a judged slope each.
    expect(r.stdout).toMatch(/\| MQTT \| mqtt\.decodePacket \| 200 \| 400 \| 600 \| \d+ \| [\d,]+ \| 0 \| 0 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| returned \|/);
    expect(r.stdout).toMatch(/0 problems/);
  }, 300_000);
});
