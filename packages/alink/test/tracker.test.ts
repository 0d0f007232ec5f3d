import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlinkError, CODE_SOURCES, codeInfo, codesOf, explainCode, replyTracker, requestIds, type CodeScope } from '@linkwire/alink';
import { manualClock, OptionError } from '@linkwire/base';
import { numRuns } from '../../../test/support/fast-check.ts';

const TOPICS = ['/sys/pk/dn/thing/event/property/post_reply', '/sys/pk/dn/thing/service/property/set_reply', '/custom/reply'];

type Op =
  | { op: 'track'; topic: number; id: number; timeout: number }
  | { op: 'settle'; topic: number; id: number }
  | { op: 'advance'; ms: number }
  | { op: 'cancel'; topic: number; id: number }
  | { op: 'expire' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('track' as const), topic: fc.nat({ max: 2 }), id: fc.nat({ max: 5 }), timeout: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant('settle' as const), topic: fc.nat({ max: 2 }), id: fc.nat({ max: 5 }) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.nat({ max: 30 }) }),
  fc.record({ op: fc.constant('cancel' as const), topic: fc.nat({ max: 2 }), id: fc.nat({ max: 5 }) }),
  fc.constant({ op: 'expire' as const }),
);

describe('replyTracker', () => {
  it('agrees with a plain model: a reply resolves exactly its own request before its deadline', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (ops, maxPending) => {
      const clock = manualClock(0);
      const tracker = replyTracker<string>({ clock, timeoutMs: 20, maxPending });
      const model = new Map<string, { value: string; deadline: number; since: number }>();
      let due: string[] = [];
      let seq = 0;
      for (const o of ops) {
        if (o.op === 'advance') {
          clock.advance(o.ms);
          continue;
        }
        for (const [k, v] of [...model].sort((a, b) => a[1].deadline - b[1].deadline)) {
          if (v.deadline <= clock.now()) {
            model.delete(k);
            due.push(v.value);
          }
        }
        if (o.op === 'expire') {
          expect(tracker.expire().map((e) => e.value).sort()).toEqual(due.sort());
          due = [];
          continue;
        }
        const topic = TOPICS[o.topic]!;
        const key = `${topic} ${o.id}`;
        if (o.op === 'track') {
          const value = `v${seq++}`;
          let code: string | undefined;
          try {
            tracker.track(topic, String(o.id), value, o.timeout);
          } catch (e) {
            code = (e as AlinkError).code;
          }
          if (model.has(key)) expect(code).toBe('duplicate_request');
          else if (model.size + due.length >= maxPending) expect(code).toBe('tracker_full');
          else {
            expect(code).toBeUndefined();
            model.set(key, { value, deadline: clock.now() + o.timeout, since: clock.now() });
          }
        } else if (o.op === 'cancel') {
          expect(tracker.cancel(topic, String(o.id))).toBe(model.delete(key));
        } else {
          const r = tracker.settle(topic, String(o.id));
          const m = model.get(key);
          if (m === undefined) expect(r.status).not.toBe('matched');
          else {
            expect(r).toEqual({ status: 'matched', value: m.value, elapsedMs: clock.now() - m.since });
            model.delete(key);
          }
        }
        expect(tracker.size).toBe(model.size);
        expect(tracker.size).toBeLessThanOrEqual(maxPending);
      }
    }), { numRuns: numRuns(300) });
  });

  it('never lets a downstream command settle a request, whatever its id', () => {
    const tracker = replyTracker<number>({ clock: manualClock(0) });
    tracker.track('/sys/pk/dn/thing/service/property/set_reply', '5', 1);
    for (const command of ['/sys/pk/dn/thing/service/property/set', '/sys/pk/dn/thing/service/Reboot', '/ota/device/upgrade/pk/dn', '/sys/pk/dn/rrpc/request/5']) {
      expect(tracker.settle(command, '5').status).toBe('not_a_reply');
    }
    expect(tracker.settle('/sys/pk/dn/thing/event/property/post_reply', '5').status).toBe('unknown');
    expect(tracker.settle('/sys/pk/dn/thing/service/property/set_reply', '5').status).toBe('matched');
  });

  it('tells late and duplicate replies apart for the last maxPending finished requests', () => {
    const clock = manualClock(0);
    const tracker = replyTracker<number>({ clock, timeoutMs: 10, maxPending: 3 });
    const answered = (id: string): void => {
      tracker.track('/r', id, 0);
      expect(tracker.settle('/r', id).status).toBe('matched');
    };
    answered('x');
    answered('y');
    // x again: its first answer's memory must not evict the second one.
    answered('x');
    tracker.track('/r', 'late', 0);
    clock.advance(10);
    expect(tracker.expire().map((e) => e.id)).toEqual(['late']);
    expect(tracker.settle('/r', 'late').status).toBe('late');
    expect(tracker.settle('/r', 'x').status).toBe('duplicate');
    answered('z');
    // Remembered in order: x, y, x, late, z; the last three are kept.
    expect(['x', 'y', 'late', 'z'].map((id) => tracker.settle('/r', id).status)).toEqual(['duplicate', 'unknown', 'late', 'duplicate']);
    for (let i = 0; i < 3; i++) answered(`n${i}`);
    expect(['x', 'late', 'z', 'n0', 'n2'].map((id) => tracker.settle('/r', id).status)).toEqual(['unknown', 'unknown', 'unknown', 'duplicate', 'duplicate']);
  });

  it('keeps its memory bounded over a long session', () => {
    const clock = manualClock(0);
    const tracker = replyTracker<number>({ clock, timeoutMs: 10, maxPending: 8 });
    let expired = 0;
    for (let i = 0; i < 20000; i++) {
      tracker.track('/r', String(i), i);
      if (i % 3 === 0) tracker.settle('/r', String(i));
      clock.advance(3);
      if (i % 4 === 0) expired += tracker.expire().length;
    }
    expect(expired).toBeGreaterThan(10000);
    expect(tracker.size).toBeLessThanOrEqual(8);
    expect(tracker.expire().length).toBeLessThanOrEqual(8);
  });

  it('refuses bad arguments with typed errors', () => {
    expect(() => replyTracker({ clock: manualClock(0), maxPending: 0 })).toThrow(OptionError);
    const t = replyTracker({ clock: manualClock(0) });
    expect(() => t.track('', '1', 0)).toThrow(AlinkError);
    expect(() => t.track('/r', '1', 0, 0)).toThrow(AlinkError);
  });
});

