import { describe, expect, it } from 'vitest';
import { manualClock } from '@linkwire/base';
import { DeviceError, createReplyWaiter } from '@linkwire/device';

const POST_REPLY = '/sys/pk/dn/thing/event/property/post_reply';

describe('reply waiter', () => {
  it('settles only on the matching topic and id', async () => {
    const clock = manualClock();
    const t = createReplyWaiter<string>({ clock });
    const p = t.expect(POST_REPLY, '7');
    expect(t.settle('/sys/pk/other/thing/event/property/post_reply', '7', 'wrong')).toBe('unknown');
    expect(t.settle(POST_REPLY, '8', 'wrong')).toBe('unknown');
    expect(t.settle(POST_REPLY, '7', 'right')).toBe('matched');
    await expect(p).resolves.toBe('right');
    expect(t.settle(POST_REPLY, '7', 'again')).toBe('duplicate');
    expect(t.pending).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('a downstream command that shares an id is not a reply', () => {
    const t = createReplyWaiter<string>({ clock: manualClock() });
    void t.expect(POST_REPLY, '7').catch(() => undefined);
    expect(t.settle('/sys/pk/dn/thing/service/property/set', '7', 'cmd')).toBe('not_a_reply');
    expect(t.pending).toBe(1);
  });

  it('expires entries, bounds the table and refuses duplicate ids', async () => {
    const clock = manualClock();
    const t = createReplyWaiter<string>({ clock, timeoutMs: 100, maxPending: 2 });
    const a = t.expect(POST_REPLY, '1');
    await expect(t.expect(POST_REPLY, '1')).rejects.toThrowError(expect.objectContaining({ code: 'duplicate_id' }));
    void t.expect(POST_REPLY, '2').catch(() => undefined);
    await expect(t.expect(POST_REPLY, '3')).rejects.toThrowError(expect.objectContaining({ code: 'too_many_pending' }));
    clock.advance(100);
    await expect(a).rejects.toThrowError(expect.objectContaining({ code: 'reply_timeout' }));
    expect(t.pending).toBe(0);
    expect(t.settle(POST_REPLY, '1', 'late')).toBe('late');
    expect(clock.pending()).toBe(0);
  });

  it('cancelAll rejects everything pending and leaves no timers', async () => {
    const clock = manualClock();
    const t = createReplyWaiter<string>({ clock });
    const a = t.expect(POST_REPLY, '1');
    t.cancelAll(new DeviceError('closed', 'connection closed'));
    await expect(a).rejects.toThrowError(/connection closed/);
    expect(clock.pending()).toBe(0);
  });
});
