import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMessageLog, matches, type LogEntry, type LogQuery } from '../src/admin/log.ts';
import { numRuns } from '../../../test/support/fast-check.ts';

// The console's message log: a bounded ring whose pages, filters and cursors agree with a plain
// list of every entry ever added (the model), whatever the capacity and the wrap-around.

const entryArb = fc.record({
  device: fc.constantFrom('a1Pk/dev-1', 'a1Pk/dev-2', 'b2Pk/dev-1'),
  topic: fc.constantFrom('/sys/a1Pk/dev-1/thing/event/property/post', '/sys/a1Pk/dev-1/thing/event/property/post_reply', '/shadow/get/a1Pk/dev-2', '/ota/device/inform/b2Pk/dev-1'),
  direction: fc.constantFrom('up' as const, 'down' as const),
  presence: fc.boolean(),
});
const queryArb = fc.record({
  device: fc.option(fc.constantFrom('a1Pk/dev-1', 'a1Pk', 'b2Pk/dev-1', 'zz/none'), { nil: undefined }),
  topic: fc.option(fc.constantFrom('/sys/+/+/thing/event/property/post', '/sys/#', '/shadow/get/a1Pk/dev-2', '#'), { nil: undefined }),
  before: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }),
  after: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  limit: fc.integer({ min: 1, max: 30 }),
});

describe('message log', () => {
  it('pages newest first like a filter over the retained entries, across the ring wrapping', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 25 }), fc.array(entryArb, { maxLength: 70 }), queryArb, (capacity, specs, q) => {
      const log = createMessageLog(capacity);
      const all: LogEntry[] = [];
      for (const s of specs) {
        const [productKey, deviceName] = s.device.split('/') as [string, string];
        all.push(s.presence
          ? log.add({ kind: 'online', time: 1, productKey, deviceName, detail: 'tcp' })
          : log.add({ kind: 'message', time: 1, direction: s.direction, productKey, deviceName, topic: s.topic, payload: '{}', truncated: false, code: undefined, method: undefined }));
      }
      const query: LogQuery = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as unknown as LogQuery;
      const retained = all.slice(-capacity).reverse();
      const expected = retained.filter((e) => (query.before === undefined || e.seq < query.before) && (query.after === undefined || e.seq > query.after) && matches(e, query));
      const page = log.query(query);
      expect(page.entries).toEqual(expected.slice(0, query.limit));
      expect(page.next).toBe(expected.length > query.limit ? expected[query.limit - 1]!.seq : undefined);
      expect(log.size).toBe(Math.min(capacity, all.length));
    }), { numRuns: numRuns(300) });
  });

  it('tells listeners of every entry, and a throwing listener does not stop the others', () => {
    const log = createMessageLog(3);
    const seen: number[] = [];
    log.listen(() => {
      throw new Error('a closed stream');
    });
    const stop = log.listen((e) => seen.push(e.seq));
    for (let i = 0; i < 5; i++) log.add({ kind: 'offline', time: i, productKey: 'a1Pk', deviceName: 'dev-1', detail: 'gone' });
    stop();
    log.add({ kind: 'offline', time: 9, productKey: 'a1Pk', deviceName: 'dev-1', detail: 'gone' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(log.query({ limit: 10 }).entries.map((e) => e.seq)).toEqual([6, 5, 4]);
  });
});
