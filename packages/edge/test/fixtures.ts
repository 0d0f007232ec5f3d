// The smallest model the edge seed's examples imply (aliyun-link-iot-edge-developer-guide.txt):
// §1.2/§1.3 report `temperature` (41) and `humidity` (80) and the event `high_temperature`
// {temperature: 41}; §2.2.2–§2.2.4 read and set `LightSwitch` on LightDev2 and call the service
// `turn` {LightSwitch: 0}; §3.4.4 calls `setColor` {color: "red"}; §3.4.5 Watch reports
// `MeasuredIlluminance`.
export const LIGHT_PK = 'a1ZJTVsqj2y';

export const lightTsl = JSON.stringify({
  schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
  profile: { productKey: LIGHT_PK },
  properties: [
    { identifier: 'LightSwitch', name: 'Light switch', accessMode: 'rw', required: false, dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } },
    { identifier: 'temperature', name: 'Temperature', accessMode: 'rw', required: false, dataType: { type: 'int', specs: { min: '-40', max: '120' } } },
    { identifier: 'humidity', name: 'Humidity', accessMode: 'r', required: false, dataType: { type: 'int', specs: { min: '0', max: '100' } } },
    { identifier: 'MeasuredIlluminance', name: 'Illuminance', accessMode: 'r', required: false, dataType: { type: 'int', specs: { min: '0', max: '100000' } } },
  ],
  events: [
    { identifier: 'high_temperature', name: 'High temperature', type: 'alert', method: 'thing.event.high_temperature.post', outputData: [{ identifier: 'temperature', name: 'Temperature', dataType: { type: 'int', specs: { min: '-40', max: '120' } } }] },
  ],
  services: [
    { identifier: 'turn', name: 'Turn', callType: 'sync', method: 'thing.service.turn', inputData: [{ identifier: 'LightSwitch', name: 'Light switch', dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } } }], outputData: [] },
    { identifier: 'setColor', name: 'Set color', callType: 'sync', method: 'thing.service.setColor', inputData: [{ identifier: 'color', name: 'Color', dataType: { type: 'text', specs: { length: '16' } } }], outputData: [] },
  ],
});

/** The seed's C `leda_get_config` example document, the device list made of the seed's light devices. */
export function driverConfig(deviceNames: readonly string[]): string {
  return JSON.stringify({
    config: {
      json: { ip: '127.0.0.1', port: 54321 },
      kv: [
        { key: 'ip', value: '127.0.0.1', note: 'IP address' },
        { key: 'port', value: '54321', note: 'Port number' },
      ],
      fileList: [{ path: 'device_config.json' }],
    },
    deviceList: deviceNames.map((deviceName, i) => ({ custom: { port: 12345 + i, ip: '127.0.0.1' }, deviceName, productKey: LIGHT_PK, tags: { location: i === 0 ? 'master bedroom' : 'hall' } })),
  });
}
