import { replyTracker, type ReplyOutcome } from '@linkwire/alink';
import { describe, integerOption, LinkwireError, numberOption, OptionError, optionsRecord, type Clock } from '@linkwire/base';

/** A request whose reply never came, or a tracker that is full or closed. */
export class DeviceError extends LinkwireError {}

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
  resolve(v: T): void;
  reject(e: Error): void;
  cancelTimer(): void;
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
  const reject = (w: Waiting<T>, e: Error): void => {
    live.delete(w);
    w.cancelTimer();
    w.reject(e);
  };
  return {
    get pending() {
      return tracker.size;
    },
    expect(replyTopic, id) {
      return new Promise<T>((resolve, rejectPromise) => {
        const w: Waiting<T> = { resolve, reject: rejectPromise, cancelTimer: () => undefined };
        try {
          tracker.track(replyTopic, id, w, timeoutMs);
        } catch (e) {
          const code = (e as { code?: string }).code;
          rejectPromise(new DeviceError(code === 'tracker_full' ? 'too_many_pending' : code === 'duplicate_request' ? 'duplicate_id' : 'invalid_request', (e as Error).message));
          return;
        }
        live.add(w);
        const cancel = clock.setTimer(timeoutMs, () => {
          for (const x of tracker.expire()) reject(x.value, new DeviceError('reply_timeout', `no reply on ${x.replyTopic} for id ${x.id} within ${timeoutMs} ms`));
        });
        if (typeof cancel === 'function') w.cancelTimer = cancel;
      });
    },
    settle(replyTopic, id, reply) {
      const outcome = tracker.settle(replyTopic, id);
      if (outcome.status === 'matched') {
        const w = outcome.value;
        live.delete(w);
        w.cancelTimer();
        w.resolve(reply);
      }
      return outcome.status;
    },
    cancelAll(reason) {
      if (!(reason instanceof Error)) reason = new DeviceError('cancelled', `cancelled: ${describe(reason)}`);
      for (const w of [...live]) reject(w, reason);
      tracker.expire();
    },
  };
}
