/**
 * The EnOS command queue of each device (EnOS "Issuing Commands"; enos-rest-invoke-service.txt).
 *
 * - Cached commands (`pendingTtl` > 0) wait in the device's queue until it can take them, at
 *   most `maxCached` per device (11902 beyond), and are dropped unsent when their TTL runs out.
 * - Sequential sending: the next command goes only after the previous one was answered or its
 *   `timeout` ran out.
 * - No priority: an instant command (`pendingTtl` 0) queues behind the commands already waiting;
 *   if it has not left when its `timeout` runs out it fails with 11904 ("the command is not sent,
 *   and the instant command timed out"). Sent and unanswered within `timeout`: 11915. An instant
 *   command to a device that cannot take commands at all: 11900.
 */

export type CommandStatus = 'cached' | 'queued' | 'sent' | 'succeeded' | 'failed' | 'timeout' | 'expired' | 'not_sent';

/** What the platform remembers of one command (the console's command list). */
export interface CommandRecord {
  readonly commandId: string;
  readonly serviceId: string;
  readonly pendingTtl: number;
  status: CommandStatus;
  /** The device's answer, once it answered. */
  code?: number;
  outputData?: unknown;
}

export type CommandResult =
  | { readonly kind: 'cached'; readonly commandId: string }
  | { readonly kind: 'replied'; readonly commandId: string; readonly code: number; readonly data: unknown; readonly message?: string }
  | { readonly kind: 'failed'; readonly commandId: string; readonly enosCode: 11888 | 11900 | 11902 | 11904 | 11915 };

export interface CommandReplyLike {
  readonly code: number;
  readonly data: unknown;
  readonly message?: string;
}

export interface QueuedCommand {
  readonly topic: string;
  readonly method: string;
  readonly params: unknown;
  readonly serviceId: string;
}

export interface CommandQueueDeps {
  readonly maxCached: number;
  /** Whether the device can take a command now. */
  reachable(key: string): boolean;
  /** Publishes the command and resolves with the reply (rejects after timeoutMs); undefined when no session listens on its topic yet. */
  send(command: QueuedCommand, timeoutMs: number): Promise<CommandReplyLike> | undefined;
  /** A new record (kept by the device's state) and every later change of its status. */
  onRecord(key: string, record: CommandRecord, created: boolean): void;
}

interface Job {
  readonly key: string;
  readonly command: QueuedCommand;
  readonly record: CommandRecord;
  readonly timeoutMs: number;
  /** Instant commands: when the caller stops waiting (ms, performance clock of the timers). */
  readonly deadline: number | undefined;
  readonly settle: ((r: CommandResult) => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Queue {
  readonly jobs: Job[];
  busy: boolean;
}

export interface CommandQueues {
  submit(key: string, command: QueuedCommand, options: { readonly pendingTtl: number; readonly timeoutSeconds: number }): Promise<CommandResult>;
  /** Sends what waits for a device that may now take it (connected, subscribed, logged in). */
  pump(key: string): void;
  /** Commands waiting for a device, oldest first. */
  waiting(key: string): readonly CommandRecord[];
  close(): void;
}

export function createCommandQueues(deps: CommandQueueDeps): CommandQueues {
  const queues = new Map<string, Queue>();
  // EnOS command ids are 19-digit numbers (the seed's return sample).
  let nextCommandId = 2_078_724_684_846_989_312n;
  let closed = false;

  const change = (job: Job, status: CommandStatus): void => {
    job.record.status = status;
    deps.onRecord(job.key, job.record, false);
  };

  const remove = (job: Job): boolean => {
    const q = queues.get(job.key);
    const i = q === undefined ? -1 : q.jobs.indexOf(job);
    if (i < 0) return false;
    q!.jobs.splice(i, 1);
    if (q!.jobs.length === 0 && !q!.busy) queues.delete(job.key);
    return true;
  };

  const later = (ms: number, fn: () => void): ReturnType<typeof setTimeout> => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  };

  function pump(key: string): void {
    const q = queues.get(key);
    if (q === undefined || q.busy || closed) return;
    const job = q.jobs[0];
    if (job === undefined) return void queues.delete(key);
    if (!deps.reachable(key)) return;
    const timeoutMs = job.deadline === undefined ? job.timeoutMs : Math.max(1, job.deadline - performance.now());
    const reply = deps.send(job.command, timeoutMs);
    // Nobody listens on the command's topic yet: the device's next subscription pumps again.
    if (reply === undefined) return;
    q.jobs.shift();
    if (job.timer !== undefined) clearTimeout(job.timer);
    q.busy = true;
    change(job, 'sent');
    reply.then(
      (r) => {
        job.record.code = r.code;
        if (r.code === 200) job.record.outputData = r.data;
        change(job, r.code === 200 ? 'succeeded' : 'failed');
        job.settle?.({ kind: 'replied', commandId: job.record.commandId, code: r.code, data: r.data, ...(r.message === undefined ? {} : { message: r.message }) });
      },
      () => {
        change(job, 'timeout');
        job.settle?.({ kind: 'failed', commandId: job.record.commandId, enosCode: 11915 });
      },
    ).finally(() => {
      q.busy = false;
      if (q.jobs.length === 0) queues.delete(key);
      else pump(key);
    });
  }

  return {
    submit(key, command, { pendingTtl, timeoutSeconds }) {
      const commandId = String(nextCommandId++);
      const record: CommandRecord = { commandId, serviceId: command.serviceId, pendingTtl, status: pendingTtl > 0 ? 'cached' : 'queued' };
      if (pendingTtl === 0 && !deps.reachable(key)) return Promise.resolve({ kind: 'failed', commandId, enosCode: 11900 });
      let q = queues.get(key);
      if (pendingTtl > 0 && q !== undefined && q.jobs.filter((j) => j.record.pendingTtl > 0).length >= deps.maxCached) {
        return Promise.resolve({ kind: 'failed', commandId, enosCode: 11902 });
      }
      if (q === undefined) queues.set(key, (q = { jobs: [], busy: false }));
      deps.onRecord(key, record, true);
      const timeoutMs = timeoutSeconds * 1000;
      if (pendingTtl > 0) {
        const job: Job = { key, command, record, timeoutMs, deadline: undefined, settle: undefined, timer: undefined };
        job.timer = later(pendingTtl * 1000, () => {
          if (remove(job)) change(job, 'expired');
        });
        q.jobs.push(job);
        pump(key);
        return Promise.resolve({ kind: 'cached', commandId });
      }
      return new Promise<CommandResult>((resolve) => {
        const job: Job = { key, command, record, timeoutMs, deadline: performance.now() + timeoutMs, settle: resolve, timer: undefined };
        job.timer = later(timeoutMs, () => {
          if (!remove(job)) return;
          change(job, 'not_sent');
          resolve({ kind: 'failed', commandId, enosCode: 11904 });
        });
        q!.jobs.push(job);
        pump(key);
      });
    },
    pump,
    waiting: (key) => (queues.get(key)?.jobs ?? []).map((j) => j.record),
    close() {
      closed = true;
      for (const q of queues.values()) {
        for (const j of q.jobs) {
          if (j.timer !== undefined) clearTimeout(j.timer);
          j.settle?.({ kind: 'failed', commandId: j.record.commandId, enosCode: 11904 });
        }
      }
      queues.clear();
    },
  };
}
