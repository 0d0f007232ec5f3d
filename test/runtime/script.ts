// Runs a flow script in Deno or Bun as a child process and reads the JSON line it ends with.
// Asynchronous on purpose: the platform under test runs in the vitest process and must keep serving.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ScriptOptions {
  /** Deno only: the loopback ports the script may reach; it gets no other permission. */
  readonly allowPorts?: readonly number[];
  readonly timeoutMs?: number;
}

/** `script` is relative to the repository root; the result is the last line of its stdout, parsed. */
export async function runScript<T>(runtime: 'deno' | 'bun', script: string, args: readonly string[], options: ScriptOptions = {}): Promise<T> {
  const argv = runtime === 'deno'
    ? ['run', '--no-prompt', '--quiet', ...(options.allowPorts ? [`--allow-net=${options.allowPorts.map((p) => `127.0.0.1:${p}`).join(',')}`] : []), script, ...args]
    : ['--conditions=@linkwire/source', script, ...args];
  const r = await promisify(execFile)(`${root}node_modules/.bin/${runtime}`, argv, {
    cwd: root, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
