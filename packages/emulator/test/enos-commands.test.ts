// The EnOS command queue (src/enos/commands.ts) on fake timers: cached commands kept in order
// and sent one at a time, expired ones never sent, the per-device bound (11902), an instant
// command stuck behind others (11904), sent and unanswered (11915); and a property over random
// schedules: one command in flight per device, first in first out, nothing sent after its TTL.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { numRuns } from '../../../test/support/fast-check.ts';
import { createCommandQueues, type CommandRecord, type CommandReplyLike, type CommandResult, type QueuedCommand } from '../src/enos/commands.ts';

interface Sent {
  readonly command: QueuedCommand;
  readonly timeoutMs: number;
  answer(code: number): void;
  fail(): void;
}

function harness(maxCached = 3) {
  const reachable = new Set<string>();
  const listening = new Set<string>();
  const sent: Sent[] = [];
  const records = new Map<string, CommandRecord[]>();
  const queues = createCommandQueues({
    maxCached,
    reachable: (key) => reachable.has(key),
    send: (command, timeoutMs) => {
      if (!listening.has(command.topic)) return undefined;
      return new Promise<CommandReplyLike>((resolve, reject) => {
        sent.push({ command, timeoutMs, answer: (code) => resolve({ code, data: { n: (command.params as { n: number }).n } }), fail: () => reject(new Error('timeout')) });
      });
    },
    onRecord: (key, record, created) => {
      if (created) records.set(key, [...(records.get(key) ?? []), record]);
    },
  });
  const cmd = (n: number, key = 'pk&dk'): QueuedCommand => ({ topic: `/sys/${key.replace('&', '/')}/thing/service/s`, method: 'thing.service.s', params: { n }, serviceId: 's' });
  const online = (key = 'pk&dk'): void => {
    reachable.add(key);
    listening.add(cmd(0, key).topic);
    queues.pump(key);
  };
  return { queues, sent, records, reachable, listening, cmd, online };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the EnOS command queue', () => {
  it('keeps cached commands for an offline device and sends them in order, the next after the previous answer', async () => {
    const h = harness();
    const results = await Promise.all([1, 2, 3].map((n) => h.queues.submit('pk&dk', h.cmd(n), { pendingTtl: 60, timeoutSeconds: 5 })));
    expect(results.map((r) => r.kind)).toEqual(['cached', 'cached', 'cached']);
    expect(h.queues.waiting('pk&dk').map((r) => r.status)).toEqual(['cached', 'cached', 'cached']);
    h.reachable.add('pk&dk');
    h.queues.pump('pk&dk');
    // Reachable but not listening on the command's topic yet: nothing leaves.
    expect(h.sent).toHaveLength(0);
    h.online();
    expect(h.sent.map((s) => (s.command.params as { n: number }).n)).toEqual([1]);
    expect(h.sent[0]!.timeoutMs).toBe(5000);
    h.sent[0]!.answer(200);
    await flush();
    expect(h.sent).toHaveLength(2);
    h.sent[1]!.answer(2001);
    await flush();
    h.sent[2]!.fail();
    await flush();
    expect(h.records.get('pk&dk')!.map((r) => [r.status, r.code])).toEqual([['succeeded', 200], ['failed', 2001], ['timeout', undefined]]);
    expect(h.records.get('pk&dk')![0]!.outputData).toEqual({ n: 1 });
    expect(h.queues.waiting('pk&dk')).toEqual([]);
  });

  it('drops a cached command unsent when its TTL runs out', async () => {
    const h = harness();
    await h.queues.submit('pk&dk', h.cmd(1), { pendingTtl: 1, timeoutSeconds: 5 });
    await h.queues.submit('pk&dk', h.cmd(2), { pendingTtl: 3, timeoutSeconds: 5 });
    vi.advanceTimersByTime(1000);
    expect(h.records.get('pk&dk')!.map((r) => r.status)).toEqual(['expired', 'cached']);
    h.online();
    expect(h.sent.map((s) => (s.command.params as { n: number }).n)).toEqual([2]);
  });

  it('refuses a cached command beyond the bound with 11902, per device', async () => {
    const h = harness(2);
    for (const n of [1, 2]) await h.queues.submit('pk&dk', h.cmd(n), { pendingTtl: 60, timeoutSeconds: 5 });
    await expect(h.queues.submit('pk&dk', h.cmd(3), { pendingTtl: 60, timeoutSeconds: 5 })).resolves.toMatchObject({ kind: 'failed', enosCode: 11902 });
    await expect(h.queues.submit('pk&other', h.cmd(1, 'pk&other'), { pendingTtl: 60, timeoutSeconds: 5 })).resolves.toMatchObject({ kind: 'cached' });
  });

  it('instant commands: 11900 offline, 11904 not sent in time behind another, 11915 sent and unanswered, the reply otherwise', async () => {
    const h = harness();
    await expect(h.queues.submit('pk&dk', h.cmd(0), { pendingTtl: 0, timeoutSeconds: 1 })).resolves.toMatchObject({ kind: 'failed', enosCode: 11900 });
    h.online();
    const first = h.queues.submit('pk&dk', h.cmd(1), { pendingTtl: 0, timeoutSeconds: 2 });
    const behind = h.queues.submit('pk&dk', h.cmd(2), { pendingTtl: 0, timeoutSeconds: 1 });
    expect(h.sent).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    await expect(behind).resolves.toMatchObject({ kind: 'failed', enosCode: 11904 });
    h.sent[0]!.fail();
    await expect(first).resolves.toMatchObject({ kind: 'failed', enosCode: 11915 });
    const third = h.queues.submit('pk&dk', h.cmd(3), { pendingTtl: 0, timeoutSeconds: 2 });
    // The time left of its own timeout goes with it as the reply deadline.
    expect(h.sent[1]!.timeoutMs).toBe(2000);
    h.sent[1]!.answer(200);
    await expect(third).resolves.toEqual({ kind: 'replied', commandId: expect.any(String), code: 200, data: { n: 3 } } satisfies Partial<CommandResult> as never);
    expect(h.records.get('pk&dk')!.map((r) => r.status)).toEqual(['timeout', 'not_sent', 'succeeded']);
  });

  it('close() answers waiting instant commands and sends nothing more', async () => {
    const h = harness();
    h.online();
    void h.queues.submit('pk&dk', h.cmd(1), { pendingTtl: 0, timeoutSeconds: 5 });
    const waiting = h.queues.submit('pk&dk', h.cmd(2), { pendingTtl: 0, timeoutSeconds: 5 });
    await h.queues.submit('pk&dk', h.cmd(3), { pendingTtl: 60, timeoutSeconds: 5 });
    h.queues.close();
    await expect(waiting).resolves.toMatchObject({ enosCode: 11904 });
    h.sent[0]!.answer(200);
    await flush();
    expect(h.sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('property: one command in flight per device, first in first out, nothing sent after its TTL, every instant command settled by its timeout', async () => {
    type Op =
      | { op: 'cached'; dev: number; ttl: number }
      | { op: 'instant'; dev: number; timeout: number }
      | { op: 'online' | 'offline'; dev: number }
      | { op: 'answer' | 'fail'; dev: number }
      | { op: 'tick'; ms: number };
    const dev = fc.integer({ min: 0, max: 2 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('cached' as const), dev, ttl: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ op: fc.constant('instant' as const), dev, timeout: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constantFrom('online' as const, 'offline' as const), dev }),
      fc.record({ op: fc.constantFrom('answer' as const, 'fail' as const), dev }),
      fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2500 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const h = harness(3);
        const keyOf = (d: number): string => `pk&d${d}`;
        const submittedAt = new Map<string, { order: number; expiresAt: number | undefined }>();
        const sentOrder = new Map<string, number[]>();
        const inFlight = new Map<string, Sent>();
        const instants: { n: number; deadline: number; settled: boolean }[] = [];
        let order = 0;
        let now = 0;
        const watch = (): void => {
          for (const s of h.sent.splice(0)) {
            const key = `pk&${s.command.topic.split('/')[3]}`;
            const n = (s.command.params as { n: number }).n;
            const at = submittedAt.get(String(n))!;
            expect(inFlight.has(key)).toBe(false);
            if (at.expiresAt !== undefined) expect(now).toBeLessThan(at.expiresAt);
            const list = sentOrder.get(key) ?? [];
            if (list.length > 0) expect(at.order).toBeGreaterThan(list[list.length - 1]!);
            sentOrder.set(key, [...list, at.order]);
            inFlight.set(key, s);
          }
        };
        for (const o of ops) {
          if (o.op === 'cached' || o.op === 'instant') {
            const n = order++;
            submittedAt.set(String(n), { order: n, expiresAt: o.op === 'cached' ? now + o.ttl * 1000 : undefined });
            const p = h.queues.submit(keyOf(o.dev), h.cmd(n, keyOf(o.dev)), o.op === 'cached' ? { pendingTtl: o.ttl, timeoutSeconds: 2 } : { pendingTtl: 0, timeoutSeconds: o.timeout });
            if (o.op === 'instant') {
              const entry = { n, deadline: now + o.timeout * 1000, settled: false };
              instants.push(entry);
              void p.then(() => void (entry.settled = true));
            }
          } else if (o.op === 'online') h.online(keyOf(o.dev));
          else if (o.op === 'offline') h.reachable.delete(keyOf(o.dev));
          else if (o.op === 'answer' || o.op === 'fail') {
            const s = inFlight.get(keyOf(o.dev));
            if (s !== undefined) {
              inFlight.delete(keyOf(o.dev));
              if (o.op === 'answer') s.answer(200);
              else s.fail();
            }
          } else if ('ms' in o) {
            now += o.ms;
            vi.advanceTimersByTime(o.ms);
          }
          await flush();
          watch();
          for (const d of [0, 1, 2]) expect(h.queues.waiting(keyOf(d)).filter((r) => r.pendingTtl > 0).length).toBeLessThanOrEqual(3);
          // An instant command not in flight has its answer by its deadline (11904 at the latest).
          const flying = new Set([...inFlight.values()].map((s) => (s.command.params as { n: number }).n));
          for (const i of instants) if (now >= i.deadline && !i.settled) expect(flying.has(i.n)).toBe(true);
        }
        h.queues.close();
      }),
      { numRuns: numRuns(100) },
    );
  });
});
