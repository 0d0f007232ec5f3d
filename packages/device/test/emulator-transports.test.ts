// The flows the earlier tests ran against aedes and MQTT.js stand-ins, now against the emulator
// over TCP, TLS and WebSocket (issue 15): remote config push, gateway model config push, topology
// change and add-notify, malformed input from the platform, a gateway with 50 sub-devices through
// a cut connection with messages in flight, and an OTA download cut twice and resumed, then a
// tampered one never activated. The network between device and platform is a TCP proxy
// (proxy.ts) that stalls and cuts: TLS and WebSocket pass through it as they are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceClient, DeviceError, DeviceEvent, FetchLike } from '@linkwire/device';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { createNodeDeviceClient, registerNodeHash, type NodeEndpoint } from '@linkwire/node';
import { startProxy, type Proxy } from './proxy.ts';

registerNodeHash();
const device = { productKey: 'a1TrnDev001', deviceName: 'trn-dev', deviceSecret: 'trn-dev-secret' };
const gw = { productKey: 'a1TrnGw0001', deviceName: 'trn-gw', deviceSecret: 'trn-gw-secret' };
const subs = Array.from({ length: 50 }, (_, i) => ({ productKey: 'a1TrnSub001', deviceName: `trn-sub-${i}`, deviceSecret: `trn-sub-secret-${i}` }));
const decoder = new TextDecoder();
const fast = { backoff: { minMs: 20, maxMs: 200 } };
// The platform's calls wait for handlers that download or load a part: generous under load.
const wait = { timeoutMs: 15_000 };

type Transport = 'tcp' | 'tls' | 'ws';

