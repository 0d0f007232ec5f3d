import { describe, integerOption, numberOption, OptionError, optionsRecord } from '@linkwire/base';
import { AlinkError } from './errors.ts';
import { parseTopic } from './topics.ts';

/** The longest timeout a tracker takes: about 24.8 days, as a platform timer's 32-bit milliseconds. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface ReplyTrackerOptions {
  /** The injected clock, in milliseconds (a `Clock` from `@linkwire/base` fits). */
  readonly clock: { now(): number };
  /** How long a request waits for its reply. Default 10 s. */
  readonly timeoutMs?: number;
  /** Most requests waiting, or timed out and not yet handed over by `expire()`; more is an `AlinkError('tracker_full')`. Default 1024. */
  readonly maxPending?: number;
}

/** What became of a reply handed to {@link ReplyTracker.settle}. */
export type ReplyOutcome<T> =
  | { readonly status: 'matched'; readonly value: T; readonly elapsedMs: number }
  /** Its request timed out before it came. */
  | { readonly status: 'late' }
  /** Its request was already answered. */
  | { readonly status: 'duplicate' }
  /** No request is waiting on this topic with this id. */
  | { readonly status: 'unknown' }
  /** The topic is a catalogue topic that carries requests or commands, never replies. */
  | { readonly status: 'not_a_reply' };

export interface ExpiredRequest<T> {
  readonly replyTopic: string;
  readonly id: string;
  readonly value: T;
}

export interface ReplyTracker<T> {
  /** Waits for a reply on `replyTopic` with message id `id`; `value` comes back when it arrives. */
  track(replyTopic: string, id: string, value: T, timeoutMs?: number): void;
  /** Hands in a received reply: the request it answers, or why there is none. */
  settle(replyTopic: string, id: string): ReplyOutcome<T>;
  /** Stops waiting; true if the request was waiting. */
  cancel(replyTopic: string, id: string): boolean;
  /**
   * Returns the requests whose deadline has passed, each once. Other calls also take them out
   * of the waiting table, but only `expire` hands them over, and until it does they still count
   * against `maxPending`: call it (on a timer of your clock) to learn of every timeout.
   */
  expire(): ExpiredRequest<T>[];
  /** Requests waiting now. */
  readonly size: number;
}

interface Pending<T> {
  readonly key: string;
  readonly replyTopic: string;
  readonly id: string;
  readonly value: T;
  readonly since: number;
  readonly deadline: number;
}

/**
 * Correlates replies with requests by (reply topic, id), never by id alone: a reply resolves
 * exactly the request it answers, a downstream command that happens to share an id is not a
 * reply, and late, duplicate and unknown replies are reported as such. Deadlines come from the
 * injected clock; expired entries leave the table, which is bounded, and so is the memory of
 * recently finished requests used to tell "late" and "duplicate" from "unknown".
 *
 * @example
 * const tracker = replyTracker<string>({ clock: manualClock(0), timeoutMs: 5000 });
 * tracker.track('/sys/pk/dn/thing/event/property/post_reply', '7', 'post #7');
 * tracker.settle('/sys/pk/dn/thing/event/property/post_reply', '7') // { status: 'matched', value: 'post #7', elapsedMs: 0 }
 * tracker.settle('/sys/pk/dn/thing/event/property/post_reply', '7') // { status: 'duplicate' }
 */
