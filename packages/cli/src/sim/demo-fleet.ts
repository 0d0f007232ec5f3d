import type { EmulatorDevice, EmulatorProduct } from '@linkwire/emulator';
import type { EdgeConfig } from '../emulator-config.ts';
import { THERMOSTAT_TSL } from './thermostat.ts';

/**
 * The demo `linkwire emulator` serves without --config, and the device `linkwire device`
 * simulates against a local emulator: the same credentials, so the two meet without setup.
 */
export const DEMO_DEVICE = { productKey: 'a1LwDemo01x', deviceName: 'sim-thermostat', deviceSecret: 'lw-sim-secret-4b1d9e' } as const;

const thermostatText = JSON.stringify(THERMOSTAT_TSL);

export const DEMO_PLATFORM: { readonly products: readonly EmulatorProduct[]; readonly devices: readonly EmulatorDevice[]; readonly tslText: Readonly<Record<string, string>> } = {
  products: [{ productKey: DEMO_DEVICE.productKey, productSecret: 'lw-demo-product-secret', tsl: thermostatText }],
  devices: [
    DEMO_DEVICE,
    // Pre-registered: dynamic registration (`linkwire sign register`) gets it a secret once.
    { productKey: DEMO_DEVICE.productKey, deviceName: 'sim-thermostat-2' },
  ],
  tslText: { [DEMO_DEVICE.productKey]: thermostatText },
};

const LIGHT_PK = 'a1LwLight01';
const LIGHT_TSL = JSON.stringify({
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: LIGHT_PK },
  properties: [
    { identifier: 'LightSwitch', name: 'light switch', accessMode: 'rw', required: false, dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'Brightness', name: 'brightness', accessMode: 'rw', required: false, dataType: { type: 'int', specs: { min: '0', max: '100', unit: '%' } } },
  ],
  events: [],
  services: [
    { identifier: 'Toggle', name: 'toggle', callType: 'sync', method: 'thing.service.Toggle', inputData: [], outputData: [{ identifier: 'LightSwitch', name: 'light switch', dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } }] },
  ],
});
const LIGHTS = ['light-01', 'light-02'];

/** `--edge` without an "edge" section: a gateway with one driver and two lights, all registered on the platform. */
export const DEMO_EDGE: { readonly products: readonly EmulatorProduct[]; readonly devices: readonly EmulatorDevice[]; readonly tslText: Readonly<Record<string, string>>; readonly edge: EdgeConfig } = {
  products: [{ productKey: LIGHT_PK, tsl: LIGHT_TSL }, { productKey: 'a1LwEdgeGw1' }],
  devices: LIGHTS.map((deviceName) => ({ productKey: LIGHT_PK, deviceName, deviceSecret: `lw-${deviceName}-secret` })),
  tslText: { [LIGHT_PK]: LIGHT_TSL },
  edge: {
    gateway: { productKey: 'a1LwEdgeGw1', deviceName: 'edge-gateway-01', deviceSecret: 'lw-edge-gateway-secret' },
    drivers: [{
      driverId: 'demo-light-driver', driverSecret: 'lw-demo-driver-secret', name: 'demo lights',
      config: { config: { json: {}, kv: [], fileList: [] }, deviceList: LIGHTS.map((deviceName) => ({ productKey: LIGHT_PK, deviceName, custom: {} })) },
    }],
  },
};
