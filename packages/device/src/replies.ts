import { replyTracker, type ReplyOutcome } from '@linkwire/alink/core';
import { integerOption, numberOption, OptionError, optionsRecord, type Clock } from '@linkwire/base';
import { DeviceError } from './errors.ts';

export interface ReplyWaiterOptions {
  readonly clock: Clock;
  /** How long a request waits for its reply, default 10 s. */
  readonly timeoutMs?: number;
  /** Most requests awaiting replies at once, default 1000. */
  readonly maxPending?: number;
}

/**
 * Promises over @linkwire/alink's reply tracker: `expect` returns a promise that settles when
 * the reply arrives on that topic with that id, or rejects when the clock passes the timeout.
 * Correlation, bounds and the late/duplicate/unknown classification are the tracker's.
 */
export interface ReplyWaiter<T> {
  /** Registers a request; the promise settles with the reply or rejects on timeout. */
  expect(replyTopic: string, id: string): Promise<T>;
  /** Offers a received reply; says whether it matched a waiting request, and if not why. */
  settle(replyTopic: string, id: string, reply: T): ReplyOutcome<unknown>['status'];
  /** Rejects a waiting request with `error` (its message could not be sent); false if none waited. */
  fail(replyTopic: string, id: string, error: Error): boolean;
  /** Rejects everything pending (the connection closed). */
  cancelAll(reason: Error): void;
  readonly pending: number;
}

interface Waiting<T> {
  readonly replyTopic: string;
  readonly id: string;
  readonly deadline: number;
  resolve(v: T): void;
  reject(e: Error): void;
}

/**
 * @example
 * const replies = createReplyWaiter<Uint8Array>({ clock: nodeClock, timeoutMs: 5000 });
 * const reply = replies.expect(replyTopic, id);
 * await session.publish(topic, encodePropertyPost({ id, params }), { qos: 1 });
 * // in onMessage: replies.settle(message.topic, decodeReply(message.payload).id, message.payload)
 * await reply;
 */
export function createReplyWaiter<T>(options: ReplyWaiterOptions): ReplyWaiter<T> {
  // Options are checked here, once (OptionError); the tracker checks its own.
  const o = optionsRecord('options', options ?? null);
  const clock = o['clock'] as Clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') throw new OptionError('clock', 'a Clock (now, setTimer)', clock);
  const timeoutMs = numberOption('timeoutMs', o['timeoutMs'], 10_000, 1, 2 ** 31 - 1);
  const tracker = replyTracker<Waiting<T>>({ clock, timeoutMs, maxPending: integerOption('maxPending', o['maxPending'], 1000, 1) });
  // Waiting requests in the order they were made. Every request waits the same time, so that
  // is also the order of their deadlines: one timer, armed for the oldest, serves them all (a
  // timer per request costs more than the request), and nothing else keeps deadlines.
  const live = new Set<Waiting<T>>();
  let timer: (() => void) | undefined;
  const disarm = (): void => {
    timer?.();
    timer = undefined;
  };
  const arm = (now: number): void => {
    const oldest = live.values().next();
    // At least 1 ms: the tracker dated the request a moment later and may not count it as late yet.
    if (oldest.done !== true) timer = clock.setTimer(Math.max(1, oldest.value.deadline - now), sweep);
  };
  const done = (w: Waiting<T>): Waiting<T> => {
    live.delete(w);
    // Nothing waits: drop the timer, so an idle client holds none.
    if (live.size === 0) disarm();
    return w;
  };
  function sweep(): void {
    timer = undefined;
    for (const x of tracker.expire()) {
      live.delete(x.value);
      x.value.reject(new DeviceError('reply_timeout', `no reply on ${x.replyTopic} for id ${x.id} within ${timeoutMs} ms`));
    }
    arm(clock.now());
  }
  return {
    get pending() {
      return tracker.size;
    },
    expect(replyTopic, id) {
      return new Promise<T>((resolve, rejectPromise) => {
        const now = clock.now();
        const w: Waiting<T> = { replyTopic, id, deadline: now + timeoutMs, resolve, reject: rejectPromise };
        try {
          tracker.track(replyTopic, id, w, timeoutMs);
        } catch (e) {
          const code = (e as { code?: string }).code;
          rejectPromise(new DeviceError(code === 'tracker_full' ? 'too_many_pending' : code === 'duplicate_request' ? 'duplicate_id' : 'invalid_request', (e as Error).message));
          return;
        }
        live.add(w);
        if (timer === undefined) arm(now);
      });
    },
    settle(replyTopic, id, reply) {
      const outcome = tracker.settle(replyTopic, id);
      if (outcome.status === 'matched') done(outcome.value).resolve(reply);
      return outcome.status;
    },
    fail(replyTopic, id, error) {
      const outcome = tracker.settle(replyTopic, id);
      if (outcome.status !== 'matched') return false;
      done(outcome.value).reject(error);
      return true;
    },
    cancelAll(reason) {
      const all = [...live];
      live.clear();
      disarm();
      for (const w of all) {
        tracker.cancel(w.replyTopic, w.id);
        w.reject(reason);
      }
    },
  };
}
