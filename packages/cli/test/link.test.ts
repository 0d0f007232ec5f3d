import type { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import { connectMqtt } from '@linkwire/node';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { until } from '../../../test/support/until.ts';
import { linkwireStack, type LinkState } from '../src/sim/link.ts';

// The interface the fleet drives, against a real broker: it must survive a
// dropped connection with its subscriptions, and stop at once when the credentials are refused.
describe('linkwireStack: @linkwire/mqtt\'s reconnecting client over nodeDialer (aedes)', () => {
  let broker: TestBroker & { readonly aedes: Aedes };
  let port = 0;
  let refuse = false;
  beforeAll(async () => {
    broker = await startAedes({
      authenticate: (_c, _u, _p, done) => {
        if (refuse) {
          const e = Object.assign(new Error('bad username or password'), { returnCode: 4 });
          done(e as never, false);
        } else done(null, true);
      },
    });
    port = broker.port;
  });
  afterAll(() => broker.close());

  it('reconnects after the broker drops it, re-signs, re-subscribes and hears messages again', async () => {
    const states: LinkState[] = [];
    const got: string[] = [];
    let signed = 0;
    const link = await linkwireStack.open({
      host: '127.0.0.1', port, minBackoffMs: 50, maxBackoffMs: 200, subscriptions: ['lw/test/in'],
      params: () => ({ clientId: `dev-${++signed}`, keepalive: 60 }),
    }, { onMessage: (_t, p) => got.push(utf8Decode(p)), onState: (s) => states.push(s) });
    expect(link.connected).toBe(true);
    const cloud = await connectMqtt({ host: '127.0.0.1', port, clientId: 'cloud', keepalive: 60 });
    await cloud.session.publish('lw/test/in', 'one', { qos: 1 });
    await until(() => got.includes('one'), 10_000);
    // The broker drops the device's connection.
    for (const c of Object.values((broker.aedes as unknown as { clients: Record<string, { id: string; close(): void }> }).clients)) if (c.id.startsWith('dev-')) c.close();
    await until(() => states.filter((s) => s === 'connected').length === 2, 10_000);
    expect(states).toContain('reconnecting');
    expect(signed).toBe(2);
    await cloud.session.publish('lw/test/in', 'two', { qos: 1 });
    await until(() => got.includes('two'), 10_000);
    await link.publish('lw/test/out', 'still talking', 1);
    link.close();
    cloud.close();
    expect(link.connected).toBe(false);
    await expect(link.publish('lw/test/out', 'x', 0)).rejects.toThrow('not connected');
  });

  it('stops at the first refusal of its credentials (no retry storm)', async () => {
    refuse = true;
    let attempts = 0;
    try {
      await expect(linkwireStack.open({
        host: '127.0.0.1', port, minBackoffMs: 10, retryFirst: true, subscriptions: [],
        params: () => ({ clientId: `refused-${++attempts}`, keepalive: 60 }),
      }, { onMessage: () => undefined })).rejects.toThrow(/bad username or password/);
      expect(attempts).toBe(1);
    } finally {
      refuse = false;
    }
  });
});
