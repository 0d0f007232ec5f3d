// The driver SDK's examples (aliyun-link-iot-edge-developer-guide.txt §1.2 Node.js, §1.3 Python,
// §1.1 C) transcribed, each driver connected to the gateway side (createEdgeHub) through an
// in-memory byte pipe: the same bytes as over TCP, no sockets.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8Encode, type ByteTransport, type Dialer, type TransportEvents } from '@linkwire/base';
import { encodePacket } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import {
  Config, ERROR_GET_TSL, ERROR_GET_TSL_EXT_INFO, RESULT_SUCCESS, ThingAccessClient, connectDriver, createEdgeHub, getConfig,
  type DriverRuntime, type EdgeHub, type HubEvent, type ThingCallbacks,
} from '@linkwire/edge';
import { nodeClock, nodeRandom } from '@linkwire/node';
import { LIGHT_PK, driverConfig, lightTsl } from './fixtures.ts';
import { numRuns } from '../../../test/support/fast-check.ts';
import { until } from '../../../test/support/until.ts';

const GATEWAY = { productKey: 'a1EdgeGw001', deviceName: 'edge-gateway-1' };
const TSL_EXT = JSON.stringify({ profile: { productKey: LIGHT_PK }, properties: [{ identifier: 'temperature', registerAddress: '0x01', operateType: 'inputRegister' }], events: [], services: [] });

function newHub(events: HubEvent[] = []): EdgeHub {
  return createEdgeHub({
    clock: nodeClock,
    gateway: GATEWAY,
    drivers: [{ driverId: 'thermo-driver', driverSecret: 's3cret-driver', config: driverConfig(['Thermo1', 'Thermo2']) }],
    tsl: (pk) => (pk === LIGHT_PK ? lightTsl : undefined),
    tslExtInfo: (pk) => (pk === LIGHT_PK ? TSL_EXT : undefined),
    onEvent: (e) => events.push(e),
    replyTimeoutMs: 1000,
  });
}

/**
 * A dialer (the @linkwire/base seam) that connects a driver to a hub in memory; bytes and
 * events are handed over on a later microtask, as a socket would.
 */
function memoryDialer(hub: EdgeHub): Dialer<null> & { cut(): void } {
  let cutAll = (): void => undefined;
  const dial = (_endpoint: null, events: TransportEvents): ByteTransport => {
    let open = true;
    const conn = hub.accept(
      (bytes) => void (open && queueMicrotask(() => events.onData(bytes))),
      () => {
        if (!open) return;
        open = false;
        queueMicrotask(() => events.onClose());
      },
    );
    queueMicrotask(() => events.onOpen?.());
    cutAll = () => {
      if (!open) return;
      open = false;
      conn.closed();
      events.onClose(new Error('cut'));
    };
    return {
      send: (bytes) => void (open && queueMicrotask(() => conn.receive(bytes.slice()))),
      close: () => {
        if (!open) return;
        open = false;
        conn.closed();
        queueMicrotask(() => events.onClose());
      },
    };
  };
  return Object.assign(dial, { cut: () => cutAll() });
}

const runtimes: DriverRuntime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.destroy().catch(() => undefined);
});

async function driverOf(hub: EdgeHub, secret = 's3cret-driver'): Promise<DriverRuntime> {
  const r = await connectDriver({ dial: memoryDialer(hub), endpoint: null, clock: nodeClock, random: nodeRandom, driverId: 'thermo-driver', driverSecret: secret, gateway: GATEWAY });
  runtimes.push(r);
  return r;
}

