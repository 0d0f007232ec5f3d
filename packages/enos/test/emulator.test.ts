// EnOS as a product kind of startEmulator (one broker, one set of listeners, one HTTP listener
// for both dialects), and EnOS's cached commands (enos-rest-invoke-service.txt; EnOS "Issuing
// Commands"): offline → cached → reconnect → delivered in order; expired → never delivered;
// the cache bounded (11902); an instant command stuck behind earlier ones (11904).
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { startEmulator, type Emulator, type EnosPlatformEvent } from '@linkwire/emulator';
import { DeviceClient, createEnosRestClient } from '@linkwire/node/enos';
import { mqttCredentials } from '@linkwire/sign';

const pk = 'pkMixed01';
const app = { appKey: 'mixed-app', appSecret: 'mixed-secret' };
const aliyun = { productKey: 'a1MixAli001', deviceName: 'ali-device-1', deviceSecret: 'ali-secret-1' };
let platform: Emulator;
const events: EnosPlatformEvent[] = [];

beforeAll(async () => {
  platform = await startEmulator({
    devices: [aliyun],
    http: true,
    websocket: true,
    tls: true,
    enos: {
      products: [{ productKey: pk, productSecret: 'mixed-ps' }, { productKey: 'pkCert001', productSecret: 'cert-ps', certificateAuth: true }],
      devices: [
        { productKey: pk, deviceKey: 'meter0001', deviceSecret: 'm1' },
        { productKey: pk, deviceKey: 'sleeper01', deviceSecret: 's1' },
        { productKey: pk, deviceKey: 'sleeper02', deviceSecret: 's2' },
        { productKey: pk, deviceKey: 'busy00001', deviceSecret: 'b1' },
        { productKey: pk, deviceKey: 'gateway01', deviceSecret: 'g1', subDevices: [{ productKey: pk, deviceKey: 'subdev001' }] },
        { productKey: pk, deviceKey: 'subdev001', deviceSecret: 'sd1' },
        { productKey: 'pkCert001', deviceKey: 'certDev01', deviceSecret: 'c1' },
        { productKey: 'pkCert001', deviceKey: 'certDev02', deviceSecret: 'c2' },
      ],
      apps: [app],
      maxCachedCommands: 3,
      onEvent: (e) => events.push(e),
    },
  });
});
afterAll(() => platform.close());

const brokerUrl = (): string => `tcp://${platform.host}:${platform.port}`;
const rest = () => createEnosRestClient({ apiGateway: `http://${platform.host}:${platform.httpPort}`, ...app, orgId: 'org1' });

