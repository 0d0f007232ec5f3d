/**
 * Every public function of @linkwire/embedded under hostile data and hostile options (see
 * test/support/fuzz): a host of the wrong shape, and a well-formed host whose answers and
 * callbacks carry hostile values (ids, bytes, reasons, random bytes, clock readings), driven
 * through a random sequence of timer, stream and random calls.
 */
import { hostileValue } from '@linkwire/base/testing';
import { createEmbeddedRuntime, type EmbeddedHost, type EmbeddedRuntime } from '@linkwire/embedded';
import fc from 'fast-check';
import { data, entry, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { settle } from '../../../test/support/fuzz/loopback-broker.ts';

const host: EmbeddedHost = {
  now: () => 1_700_000_000_000,
  setTimer: () => undefined,
  clearTimer: () => undefined,
  randomBytes: (n) => new Uint8Array(n),
  connect: () => undefined,
  send: () => undefined,
  close: () => undefined,
};

type Op =
  | { readonly op: 'timer'; readonly ms: unknown; readonly fn: unknown }
  | { readonly op: 'cancel' }
  | { readonly op: 'dial'; readonly endpoint: unknown }
  | { readonly op: 'send'; readonly bytes: unknown }
  | { readonly op: 'close' }
  | { readonly op: 'fired' | 'opened'; readonly id: unknown }
  | { readonly op: 'received'; readonly id: unknown; readonly bytes: unknown }
  | { readonly op: 'closed'; readonly id: unknown; readonly reason: unknown }
  | { readonly op: 'random'; readonly n: unknown }
  | { readonly op: 'now' };

const id = data(fc.integer({ min: 0, max: 4 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('timer' as const), ms: data(fc.nat(1000)), fn: fc.oneof(fc.constant(() => undefined), hostileValue()) }),
  fc.constant({ op: 'cancel' as const }),
  fc.record({ op: fc.constant('dial' as const), endpoint: data(fc.constantFrom('tcp://127.0.0.1:1883', 'tls://h:8883')) }),
  fc.record({ op: fc.constant('send' as const), bytes: data(fc.uint8Array({ maxLength: 16 })) }),
  fc.constant({ op: 'close' as const }),
  fc.record({ op: fc.constantFrom('fired' as const, 'opened' as const), id }),
  fc.record({ op: fc.constant('received' as const), id, bytes: data(fc.uint8Array({ maxLength: 16 })) }),
  fc.record({ op: fc.constant('closed' as const), id, reason: data(fc.constantFrom(undefined, 'reset by peer')) }),
  fc.record({ op: fc.constant('random' as const), n: data(fc.nat(32)) }),
  fc.constant({ op: 'now' as const }),
);

/** Runs the ops; what the runtime hands the client (events, errors) must be typed where it is an error. */
async function drive(h: unknown, ops: readonly Op[]): Promise<void> {
  const rt: EmbeddedRuntime = createEmbeddedRuntime(h as EmbeddedHost);
  const cancels: (() => void)[] = [];
  const streams: { send(b: Uint8Array): void; close(): void }[] = [];
  const closes: unknown[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'timer': cancels.push(rt.clock.setTimer(o.ms as number, o.fn as () => void)); break;
      case 'cancel': cancels.pop()?.(); break;
      case 'dial': streams.push(rt.dial(o.endpoint as string, { onOpen: () => undefined, onData: () => undefined, onClose: (e) => void closes.push(e) })); break;
      case 'send': streams[streams.length - 1]?.send(o.bytes as Uint8Array); break;
      case 'close': streams.pop()?.close(); break;
      case 'fired': rt.timerFired(o.id as number); break;
      case 'opened': rt.opened(o.id as number); break;
      case 'received': rt.received(o.id as number, o.bytes as Uint8Array); break;
      case 'closed': rt.closed(o.id as number, o.reason as string); break;
      case 'random': rt.random(o.n as number); break;
      case 'now': rt.clock.now(); break;
    }
    await settle(2);
  }
  await settle();
  // A stream's close reason is undefined or an Error (the client reads its message).
  for (const e of closes) if (e !== undefined && !(e instanceof Error)) throw new Error(`onClose got ${String(e)}`);
  void rt.pending;
}

export const entries: FuzzEntry[] = [
  entry('embedded.createEmbeddedRuntime', drive, [fc.oneof({ weight: 3, arbitrary: fc.constant(host) }, { weight: 1, arbitrary: variant(host) }), fc.array(op, { maxLength: 12 })]),
];
