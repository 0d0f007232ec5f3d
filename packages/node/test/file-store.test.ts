import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '@linkwire/base';
import { fileStore } from '@linkwire/node';

const dirs: string[] = [];
const file = () => {
  const d = mkdtempSync(join(tmpdir(), 'linkwire-store-'));
  dirs.push(d);
  return join(d, 'outgoing.log');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const msg = (seq: number, body = `m${seq}`) => ({ seq, topic: `t/${seq}`, payload: utf8Encode(body), retain: seq % 2 === 0 });

describe('fileStore', () => {
  it('keeps what was put and not deleted across reopen, in seq order, byte for byte', async () => {
    const path = file();
    const a = fileStore(path);
    expect(a.load()).toEqual([]);
    await Promise.all([a.put(msg(3)), a.put(msg(1)), a.put(msg(2, 'ünïcode ✓'))]);
    await a.delete(1);
    await a.close();
    const b = fileStore(path);
    const loaded = b.load();
    expect(loaded.map((m) => [m.seq, m.topic, utf8Decode(m.payload), m.retain])).toEqual([[2, 't/2', 'ünïcode ✓', true], [3, 't/3', 'm3', false]]);
    await b.close();
  });

  it('writes one batch per event-loop turn, fsync\'d before the promises resolve', async () => {
    const path = file();
    const s = fileStore(path);
    s.load();
    const puts = Array.from({ length: 100 }, (_, i) => s.put(msg(i + 1)));
    expect(puts.every((p) => p === puts[0])).toBe(true); // one group commit
    await puts[0];
    expect(statSync(path).size).toBe(s.fileBytes);
    await s.close();
  });

  it('cuts off a torn tail (a crash mid-write) and a corrupt record, keeping everything before', async () => {
    const path = file();
    const s = fileStore(path);
    s.load();
    await Promise.all([s.put(msg(1)), s.put(msg(2))]);
    await s.close();
    const whole = statSync(path).size;
    appendFileSync(path, Uint8Array.from([0x50, 0, 0, 0, 40, 1, 2, 3, 4, 5])); // a put record cut short
    const t = fileStore(path);
    expect(t.load().length).toBe(2);
    expect(statSync(path).size).toBe(whole);
    await t.put(msg(3));
    await t.close();
    // Flip a payload byte of the last record: its CRC fails and it is dropped, the others stay.
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(path, bytes);
    const u = fileStore(path);
    expect(u.load().map((m) => m.seq)).toEqual([1, 2]);
    await u.close();
    truncateSync(path, 3);
    const v = fileStore(path);
    expect(v.load()).toEqual([]);
    await v.close();
  });

  it('compacts once the log is mostly deleted records, and the compacted log loads the same', async () => {
    const path = file();
    const s = fileStore(path, { compactAboveBytes: 4096 });
    s.load();
    const big = 'x'.repeat(200);
    for (let i = 1; i <= 100; i++) {
      await s.put(msg(i, big));
      if (i % 10 !== 0) await s.delete(i);
    }
    expect(s.size).toBe(10);
    expect(s.fileBytes).toBeLessThan(4096 + 300);
    expect(statSync(path).size).toBe(s.fileBytes);
    await s.close();
    const t = fileStore(path);
    expect(t.load().map((m) => m.seq)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    await t.close();
  });

  it('refuses writes after close with a rejected promise, not a throw', async () => {
    const s = fileStore(file());
    s.load();
    await s.close();
    await expect(s.put(msg(1))).rejects.toThrowError(/closed/);
  });
});
