// The browser device client signs CONNECT with Web Crypto (issue 15: no hash kernels in the
// first download). Node 20 has the same `crypto.subtle`; the result must equal the hash package's.
import { hmacHex } from '@linkwire/hash';
import { mqttCredentials, mqttSigningInput } from '@linkwire/sign';
import { webCryptoHmac } from '@linkwire/web/device';
import { describe, expect, it } from 'vitest';

// Seed aliyun-iot-platform-device-guide.txt §3.1 as sign's README vector: clientId 12345, hmacsha1, timestamp 789.
const seed = { productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', signMethod: 'hmacsha1', secureMode: 3, timestamp: 789 } as const;

describe('webCryptoHmac', () => {
  it('signs the seed example as mqttCredentials does', async () => {
    const input = mqttSigningInput(seed);
    expect(input.content).toBe('clientId12345deviceNamedeviceproductKeypktimestamp789');
    expect(await webCryptoHmac(input.algorithm, 'secret', input.content)).toBe('fafd82a3d602b37fb0fa8b7892f24a477f851a14');
    expect(await webCryptoHmac(input.algorithm, 'secret', input.content)).toBe(mqttCredentials(seed).password);
    expect({ clientId: input.clientId, username: input.username }).toEqual({ clientId: mqttCredentials(seed).clientId, username: mqttCredentials(seed).username });
  });

  it('equals the hash package for every sign method, MD5 through the hash package loaded on demand', async () => {
    for (const algorithm of ['md5', 'sha1', 'sha256'] as const) {
      for (const [secret, content] of [['s', ''], ['密钥', 'clientIda.bdeviceNamebproductKeyatimestamp1'], ['k'.repeat(100), 'x'.repeat(1000)]] as const) {
        expect(await webCryptoHmac(algorithm, secret, content), `${algorithm} ${secret.length}`).toBe(hmacHex(algorithm, secret, content));
      }
    }
  });
});
