/** Every public function of @linkwire/device under hostile data and hostile options (see test/support/fuzz). */
import { manualClock } from '@linkwire/base';
import { hostileValue } from '@linkwire/base/testing';
import * as device from '@linkwire/device';
import fc from 'fast-check';
import { data, entry, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

export const entries: FuzzEntry[] = [
  entry('device.createReplyWaiter', async (o: unknown, topic: unknown, id: unknown, reply: unknown) => {
    const w = device.createReplyWaiter<unknown>(o as device.ReplyWaiterOptions);
    const waiting = w.expect(topic as string, id as string).catch((e: unknown) => {
      if (!(e instanceof device.DeviceError)) throw e;
    });
    w.settle(topic as string, id as string, reply);
    void w.pending;
    const clock = (o as { clock?: { advance?: unknown } } | undefined)?.clock;
    if (typeof clock?.advance === 'function') (clock.advance as (ms: number) => void)(20_000);
    w.cancelAll(hostileValue as never);
    await waiting;
  }, [variant({ clock: manualClock(0), timeoutMs: 5000, maxPending: 4 }), data(fc.constantFrom('/sys/pk/dn/thing/event/property/post_reply', '')), data(fc.constantFrom('1', '')), hostileValue()]),
  // The default CONNECT signer: the hash package's typed errors, through a promise.
  entry('device.hashPackageHmac', async (algorithm: unknown, secret: unknown, content: unknown) => {
    await device.hashPackageHmac(algorithm as 'sha256', secret as string, content as string);
  }, [data(fc.constantFrom('md5', 'sha1', 'sha256', 'sha512', '')), data(fc.string({ maxLength: 20 })), hostileValue()]),
];
