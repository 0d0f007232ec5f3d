/**
 * The worker side of a fuzz run: runs the entries it was bundled with (see host.ts) and posts
 * each entry's report. The host watches the heartbeat and ends this worker if a case hangs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FuzzEntry } from './entry.ts';
import { runEntries, type RunOptions } from './run.ts';

export interface WorkerInput {
  readonly heartbeat: SharedArrayBuffer;
  readonly record?: SharedArrayBuffer;
  readonly options: Omit<RunOptions, 'heartbeat' | 'record' | 'onEntry'>;
}

export type WorkerMessage = { readonly names: readonly string[]; readonly decoders: Readonly<Record<string, string>> } | { readonly report: import('./run.ts').EntryReport } | { readonly done: true };

export async function serve(entries: readonly FuzzEntry[]): Promise<void> {
  const input = workerData as WorkerInput;
  const port = parentPort!;
  port.postMessage({ names: entries.map((e) => e.name), decoders: Object.fromEntries(entries.flatMap((e) => (e.decoder ? [[e.name, e.decoder.family]] : []))) } satisfies WorkerMessage);
  await runEntries(entries, {
    ...input.options,
    heartbeat: new Int32Array(input.heartbeat),
    ...(input.record ? { record: new Uint8Array(input.record) } : {}),
    onEntry: (report) => port.postMessage({ report } satisfies WorkerMessage),
  });
  port.postMessage({ done: true } satisfies WorkerMessage);
}