describe.each<Transport>(['tcp', 'tls', 'ws'])('against the emulator over %s', (transport) => {
  let platform: Emulator;
  let mqtt: Proxy;
  let http: Proxy;
  const events: EmulatorEvent[] = [];
  let endpoint: NodeEndpoint;
  // Downloads go through the cutting proxy: the firmware URL names the emulator's HTTP port.
  let fetchThroughProxy: FetchLike;

  beforeAll(async () => {
    platform = await startEmulator({ devices: [device, gw, ...subs], http: true, websocket: true, tls: true, onEvent: (e) => events.push(e) });
    mqtt = await startProxy(transport === 'tcp' ? platform.port : transport === 'tls' ? platform.tlsPort! : platform.wsPort!);
    http = await startProxy(platform.httpPort!);
    endpoint = transport === 'tcp' ? { host: '127.0.0.1', port: mqtt.port }
      : transport === 'tls' ? { host: '127.0.0.1', port: mqtt.port, tls: { ca: platform.ca! } }
      : { url: `ws://127.0.0.1:${mqtt.port}/mqtt` };
    fetchThroughProxy = (url, init) => fetch(url.replace(`:${platform.httpPort}/`, `:${http.port}/`), init as RequestInit) as unknown as ReturnType<FetchLike>;
  });
  afterAll(async () => {
    await mqtt.close();
    await http.close();
    await platform.close();
  });

  const errors = (list: DeviceEvent[]): string[] => list.flatMap((e) => (e.type === 'error' ? [(e.error as DeviceError).code] : []));

  it('remote configuration pushed and downloaded; a gateway model configuration pushed', async () => {
    const d = createNodeDeviceClient({ ...gw, endpoint, fetch: fetchThroughProxy, ota: { allowHttp: true }, mqtt: fast });
    try {
      const config = platform.setConfig(gw.productKey, '{"sampleRate":5}');
      const pushed = new Promise<string>((resolve, reject) =>
        d.ota.onConfigPush(async (c) => {
          try {
            const { image } = await d.ota.download(c);
            resolve(decoder.decode(image));
          } catch (e) {
            reject(e);
          }
        }),
      );
      const models: string[] = [];
      d.ota.onModelConfigPush((m) => void models.push(m.url));
      await d.connect();
      expect(await platform.pushConfig(gw.productKey, gw.deviceName, wait)).toMatchObject({ status: 'replied', code: 200 });
      expect(await pushed).toBe('{"sampleRate":5}');
      expect((await d.ota.getConfig())?.configId).toBe(config.configId);
      // Configuration is not firmware: its download reports no OTA progress.
      expect(events.some((e) => e.type === 'request' && e.topic === `/ota/device/progress/${gw.productKey}/${gw.deviceName}`)).toBe(false);
      expect(await platform.pushModelConfig(gw.productKey, gw.deviceName, { modelList: [] }, wait)).toMatchObject({ status: 'replied', code: 200 });
      expect(models).toHaveLength(1);
      // A handler that fails answers with its error, never 200.
      d.ota.onConfigPush(() => {
        throw new Error('cannot apply');
      });
      expect(await platform.pushConfig(gw.productKey, gw.deviceName, wait)).toMatchObject({ status: 'replied', code: 400 });
    } finally {
      await d.end();
    }
  });

  it('topology change and add-notify pushes reach the handler and are answered', async () => {
    const d = createNodeDeviceClient({ ...gw, endpoint, gateway: {}, mqtt: fast });
    try {
      const seen: string[] = [];
      d.gateway.onTopoChange((params, kind) => void seen.push(`${kind}:${JSON.stringify(params)}`));
      await d.connect();
      expect((await d.gateway.addTopo(subs.slice(0, 2))).code).toBe(200);
      expect(await platform.changeTopology(gw.productKey, gw.deviceName, 'delete', [subs[1]!], wait)).toMatchObject({ status: 'replied', code: 200 });
      expect(await platform.notifyTopoAdd(gw.productKey, gw.deviceName, [subs[1]!], wait)).toMatchObject({ status: 'replied', code: 200 });
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatch(/^change:.*"status":1.*trn-sub-1/);
      expect(seen[1]).toMatch(/^notify:.*trn-sub-1/);
    } finally {
      await d.end();
    }
  });

  it('malformed input from the platform is reported, never fatal, and a command not understood is never answered 200', async () => {
    const list: DeviceEvent[] = [];
    const d = createNodeDeviceClient({ ...device, endpoint, requestTimeoutMs: 1000, onEvent: (e) => list.push(e), mqtt: fast });
    try {
      d.onService('ok', () => ({ fine: 1 }));
      await d.connect();
      const sys = `/sys/${device.productKey}/${device.deviceName}`;
      const replies = (): { topic: string; code: unknown }[] =>
        events.flatMap((e) => (e.type === 'request' && e.topic.startsWith(`${sys}/thing/service/`) && e.topic.endsWith('_reply') ? [{ topic: e.topic, code: (JSON.parse(e.payload) as { code?: unknown }).code }] : []));
      platform.publish(`${sys}/thing/service/ok`, '{"id":"1","version":"1.0","params":');
      await expect.poll(() => errors(list)).toContain('invalid_message');
      platform.publish(`${sys}/thing/service/ok`, '{"id":"2","version":"1.0","params":{},"method":"thing.service.other"}');
      platform.publish(`${sys}/thing/service/property/set`, '{"id":"3","version":"1.0","params":[1],"method":"thing.service.property.set"}');
      platform.publish(`${sys}/thing/event/property/post_reply`, '{"id":"999999","code":200,"data":{}}');
      platform.publish(`${sys}/thing/service/ok`, `{"id":"4","version":"1.0","params":{"x":"${'a'.repeat(300 * 1024)}"},"method":"thing.service.ok"}`);
      await expect.poll(() => errors(list)).toEqual(expect.arrayContaining(['unmatched_reply']));
      await expect.poll(() => replies().length).toBeGreaterThanOrEqual(1);
      expect(replies().every((r) => r.code !== 200)).toBe(true);
      // Still connected and serving.
      expect(await platform.invokeService(device.productKey, device.deviceName, 'ok', {}, wait)).toMatchObject({ status: 'replied', code: 200, data: { fine: 1 } });
      expect((await d.postProperties({ Temperature: 3 })).code).toBe(200);
      expect(d.state).toBe('connected');
    } finally {
      await d.end();
    }
  });

  it('a gateway with 50 sub-devices through a cut connection: every sub-device logged in again, its in-flight and held messages delivered only after that', async () => {
    const list: DeviceEvent[] = [];
    const g = createNodeDeviceClient({ ...gw, endpoint, gateway: { batchSize: 10 }, onEvent: (e) => list.push(e), mqtt: fast, requestTimeoutMs: 5000 });
    try {
      await g.connect();
      expect((await g.gateway.addTopo(subs)).code).toBe(200);
      const handles = await g.gateway.login(subs);
      expect(g.gateway.online).toHaveLength(50);
      for (const s of subs) expect(platform.device(s.productKey, s.deviceName)?.online).toBe(true);
      const first = events.length;
      // The link dies silently: these posts leave the device but never reach the platform.
      mqtt.stall();
      const inFlight = handles.map((h, i) => h.postProperties({ Temperature: i }).catch((e: DeviceError) => e.code));
      await new Promise((r) => setTimeout(r, 100));
      mqtt.cut();
      await expect.poll(() => list.some((e) => e.type === 'disconnected')).toBe(true);
      // Sent while the gateway is offline: held until their sub-device is back.
      const during = handles.map((h, i) => h.postProperties({ Humidity: i }));
      expect((await Promise.all(during)).every((r) => r.code === 200)).toBe(true);
      expect(await Promise.all(inFlight)).toEqual(subs.map(() => 'disconnected'));
      await expect.poll(() => subs.filter((s) => platform.device(s.productKey, s.deviceName)?.properties['Temperature']?.value !== undefined).length).toBe(50);
      for (const [i, s] of subs.entries()) {
        const props = platform.device(s.productKey, s.deviceName)!.properties;
        expect([props['Temperature']?.value, props['Humidity']?.value]).toEqual([i, i]);
      }
      // The platform saw each sub-device's messages only after its login, and refused none.
      const after = events.slice(first);
      expect(after.filter((e) => e.type === 'denied')).toEqual([]);
      const loginAt = (dn: string): number => after.findIndex((e) => e.type === 'request' && e.topic.endsWith('/combine/batch_login') && e.payload.includes(`"${dn}"`));
      for (const s of subs) {
        const postAt = after.findIndex((e) => e.type === 'request' && e.topic === `/sys/${s.productKey}/${s.deviceName}/thing/event/property/post`);
        expect(loginAt(s.deviceName), s.deviceName).toBeGreaterThanOrEqual(0);
        expect(postAt, s.deviceName).toBeGreaterThan(loginAt(s.deviceName));
      }
      expect(g.gateway.online).toHaveLength(50);
      // The posts in flight at the cut were rejected 'disconnected' there; their replies, when the
      // retransmitted posts are answered, match no request and are reported as such (and only those).
      expect(errors(list).filter((c) => c !== 'unmatched_reply')).toEqual([]);
      expect(errors(list).length).toBeLessThanOrEqual(50);
      await g.gateway.logout(subs);
    } finally {
      await g.end();
    }
  }, 60_000);

  it('an OTA download cut twice resumes with Range and activates; a tampered image is never activated', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint, fetch: fetchThroughProxy, ota: { version: '1.0.0', allowHttp: true }, mqtt: fast });
    try {
      let activated = 0;
      let failure: unknown;
      let done: () => void = () => undefined;
      let finished = new Promise<void>((r) => (done = r));
      d.ota.onUpgrade(async (u) => {
        try {
          const { firmware, attempts } = await d.ota.download(u);
          expect(attempts).toBe(3);
          await d.ota.activate(firmware, () => void activated++);
          await d.ota.inform(firmware.version!);
        } catch (e) {
          failure = e;
        }
        done();
      });
      await d.connect();
      // Request heads, whichever (kept-alive) connection carried them.
      const gets = (): string[] => http.requests.join('').split(/(?=GET \/)/).filter((h) => h.startsWith('GET /'));
      const before = gets().length;
      http.cutResponsesAfter(30_000, 2);
      const job = platform.pushOta({ version: '2.0.0', size: 100_000 }, [device]);
      await finished;
      expect(failure).toBeUndefined();
      expect(activated).toBe(1);
      const heads = gets().slice(before);
      expect(heads).toHaveLength(3);
      expect(heads[0]).not.toMatch(/range:/i);
      const starts = heads.slice(1).map((h) => Number(/range: bytes=(\d+)-/i.exec(h)?.[1]));
      expect(starts[0]).toBeGreaterThan(0);
      expect(starts[1]).toBeGreaterThan(starts[0]!);
      await expect.poll(() => [...(platform.otaJob(job.jobId)?.devices.values() ?? [])]).toEqual([{ status: 'succeeded' }]);

      // A firmware whose served bytes differ from its announced digest: the verifier refuses it,
      // −3 goes to the platform, and install never runs.
      finished = new Promise<void>((r) => (done = r));
      failure = undefined;
      const offer = platform.addFirmware({ version: '3.0.0', size: 50_000 });
      const tampered = platform.pushOta({ ...offer, digest: offer.digest.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, [device]);
      await finished;
      expect(failure).toMatchObject({ name: 'OtaError' });
      expect(activated).toBe(1);
      await expect.poll(() => [...(platform.otaJob(tampered.jobId)?.devices.values() ?? [])]).toEqual([expect.objectContaining({ status: 'failed', step: -3 })]);
    } finally {
      await d.end();
    }
  }, 30_000);
});
