import * as emulator from '@linkwire/emulator';
import { describe, expect, it } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('emulator under hostile data and options', () => {
  // 40 cases per entry: the three start functions bind real sockets (they get 2 cases each).
  hostileSuite('emulator', emulator, entries.map((e) => e.name), { runs: 40 });
});

describe('emulator regressions from issue 24', () => {
  it('options of the wrong type are refused with invalid_option before any socket opens', async () => {
    for (const bad of [
      null, 'x', { port: -1 }, { port: 1.5 }, { devices: {} }, { devices: [null] }, { coap: 'tls' }, { limits: { maxPacketSize: NaN } }, { onEvent: 1 }, { host: 5 },
      // Products: a bad TSL was a TypeError, a number for a productKey or secret was taken.
      { products: [{ productKey: 'x', tsl: 5 }] }, { products: [{ productKey: 5 }] }, { products: [{ productKey: 'x', productSecret: 5 }] }, { products: [{ productKey: 'x', registerUnknownDevices: 'yes' }] },
    ]) {
      await expect(emulator.startEmulator(bad as never)).rejects.toMatchObject({ code: 'invalid_option' });
    }
    // `[,]`: a hole passed the check (forEach skips holes; fuzz seed 1396163483).
    for (const bad of [null, { port: 70_000 }, { devices: 'x' }, { now: 1 }, { devices: [,] }]) {
      await expect(emulator.startEnosPlatform(bad as never)).rejects.toMatchObject({ code: 'invalid_option' });
    }
    for (const bad of [undefined, {}, { gateway: { productKey: 'pk', deviceName: 'gw' } }, { gateway: { productKey: 1, deviceName: 'gw' }, drivers: [] }]) {
      await expect(emulator.startEdgeGateway(bad as never)).rejects.toMatchObject({ code: 'invalid_option' });
    }
    expect(() => emulator.createBroker(null as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  // The reproducers npm run fuzz found (seeds 1387183357, 1390010420, 1389129093, 1388637797, 1388694073).
  it('hostile data: predicates answer false or undefined, registries and the broker throw typed errors', async () => {
    const who = { key: 'a1FuzzPk001&fuzz-1', actsFor: () => false, manages: () => true };
    expect(emulator.ownerOf([[[]]] as never)).toBeUndefined();
    expect(emulator.canPublish(Object.create(null) as never, '/sys/a1FuzzPk001/fuzz-1/thing/event/property/post')).toBe(false);
    expect(emulator.subscriptionOwner(who, Symbol('hostile') as never)).toBeUndefined();
    expect(() => emulator.createDeviceRegistry(Object.create(null) as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => emulator.createDeviceRegistry([{ productKey: [[1]] as never, deviceName: 'fuzz-1' }])).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(emulator.createDeviceRegistry([]).get('a1FuzzPk001', Symbol('x') as never)).toBeUndefined();
    expect(() => emulator.generateCertificates({ hosts: Symbol('hostile') as never })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    await expect(emulator.startEmulator({ host: ' ' })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(emulator.startEnosPlatform({ devices: [undefined as never] })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(emulator.startEnosPlatform({ devices: [{ productKey: Object.create(null), deviceKey: 'dk' }] })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(emulator.startEdgeGateway({ host: '\u0000', gateway: { productKey: 'pk', deviceName: 'gw' }, drivers: [] })).rejects.toMatchObject({ code: 'invalid_option' });
    const hooks = { authenticate: () => undefined, principal: () => who, authorizePublish: () => 'allow', onMessage: () => undefined, onEvent: () => undefined, now: () => 0 };
    const broker = emulator.createBroker(hooks as never);
    const conn = broker.accept({ transport: 'tcp', write: () => undefined, close: () => undefined });
    expect(() => conn.receive(null as never)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => conn.receive(Uint8Array.from([16, 19, 0, 4, 77, 81, 84, 84, 4, 194, 0, 60, 0, 1, 99, 0, 1, 117, 0, 1, 0]))).toThrow(expect.objectContaining({ code: 'invalid_hook' }));
    broker.close();
  });
});
