import { createNodeDeviceClient } from '@linkwire/node';
import type { DeviceClient } from '@linkwire/device';
import type { Emulator } from '@linkwire/emulator';

/**
 * A small product for the admin API and console tests: the properties and the service of the
 * device guide's examples (aliyun-iot-platform-device-guide.txt §9.5: "Power", "WF",
 * "temperature", the service called with {"Power": "on", "WF": "2"}), plus an enum and a
 * synchronous service, so the console's generated forms meet every kind of input.
 */
export const thermostatTsl = {
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: 'a1B2c3D4e5F' },
  properties: [
    { identifier: 'PowerSwitch', name: 'Power switch', accessMode: 'rw', required: false, dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'temperature', name: 'Temperature', accessMode: 'rw', required: false, dataType: { type: 'float', specs: { min: '-40', max: '120', step: '0.1', unit: '°C' } } },
    { identifier: 'WF', name: 'Working frequency', accessMode: 'r', required: false, dataType: { type: 'double', specs: { min: '0', max: '100', unit: 'Hz' } } },
    { identifier: 'mode', name: 'Mode', accessMode: 'rw', required: false, dataType: { type: 'enum', specs: { '0': 'auto', '1': 'low', '2': 'high' } } },
    { identifier: 'label', name: 'Label', accessMode: 'rw', required: false, dataType: { type: 'text', specs: { length: '16' } } },
  ],
  events: [],
  services: [
    {
      identifier: 'SetMode', name: 'Set mode', callType: 'async', method: 'thing.service.SetMode',
      inputData: [
        { identifier: 'Power', name: 'Power', dataType: { type: 'text', specs: { length: '16' } } },
        { identifier: 'WF', name: 'Working frequency', dataType: { type: 'double', specs: { min: '0', max: '100' } } },
      ],
      outputData: [{ identifier: 'accepted', name: 'Accepted', dataType: { type: 'bool', specs: { '0': 'no', '1': 'yes' } } }],
    },
    {
      identifier: 'Reboot', name: 'Reboot', callType: 'sync', method: 'thing.service.Reboot',
      inputData: [{ identifier: 'delay', name: 'Delay', dataType: { type: 'int', specs: { min: '0', max: '60', unit: 's' } } }],
      outputData: [],
    },
  ],
};

export const productKey = 'a1B2c3D4e5F';
export const sensor = { productKey, deviceName: 'sensor-01', deviceSecret: 'sensor-01-secret' };
export const gateway = { productKey, deviceName: 'gateway-01', deviceSecret: 'gateway-01-secret' };

/**
 * A device on the emulator's MQTT listener (the node adapter) that answers both services with
 * the params it was given (`SetMode` → `{accepted: 1}`), and records shadow deltas.
 */
export async function connectThermostat(platform: Emulator, identity = sensor): Promise<{ device: DeviceClient; deltas: unknown[]; calls: { service: string; params: unknown }[] }> {
  const device = createNodeDeviceClient({ ...identity, endpoint: { host: platform.host, port: platform.port }, requestTimeoutMs: 5000 });
  const deltas: unknown[] = [];
  const calls: { service: string; params: unknown }[] = [];
  device.onService('SetMode', (params) => {
    calls.push({ service: 'SetMode', params });
    return { accepted: 1 };
  });
  device.onService('Reboot', (params) => {
    calls.push({ service: 'Reboot', params });
    return {};
  });
  device.onPropertySet((params) => {
    calls.push({ service: 'property.set', params });
    return {};
  });
  device.shadow.onDelta((desired) => void deltas.push(desired));
  // Subscribes the upgrade topic, so OTA jobs find the device listening.
  device.ota.onUpgrade(() => undefined);
  await device.connect();
  return { device, deltas, calls };
}
