import { manualClock, seededRandom } from '@linkwire/base';
import * as device from '@linkwire/device';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('device under hostile data and options', () => {
  hostileSuite('device', device, entries.map((e) => e.name));
});

/** What an async call ends in: `resolved`, or the typed error's code (anything else fails the test). */
async function settled(p: () => Promise<unknown>): Promise<string> {
  try {
    await p();
    return 'resolved';
  } catch (e) {
    return outcome(() => {
      throw e;
    });
  }
}

// The reproducers npm run fuzz found (seed 1389038612) when the nine entry points got fuzz
// entries: each was a TypeError.
describe('device regressions from issue 24 (npm run fuzz)', () => {
  const identity = { productKey: 'a1DevFuzz01', deviceName: 'dev-1' };
  const text = (t: unknown) => async () => ({ status: 200, text: async () => t, arrayBuffer: async () => new ArrayBuffer(0) }) as never;

  it('options of the wrong type are invalid_option before anything runs', async () => {
    expect(outcome(() => device.createHttpsDevice(undefined as never))).toBe('invalid_option');
    expect(outcome(() => device.createCoapDevice(undefined as never))).toBe('invalid_option');
    expect(outcome(() => device.createDeviceClient({ ...identity, deviceSecret: 's', clock: manualClock(0), random: seededRandom(1), dial: () => ({}) as never, endpoint: 'e', transport: Symbol('x') } as never))).toBe('invalid_option');
    expect(outcome(() => device.createDeviceClient(null as never))).toBe('invalid_option');
    expect(outcome(() => device.tokenCredentials([] as never))).toBe('invalid_option');
    expect(await settled(() => device.registerDevice(Symbol('hostile') as never))).toBe('invalid_option');
    expect(await settled(() => device.registerDevice({ ...identity, productSecret: 'p', random: 0, fetch: text('{}') } as never))).toBe('invalid_option');
    expect(await settled(() => device.registerDeviceOverMqtt([[[]]] as never))).toBe('invalid_option');
    expect(await settled(() => device.storedSecret([] as never, [] as never))).toBe('invalid_option');
  });

  it('a clientIdExtra the signer refuses is a typed error at construction (seed 1388310310: connect() retried the refusal for ever)', () => {
    const base = { ...identity, deviceSecret: 's', clock: manualClock(0), random: seededRandom(1), dial: () => ({}) as never, endpoint: 'e', transport: 'tcp' as const };
    expect(outcome(() => device.createDeviceClient({ ...base, clientIdExtra: { a: 1.797693134862314e308 as never } }))).toBe('invalid_field');
    expect(outcome(() => device.createDeviceClient({ ...base, clientIdExtra: { a: 'b' } }))).toBe('returned');
  });

  it('thingFilters with a null-prototype object is invalid_argument (String() used to throw)', () => {
    expect(outcome(() => device.thingFilters(Object.create(null) as never, Object.create(null) as never))).toBe('invalid_argument');
    expect(device.thingFilters('pk', 'dn')[0]).toBe('/sys/pk/dn/thing/service/+');
  });

  it('a fetch answering something that is not a response, a store or register answering no secret, a random source answering no bytes: typed', async () => {
    const https = device.createHttpsDevice({ ...identity, deviceSecret: 's', clock: manualClock(0), random: seededRandom(1), fetch: async () => 5 as never });
    expect(await settled(() => https.postProperties({ a: 1 }))).toBe('invalid_reply');
    const https2 = device.createHttpsDevice({ ...identity, deviceSecret: 's', clock: manualClock(0), random: seededRandom(1), fetch: text(7) });
    expect(await settled(() => https2.postProperties({ a: 1 }))).toBe('invalid_reply');
    expect(await settled(() => device.storedSecret({ load: () => 5 as never, save: () => undefined }, async () => 's'))).toBe('invalid_secret');
    expect(await settled(() => device.storedSecret({ load: () => undefined, save: () => undefined }, async () => 5 as never))).toBe('invalid_secret');
    expect(await settled(() => device.storedSecret({ load: () => undefined, save: () => undefined }, async () => 'fresh'))).toBe('resolved');
    expect(await settled(() => device.registerDevice({ ...identity, productSecret: 'p', random: () => new Uint8Array(2), fetch: text('{}') }))).toBe('invalid_random');
  });
});
