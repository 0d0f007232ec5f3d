import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { DeviceClient } from '@linkwire/device';
import { connectThermostat, gateway, productKey, sensor, thermostatTsl } from '../support/console-fixture.ts';
import { until } from '../support/until.ts';

// Every endpoint of the admin API with good and bad requests, by fetch and by raw HTTP where a
// browser's fetch would not send the request (a wrong Host, a lying content-length).

let platform: Emulator;
let api: string;
let device: DeviceClient;
let deltas: unknown[];
let calls: { service: string; params: unknown }[];
const spare = { productKey, deviceName: 'spare-01', deviceSecret: 'spare-01-secret' };

beforeAll(async () => {
  platform = await startEmulator({
    admin: true, http: true,
    products: [{ productKey, tsl: thermostatTsl }],
    devices: [sensor, gateway, spare],
  });
  api = `${platform.adminUrl}api`;
  ({ device, deltas, calls } = await connectThermostat(platform));
});
afterAll(async () => {
  await device?.end();
  await platform?.close();
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function call(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await fetch(`${api}${path}`, init);
  const text = await r.text();
  return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
}
function expectError(r: { status: number; body: any }, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
}
/** Raw HTTP, for what fetch will not send (the Host header, a declared length it does not keep). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${api}${path}`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text === '' ? undefined : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('admin API: platform, products and devices', () => {
  it('GET /api names the endpoints', async () => {
    const r = await call('');
    expect(r.status).toBe(200);
    expect(r.body.endpoints.mqtt).toBe(`mqtt://127.0.0.1:${platform.port}`);
    expect(r.body.endpoints.http).toBe(`http://127.0.0.1:${platform.httpPort}`);
    expect(r.body.devices).toBe(3);
  });

  it('lists products and serves one with its TSL document; an unknown one is 404', async () => {
    const list = await call('/products');
    expect(list.body.products).toEqual([{ productKey, dynamicRegistration: false, registerUnknownDevices: false, hasModel: true, devices: 3 }]);
    const one = await call(`/products/${productKey}`);
    expect(one.body.tsl.services.map((s: { identifier: string }) => s.identifier)).toEqual(['SetMode', 'Reboot']);
    expectError(await call('/products/a1Nope00000'), 404, 'not_found');
  });

  it('lists devices with their online state, filtered by product', async () => {
    const r = await call('/devices');
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(r.body.devices.map((d: { deviceName: string }) => [d.deviceName, d]));
    expect(byName['sensor-01']).toMatchObject({ productKey, online: true, activated: true, enabled: true, gateway: null });
    expect(byName['spare-01']).toMatchObject({ online: false, activated: false });
    expect((await call('/devices?productKey=a1Other0000')).body.devices).toEqual([]);
  });

  it('creates a device (201), refuses a duplicate (409), bad names and bodies (400, 415)', async () => {
    const created = await call('/devices', json({ productKey, deviceName: 'created-01', deviceSecret: 'x'.repeat(32) }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ productKey, deviceName: 'created-01', online: false, hasSecret: true });
    expectError(await call('/devices', json({ productKey, deviceName: 'created-01' })), 409, 'conflict');
    expectError(await call('/devices', json({ productKey, deviceName: 'a/b#' })), 400, 'invalid_request');
    expectError(await call('/devices', json({ productKey })), 400, 'invalid_request');
    expectError(await call('/devices', json({ productKey, deviceName: 'dn-ok-1', deviceSecret: 7 })), 400, 'invalid_request');
    expectError(await call('/devices', json([1, 2])), 400, 'invalid_request');
    expectError(await call('/devices', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"productKey": ' }), 400, 'bad_json');
    expectError(await call('/devices', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"__proto__": {"x": 1}}' }), 400, 'bad_json');
    expectError(await call('/devices', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type');
    // A pre-registered device (no secret) waits for dynamic registration.
    expect((await call('/devices', json({ productKey, deviceName: 'preregistered' }))).body.hasSecret).toBe(false);
  });

  it('shows one device: named property values, shadow, firmware; unknown is 404', async () => {
    await device.postProperties({ temperature: 21.5, WF: 50 });
    const r = await call(`/devices/${productKey}/sensor-01`);
    expect(r.status).toBe(200);
    expect(r.body.properties).toEqual([
      { identifier: 'temperature', name: 'Temperature', value: 21.5, time: expect.any(Number) },
      { identifier: 'WF', name: 'Working frequency', value: 50, time: expect.any(Number) },
    ]);
    expect(r.body.shadow).toMatchObject({ version: 0 });
    expect((await call(`/devices/${productKey}/sensor-01/properties`)).body.properties).toHaveLength(2);
    expectError(await call(`/devices/${productKey}/nobody`), 404, 'not_found');
    expectError(await call(`/devices/${productKey}/%E0%A4%A`), 400, 'invalid_request');
    expectError(await call('/nothing-here'), 404, 'not_found');
    expectError(await call(`/devices/${productKey}/sensor-01`, { method: 'DELETE' }), 405, 'method_not_allowed');
  });
});

describe('admin API: commands', () => {
  it('invokes a service asynchronously and synchronously (RRPC) and returns the reply', async () => {
    const async = await call(`/devices/${productKey}/sensor-01/services/SetMode`, json({ params: { Power: 'on', WF: 2 } }));
    expect(async.status).toBe(200);
    expect(async.body).toMatchObject({ status: 'replied', code: 200, data: { accepted: 1 } });
    const sync = await call(`/devices/${productKey}/sensor-01/services/Reboot`, json({ params: { delay: 5 }, sync: true }));
    expect(sync.body).toMatchObject({ status: 'replied', code: 200 });
    expect(calls).toContainEqual({ service: 'Reboot', params: { delay: 5 } });
  });

  it('refuses params the model does not allow (422 with the issues), an offline device (409), an unknown one (404)', async () => {
    const bad = await call(`/devices/${productKey}/sensor-01/services/SetMode`, json({ params: { Power: 'on', WF: 500 } }));
    expectError(bad, 422, 'invalid_params');
    expect(bad.body.error.alinkCode).toBe(460);
    expect(bad.body.error.issues[0].path).toMatch(/WF/);
    expectError(await call(`/devices/${productKey}/spare-01/services/SetMode`, json({ params: { Power: 'on', WF: 2 } })), 409, 'device_offline');
    expectError(await call(`/devices/${productKey}/nobody/services/SetMode`, json({})), 404, 'not_found');
    expectError(await call(`/devices/${productKey}/sensor-01/services/SetMode`, json({ sync: 'yes' })), 400, 'invalid_request');
    expectError(await call(`/devices/${productKey}/sensor-01/services/SetMode`, json({ timeoutMs: 10 ** 9 })), 400, 'invalid_request');
  });

  it('a device that does not answer in time is a 504', async () => {
    const stop = device.onService('SetMode', () => new Promise(() => undefined));
    try {
      expectError(await call(`/devices/${productKey}/sensor-01/services/SetMode`, json({ params: { Power: 'on', WF: 1 }, timeoutMs: 200 })), 504, 'timeout');
    } finally {
      stop();
      device.onService('SetMode', () => ({ accepted: 1 }));
    }
  });

  it('sets properties; a read-only one and a bad body are refused', async () => {
    const r = await call(`/devices/${productKey}/sensor-01/properties`, json({ params: { temperature: 22.5, mode: 2 } }));
    expect(r.body).toMatchObject({ status: 'replied', code: 200 });
    expect(calls).toContainEqual({ service: 'property.set', params: { temperature: 22.5, mode: 2 } });
    expectError(await call(`/devices/${productKey}/sensor-01/properties`, json({ params: { WF: 1 } })), 422, 'invalid_params');
    expectError(await call(`/devices/${productKey}/sensor-01/properties`, json({ params: [1] })), 400, 'invalid_request');
    expectError(await call(`/devices/${productKey}/sensor-01/properties`, json({})), 400, 'invalid_request');
  });

  it('updates the desired shadow: the delta reaches the device; a stale version is 409; a bad body 400', async () => {
    const r = await call(`/devices/${productKey}/sensor-01/shadow`, json({ desired: { color: 'green' } }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ version: 1, state: { desired: { color: 'green' } } });
    await until(() => deltas.length > 0);
    expect(deltas[0]).toEqual({ color: 'green' });
    const stale = await call(`/devices/${productKey}/sensor-01/shadow`, json({ desired: { color: 'red' }, version: 1 }));
    expectError(stale, 409, 'version_conflict');
    // The device reported the delta back (version 2): the error names the version to write above.
    expect(stale.body.error).toMatchObject({ shadowCode: 409, version: expect.any(Number) });
    expect(stale.body.error.version).toBeGreaterThanOrEqual(1);
    expectError(await call(`/devices/${productKey}/sensor-01/shadow`, json({ desired: [1] })), 400, 'invalid_request');
    expectError(await call(`/devices/${productKey}/sensor-01/shadow`, json({ desired: {}, version: -1 })), 400, 'invalid_request');
    expect((await call(`/devices/${productKey}/sensor-01/shadow`)).body.version).toBeGreaterThanOrEqual(1);
  });
});

describe('admin API: OTA, topology, the message log', () => {
  it('uploads firmware (raw or generated), creates a job and follows its progress', async () => {
    const image = new Uint8Array(4096).map((_, i) => i & 0xff);
    const up = await call('/firmware?version=2.0.0', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: image });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ firmwareId: '1', version: '2.0.0', size: 4096, digestMethod: 'sha256' });
    const downloaded = new Uint8Array(await (await fetch(up.body.url)).arrayBuffer());
    expect(downloaded).toEqual(image);
    const generated = await call('/firmware', json({ version: '2.1.0', size: 1000, digestMethod: 'md5' }));
    expect(generated.body).toMatchObject({ firmwareId: '2', size: 1000, digestMethod: 'md5' });
    expect((await call('/firmware')).body.firmware).toHaveLength(2);

    const job = await call('/ota/jobs', json({ firmwareId: '1', devices: [{ productKey, deviceName: 'sensor-01' }, { productKey, deviceName: 'spare-01' }] }));
    expect(job.status).toBe(201);
    expect(job.body.devices).toEqual([
      { productKey, deviceName: 'sensor-01', status: 'pushed' },
      { productKey, deviceName: 'spare-01', status: 'offline' },
    ]);
    await device.ota.progress(40, 'downloading');
    await until(() => platform.otaJob(job.body.jobId)!.devices.get(`${productKey}&sensor-01`)!.status === 'in_progress');
    const progress = await call(`/ota/jobs/${job.body.jobId}`);
    expect(progress.body.devices[0]).toEqual({ productKey, deviceName: 'sensor-01', status: 'in_progress', step: 40, desc: 'downloading' });
    expect((await call('/ota/jobs')).body.jobs.map((j: { jobId: string }) => j.jobId)).toContain(job.body.jobId);
  });

  it('refuses bad firmware and job requests', async () => {
    expectError(await call('/firmware', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(3) }), 400, 'invalid_request');
    expectError(await call('/firmware?version=1', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(0) }), 400, 'invalid_request');
    expectError(await call('/firmware?version=1&digestMethod=crc', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(3) }), 400, 'invalid_request');
    expectError(await call('/firmware', json({ version: '' })), 400, 'invalid_request');
    expectError(await call('/firmware', json({ version: '1', module: '../x' })), 400, 'invalid_request');
    expectError(await call('/ota/jobs', json({ firmwareId: '99', devices: [{ productKey, deviceName: 'sensor-01' }] })), 404, 'not_found');
    expectError(await call('/ota/jobs', json({ firmwareId: '1', devices: [] })), 400, 'invalid_request');
    expectError(await call('/ota/jobs', json({ firmwareId: '1', devices: ['sensor-01'] })), 400, 'invalid_request');
    expectError(await call('/ota/jobs', json({ firmwareId: '1', devices: [{ productKey, deviceName: 'nobody' }] })), 404, 'not_found');
    expectError(await call('/ota/jobs/12345'), 404, 'not_found');
  });

  it('shows the topology of a gateway and its sub-devices', async () => {
    expect((await call('/topology')).body).toEqual({ gateways: [] });
    const gw = await connectThermostat(platform, gateway);
    try {
      await gw.device.gateway.addTopo([{ productKey, deviceName: 'spare-01', deviceSecret: spare.deviceSecret }]);
      const r = await call('/topology');
      expect(r.body.gateways).toEqual([{ productKey, deviceName: 'gateway-01', online: true, subDevices: [{ productKey, deviceName: 'spare-01', online: false, enabled: true }] }]);
      expect((await call(`/devices/${productKey}/spare-01`)).body.gateway).toEqual({ productKey, deviceName: 'gateway-01' });
    } finally {
      await gw.device.end();
    }
  });

  it('pages the message log newest first, filtered by device and topic (MQTT filters)', async () => {
    await device.postProperties({ temperature: 23 });
    const all = await call('/messages?limit=5');
    expect(all.body.messages).toHaveLength(5);
    const seqs = all.body.messages.map((m: { seq: number }) => m.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    const next = await call(`/messages?limit=5&before=${all.body.next}`);
    expect(next.body.messages[0].seq).toBeLessThan(seqs[4]);

    const posts = await call(`/messages?device=${productKey}/sensor-01&topic=/sys/%2B/%2B/thing/event/property/post`);
    expect(posts.body.messages.length).toBeGreaterThanOrEqual(2);
    for (const m of posts.body.messages) expect(m).toMatchObject({ kind: 'message', direction: 'up', productKey, deviceName: 'sensor-01', method: 'thing.event.property.post' });
    const replies = await call(`/messages?topic=${encodeURIComponent(`/sys/${productKey}/sensor-01/thing/event/property/post_reply`)}&limit=1`);
    expect(replies.body.messages[0]).toMatchObject({ direction: 'down', code: 200 });
    const since = await call(`/messages?after=${seqs[1]}`);
    expect(since.body.messages.map((m: { seq: number }) => m.seq)).toEqual([seqs[0]]);
    const presence = await call(`/messages?device=${productKey}/gateway-01&limit=1000`);
    expect(presence.body.messages.map((m: { kind: string }) => m.kind)).toEqual(expect.arrayContaining(['online', 'offline']));

    expectError(await call('/messages?topic=a/%23/b'), 400, 'invalid_request');
    expectError(await call('/messages?limit=0'), 400, 'invalid_request');
    expectError(await call('/messages?limit=100000'), 400, 'invalid_request');
    expectError(await call('/messages?before=x'), 400, 'invalid_request');
    expectError(await call('/messages?device=a/b/c'), 400, 'invalid_request');
  });

  it('streams the log as server-sent events, filtered, resuming after an id', async () => {
    const controller = new AbortController();
    const r = await fetch(`${api}/events?device=${productKey}/sensor-01&topic=${encodeURIComponent('/sys/+/+/thing/event/property/post')}`, { signal: controller.signal });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    let text = '';
    await device.postProperties({ temperature: 24.5 });
    while (!text.includes('24.5')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = text.split('\n\n').find((b) => b.includes('24.5'))!;
    const id = Number(/^id: (\d+)$/m.exec(event)![1]);
    const entry = JSON.parse(/^data: (.*)$/m.exec(event)![1]!);
    expect(entry).toMatchObject({ seq: id, kind: 'message', direction: 'up', topic: `/sys/${productKey}/sensor-01/thing/event/property/post` });

    // Reconnecting with Last-Event-ID replays what came since, then goes on live.
    await device.postProperties({ temperature: 25.5 });
    const c2 = new AbortController();
    const r2 = await fetch(`${api}/events?device=${productKey}/sensor-01`, { signal: c2.signal, headers: { 'last-event-id': String(id) } });
    const reader2 = r2.body!.getReader();
    let text2 = '';
    while (!text2.includes('25.5')) text2 += new TextDecoder().decode((await reader2.read()).value);
    c2.abort();
    expect(text2).not.toContain('24.5');
    expectError(await call('/events', { method: 'POST' }), 405, 'method_not_allowed');
    expectError(await call('/events?topic=%23/x'), 400, 'invalid_request');
  });
});

describe('admin API: a flooding device', () => {
  it('is sampled on an event stream (1000 entries/s, burst 2000), with the skipped count announced', async () => {
    const controller = new AbortController();
    const r = await fetch(`${api}/events?device=${productKey}/sensor-01`, { signal: controller.signal });
    const reader = r.body!.getReader();
    const topic = `/sys/${productKey}/sensor-01/thing/event/property/post`;
    const posts = 4000;
    for (let i = 0; i < posts; i++) void device.publish(topic, `{"id":"${i}","version":"1.0","params":{"temperature":20},"method":"thing.event.property.post"}`, { qos: 0 });
    let text = '';
    const decoder = new TextDecoder();
    // The platform logs each post and its reply: 8000 entries, far over the stream's burst.
    while (!text.includes('event: gap')) text += decoder.decode((await reader.read()).value, { stream: true });
    controller.abort();
    const skipped = Number(/event: gap\ndata: \{"skipped":(\d+)\}/.exec(text)![1]);
    const delivered = (text.match(/^id: /gm) ?? []).length;
    expect(skipped).toBeGreaterThan(0);
    // At most the burst plus what the rate refilled while the flood went on.
    expect(delivered).toBeLessThan(2 * posts - skipped + 1);
    expect(delivered + skipped).toBeLessThanOrEqual(2 * posts);
    // The log itself keeps every entry (up to its capacity); only the stream samples.
    const all = await call(`/messages?device=${productKey}/sensor-01&topic=${encodeURIComponent(topic)}&limit=1000`);
    expect(all.body.messages).toHaveLength(1000);
  }, 30_000);
});

describe('admin API: the listener treats its peers as exposed', () => {
  it('refuses a body over the limit by its declared length, unread (413)', async () => {
    const r = await raw('/devices', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) } });
    expectError(r, 413, 'payload_too_large');
    const big = await call('/devices', json({ productKey, deviceName: 'big-1', pad: 'x'.repeat(300 * 1024) }));
    expectError(big, 413, 'payload_too_large');
  });

  it('refuses a foreign Host (DNS rebinding) and a cross-site Origin', async () => {
    expectError(await raw('/devices', { headers: { host: 'attacker.example:80' } }), 403, 'forbidden');
    expectError(await call('/devices', { ...json({ productKey, deviceName: 'xsite-1' }), headers: { 'content-type': 'application/json', origin: 'http://attacker.example' } }), 403, 'forbidden');
    expect((await raw('/devices', { headers: { host: `localhost:${new URL(api).port}` } })).status).toBe(200);
  });

  it('with a token, every API request must carry it; the pages need none', async () => {
    const token = 'correct-horse-battery-staple';
    const p = await startEmulator({ admin: { token }, devices: [sensor] });
    try {
      const base = `${p.adminUrl}api/devices`;
      const none = await fetch(base);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(base, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      expect((await fetch(base, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${p.adminUrl}api/events`, { headers: { authorization: 'Basic x' } })).status).toBe(401);
    } finally {
      await p.close();
    }
  });

  it('bound beyond loopback it refuses to start without a token, and with a short one', async () => {
    await expect(startEmulator({ admin: { host: '0.0.0.0' } })).rejects.toThrow(/admin.token/);
    await expect(startEmulator({ admin: { token: 'short' } })).rejects.toThrow(/16 characters/);
    const p = await startEmulator({ admin: { host: '0.0.0.0', token: 'a-long-enough-admin-token' } });
    try {
      expect(p.adminUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
      const port = new URL(p.adminUrl!).port;
      expect((await fetch(`http://127.0.0.1:${port}/api`, { headers: { authorization: 'Bearer a-long-enough-admin-token' } })).status).toBe(200);
    } finally {
      await p.close();
    }
  });

  it('serves the console and the device page with a strict CSP', async () => {
    const r = await fetch(platform.adminUrl!);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(await r.text()).toMatch(/<script type="module" src="\/console\.js"><\/script>/);
    const js = await fetch(`${platform.adminUrl}console.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${platform.adminUrl}nothing.html`)).status).toBe(404);
    expect((await fetch(platform.adminUrl!, { method: 'POST' })).status).toBe(405);
  });
});
