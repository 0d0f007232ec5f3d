/**
 * Every public function of @linkwire/emulator under hostile data and hostile options (see
 * test/support/fuzz). startEmulator opens real sockets, so its cases are few (`slow`) and its
 * host and port are never a value that could bind anything but an ephemeral loopback port.
 */
import { hostileValue } from '@linkwire/base/testing';
import * as emulator from '@linkwire/emulator';
import fc from 'fast-check';
import { data, entry, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

const device = { productKey: 'a1B2c3D4e5F', deviceName: 'lamp01', deviceSecret: 'secret' };
const safeOptions = { devices: [device], host: '127.0.0.1', port: 0, websocket: false, http: false, products: [{ productKey: 'a1B2c3D4e5F', productSecret: 'ps' }], now: () => 1_700_000_000_000, onEvent: () => undefined };
// One field replaced by a hostile value; host and port only by values that cannot bind.
const emulatorOptions = fc.tuple(fc.constantFrom(...Object.keys(safeOptions), 'coap'), hostileValue()).map(([key, value]) => {
  if ((key === 'host' && typeof value === 'string') || (key === 'port' && typeof value === 'number' && Number.isInteger(value))) return { ...safeOptions };
  return { ...safeOptions, [key]: value };
});
const deps = variant({ registry: emulator.createDeviceRegistry([device]), productSecret: () => 'ps', now: () => 0, publish: async () => undefined, iotTokens: new Map(), mqttEndpoint: () => ({ host: '127.0.0.1', port: 1883 }) });

export const entries: FuzzEntry[] = [
  entry('emulator.createDeviceRegistry', (devices: unknown, pk: unknown, dn: unknown) => emulator.createDeviceRegistry(devices as emulator.EmulatorDevice[]).secret(pk as string, dn as string), [variant([device]), data(fc.string()), data(fc.string())]),
  entry('emulator.ownsTopic', emulator.ownsTopic, [data(fc.string()), data(fc.string()), data(fc.constantFrom('/sys/a1B2c3D4e5F/lamp01/thing/event/property/post', '/x'))]),
  entry('emulator.propertyPostReply', emulator.propertyPostReply, [data(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new TextEncoder().encode('{"id":"1","version":"1.0","params":{"a":1},"method":"thing.event.property.post"}'))))]),
  entry('emulator.createHttpAuthHandler', emulator.createHttpAuthHandler, [deps]),
  entry('emulator.startEmulator', async (o: unknown) => {
    const e = await emulator.startEmulator(o as emulator.EmulatorOptions);
    await e.close();
  }, [emulatorOptions], true),
];
