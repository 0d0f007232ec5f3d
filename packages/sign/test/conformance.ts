import { mqttCredentials, signParams, verifyMqttCredentials } from '@linkwire/sign';
import { equal, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    // aliyun-iot-platform-device-guide.txt §3.1: hmacsha1("secret", "clientId12345deviceNamedeviceproductKeypktimestamp789")
    name: 'sign: seed §3.1 MQTT CONNECT example (hmacsha1)',
    run() {
      const c = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 });
      equal(c.clientId, '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', 'clientId');
      equal(c.username, 'device&pk', 'username');
      equal(c.password.toUpperCase(), 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14', 'password');
    },
  },
  {
    // PROTOCOL-NOTES.md "Signing, as real peers do it": the same content under each method.
    name: 'sign: PROTOCOL-NOTES known-good values for hmacmd5/hmacsha1/hmacsha256',
    run() {
      const p = { clientId: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' };
      equal(signParams(p, 'secret', 'HmacMD5'), '14b198324fe55e1d3c88f2e705e201ee', 'hmacmd5');
      equal(signParams(p, 'secret', 'hmacSha1'), 'fafd82a3d602b37fb0fa8b7892f24a477f851a14', 'hmacsha1');
      equal(signParams(p, 'secret', 'hmacSha256'), '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57', 'hmacsha256');
    },
  },
  {
    name: 'sign: the platform side accepts the seed credentials and refuses a wrong secret',
    run() {
      const c = mqttCredentials({ productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 });
      equal(verifyMqttCredentials(c.clientId, c.username, c.password.toUpperCase(), () => 'secret').ok, true, 'right secret');
      equal(verifyMqttCredentials(c.clientId, c.username, c.password, () => 'other').ok, false, 'wrong secret');
    },
  },
  {
    name: 'sign: invalid CONNECT inputs are typed errors',
    run() {
      const base = { productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's' };
      throwsCode(() => mqttCredentials({ ...base, deviceName: 'dev' }), 'invalid_field', 'short deviceName');
      throwsCode(() => mqttCredentials({ ...base, clientId: 'a|b' }), 'invalid_field', 'clientId with |');
      throwsCode(() => mqttCredentials({ ...base, signMethod: 'sha1' }), 'unknown_sign_method', 'unknown method');
    },
  },
];