/** A device whose `svc` service records the order it ran in. */
async function sleeper(deviceKey: string, secret: string, seen: number[]): Promise<DeviceClient> {
  const client = new DeviceClient({ brokerUrl: brokerUrl(), productKey: pk, deviceKey, deviceSecret: secret, mqttOptions: { reconnectPeriod: 0 } });
  await client.deviceCommand.onInvokeService('svc', (req, res) => {
    const n = (req.params as { n: number }).n;
    seen.push(n);
    return res.send(200, { n });
  });
  return client;
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('EnOS inside startEmulator', () => {
  it('an EnOS device and an Alibaba device on the same MQTT listener, each in its own dialect', async () => {
    const enos = new DeviceClient({ brokerUrl: brokerUrl(), productKey: pk, deviceKey: 'meter0001', deviceSecret: 'm1' });
    await enos.connect();
    const r = await enos.deviceData.postMeasurepoint({ point: { measurepoints: { kwh: 12.5 } } });
    expect(r.code).toBe(200);
    expect(platform.enos!.device(pk, 'meter0001')!.measurepoints.get('kwh')).toBe(12.5);
    expect(events).toContainEqual({ type: 'connected', productKey: pk, deviceKey: 'meter0001', secureMode: 2 });

    const c = mqttCredentials({ ...aliyun, signMethod: 'hmacsha256', secureMode: 3, timestamp: Date.now() });
    const ali = await mqtt.connectAsync(`mqtt://${platform.host}:${platform.port}`, { clientId: c.clientId, username: c.username, password: c.password, reconnectPeriod: 0 });
    await ali.subscribeAsync(propertyPostReplyTopic(aliyun.productKey, aliyun.deviceName), { qos: 1 });
    const replied = new Promise<Buffer>((resolve) => ali.once('message', (_t, p) => resolve(p)));
    await ali.publishAsync(propertyPostTopic(aliyun.productKey, aliyun.deviceName), Buffer.from(encodePropertyPost({ id: '7', params: { Temperature: 20 } })), { qos: 1 });
    expect(decodeReply(new Uint8Array(await replied))).toMatchObject({ id: '7', code: 200 });
    expect(platform.device(aliyun.productKey, aliyun.deviceName)!.properties['Temperature']?.value).toBe(20);

    // Neither dialect reaches into the other: the EnOS ACL refuses the Alibaba device's topics and the other way round.
    const denied = await ali.subscribeAsync(`/sys/${pk}/meter0001/thing/service/+`).then((g) => g[0]!.qos, () => 128);
    expect(denied).toBe(128);
    await ali.endAsync();
    const stranger = await mqtt.connectAsync(`mqtt://${platform.host}:${platform.port}`, { clientId: 'x|securemode=2,signmethod=sha256,timestamp=1|', username: `${aliyun.deviceName}&${aliyun.productKey}`, password: 'nope', reconnectPeriod: 0 }).catch((e: Error) => e);
    expect(stranger).toBeInstanceOf(Error);

    // The API gateway on the emulator's HTTP listener, beside the Alibaba HTTPS endpoints.
    await enos.deviceCommand.onInvokeService('identify', (_req, res) => res.send(200, { who: 'meter0001' }));
    await expect(rest().invokeService({ productKey: pk, deviceKey: 'meter0001', serviceId: 'identify', inputData: {} })).resolves.toMatchObject({ outputData: { who: 'meter0001' } });
    const auth = await fetch(`http://${platform.host}:${platform.httpPort}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await auth.json()) as unknown).toHaveProperty('code');
    await enos.close();
  });

  it("the same EnOS device over the emulator's WebSocket and TLS listeners", async () => {
    for (const [brokerUrl, tls] of [[`ws://${platform.host}:${platform.wsPort}/mqtt`, {}], [`ssl://${platform.host}:${platform.tlsPort}`, { ca: platform.ca }]] as const) {
      const enos = new DeviceClient({ brokerUrl, ...tls, productKey: pk, deviceKey: 'meter0001', deviceSecret: 'm1' });
      await enos.connect();
      expect((await enos.deviceData.postMeasurepoint({ point: { measurepoints: { kwh: 13 } } })).code).toBe(200);
      await enos.close();
    }
  });
});

describe('certificate-based two-way authentication (EnOS X.509 devices)', () => {
  const tlsUrl = (): string => `ssl://${platform.host}:${platform.tlsPort}`;
  const attempt = async (options: Record<string, unknown>): Promise<string> => {
    const client = new DeviceClient({ productKey: 'pkCert001', deviceKey: 'certDev01', deviceSecret: 'c1', ca: platform.ca, mqttOptions: { connectionTimeout: 2, reconnectPeriod: 0 }, ...options } as never);
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.deviceData.postMeasurepoint({ point: { measurepoints: { v: 1 } } })).code === 200 ? 'posted' : 'refused';
    } catch (e) {
      // The CONNACK refusal itself, not a connect timeout: reconnectPeriod 0 fails connect() at once.
      return `refused ${(e as { returnCode?: number }).returnCode}`;
    } finally {
      await client.close().catch(() => {});
    }
  };

  it("connects over TLS with its own certificate from the emulator's CA; without it, with another device's, or over TCP it is refused", async () => {
    const own = platform.issueDeviceCertificate('pkCert001', 'certDev01');
    const other = platform.issueDeviceCertificate('pkCert001', 'certDev02');
    const before = events.filter((e) => e.type === 'refused').length;
    expect(await attempt({ brokerUrl: tlsUrl(), key: own.key, cert: own.cert })).toBe('posted');
    expect(await attempt({ brokerUrl: tlsUrl() })).toBe('refused 5');
    expect(await attempt({ brokerUrl: tlsUrl(), key: other.key, cert: other.cert })).toBe('refused 5');
    expect(await attempt({ brokerUrl: brokerUrl() })).toBe('refused 5');
    const reasons = events.filter((e) => e.type === 'refused').slice(before).map((e) => (e as { reason: string }).reason);
    expect(reasons).toEqual(['no verified client certificate', 'the certificate names pkCert001.certDev02, not this device', 'must log in over TLS (746)']);
  });
});

