import { replyTracker, type ReplyOutcome } from '@linkwire/alink';
import type { Clock } from '@linkwire/base';
import { EnosError } from './errors.ts';

interface Waiting<T> {
  resolve(value: T): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

/**
 * Promises over @linkwire/alink's reply tracker: correlated by (reply topic, id), never by id
 * alone (the old SDK's defect), each with a deadline from the injected clock, and bounded. A
 * late, duplicate or unknown reply is reported by `settle`, never misrouted.
 */
export class ReplyWaiter<T> {
  readonly #clock: Clock;
  readonly #maxPending: number;
  #tracker;
  readonly #waiting = new Map<string, Waiting<T>>();

  constructor(clock: Clock, maxPending: number) {
    this.#clock = clock;
    this.#maxPending = maxPending;
    this.#tracker = replyTracker<string>({ clock, maxPending });
  }

  get pending(): number {
    return this.#waiting.size;
  }

  /** Registers a request before it is published; rejects with `reply_timeout` after `timeoutMs`. */
  expect(replyTopic: string, id: string, timeoutMs: number): Promise<T> {
    const key = `${replyTopic}\u0000${id}`;
    try {
      this.#tracker.track(replyTopic, id, key, timeoutMs);
    } catch (e) {
      const full = (e as { code?: string }).code === 'tracker_full';
      return Promise.reject(new EnosError(full ? 'too_many_pending' : 'invalid_request', (e as Error).message));
    }
    return new Promise<T>((resolve, reject) => {
      const cancelTimer = this.#clock.setTimer(timeoutMs, () => {
        for (const x of this.#tracker.expire()) {
          const w = this.#waiting.get(x.value);
          if (w === undefined) continue;
          this.#waiting.delete(x.value);
          w.reject(new EnosError('reply_timeout', `no reply on ${x.replyTopic} for request ${x.id} within ${timeoutMs} ms`));
        }
      });
      this.#waiting.set(key, { resolve, reject, cancelTimer });
    });
  }

  /** Hands in a received reply: `matched` resolves its request; the other outcomes say why nothing did. */
  settle(replyTopic: string, id: string, value: T): ReplyOutcome<string>['status'] {
    const outcome = this.#tracker.settle(replyTopic, id);
    if (outcome.status !== 'matched') return outcome.status;
    const w = this.#waiting.get(outcome.value);
    if (w !== undefined) {
      this.#waiting.delete(outcome.value);
      w.cancelTimer();
      w.resolve(value);
    }
    return 'matched';
  }

  /** Stops waiting for one request (its publish failed). */
  abandon(replyTopic: string, id: string, reason: Error): void {
    const key = `${replyTopic}\u0000${id}`;
    this.#tracker.cancel(replyTopic, id);
    const w = this.#waiting.get(key);
    if (w === undefined) return;
    this.#waiting.delete(key);
    w.cancelTimer();
    w.reject(reason);
  }

  /** Rejects everything (the client closed). */
  rejectAll(reason: Error): void {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of all) {
      w.cancelTimer();
      w.reject(reason);
    }
    // A fresh table: the abandoned entries must not count against the bound.
    this.#tracker = replyTracker<string>({ clock: this.#clock, maxPending: this.#maxPending });
  }
}