describe('the seed\'s driver examples', () => {
  it('§1.2 Node.js: Config.get(), a ThingAccessClient per ThingInfo, registerAndOnline, reportEvent and reportProperties', async () => {
    const events: HubEvent[] = [];
    const hub = newHub(events);
    const driver = await driverOf(hub);
    const callbacks: ThingCallbacks = {
      setProperties: function (_properties) {
        return { code: 0, message: 'success' };
      },
      getProperties: function (_keys) {
        return { code: 0, message: 'success', params: { key1: 'value1', key2: 'value2' } };
      },
      callService: function (_name, _args) {
        return new Promise((resolve) => resolve({ code: 0, message: 'success' }));
      },
    };
    // Config.get() and new ThingAccessClient(thingInfo, callbacks), the runtime named explicitly.
    const config = await Config.get(driver);
    const thingInfos = config.getThingInfos();
    for (const thingInfo of thingInfos) {
      const client = new ThingAccessClient(thingInfo, callbacks, driver);
      await client.registerAndOnline();
      await client.reportEvent('high_temperature', { temperature: 41 });
      await client.reportProperties({ temperature: 41 });
    }
    const seen = events.filter((e) => e.type !== 'driver_connected').map((e) => [e.type, 'deviceName' in e ? e.deviceName : '']);
    expect(seen).toEqual([
      ['registered', 'Thermo1'], ['online', 'Thermo1'], ['event', 'Thermo1'], ['properties', 'Thermo1'],
      ['registered', 'Thermo2'], ['online', 'Thermo2'], ['event', 'Thermo2'], ['properties', 'Thermo2'],
    ]);
    const ev = events.find((e) => e.type === 'event') as Extract<HubEvent, { type: 'event' }>;
    expect([ev.eventId, ev.params['value']]).toEqual(['high_temperature', { temperature: 41 }]);
    // The gateway asks; the Node callbacks answer (the seed's getProperties returns key1/key2).
    const got = await hub.backend.getProperties(LIGHT_PK, 'Thermo1', ['temperature']);
    expect(got).toEqual({ key1: 'value1', key2: 'value2' });
    expect(await hub.backend.callService(LIGHT_PK, 'Thermo2', 'turn', { LightSwitch: 1 })).toEqual({});
  });

  it('§1.3 Python: a ThingCallback class returning (code, output) tuples', async () => {
    const events: HubEvent[] = [];
    const hub = newHub(events);
    const driver = await driverOf(hub);
    // class Temperature_device(lethingaccesssdk.ThingCallback)
    class TemperatureDevice implements ThingCallbacks {
      temperature = 41;
      humidity = 80;
      getProperties(_inputValue: string[]) {
        const retDict = { temperature: 41, humidity: 80 };
        return [0, retDict] as const;
      }
      setProperties(_inputValue: object) {
        return [0, {}] as const;
      }
      callService(_name: string, _inputValue: object) {
        return [0, {}] as const;
      }
    }
    const thingConfig = (await driver.config()).getThingInfos();
    for (const config of thingConfig) {
      const device = new TemperatureDevice();
      const client = driver.thingAccessClient(config, device);
      await client.registerAndOnline();
      // thing_behavior(client, device)
      await client.reportProperties({ temperature: device.temperature, humidity: device.humidity });
      await client.reportEvent('high_temperature', { temperature: 41 });
    }
    expect(await hub.backend.getProperties(LIGHT_PK, 'Thermo2', ['temperature', 'humidity'])).toEqual({ temperature: 41, humidity: 80 });
    expect(events.filter((e) => e.type === 'properties')).toHaveLength(2);
  });

  it('§1.1 C: leda_get_tsl, leda_get_tsl_ext_info, leda_get_device_handle, the config-changed callback, leda_exit', async () => {
    const hub = newHub();
    const driver = await driverOf(hub);
    const tsl = await driver.getTsl(LIGHT_PK);
    expect(JSON.parse(tsl).profile.productKey).toBe(LIGHT_PK);
    expect(JSON.parse(await driver.getTslExtInfo(LIGHT_PK)).properties[0].registerAddress).toBe('0x01');
    await expect(driver.getTsl('a1Unknown')).rejects.toMatchObject({ code: ERROR_GET_TSL });
    await expect(driver.getTslExtInfo('a1Unknown')).rejects.toMatchObject({ code: ERROR_GET_TSL_EXT_INFO });
    const client = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) });
    await client.registerAndOnline();
    expect(driver.getDeviceHandle(LIGHT_PK, 'Thermo1')).toBe(client);
    expect(JSON.parse(await client.getTslExtInfo()).profile.productKey).toBe(LIGHT_PK);
    expect(await client.getTslConfig()).toBe(await client.getTslExtInfo());
    const changes: string[] = [];
    Config.registerChangedCallback(driver, (c) => changes.push(c));
    expect(JSON.parse(await getConfig(driver)).deviceList).toHaveLength(2);
    expect(() => new ThingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) }, {} as never)).toThrowError(expect.objectContaining({ code: 'invalid_runtime' }));
    hub.setDriverConfig('thermo-driver', driverConfig(['Thermo1', 'Thermo2', 'Thermo3']));
    await until(() => changes.length === 1);
    expect(JSON.parse(changes[0]!).deviceList).toHaveLength(3);
    expect((await driver.config()).getThingInfos()).toHaveLength(3);
    await driver.destroy();
    expect(hub.backend.listThings().find((t) => t.DeviceName === 'Thermo1')?.Status).toBe('Offline');
  });
});

