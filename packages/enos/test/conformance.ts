import { manualClock, seededRandom, type Dialer } from '@linkwire/base';
import { DeviceClient, DeviceInfo, Emitter, GatewayClient, SECURE_MODE, SubDeviceInfo, createEnosRestClient, parseBrokerUrl, type BrokerEndpoint } from '@linkwire/enos';
import { enosMqttCredentials } from '@linkwire/sign';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

const noDial: Dialer<BrokerEndpoint> = () => ({ send() {}, close() {} });
const runtime = { clock: manualClock(0), random: seededRandom(1), dial: noDial };

/** The EnOS client's synchronous surface, in every runtime (enos-device-sdk-nodejs-api.txt, PROTOCOL-NOTES.md). */
export const cases: ConformanceCase[] = [
  {
    name: 'enos: SECURE_MODE as the seed names it (plus the integration channel)',
    run() {
      equal(SECURE_MODE.VIA_DEVICE_SECRET, 2, 'VIA_DEVICE_SECRET');
      equal(SECURE_MODE.VIA_PRODUCT_SECRET, 3, 'VIA_PRODUCT_SECRET');
      equal(SECURE_MODE.VIA_INTEGRATION_CHANNEL, 4, 'VIA_INTEGRATION_CHANNEL');
    },
  },
  {
    name: 'enos: broker URLs with EnOS default ports (TCP 11883, TLS 18883, WSS 18885)',
    run() {
      equal(parseBrokerUrl('tcp://broker.example'), { url: 'tcp://broker.example', protocol: 'tcp', host: 'broker.example', port: 11883 }, 'tcp');
      equal(parseBrokerUrl('ssl://broker.example').port, 18883, 'ssl');
      equal(parseBrokerUrl('wss://broker.example/mqtt').port, 18885, 'wss');
      throwsCode(() => parseBrokerUrl('http://broker.example'), 'invalid_option', 'http');
    },
  },
  {
    name: 'enos: DeviceInfo and SubDeviceInfo keep the seed fields and refuse missing keys',
    run() {
      const d = new DeviceInfo({ productKey: 'productKey', deviceKey: 'deviceKey', deviceSecret: 'deviceSecret' });
      equal([d.productKey, d.deviceKey, d.deviceSecret, d.productSecret], ['productKey', 'deviceKey', 'deviceSecret', undefined], 'DeviceInfo');
      const s = new SubDeviceInfo({ productKey: 'productKey', deviceKey: 'deviceKey', deviceSecret: 'deviceSecret', timestamp: 1, clientId: 'c', cleanSession: true });
      equal([s.timestamp, s.clientId, s.cleanSession], [1, 'c', true], 'SubDeviceInfo');
      throwsCode(() => new DeviceInfo({ productKey: '', deviceKey: 'd' }), 'invalid_option', 'empty productKey');
    },
  },
  {
    name: "enos: DeviceClient and GatewayClient expose the seed's namespaces before connecting",
    run() {
      const c = new GatewayClient({ brokerUrl: 'tcp://h', secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey: 'pk', deviceKey: 'gateway1', deviceSecret: 's' }, runtime);
      equal([c.connected, c.reconnected], [false, false], 'flags');
      for (const m of ['queryTag', 'updateTag', 'deleteTag', 'queryAttribute', 'updateAttribute', 'deleteAttribute', 'postMeasurepoint', 'resumeMeasurepoint', 'batchPostMeasurepoint', 'batchResumeMeasurepoint', 'postEvent', 'upRawModel']) {
        ok(typeof (c.deviceData as unknown as Record<string, unknown>)[m] === 'function', `deviceData.${m}`);
      }
      for (const m of ['onInvokeService', 'onSetMeasurepoint']) ok(typeof (c.deviceCommand as unknown as Record<string, unknown>)[m] === 'function', `deviceCommand.${m}`);
      for (const m of ['registerDevice', 'getTopo', 'addTopo', 'deleteTopo', 'loginSubDevice', 'logoutSubDevice', 'batchLoginSubDevice', 'onSubDevicesEnable', 'onSubDevicesDisable', 'onSubDevicesDelete']) {
        ok(typeof (c.subDeviceManagement as unknown as Record<string, unknown>)[m] === 'function', `subDeviceManagement.${m}`);
      }
      throwsCode(() => new DeviceClient({ brokerUrl: 'tcp://h', productKey: 'pk', deviceKey: 'dev1', deviceSecret: 's' }), 'invalid_option', 'no runtime');
      throwsCode(() => new DeviceClient({ brokerUrl: 'tcp://h', secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: 'pk', deviceKey: 'dev1' }, runtime), 'invalid_option', 'mode 3 without productSecret');
    },
  },
  {
    name: 'enos: deviceKeys are 4-64 of letters, digits and -_. (EnOS device limitations)',
    run() {
      const key = 'k'.repeat(62) + '_.';
      equal(enosMqttCredentials({ productKey: 'pk', deviceKey: key, deviceSecret: 's', timestamp: 1 }).username, `${key}&pk`, '64 characters');
      throwsCode(() => enosMqttCredentials({ productKey: 'pk', deviceKey: 'dev@1', deviceSecret: 's', timestamp: 1 }), 'invalid_field', '@ refused');
      throwsCode(() => enosMqttCredentials({ productKey: 'pk', deviceKey: 'k'.repeat(65), deviceSecret: 's', timestamp: 1 }), 'invalid_field', '65 characters');
    },
  },
  {
    name: 'enos: the REST client refuses incomplete options',
    run() {
      throwsCode(() => createEnosRestClient({ apiGateway: 'https://gw', appKey: '', appSecret: 's', fetch: () => Promise.reject(new Error('unused')), clock: { now: () => 0 } }), 'invalid_argument', 'appKey');
    },
  },
  {
    name: 'enos: the event emitter (on, once, off; a throwing listener becomes an error event)',
    run() {
      const e = new Emitter<{ a: (n: number) => void; error: (err: Error) => void }>();
      const seen: unknown[] = [];
      e.once('a', (n) => void seen.push(`once ${n}`));
      e.on('a', (n) => {
        if (n === 2) throw new Error('listener failed');
        seen.push(n);
      });
      e.on('error', (err) => void seen.push(err.message));
      e.emit('a', 1);
      e.emit('a', 2);
      equal(seen, ['once 1', 1, 'listener failed'], 'events');
    },
  },
];
