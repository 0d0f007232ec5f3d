import type { Clock } from '@linkwire/base';
import { EnosError } from './errors.ts';

interface Waiting<T> {
  resolve(value: T): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

/** How many timed-out requests are remembered to tell a late reply from an unknown one. */
const RECENT = 8;

/**
 * Requests waiting for replies, correlated by (reply topic, id), never by id alone (the old
 * SDK's defect), each with a deadline on the injected clock, at most `maxPending` at once.
 * A reply nobody waits for is classified: `late` (its request timed out, one of the last 8) or
 * `unknown` (a duplicate answer included). The table exists only while requests wait: an idle
 * device pays for two empty fields (@linkwire/alink's replyTracker, which this replaces here,
 * cost 1.7 KB per client whether or not anything waited).
 */
export class ReplyWaiter<T> {
  readonly #clock: Clock;
  readonly #maxPending: number;
  #waiting: Map<string, Waiting<T>> | undefined;
  #late: string[] | undefined;

  constructor(clock: Clock, maxPending: number) {
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new EnosError('invalid_option', 'maxPendingReplies must be a positive integer');
    this.#clock = clock;
    this.#maxPending = maxPending;
  }

  get pending(): number {
    return this.#waiting?.size ?? 0;
  }

  /** Registers a request before it is published; rejects with `reply_timeout` after `timeoutMs`. */
  expect(replyTopic: string, id: string, timeoutMs: number): Promise<T> {
    const waiting = (this.#waiting ??= new Map<string, Waiting<T>>());
    const key = `${replyTopic}\u0000${id}`;
    if (waiting.has(key)) return Promise.reject(new EnosError('invalid_request', `a request with id ${id} already waits on ${replyTopic}`));
    if (waiting.size >= this.#maxPending) return Promise.reject(new EnosError('too_many_pending', `${waiting.size} requests already wait for replies (maxPendingReplies ${this.#maxPending})`));
    return new Promise<T>((resolve, reject) => {
      const cancelTimer = this.#clock.setTimer(timeoutMs, () => {
        if (this.#waiting?.get(key)?.cancelTimer !== cancelTimer) return;
        this.#forget(key);
        const late = (this.#late ??= []);
        if (late.length >= RECENT) late.shift();
        late.push(key);
        reject(new EnosError('reply_timeout', `no reply on ${replyTopic} for request ${id} within ${timeoutMs} ms`));
      });
      waiting.set(key, { resolve, reject, cancelTimer });
    });
  }

  /** Hands in a received reply: `matched` resolves its request; the other outcomes say why nothing did. */
  settle(replyTopic: string, id: string, value: T): 'matched' | 'late' | 'unknown' {
    const key = `${replyTopic}\u0000${id}`;
    const w = this.#waiting?.get(key);
    if (w === undefined) return this.#late?.includes(key) ? 'late' : 'unknown';
    this.#forget(key);
    w.cancelTimer();
    w.resolve(value);
    return 'matched';
  }

  /** Stops waiting for one request (its publish failed). */
  abandon(replyTopic: string, id: string, reason: Error): void {
    const key = `${replyTopic}\u0000${id}`;
    const w = this.#waiting?.get(key);
    if (w === undefined) return;
    this.#forget(key);
    w.cancelTimer();
    w.reject(reason);
  }

  /** Rejects everything (the client closed). */
  rejectAll(reason: Error): void {
    const all = [...(this.#waiting?.values() ?? [])];
    this.#waiting = undefined;
    for (const w of all) {
      w.cancelTimer();
      w.reject(reason);
    }
  }

  /** Removes a key; an empty table is dropped, so a device between requests holds none. */
  #forget(key: string): void {
    const waiting = this.#waiting!;
    waiting.delete(key);
    if (waiting.size === 0) this.#waiting = undefined;
  }
}
