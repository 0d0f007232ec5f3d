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
  /** Rejects everything pending (the connection closed). */
  cancelAll(reason: Error): void;
  readonly pending: number;
}

interface Waiting<T> {
  readonly replyTopic: string;
  readonly id: string;
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
  const live = new Set<Waiting<T>>();
  // Every request waits the same time, so deadlines come in the order requests were made: one
  // timer, armed for the oldest deadline, serves them all (a timer per request costs more than
  // the request). Settled requests leave their deadline behind; the sweep skips it.
  let deadlines: number[] = [];
  let head = 0;
  let timer: (() => void) | undefined;
  const reject = (w: Waiting<T>, e: Error): void => {
    live.delete(w);
    w.reject(e);
  };
  const arm = (): void => {
    if (timer !== undefined || head === deadlines.length) return;
    timer = clock.setTimer(Math.max(0, deadlines[head]! - clock.now()), sweep);
  };
  function sweep(): void {
    timer = undefined;
    const now = clock.now();
    while (head < deadlines.length && deadlines[head]! <= now) head++;
    if (head > 1024 && head * 2 > deadlines.length) {
      deadlines = deadlines.slice(head);
      head = 0;
    }
    for (const x of tracker.expire()) reject(x.value, new DeviceError('reply_timeout', `no reply on ${x.replyTopic} for id ${x.id} within ${timeoutMs} ms`));
    if (live.size === 0) {
      deadlines = [];
      head = 0;
    }
    arm();
  }
  return {
    get pending() {
      return tracker.size;
    },
    expect(replyTopic, id) {
      return new Promise<T>((resolve, rejectPromise) => {
        const w: Waiting<T> = { replyTopic, id, resolve, reject: rejectPromise };
        try {
          tracker.track(replyTopic, id, w, timeoutMs);
        } catch (e) {
          const code = (e as { code?: string }).code;
          rejectPromise(new DeviceError(code === 'tracker_full' ? 'too_many_pending' : code === 'duplicate_request' ? 'duplicate_id' : 'invalid_request', (e as Error).message));
          return;
        }
        live.add(w);
        deadlines.push(clock.now() + timeoutMs);
        arm();
      });
    },
    settle(replyTopic, id, reply) {
      const outcome = tracker.settle(replyTopic, id);
      if (outcome.status === 'matched') {
        const w = outcome.value;
        live.delete(w);
        w.resolve(reply);
        if (live.size === 0) {
          // Nothing waits: drop the timer and the deadlines, so an idle client holds no timer.
          timer?.();
          timer = undefined;
          deadlines = [];
          head = 0;
        }
      }
      return outcome.status;
    },
    cancelAll(reason) {
      for (const w of [...live]) {
        tracker.cancel(w.replyTopic, w.id);
        reject(w, reason);
      }
      timer?.();
      timer = undefined;
      deadlines = [];
      head = 0;
    },
  };
}
