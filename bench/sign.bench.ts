// mqttCredentials against a straightforward node:crypto createHmac implementation.
import { createHmac } from 'node:crypto';
import { mqttCredentials } from '@linkwire/sign';
import { compare } from './support.ts';

const productKey = 'a1B2c3D4e5F';
let i = 0;
const naive = (method: 'sha1' | 'sha256') => {
  const deviceName = `device${i++ % 1000}`;
  const clientId = `${productKey}.${deviceName}`;
  const timestamp = '1700000000000';
  const content = `clientId${clientId}deviceName${deviceName}productKey${productKey}timestamp${timestamp}`;
  return {
    clientId: `${clientId}|securemode=2,signmethod=hmac${method},timestamp=${timestamp}|`,
    username: `${deviceName}&${productKey}`,
    password: createHmac(method, 'deviceSecret0123456789abcdef').update(content).digest('hex'),
  };
};
const ours = (method: 'sha1' | 'sha256') =>
  mqttCredentials({ productKey, deviceName: `device${i++ % 1000}`, deviceSecret: 'deviceSecret0123456789abcdef', signMethod: `hmac${method}`, timestamp: 1700000000000 });

await compare('mqttCredentials, HMAC-SHA256', [
  { name: 'node:crypto createHmac', fn: () => naive('sha256') },
  { name: '@linkwire/sign mqttCredentials', fn: () => ours('sha256') },
]);
await compare('mqttCredentials, HMAC-SHA1', [
  { name: 'node:crypto createHmac', fn: () => naive('sha1') },
  { name: '@linkwire/sign mqttCredentials', fn: () => ours('sha1') },
]);