describe('the model guards both directions', () => {
  it('a set or a service call outside the TSL never reaches the callback; a bad report never leaves the driver', async () => {
    const hub = newHub();
    const driver = await driverOf(hub);
    const calls: string[] = [];
    const client = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo1' }, {
      setProperties: (p) => (calls.push(`set ${JSON.stringify(p)}`), { code: RESULT_SUCCESS }),
      getProperties: () => ({ code: RESULT_SUCCESS }),
      callService: (n) => (calls.push(`call ${n}`), { code: RESULT_SUCCESS }),
    });
    await client.registerAndOnline();
    await expect(hub.backend.setProperties(LIGHT_PK, 'Thermo1', { temperature: 1000 })).rejects.toMatchObject({ status: 400 });
    await expect(hub.backend.callService(LIGHT_PK, 'Thermo1', 'nope', {})).rejects.toMatchObject({ status: 400 });
    await expect(hub.backend.callService(LIGHT_PK, 'Thermo1', 'setColor', { color: 5 })).rejects.toMatchObject({ status: 400 });
    // The seed's Node example sets LightSwitch to the text '1': coerced to the model's type.
    await hub.backend.setProperties(LIGHT_PK, 'Thermo1', { LightSwitch: '1' });
    expect(calls).toEqual(['set {"LightSwitch":1}']);
    await expect(client.reportProperties({ humidity: -5 })).rejects.toMatchObject({ code: 'invalid_properties' });
  });

  it('a failing callback answers its code and message; a throwing one answers RESULT_FAILURE', async () => {
    const hub = newHub();
    const driver = await driverOf(hub);
    const client = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo2' }, {
      setProperties: () => ({ code: 7, message: 'relay stuck' }),
      getProperties: () => {
        throw new Error('bus error');
      },
      callService: () => 'not a result' as never,
    });
    await client.registerAndOnline();
    await expect(hub.backend.setProperties(LIGHT_PK, 'Thermo2', { LightSwitch: 1 })).rejects.toMatchObject({ status: 500, message: 'relay stuck' });
    await expect(hub.backend.getProperties(LIGHT_PK, 'Thermo2', ['temperature'])).rejects.toMatchObject({ status: 500, message: 'bus error' });
    await expect(hub.backend.callService(LIGHT_PK, 'Thermo2', 'turn', { LightSwitch: 1 })).rejects.toMatchObject({ status: 500 });
  });
});

