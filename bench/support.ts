/**
 * A small layer over tinybench: run named tasks in one process and print ops/s and the ratio
 * of each task to the baseline (the first task), so README numbers come from one run.
 */
import { Bench } from 'tinybench';

export interface BenchTask {
  readonly name: string;
  readonly fn: () => unknown;
}

export interface BenchRow {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly ratio: number;
}

export async function compare(title: string, tasks: readonly BenchTask[], options?: { time?: number; bytesPerOp?: number }): Promise<BenchRow[]> {
  const bench = new Bench({ time: options?.time ?? 500, warmupTime: 100 });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const ops = bench.tasks.map((t) => {
    const r = t.result as { throughput?: { mean?: number }; hz?: number } | undefined;
    return r?.throughput?.mean ?? r?.hz ?? 0;
  });
  const base = ops[0] ?? 1;
  const rows = tasks.map((t, i) => ({ name: t.name, opsPerSecond: ops[i] ?? 0, ratio: (ops[i] ?? 0) / base }));
  console.log(`\n## ${title}`);
  console.log(`| task | ${options?.bytesPerOp ? 'MB/s' : 'ops/s'} | × ${tasks[0]?.name ?? ''} |`);
  console.log('|---|---:|---:|');
  for (const r of rows) {
    const v = options?.bytesPerOp ? ((r.opsPerSecond * options.bytesPerOp) / 1e6).toFixed(1) : Math.round(r.opsPerSecond).toLocaleString('en-US');
    console.log(`| ${r.name} | ${v} | ${r.ratio.toFixed(2)} |`);
  }
  return rows;
}
