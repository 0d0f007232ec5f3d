import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { json, run } from './support.ts';

interface Signed {
  ok: boolean;
  kind: string;
  signingString: string;
  how: string;
  signature: string;
  result: Record<string, unknown>;
}

// Every vector names its seed; `hmac`/`digest` recompute the signature from the printed signing
// string with node:crypto, so the string shown is proven to be the one that was signed.
const vectors: { name: string; args: string[]; signingString: string; signature: string; check: (s: Signed) => string }[] = [
  {
    name: 'aliyun-iot-platform-device-guide.txt §3.1 MQTT CONNECT (hmacsha1, securemode 3)',
    args: ['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'device', '--device-secret', 'secret', '--client-id', '12345', '--sign-method', 'hmacsha1', '--transport', 'tcp', '--timestamp', '789'],
    signingString: 'clientId12345deviceNamedeviceproductKeypktimestamp789',
    signature: 'fafd82a3d602b37fb0fa8b7892f24a477f851a14',
    check: (s) => createHmac('sha1', 'secret').update(s.signingString).digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md known-good CONNECT, hmacmd5',
    args: ['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'device', '--device-secret', 'secret', '--client-id', '12345', '--sign-method', 'hmacmd5', '--timestamp', '789'],
    signingString: 'clientId12345deviceNamedeviceproductKeypktimestamp789',
    signature: '14b198324fe55e1d3c88f2e705e201ee',
    check: (s) => createHmac('md5', 'secret').update(s.signingString).digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md known-good CONNECT, hmacsha256',
    args: ['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'device', '--device-secret', 'secret', '--client-id', '12345', '--timestamp', '789'],
    signingString: 'clientId12345deviceNamedeviceproductKeypktimestamp789',
    signature: '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57',
    check: (s) => createHmac('sha256', 'secret').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §3.1 /auth/devicename (hmacmd5)',
    args: ['sign', 'devicename', '--product-key', '123', '--device-name', 'test', '--device-secret', 'secret', '--client-id', '123', '--timestamp', '123', '--sign-method', 'hmacmd5', '--version', 'default'],
    signingString: 'clientId123deviceNametestproductKey123timestamp123',
    signature: '7f9c0941a986fe6d3ad883eda7efda9c',
    check: (s) => createHmac('md5', 'secret').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §3.3 CoAP auth, symmetric mode (seq signed, hmacmd5 default)',
    args: ['sign', 'coap', '--product-key', 'alNUjcVkHZS', '--device-name', 'ffla11e7c08d4b3db2b1500d8e0e55', '--device-secret', 'deviceSecret', '--seq', '10'],
    signingString: 'clientIdalNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55deviceNameffla11e7c08d4b3db2b1500d8e0e55productKeyalNUjcVkHZSseq10',
    signature: 'a8f47f23885c79722b8a0902ec1a37b4',
    check: (s) => createHmac('md5', 'deviceSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §9.2 dynamic registration (HmacMD5, random 567345)',
    args: ['sign', 'register', '--product-key', '1234556554', '--device-name', 'deviceName1234', '--product-secret', 'productSecret', '--random', '567345', '--sign-method', 'HmacMD5'],
    signingString: 'deviceNamedeviceName1234productKey1234556554random567345',
    signature: '8565bb120ad944b840f3710fcbc09e4b',
    check: (s) => createHmac('md5', 'productSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §9.2 sign example (hmacsha1, random123)',
    args: ['sign', 'register', '--product-key', '1234556554', '--device-name', 'deviceName1234', '--product-secret', 'productSecret', '--random', '123', '--sign-method', 'hmacsha1'],
    signingString: 'deviceNamedeviceName1234productKey1234556554random123',
    signature: 'a348bfc5bf43d7a1fae217ffb31d08b4f2362cf9',
    check: (s) => createHmac('sha1', 'productSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md registration over MQTT',
    args: ['sign', 'mqtt-register', '--product-key', 'pk', '--device-name', 'device', '--product-secret', 'ps', '--random', '123'],
    signingString: 'deviceNamedeviceproductKeypkrandom123',
    signature: '7f94224e2481a5aeb3243fabff9e7517f877f5caa0c1e63b3d093c15d44e11f4',
    check: (s) => createHmac('sha256', 'ps').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §9.3 topo add entry (hmacMd5)',
    args: ['sign', 'topo-add', '--product-key', '123', '--device-name', 'test', '--device-secret', 'deviceSecret', '--client-id', '123', '--timestamp', '1524448722000', '--sign-method', 'hmacMd5'],
    signingString: 'clientId123deviceNametestproductKey123timestamp1524448722000',
    signature: '7355dbfcd53f912fda5451af863729ec',
    check: (s) => createHmac('md5', 'deviceSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'aliyun-iot-platform-device-guide.txt §9.4 combine.login (cleanSession signed)',
    args: ['sign', 'sub-login', '--product-key', '123', '--device-name', 'test', '--device-secret', 'deviceSecret', '--client-id', '123', '--timestamp', '123', '--sign-method', 'hmacmd5'],
    signingString: 'cleanSessiontrueclientId123deviceNametestproductKey123timestamp123',
    signature: '56d3c23a4856cc8b06620e5ec17ae498',
    check: (s) => createHmac('md5', 'deviceSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md combine.login as the SDKs send it (cleanSession unsigned)',
    args: ['sign', 'sub-login', '--product-key', '123', '--device-name', 'test', '--device-secret', 'deviceSecret', '--client-id', '123', '--timestamp', '123', '--sign-method', 'hmacmd5', '--clean-session-form', 'unsigned'],
    signingString: 'clientId123deviceNametestproductKey123timestamp123',
    signature: 'c22a0f826259443d47790cbb768a4b68',
    check: (s) => createHmac('md5', 'deviceSecret').update(s.signingString).digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md EnOS CONNECT documented vector (securemode 2)',
    args: ['sign', 'enos-mqtt', '--product-key', '654321', '--device-key', 'test', '--device-secret', 'abcdefg', '--client-id', '123456', '--timestamp', '1548753362502'],
    signingString: 'clientId123456deviceKeytestproductKey654321timestamp1548753362502',
    signature: 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166',
    check: (s) => createHash('sha256').update(s.signingString + 'abcdefg').digest('hex').toUpperCase(),
  },
  {
    name: 'PROTOCOL-NOTES.md EnOS integration channel (securemode 4)',
    args: ['sign', 'enos-mqtt', '--secure-mode', '4', '--product-key', '654321', '--product-secret', 'abcdefg', '--timestamp', '1548753362502'],
    signingString: 'clientId654321deviceKey%channel%productKey654321timestamp1548753362502',
    signature: '9E75CA6599B6705A674942FB920975EB40C64CA0C88E1B919316946DAAEEEBF2',
    check: (s) => createHash('sha256').update(s.signingString + 'abcdefg').digest('hex').toUpperCase(),
  },
  {
    name: 'PROTOCOL-NOTES.md EnOS sub-device login info',
    args: ['sign', 'enos-login', '--product-key', '654321', '--device-key', 'test', '--device-secret', 'abcdefg', '--client-id', '123456', '--timestamp', '1548753362502'],
    signingString: 'clientId123456deviceKeytestproductKey654321timestamp1548753362502',
    signature: 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166',
    check: (s) => createHash('sha256').update(s.signingString + 'abcdefg').digest('hex').toUpperCase(),
  },
  {
    name: 'enos-rest-invoke-service.txt request sample: apim-signature',
    args: ['sign', 'enos-apim', '--access-token', 'token1', '--app-secret', 'appSecret', '--timestamp', '1700000000000', '--query', 'action=invokeService&deviceKey=yourDeviceKey&pendingTtl=1000&productKey=yourProductKey&serviceId=identifier&orgId=yourOrgId&timeout=30', '--body', '{"inputData":{"canshu2":22.2,"canshu1":11}}'],
    signingString: 'token1actioninvokeServicedeviceKeyyourDeviceKeyorgIdyourOrgIdpendingTtl1000productKeyyourProductKeyserviceIdidentifiertimeout30{"inputData":{"canshu2":22.2,"canshu1":11}}1700000000000',
    signature: '835664eb5c08252576481080025667fcca7afac7db259b9e72472f42ac17434f',
    check: (s) => createHash('sha256').update(s.signingString + 'appSecret').digest('hex'),
  },
  {
    name: 'PROTOCOL-NOTES.md EnOS token request encryption',
    args: ['sign', 'enos-token', '--app-key', 'appKey', '--app-secret', 'appSecret', '--timestamp', '1700000000000'],
    signingString: 'appKey1700000000000',
    signature: '89e9f6ba1a06c6fa8d13f91b203c7241b0dd505d2748a32ba53de4fb35beab60',
    check: (s) => createHash('sha256').update(s.signingString + 'appSecret').digest('hex'),
  },
  {
    name: 'aliyun-link-iot-edge-developer-guide.txt §3.3.1 curl -u admin:admin1234',
    args: ['sign', 'edge-basic', '--username', 'admin', '--password', 'admin1234'],
    signingString: 'admin:admin1234',
    signature: 'YWRtaW46YWRtaW4xMjM0',
    check: (s) => Buffer.from(s.signingString).toString('base64'),
  },
];

describe('linkwire sign: the seed vectors through the real bin', () => {
  it.each(vectors)('$name', async (v) => {
    const r = await run([...v.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = json<Signed>(r);
    expect(s.ok).toBe(true);
    expect(s.signingString).toBe(v.signingString);
    expect(s.signature).toBe(v.signature);
    expect(v.check(s)).toBe(v.signature);
  });

  it('prints the signing string and the fields to send as aligned text', async () => {
    const r = await run(vectors[0]!.args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signing string  clientId12345deviceNamedeviceproductKeypktimestamp789\n');
    expect(r.stdout).toContain('clientId        12345|securemode=3,signmethod=hmacsha1,timestamp=789|\n');
    expect(r.stdout).toContain('username        device&pk\n');
    expect(r.stdout).toContain('password        fafd82a3d602b37fb0fa8b7892f24a477f851a14\n');
    expect(r.stdout).toContain('broker          mqtt://pk.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883\n');
  });

  it('prints the edge CreateAuthCookie call and, given its token, the Cookie header and the delete call', async () => {
    const r = await run(['sign', 'edge-basic', '--username', 'admin', '--password', 'admin1234', '--token', '57e22d4f9fb2', '--json']);
    expect(r.code).toBe(0);
    expect(json<Signed>(r).result).toEqual({
      Authorization: 'Basic YWRtaW46YWRtaW4xMjM0', createAuthCookie: 'POST https://127.0.0.1:9999/2019-09-30/auth/cookies',
      Cookie: 'token=57e22d4f9fb2', deleteAuthCookie: 'DELETE https://127.0.0.1:9999/2019-09-30/auth/cookies/57e22d4f9fb2',
    });
  });

  it('reads secrets from the environment and from files, and says when one is missing', async () => {
    const env = await run([...vectors[0]!.args.map((a) => (a === 'secret' ? 'env:LW_TEST_SECRET' : a)), '--json'], { env: { LW_TEST_SECRET: 'secret' } });
    expect(json<Signed>(env).signature).toBe('fafd82a3d602b37fb0fa8b7892f24a477f851a14');
    const dir = (await import('./support.ts')).tempDir();
    (await import('node:fs')).writeFileSync(`${dir}/secret.txt`, 'secret\n');
    const file = await run([...vectors[0]!.args.map((a) => (a === 'secret' ? 'file:secret.txt' : a)), '--json'], { cwd: dir });
    expect(json<Signed>(file).signature).toBe('fafd82a3d602b37fb0fa8b7892f24a477f851a14');
    const missing = await run(vectors[0]!.args.map((a) => (a === 'secret' ? 'env:LW_NOT_SET' : a)));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('the environment variable LW_NOT_SET is not set');
  });

  it('refuses a secret for the wrong EnOS mode and an invalid timestamp with exit 2', async () => {
    const mode = await run(['sign', 'enos-mqtt', '--secure-mode', '3', '--product-key', 'p', '--device-key', 'dkey', '--device-secret', 'x']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('--device-secret does not sign in secure mode 3');
    const ts = await run(['sign', 'mqtt', '--product-key', 'pk', '--device-name', 'device', '--device-secret', 's', '--timestamp', 'yesterday']);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toContain('--timestamp "yesterday" is not a number of milliseconds');
  });
});