describe('the gateway side refuses what a driver must not do', () => {
  it('a wrong secret or an unknown driver is refused at CONNECT', async () => {
    const hub = newHub();
    await expect(driverOf(hub, 'wrong')).rejects.toMatchObject({ code: 'ERROR_CONNECT' });
  });

  it('a new sign-in of the same driver replaces the old connection; a cut takes its devices offline', async () => {
    const hub = newHub();
    const first = await driverOf(hub);
    const c1 = first.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) });
    await c1.registerAndOnline();
    const second = await driverOf(hub);
    await until(() => !first.connected);
    expect(hub.backend.listThings().find((t) => t.DeviceName === 'Thermo1')?.Status).toBe('Offline');
    const c2 = second.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0, params: { temperature: 3 } }), callService: () => ({ code: 0 }) });
    await c2.online();
    expect(await hub.backend.getProperties(LIGHT_PK, 'Thermo1', ['temperature'])).toEqual({ temperature: 3 });
  });

  it('a lost connection is dialled again and the devices that were online come back online', async () => {
    const hub = newHub();
    const dial = memoryDialer(hub);
    let reconnected = 0;
    const driver = await connectDriver({ dial, endpoint: null, clock: nodeClock, random: nodeRandom, driverId: 'thermo-driver', driverSecret: 's3cret-driver', gateway: GATEWAY, reconnect: { minDelayMs: 5, maxDelayMs: 20 }, onReconnect: () => reconnected++ });
    runtimes.push(driver);
    const c = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'Thermo2' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0, params: { temperature: 7 } }), callService: () => ({ code: 0 }) });
    await c.registerAndOnline();
    dial.cut();
    expect(hub.backend.listThings().find((t) => t.DeviceName === 'Thermo2')?.Status).toBe('Offline');
    await until(() => reconnected === 1);
    expect(hub.backend.listThings().find((t) => t.DeviceName === 'Thermo2')?.Status).toBe('Online');
    expect(await hub.backend.getProperties(LIGHT_PK, 'Thermo2', ['temperature'])).toEqual({ temperature: 7 });
    await c.reportProperties({ temperature: 8 });
  });

  it('a sign-in the gateway refuses after a reconnect is reported once and not retried', async () => {
    const hub = newHub();
    const stranger = createEdgeHub({ clock: nodeClock, gateway: GATEWAY, drivers: [] });
    let target = hub;
    let dials = 0;
    const viaHub = memoryDialer(hub);
    const swapping = Object.assign((e: null, ev: TransportEvents) => (dials++, (target === hub ? viaHub : memoryDialer(stranger))(e, ev)), { cut: viaHub.cut });
    const closes: Error[] = [];
    const driver = await connectDriver({ dial: swapping, endpoint: null, clock: nodeClock, random: nodeRandom, driverId: 'thermo-driver', driverSecret: 's3cret-driver', gateway: GATEWAY, reconnect: { minDelayMs: 1, maxDelayMs: 2 }, onClose: (e) => e && closes.push(e) });
    runtimes.push(driver);
    target = stranger;
    swapping.cut();
    await until(() => closes.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(dials).toBe(2);
    expect(closes[1]).toMatchObject({ code: 'ERROR_CONNECT', message: expect.stringMatching(/not authorized/) });
  });

  it('a replayed CONNECT (timestamp outside the window) is refused', () => {
    const hub = newHub();
    const sent: Uint8Array[] = [];
    let closed = false;
    const conn = hub.accept((b) => sent.push(b), () => (closed = true));
    const creds = mqttCredentials({ productKey: GATEWAY.productKey, deviceName: 'thermo-driver', deviceSecret: 's3cret-driver', clientId: 'thermo-driver', secureMode: 3, timestamp: Date.now() - 3_600_000 });
    conn.receive(encodePacket({ type: 'connect', clientId: creds.clientId, cleanSession: true, keepalive: 60, username: creds.username, password: utf8Encode(creds.password) }));
    expect(sent.map((b) => b[3])).toEqual([4]); // CONNACK 4: bad username or password
    expect(closed).toBe(true);
  });

  it('an authenticated driver\'s arbitrary messages get replies or nothing, never a throw, and never touch another driver\'s devices (property)', () => {
    const events: HubEvent[] = [];
    const hub = newHub(events);
    const creds = mqttCredentials({ productKey: GATEWAY.productKey, deviceName: 'thermo-driver', deviceSecret: 's3cret-driver', clientId: 'thermo-driver', secureMode: 3, timestamp: Date.now() });
    const topic = fc.oneof(
      fc.constantFrom(
        `/sys/${GATEWAY.productKey}/${GATEWAY.deviceName}/thing/topo/add`, `/ext/session/${GATEWAY.productKey}/${GATEWAY.deviceName}/combine/login`,
        `/sys/${LIGHT_PK}/Thermo1/thing/event/property/post`, `/sys/${LIGHT_PK}/Thermo1/thing/event/high_temperature/post`, `/sys/${LIGHT_PK}/Other/thing/event/property/post`,
        `/sys/${LIGHT_PK}/Thermo1/thing/service/property/set_reply`, `/ext/edge/${GATEWAY.productKey}/${GATEWAY.deviceName}/driver/tsl/ext/get`, `/sys/${LIGHT_PK}/Thermo1/thing/dsltemplate/get`,
      ),
      fc.string({ minLength: 1, maxLength: 40 }).filter((t) => !/[+#\u0000]/.test(t)),
    );
    const payload = fc.oneof(
      fc.json().map((j) => utf8Encode(j)),
      fc.record({ id: fc.oneof(fc.string(), fc.nat()), version: fc.constant('1.0'), params: fc.oneof(fc.json().map((j) => JSON.parse(j) as unknown), fc.constant([{ productKey: LIGHT_PK, deviceName: 'Thermo1' }])), method: fc.string() }).map((r) => utf8Encode(JSON.stringify(r))),
      fc.uint8Array({ maxLength: 50 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(topic, payload), { maxLength: 8 }), (messages) => {
        const sent: Uint8Array[] = [];
        const conn = hub.accept((b) => sent.push(b), () => undefined);
        conn.receive(encodePacket({ type: 'connect', clientId: creds.clientId, cleanSession: true, keepalive: 60, username: creds.username, password: utf8Encode(creds.password) }));
        conn.receive(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] }));
        let id = 2;
        for (const [t, p] of messages) conn.receive(encodePacket({ type: 'publish', topic: t, payload: p, qos: 1, retain: false, dup: false, messageId: id++ }));
        conn.closed();
      }),
      { numRuns: numRuns(200) },
    );
    expect(events.some((e) => 'deviceName' in e && e.deviceName === 'Other')).toBe(false);
    hub.close();
  });

  it('junk bytes close the connection and never throw (property)', () => {
    const hub = newHub();
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
        const conn = hub.accept(() => undefined, () => undefined);
        for (const c of chunks) conn.receive(c);
        conn.closed();
      }),
      { numRuns: numRuns(300) },
    );
    hub.close();
  });
});
