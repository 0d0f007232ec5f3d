import { registerNodeHash } from '@linkwire/node';
import type { CliIo } from './cli.ts';
import { runCli } from './main.ts';

/**
 * The process around {@link runCli}: real streams, SIGINT/SIGTERM turned into an abort signal
 * (a second signal exits at once with 130), node:crypto as the hash backend, and an exit only
 * after stdout has drained, so `linkwire … | head` and redirected output lose nothing.
 */
export async function main(argv: readonly string[]): Promise<void> {
  registerNodeHash();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`| head`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const io: CliIo = {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    errRaw: (text) => void process.stderr.write(text),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    get columns() {
      return process.stderr.columns ?? 80;
    },
    env: process.env,
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const b = Buffer.concat(chunks);
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    },
    signal: controller.signal,
    now: () => Date.now(),
  };
  const code = await runCli(argv, io);
  await new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', resolve) : resolve()));
  process.exit(code);
}
