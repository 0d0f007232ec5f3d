import { describe, expect, it } from 'vitest';
import { manualClock } from '@linkwire/base';
import { DeviceError, createReplyTracker, messageIds } from '@linkwire/device';

describe('reply tracker', () => {
  it('settles only on the matching topic and id', async () => {
    const clock = manualClock();
    const t = createReplyTracker<string>({ clock });
    const p = t.expect('/sys/pk/dn/thing/event/property/post_reply', '7');
    expect(t.settle('/sys/pk/other/thing/event/property/post_reply', '7', 'wrong')).toBe(false);
    expect(t.settle('/sys/pk/dn/thing/event/property/post_reply', '8', 'wrong')).toBe(false);
    expect(t.settle('/sys/pk/dn/thing/event/property/post_reply', '7', 'right')).toBe(true);
    await expect(p).resolves.toBe('right');
    expect(t.pending).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('expires entries, bounds the table and refuses duplicate ids', async () => {
    const clock = manualClock();
    const t = createReplyTracker<string>({ clock, timeoutMs: 100, maxPending: 2 });
    const a = t.expect('r', '1');
    await expect(t.expect('r', '1')).rejects.toThrowError(expect.objectContaining({ code: 'duplicate_id' }));
    void t.expect('r', '2').catch(() => undefined);
    await expect(t.expect('r', '3')).rejects.toThrowError(expect.objectContaining({ code: 'too_many_pending' }));
    clock.advance(100);
    await expect(a).rejects.toThrowError(expect.objectContaining({ code: 'reply_timeout' }));
    expect(t.pending).toBe(0);
    expect(t.settle('r', '1', 'late')).toBe(false);
  });

  it('cancelAll rejects everything pending', async () => {
    const clock = manualClock();
    const t = createReplyTracker<string>({ clock });
    const a = t.expect('r', '1');
    t.cancelAll(new DeviceError('closed', 'connection closed'));
    await expect(a).rejects.toThrowError(/connection closed/);
    expect(clock.pending()).toBe(0);
  });
});

describe('message ids', () => {
  it('count up as decimal strings of at most 10 digits and wrap before 2^32', () => {
    const next = messageIds(4294967294);
    expect([next(), next(), next()]).toEqual(['4294967294', '4294967295', '1']);
  });
});
