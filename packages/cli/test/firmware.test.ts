import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, run, runInTerminal, tempDir } from './support.ts';

const dir = tempDir();
const image = join(dir, 'fw-2.1.0.bin');
const SIZE = 3 * 1024 * 1024 + 17;
writeFileSync(image, randomBytes(SIZE));
const sha256 = createHash('sha256').update(readFileSync(image)).digest('hex');
const md5 = createHash('md5').update(readFileSync(image)).digest('hex');

describe('linkwire firmware verify', () => {
  it('accepts a good image by SHA-256 and by MD5 (exit 0)', async () => {
    const r = await run(['firmware', 'verify', image, '--sha256', sha256, '--size', String(SIZE)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`OK  ${image}: ${SIZE} bytes, sha256 ${sha256}\n`);
    const m = await run(['firmware', 'verify', image, '--md5', md5.toUpperCase(), '--json']);
    expect(m.code).toBe(0);
    expect(json(m)).toMatchObject({ ok: true, method: 'md5', digest: md5, bytes: SIZE });
  });

  it('refuses an image with one flipped bit: digest mismatch, progress step -3, exit 1', async () => {
    const flipped = join(dir, 'flipped.bin');
    const bytes = readFileSync(image);
    bytes[123_457]! ^= 0x10;
    writeFileSync(flipped, bytes);
    const r = await run(['firmware', 'verify', flipped, '--sha256', sha256, '--size', String(SIZE)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED');
    expect(r.stdout).toContain('the sha256 digest differs');
    expect(r.stdout).toContain('[digest_mismatch, report progress step -3]');
  });

  it('refuses a truncated image (size_short) and resumes from the saved state once the rest arrives', async () => {
    const partial = join(dir, 'partial.bin');
    const state = join(dir, 'fw.state');
    copyFileSync(image, partial);
    truncateSync(partial, 1_000_000);
    const short = await run(['firmware', 'verify', partial, '--sha256', sha256, '--size', String(SIZE), '--state', state]);
    expect(short.code).toBe(1);
    expect(short.stdout).toContain(`the image is 1000000 bytes, ${SIZE - 1_000_000} short of --size ${SIZE}`);
    expect(short.stdout).toContain(`run again with --resume --state ${state}`);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ format: 'linkwire-ota-verifier/1', received: 1_000_000 });
    // The download completes: the same file, now whole.
    copyFileSync(image, partial);
    const resumed = await run(['firmware', 'verify', partial, '--sha256', sha256, '--size', String(SIZE), '--state', state, '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(resumed)).toMatchObject({ ok: true, bytes: SIZE, resumedAt: 1_000_000 });
  });

  it('stops cleanly on Ctrl-C, saves its state, and a resumed run finishes the job', async () => {
    const state = join(dir, 'interrupted.state');
    const r = await run(['firmware', 'verify', image, '--sha256', sha256, '--size', String(SIZE), '--state', state, '--limit-rate', '1M'], {
      // Ctrl-C once the first tenth has been verified (a line on stderr), however slow the start.
      onStderr: (err, child) => {
        if (/verify fw-2\.1\.0\.bin: \d+%/.test(err) && !child.killed) child.kill('SIGINT');
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('INTERRUPTED');
    expect(existsSync(state)).toBe(true);
    const at = (JSON.parse(readFileSync(state, 'utf8')) as { received: number }).received;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(SIZE);
    const done = await run(['firmware', 'verify', image, '--sha256', sha256, '--size', String(SIZE), '--state', state, '--resume']);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain(`resuming at byte ${at}`);
    expect(done.stdout).toContain(`(resumed at byte ${at})`);
  });

  it('refuses a state made for another image and a digest of the wrong length', async () => {
    const state = join(dir, 'other.state');
    const partial = join(dir, 'p2.bin');
    copyFileSync(image, partial);
    truncateSync(partial, 10);
    await run(['firmware', 'verify', partial, '--sha256', sha256, '--size', String(SIZE), '--state', state]);
    const other = await run(['firmware', 'verify', image, '--md5', md5, '--size', String(SIZE), '--state', state, '--resume']);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('belongs to another download');
    const len = await run(['firmware', 'verify', image, '--sha256', 'abc']);
    expect(len.code).toBe(2);
  });

  it('draws a progress bar with throughput and ETA in a terminal, and plain lines in a pipe', async () => {
    const tty = await runInTerminal(['firmware', 'verify', image, '--sha256', sha256, '--size', String(SIZE), '--limit-rate', '4M']);
    expect(tty.code).toBe(0);
    // Redrawn in place: carriage returns, a bar, percent, bytes, rate, ETA, erase-to-end-of-line.
    expect(tty.stdout).toMatch(/\rverify fw-2\.1\.0\.bin \[#+·*\] +\d+% [\d.]+ (KiB|MiB)\/3\.00 MiB [\d.]+ (KiB|MiB)\/s ETA \d+:\d\d\x1b\[K/);
    expect(tty.stdout).toContain('verify fw-2.1.0.bin: verified: 3.00 MiB in');
    const piped = await run(['firmware', 'verify', image, '--sha256', sha256, '--size', String(SIZE), '--limit-rate', '4M']);
    expect(piped.stderr).not.toContain('\r');
    expect(piped.stderr).not.toContain('\x1b[');
    const lines = piped.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines[0]).toMatch(/^verify fw-2\.1\.0\.bin: \d+% [\d.]+ (KiB|MiB)\/3\.00 MiB, [\d.]+ (KiB|MiB)\/s, ETA \d+:\d\d$/);
  });
});

describe('linkwire firmware sign', () => {
  it('prints size and digests, and the upgrade push that decodes back', async () => {
    const r = await run(['firmware', 'sign', image, '--version', '2.1.0', '--url', 'https://ota.example.com/fw-2.1.0.bin', '--json']);
    expect(r.code).toBe(0);
    const d = json<{ size: number; md5: string; sha256: string; upgradePush: { code: string; data: Record<string, unknown> } }>(r);
    expect(d).toMatchObject({ size: SIZE, md5, sha256 });
    expect(d.upgradePush.code).toBe('1000');
    expect(d.upgradePush.data).toMatchObject({ version: '2.1.0', size: SIZE, signMethod: 'SHA256', sign: sha256 });
    const decoded = await run(['decode', '/ota/device/upgrade/a1B2c3D4e5F/device1', JSON.stringify(d.upgradePush)]);
    expect(decoded.code).toBe(0);
  });
});
