// Issue 22: what the emulator's MQTT listener tells a client says no more than the seed's codes:
// an unknown device and a wrong secret for a known one both get CONNACK 4 (bad username or
// password), while the platform's own event keeps the verifier's reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { MqttConnectError } from '@linkwire/mqtt';
import { connectMqtt } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';

const device = { productKey: 'a1TestPk001', deviceName: 'sensor-01', deviceSecret: 'test-secret-1' };
let platform: Emulator;
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  platform = await startEmulator({ devices: [device], onEvent: (e) => events.push(e) });
});
afterAll(() => platform.close());

async function refusal(deviceName: string, deviceSecret: string): Promise<MqttConnectError> {
  const creds = mqttCredentials({ productKey: device.productKey, deviceName, deviceSecret, secureMode: 3, timestamp: Date.now() });
  const err = await connectMqtt({ host: platform.host, port: platform.port, ...creds }).then((c) => { c.close(); return undefined; }, (e: unknown) => e);
  expect(err).toBeInstanceOf(MqttConnectError);
  return err as MqttConnectError;
}

describe('emulator MQTT listener: unknown device and wrong secret look the same to the client', () => {
  it('answers both with CONNACK 4 and the same message', async () => {
    const unknown = await refusal('nobody-here', 'whatever-secret');
    const wrong = await refusal(device.deviceName, 'not-the-secret');
    expect(unknown.returnCode).toBe(4);
    expect(wrong.returnCode).toBe(4);
    expect(unknown.message).toBe(wrong.message);
    // The platform side still knows which it was.
    expect(events.some((e) => e.type === 'refused' && e.reason === 'unknown device')).toBe(true);
    expect(events.some((e) => e.type === 'refused' && e.reason === 'signature mismatch')).toBe(true);
  });
});
