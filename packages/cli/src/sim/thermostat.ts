/**
 * The model `linkwire device` simulates when no --tsl is given: a thermostat with a sensor
 * (read-only), settings (read-write), an event and two services, in the platform's export form.
 */
export const THERMOSTAT_TSL = {
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: 'a1LwDemo01x' },
  properties: [
    { identifier: 'CurrentTemperature', name: 'current temperature', accessMode: 'r', required: true, dataType: { type: 'float', specs: { min: '-40', max: '120', step: '0.1', unit: '°C' } } },
    { identifier: 'Humidity', name: 'humidity', accessMode: 'r', required: false, dataType: { type: 'int', specs: { min: '0', max: '100', step: '1', unit: '%' } } },
    { identifier: 'TargetTemperature', name: 'target temperature', accessMode: 'rw', required: false, dataType: { type: 'float', specs: { min: '5', max: '35', step: '0.5', unit: '°C' } } },
    { identifier: 'PowerSwitch', name: 'power', accessMode: 'rw', required: false, dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'Mode', name: 'mode', accessMode: 'rw', required: false, dataType: { type: 'enum', specs: { '0': 'auto', '1': 'heat', '2': 'cool' } } },
  ],
  events: [
    { identifier: 'Error', name: 'error', type: 'alert', method: 'thing.event.Error.post', required: false, outputData: [{ identifier: 'ErrorCode', name: 'code', dataType: { type: 'int', specs: { min: '0', max: '255' } } }] },
  ],
  services: [
    { identifier: 'Reboot', name: 'reboot', method: 'thing.service.Reboot', callType: 'async', required: false, inputData: [{ identifier: 'DelaySeconds', name: 'delay', dataType: { type: 'int', specs: { min: '0', max: '3600' } } }], outputData: [{ identifier: 'Accepted', name: 'accepted', dataType: { type: 'bool', specs: { '0': 'no', '1': 'yes' } } }] },
    { identifier: 'Calibrate', name: 'calibrate', method: 'thing.service.Calibrate', callType: 'sync', required: false, inputData: [{ identifier: 'Offset', name: 'offset', dataType: { type: 'float', specs: { min: '-5', max: '5', step: '0.1' } } }], outputData: [{ identifier: 'Applied', name: 'applied offset', dataType: { type: 'float', specs: { min: '-5', max: '5' } } }] },
  ],
} as const;
