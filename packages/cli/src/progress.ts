import type { CliIo } from './cli.ts';

export interface Progress {
  /** The count of bytes done so far (absolute, so a resumed run starts where it left off). */
  update(done: number): void;
  /** The last line: the bar at its final state (terminal) or a summary line (pipe). */
  finish(outcome: string): void;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '--:--';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * A progress display for byte streams on stderr. On a terminal: one line redrawn at most ten
 * times a second, `label [#####·····] 45% 12.0 MiB/27.0 MiB 85.2 MiB/s ETA 0:02`. Elsewhere
 * (a pipe, a CI log): a plain line at every tenth of the way (or every 5 s when the total is
 * unknown), so logs stay readable and small.
 */
export function createProgress(io: CliIo, label: string, total: number | undefined, start: number, now: () => number = () => performance.now()): Progress {
  const t0 = now();
  const base = start;
  let lastDraw = -Infinity;
  let lastDecile = total ? Math.floor((start / total) * 10) : 0;
  let lastPlain = t0;
  let current = start;
  const tty = io.stderrIsTty;

  const stats = () => {
    const elapsed = Math.max(1, now() - t0);
    const rate = ((current - base) / elapsed) * 1000;
    const eta = total !== undefined && rate > 0 ? ((total - current) / rate) * 1000 : Infinity;
    return { rate, eta, elapsed };
  };
  const line = () => {
    const { rate, eta } = stats();
    const pct = total ? Math.min(100, Math.floor((current / total) * 100)) : undefined;
    const amount = total !== undefined ? `${formatBytes(current)}/${formatBytes(total)}` : formatBytes(current);
    const speed = `${formatBytes(rate)}/s`;
    if (!tty) return `${label}: ${pct !== undefined ? `${pct}% ` : ''}${amount}, ${speed}${total !== undefined ? `, ETA ${formatDuration(eta)}` : ''}`;
    const tail = ` ${pct !== undefined ? `${String(pct).padStart(3)}% ` : ''}${amount} ${speed}${total !== undefined ? ` ETA ${formatDuration(eta)}` : ''}`;
    // A fixed width for the numbers after the bar, so the bar does not jump as they change.
    const room = Math.max(10, Math.min(40, io.columns - label.length - Math.max(tail.length, 52) - 4));
    const filled = total ? Math.round((current / total) * room) : 0;
    const bar = total !== undefined ? ` [${'#'.repeat(filled)}${'·'.repeat(room - filled)}]` : '';
    return `${label}${bar}${tail}`;
  };
  return {
    update(done) {
      current = done;
      const t = now();
      if (tty) {
        if (t - lastDraw < 100) return;
        lastDraw = t;
        io.errRaw(`\r${line()}\x1b[K`);
        return;
      }
      if (total) {
        const decile = Math.floor((current / total) * 10);
        if (decile > lastDecile && decile < 10) {
          lastDecile = decile;
          io.err(line());
        }
      } else if (t - lastPlain >= 5000) {
        lastPlain = t;
        io.err(line());
      }
    },
    finish(outcome) {
      const { rate, elapsed } = stats();
      if (tty) io.errRaw(`\r${line()}\x1b[K\n`);
      io.err(`${label}: ${outcome}: ${formatBytes(current - base)} in ${(elapsed / 1000).toFixed(2)} s (${formatBytes(rate)}/s)`);
    },
  };
}
