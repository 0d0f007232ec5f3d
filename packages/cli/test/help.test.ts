import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli.ts';
import { allCommands, runCli } from '../src/main.ts';
import { run } from './support.ts';

/** runCli in this process, for checks that would otherwise spawn the bin two dozen times. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (l) => void (stdout += `${l}\n`), err: (l) => void (stderr += `${l}\n`), errRaw: (t) => void (stderr += t),
    stdoutIsTty: false, stderrIsTty: false, columns: 80, env: {}, cwd: process.cwd(),
    readStdin: async () => new Uint8Array(0), signal: new AbortController().signal, now: () => 0,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const visible = allCommands().filter((c) => !c.hidden).map((c) => c.spec.name);

async function inBatches<T, R>(items: readonly T[], size: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}

describe('linkwire: help, usage errors and exit codes (the real bin)', () => {
  it('lists every command with its summary and the exit codes', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const name of visible) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain('Exit codes: 0 ok · 1 check failed');
    expect(r.stdout).not.toContain('__fleet-platform');
  });

  it('every command answers --help on stdout with exit 0: usage, options, exit codes', async () => {
    const results = [];
    for (const name of visible) results.push({ name, r: await inProcess([...name.split(' '), '--help']) });
    for (const { name, r } of results) {
      expect(r.code, name).toBe(0);
      expect(r.stderr, name).toBe('');
      expect(r.stdout, name).toContain(`Usage:\n  linkwire ${name}`);
      expect(r.stdout, name).toContain('--json');
      expect(r.stdout, name).toContain('Exit codes:');
    }
  });

  it('the bin answers --help for one command of each group', async () => {
    const sample = ['sign mqtt', 'verify mqtt', 'decode', 'tsl check', 'firmware verify', 'device', 'fleet', 'fleet merge', 'demo'];
    const results = await inBatches(sample, 3, async (name) => ({ name, r: await run([...name.split(' '), '--help']) }));
    for (const { name, r } of results) {
      expect(r.code, name).toBe(0);
      expect(r.stderr, name).toBe('');
      expect(r.stdout, name).toContain(`Usage:\n  linkwire ${name}`);
    }
  }, 60_000);

  it('no command is a usage error (2) that shows the help; a group alone lists its subcommands', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: linkwire <command>');
    const group = await run(['firmware']);
    expect(group.code).toBe(2);
    expect(group.stdout).toContain('firmware verify');
    expect(group.stdout).toContain('firmware sign');
  });

  it('an unknown command or option exits 2 and says what to do instead', async () => {
    const cmd = await run(['sing', 'mqtt']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain('unknown command "sing"');
    expect(cmd.stderr).toContain('`linkwire sign`');
    const sub = await run(['sign', 'mqqt']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown command "sign mqqt"');
    const opt = await run(['sign', 'mqtt', '--device-secrte', 'x']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("unknown option '--device-secrte'");
    expect(opt.stderr).toContain('linkwire sign mqtt --help');
    const missing = await run(['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'device']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--device-secret is required');
  });

  it('--json errors are one JSON document on stdout with the exit code and a hint', async () => {
    const r = await run(['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'dev', '--device-secret', 's', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { exitCode: number; message: string; hint: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(2);
    expect(doc.error.message).toContain('deviceName "dev" is invalid');
    expect(doc.error.hint).toBe('fix --device-name');
  });

  it('--version prints the version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