export function replyTracker<T>(options: ReplyTrackerOptions): ReplyTracker<T> {
  const o = optionsRecord('options', options ?? null);
  const clock = o.clock as { now(): number };
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') throw new OptionError('clock', 'an object with now()', clock);
  const defaultTimeout = numberOption('timeoutMs', o.timeoutMs, 10_000, Number.MIN_VALUE, MAX_TIMEOUT_MS);
  const maxPending = integerOption('maxPending', o.maxPending, 1024, 1);
  const pending = new Map<string, Pending<T>>();
  // A binary min-heap on deadline; entries settled early stay until they surface (lazy deletion).
  const heap: Pending<T>[] = [];
  // Recently finished requests: key → sequence number × 2, + 1 if it was late. The oldest is
  // evicted through a ring of the last maxPending keys remembered (a Map's first key, after many
  // deletes, is found by skipping the holes: 2.4 µs a request against 0.4).
  const finished = new Map<string, number>();
  const ring: string[] = [];
  let ringAt = 0;
  let seq = 0;

  const keyOf = (topic: string, id: string): string => `${topic}\u0000${id}`;

  // Only a key leaving `pending` is remembered, and track() took it out of `finished` when it
  // went in: it is never there already, so no delete first.
  const remember = (key: string, status: 'late' | 'duplicate'): void => {
    const n = ++seq;
    finished.set(key, n * 2 + (status === 'late' ? 1 : 0));
    if (ring.length < maxPending) {
      ring.push(key);
      return;
    }
    const old = ring[ringAt]!;
    // The slot was written maxPending remembers ago; not if that key was remembered anew since.
    if (Math.floor((finished.get(old) ?? 0) / 2) === n - maxPending) finished.delete(old);
    ring[ringAt] = key;
    ringAt = ringAt + 1 === maxPending ? 0 : ringAt + 1;
  };

  const push = (p: Pending<T>): void => {
    heap.push(p);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.deadline <= heap[i]!.deadline) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };

  const pop = (): Pending<T> => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]!.deadline < heap[m]!.deadline) m = l;
        if (r < heap.length && heap[r]!.deadline < heap[m]!.deadline) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };

  // Timed-out requests not yet handed over by expire(): bounded because they count against maxPending.
  let due: ExpiredRequest<T>[] = [];

  const sweep = (now: number): void => {
    while (heap.length > 0 && heap[0]!.deadline <= now) {
      const p = pop();
      if (pending.get(p.key) !== p) continue;
      pending.delete(p.key);
      remember(p.key, 'late');
      due.push({ replyTopic: p.replyTopic, id: p.id, value: p.value });
    }
    // Settled entries would otherwise pile up in the heap while their deadlines are far off.
    if (heap.length > 2 * maxPending) {
      const live = heap.filter((p) => pending.get(p.key) === p);
      heap.length = 0;
      for (const p of live) push(p);
    }
  };

  const expire = (): ExpiredRequest<T>[] => {
    sweep(clock.now());
    const out = due;
    due = [];
    return out;
  };

  return {
    track(replyTopic, id, value, timeoutMs = defaultTimeout) {
      if (typeof replyTopic !== 'string' || replyTopic.length === 0 || typeof id !== 'string' || id.length === 0) {
        throw new AlinkError('invalid_value', 'a tracked request needs a reply topic and an id');
      }
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) throw new AlinkError('invalid_value', `timeout ${describe(timeoutMs)} must be a positive number of milliseconds`);
      const now = clock.now();
      sweep(now);
      const key = keyOf(replyTopic, id);
      if (pending.has(key)) throw new AlinkError('duplicate_request', `a request with id ${describe(id)} already waits on ${replyTopic}`);
      if (pending.size + due.length >= maxPending) {
        throw new AlinkError('tracker_full', `${pending.size} requests wait for replies and ${due.length} timed out without expire() collecting them (limit ${maxPending})`);
      }
      finished.delete(key);
      const p: Pending<T> = { key, replyTopic, id, value, since: now, deadline: now + timeoutMs };
      pending.set(key, p);
      push(p);
    },
    settle(replyTopic, id) {
      if (typeof replyTopic !== 'string' || typeof id !== 'string') return { status: 'unknown' };
      const parsed = parseTopic(replyTopic);
      if (parsed !== undefined && parsed.spec.payload !== 'reply' && parsed.spec.replyTo === undefined) return { status: 'not_a_reply' };
      const now = clock.now();
      sweep(now);
      const key = keyOf(replyTopic, id);
      const p = pending.get(key);
      if (p === undefined) {
        const f = finished.get(key);
        if (f !== undefined) return { status: f % 2 === 1 ? 'late' : 'duplicate' };
        return { status: 'unknown' };
      }
      pending.delete(key);
      remember(key, 'duplicate');
      return { status: 'matched', value: p.value, elapsedMs: now - p.since };
    },
    cancel(replyTopic, id) {
      if (typeof replyTopic !== 'string' || typeof id !== 'string') return false;
      sweep(clock.now());
      return pending.delete(keyOf(replyTopic, id));
    },
    expire,
    get size() {
      sweep(clock.now());
      return pending.size;
    },
  };
}