describe('cached commands (pendingTtl > 0)', () => {
  it('offline → cached → reconnect → delivered, in order, one at a time', async () => {
    const seen: number[] = [];
    let device = await sleeper('sleeper01', 's1', seen);
    await device.connect();
    await device.close();
    await until(() => !platform.enos!.online(pk, 'sleeper01'), 'sleeper01 offline');

    // Instant commands to an offline device fail at once (11900); cached ones are kept.
    await expect(rest().invokeService({ productKey: pk, deviceKey: 'sleeper01', serviceId: 'svc', inputData: { n: 0 } })).rejects.toMatchObject({ enosCode: 11900 });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await rest().invokeService({ productKey: pk, deviceKey: 'sleeper01', serviceId: 'svc', pendingTtl: 600, timeout: 5, inputData: { n } });
      expect(r.outputData).toBeUndefined();
      ids.push(r.commandId);
    }
    // At most maxCachedCommands (3 here; EnOS keeps 50) wait for a device: the next is refused with 11902.
    await expect(rest().invokeService({ productKey: pk, deviceKey: 'sleeper01', serviceId: 'svc', pendingTtl: 600, inputData: { n: 4 } })).rejects.toMatchObject({ enosCode: 11902, code: 'cache_full' });
    const state = () => platform.enos!.device(pk, 'sleeper01')!.commands.filter((c) => ids.includes(c.commandId));
    expect(state().map((c) => c.status)).toEqual(['cached', 'cached', 'cached']);
    expect(seen).toEqual([]);

    device = await sleeper('sleeper01', 's1', seen);
    await device.connect();
    await until(() => seen.length === 3 && state().every((c) => c.status === 'succeeded'), 'the cached commands to run');
    expect(seen).toEqual([1, 2, 3]);
    expect(state().map((c) => c.outputData)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Sequential: each command was sent only after the previous one was answered.
    const order = events.filter((e) => e.type === 'command' && ids.includes(e.commandId) && (e.status === 'sent' || e.status === 'succeeded')).map((e) => `${ids.indexOf((e as { commandId: string }).commandId) + 1}:${(e as { status: string }).status}`);
    expect(order).toEqual(['1:sent', '1:succeeded', '2:sent', '2:succeeded', '3:sent', '3:succeeded']);
    await device.close();
  });

  it('a command whose pendingTtl runs out before the device comes back is never delivered', async () => {
    const seen: number[] = [];
    const expired = await rest().invokeService({ productKey: pk, deviceKey: 'sleeper02', serviceId: 'svc', pendingTtl: 1, inputData: { n: 10 } });
    await until(() => platform.enos!.device(pk, 'sleeper02')!.commands.find((c) => c.commandId === expired.commandId)?.status === 'expired', 'the TTL to run out');
    const kept = await rest().invokeService({ productKey: pk, deviceKey: 'sleeper02', serviceId: 'svc', pendingTtl: 600, inputData: { n: 11 } });
    const device = await sleeper('sleeper02', 's2', seen);
    await device.connect();
    await until(() => platform.enos!.device(pk, 'sleeper02')!.commands.find((c) => c.commandId === kept.commandId)?.status === 'succeeded', 'the kept command');
    expect(seen).toEqual([11]);
    await device.close();
  });

  it('no priority: an instant command behind a command still running is not sent in time: 11904', async () => {
    const device = new DeviceClient({ brokerUrl: brokerUrl(), productKey: pk, deviceKey: 'busy00001', deviceSecret: 'b1', commandTimeout: 10 });
    const ran: string[] = [];
    await device.deviceCommand.onInvokeService('long', (_req, res) => {
      ran.push('long');
      setTimeout(() => void res.send(200, {}).catch(() => {}), 1500);
    });
    await device.deviceCommand.onInvokeService('quick', (_req, res) => {
      ran.push('quick');
      return res.send(200, {});
    });
    await device.connect();
    const long = await rest().invokeService({ productKey: pk, deviceKey: 'busy00001', serviceId: 'long', pendingTtl: 60, timeout: 5, inputData: {} });
    await expect(rest().invokeService({ productKey: pk, deviceKey: 'busy00001', serviceId: 'quick', timeout: 1, inputData: {} })).rejects.toMatchObject({ enosCode: 11904, code: 'instant_command_timeout' });
    const records = platform.enos!.device(pk, 'busy00001')!.commands;
    await until(() => records.find((c) => c.commandId === long.commandId)?.status === 'succeeded', 'the long command');
    expect(records.map((c) => c.status)).toEqual(['succeeded', 'not_sent']);
    expect(ran).toEqual(['long']);
    await device.close();
  });

  it('the same queue without HTTP: submitCommand and waitingCommands on the EnOS cloud side', async () => {
    const enos = platform.enos!;
    const r = await enos.submitCommand(pk, 'sleeper02', 'svc', { n: 31 }, { pendingTtl: 600 });
    expect(r).toMatchObject({ kind: 'cached' });
    expect(enos.waitingCommands(pk, 'sleeper02').map((c) => [c.commandId, c.status])).toEqual([[(r as { commandId: string }).commandId, 'cached']]);
    await expect(enos.submitCommand(pk, 'sleeper02', 'svc', {}, { timeout: 1 })).resolves.toMatchObject({ kind: 'failed', enosCode: 11900 });
    await expect(enos.submitCommand(pk, 'sleeper02', 'svc', {}, { pendingTtl: 172_801 })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(enos.submitCommand(pk, 'nobody', 'svc', {})).rejects.toMatchObject({ code: 'unknown_device' });
    const seen: number[] = [];
    const device = await sleeper('sleeper02', 's2', seen);
    await device.connect();
    await until(() => enos.waitingCommands(pk, 'sleeper02').length === 0 && seen.length === 1, 'the queued command');
    expect(seen).toEqual([31]);
    await expect(enos.submitCommand(pk, 'sleeper02', 'svc', { n: 32 })).resolves.toMatchObject({ kind: 'replied', code: 200, data: { n: 32 } });
    await device.close();
  });

  it("a sub-device's cached commands go through its gateway once it is logged in", async () => {
    const cached = await rest().invokeService({ productKey: pk, deviceKey: 'subdev001', serviceId: 'svc', pendingTtl: 600, inputData: { n: 21 } });
    const { GatewayClient } = await import('@linkwire/node/enos');
    const gw = new GatewayClient({ brokerUrl: brokerUrl(), productKey: pk, deviceKey: 'gateway01', deviceSecret: 'g1' });
    const seen: number[] = [];
    const { DeviceInfo } = await import('@linkwire/enos');
    await gw.deviceCommand.onInvokeService('svc', new DeviceInfo({ productKey: pk, deviceKey: 'subdev001' }), (req, res) => {
      seen.push((req.params as { n: number }).n);
      return res.send(200, {});
    });
    await gw.connect();
    expect(seen).toEqual([]);
    await gw.subDeviceManagement.loginSubDevice({ subDevice: { productKey: pk, deviceKey: 'subdev001', deviceSecret: 'sd1' } });
    await until(() => platform.enos!.device(pk, 'subdev001')!.commands.find((c) => c.commandId === cached.commandId)?.status === 'succeeded', 'the sub-device command');
    expect(seen).toEqual([21]);
    await gw.close();
  });
});
