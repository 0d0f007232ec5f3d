// openMqttSession: one session over one connection from any Dialer (what connectMqtt and
// connectMqttWebSocket are), with the open bounded in time.
import { manualClock, type TransportEvents } from '@linkwire/base';
import { MqttConnectError, MqttError, decodePacket, encodePacket, openMqttSession } from '@linkwire/mqtt';
import { describe, expect, it } from 'vitest';

/** A dialer whose transport the test drives: it records what was sent and how often it was closed. */
function scriptedDialer() {
  const state = { events: undefined as TransportEvents | undefined, sent: [] as Uint8Array[], closed: 0, endpoint: '' };
  const dial = (endpoint: string, events: TransportEvents) => {
    state.endpoint = endpoint;
    state.events = events;
    return { send: (b: Uint8Array) => void state.sent.push(b), close: () => void state.closed++ };
  };
  return { dial, state };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('openMqttSession', () => {
  it('sends CONNECT once the transport opens and resolves with the CONNACK', async () => {
    const clock = manualClock(0);
    const { dial, state } = scriptedDialer();
    const closes: (Error | undefined)[] = [];
    const opening = openMqttSession(dial, 'broker:1883', { clock, clientId: 'c1', keepalive: 30, onClose: (e) => closes.push(e) });
    expect(state.endpoint).toBe('broker:1883');
    expect(state.sent).toEqual([]); // nothing before the transport is open
    state.events!.onOpen!();
    expect(decodePacket(state.sent[0]!)).toMatchObject({ type: 'connect', clientId: 'c1', keepalive: 30 });
    state.events!.onData(encodePacket({ type: 'connack', sessionPresent: false, returnCode: 0 }));
    const c = await opening;
    expect(c.connack.returnCode).toBe(0);
    expect(clock.pending()).toBe(1); // the keepalive; the open timer is gone
    c.close();
    expect(decodePacket(state.sent.at(-1)!)).toEqual({ type: 'disconnect' });
    expect(state.closed).toBe(1);
    expect(closes).toEqual([undefined]);
  });

  it('fails with connect_timeout when the transport never opens (a dead host), and closes it', async () => {
    const clock = manualClock(0);
    const { dial, state } = scriptedDialer();
    const closes: (Error | undefined)[] = [];
    const opening = openMqttSession(dial, 'dead', { clock, clientId: 'c1', connectTimeoutMs: 5000, onClose: (e) => closes.push(e) });
    clock.advance(4999);
    await flush();
    clock.advance(1);
    await expect(opening).rejects.toMatchObject({ code: 'connect_timeout' });
    expect(state.closed).toBe(1);
    expect(closes).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('fails with connect_timeout when the transport opens but no CONNACK comes', async () => {
    const clock = manualClock(0);
    const { dial, state } = scriptedDialer();
    const opening = openMqttSession(dial, 'silent', { clock, clientId: 'c1', connectTimeoutMs: 2000 });
    clock.advance(1000);
    state.events!.onOpen!();
    clock.advance(1000);
    await expect(opening).rejects.toBeInstanceOf(MqttError);
    await expect(opening).rejects.toMatchObject({ code: 'connect_timeout' });
    expect(clock.pending()).toBe(0);
  });

  it('rejects with the transport error when the connection fails before CONNACK', async () => {
    const clock = manualClock(0);
    const { dial, state } = scriptedDialer();
    const opening = openMqttSession(dial, 'refused', { clock, clientId: 'c1' });
    const refused = new Error('connect ECONNREFUSED');
    state.events!.onClose(refused);
    await expect(opening).rejects.toBe(refused);
    expect(clock.pending()).toBe(0);
  });

  it('rejects with the CONNACK refusal, typed', async () => {
    const clock = manualClock(0);
    const { dial, state } = scriptedDialer();
    const opening = openMqttSession(dial, 'b', { clock, clientId: 'c1' });
    state.events!.onOpen!();
    state.events!.onData(encodePacket({ type: 'connack', sessionPresent: false, returnCode: 4 }));
    await expect(opening).rejects.toBeInstanceOf(MqttConnectError);
    expect(state.closed).toBe(1);
  });

  it('checks its options before dialling', () => {
    const { dial, state } = scriptedDialer();
    expect(() => openMqttSession(dial, 'b', { clock: manualClock(0), clientId: 'c1', onClose: 1 as never })).toThrow(/onClose/);
    expect(() => openMqttSession(1 as never, 'b', { clock: manualClock(0), clientId: 'c1' })).toThrow(/dial/);
    expect(state.events).toBeUndefined();
  });
});