describe('requestIds', () => {
  it('counts as decimal strings and wraps after max', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 3000 }), (max, count) => {
      const ids = requestIds({ max });
      const got = Array.from({ length: count }, () => ids.next());
      expect(got).toEqual(Array.from({ length: count }, (_, i) => String((i % max) + 1)));
    }), { numRuns: numRuns(50) });
  });

  it('takes ids from a random source or a function, and checks them', () => {
    const r = requestIds({ random: () => Uint8Array.of(0, 0, 1, 0) });
    expect(r.next()).toBe('257');
    const s = requestIds({ source: () => 'abc' });
    expect(s.next()).toBe('abc');
    expect(() => requestIds({ source: () => '' }).next()).toThrow(AlinkError);
    expect(() => requestIds({ random: () => new Uint8Array(2) }).next()).toThrow(AlinkError);
    expect(() => requestIds({ start: 0 })).toThrow(OptionError);
  });
});

describe('codes', () => {
  it('has a message and a description for every code of every scope', () => {
    for (const scope of Object.keys(CODE_SOURCES) as CodeScope[]) {
      const codes = codesOf(scope);
      expect(codes.length).toBeGreaterThan(5);
      for (const c of codes) {
        expect(c.message.length).toBeGreaterThan(0);
        expect(c.description.length).toBeGreaterThan(0);
        expect(codeInfo(c.code, scope)).toBe(c);
      }
    }
  });

  it('explains replies (seed §6, §9.12; EnOS)', () => {
    expect(explainCode(460)).toBe('460 request parameter error: The request parameters are invalid.');
    expect(explainCode(520, 'subdevice', 'device session error')).toContain('device no session');
    expect(explainCode(2001, 'enos')).toContain('user-defined');
    expect(explainCode(99999)).toBe('99999 unknown code');
    expect(codeInfo(110001)).toBeUndefined();
  });
});
