import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTopic } from '@linkwire/alink';
import { toBase64, toHex, utf8Encode } from '@linkwire/base';
import { CoapOption, encodeCoap } from '@linkwire/coap';
import { encodePacket } from '@linkwire/mqtt';
import { enosMqttCredentials, mqttCredentials } from '@linkwire/sign';
import { SEED_VECTORS } from '../../alink/test/vectors.ts';
import { json, run, tempDir } from './support.ts';

const seedConnect = { productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', timestamp: 789, secureMode: 3 as const };

describe('linkwire verify', () => {
  it('accepts the seed §3.1 CONNECT and exits 0', async () => {
    const c = mqttCredentials({ ...seedConnect, signMethod: 'hmacsha1' });
    const r = await run(['verify', 'mqtt', '--client-id', c.clientId, '--username', c.username, '--password', c.password, '--device-secret', 'secret']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK {2}alibaba mqtt/);
    expect(r.stdout).toContain('signing string  clientId12345deviceNamedeviceproductKeypktimestamp789');
  });

  it('names the field that differs and the near miss that explains it (exit 1)', async () => {
    // Signed with hmacsha1, advertised as hmacsha256: the classic SDK defect.
    const c = mqttCredentials({ ...seedConnect, signMethod: 'hmacsha1' });
    const advertised = c.clientId.replace('hmacsha1', 'hmacsha256');
    const r = await run(['verify', 'mqtt', '--client-id', advertised, '--username', c.username, '--password', c.password, '--device-secret', 'secret', '--json']);
    expect(r.code).toBe(1);
    const v = json<{ ok: boolean; findings: { field: string; problem: string; expected: string; found: string }[]; diagnosis: string }>(r);
    expect(v.ok).toBe(false);
    expect(v.findings[0]!.field).toBe('password');
    expect(v.findings[0]!.problem).toContain('has 40 hex digits, the length of sha1, but the clientId advertises hmacsha256');
    expect(v.findings[0]!.expected).toBe('6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57');
    expect(v.diagnosis).toContain('the device signs with hmacsha1 but advertises signmethod=hmacsha256');
  });

  it('reads a captured CONNECT packet (hex and base64) and finds a timestamp left out of the signature', async () => {
    const good = mqttCredentials({ ...seedConnect, signMethod: 'hmacsha256' });
    const unsigned = mqttCredentials({ ...seedConnect, signMethod: 'hmacsha256', timestamp: undefined as never });
    const packet = encodePacket({ type: 'connect', clientId: good.clientId, username: good.username, password: utf8Encode(unsigned.password), keepalive: 60, cleanSession: true });
    const hex = toHex(packet).replace(/(..)/g, '$1 ');
    const r = await run(['verify', 'mqtt', '--packet', hex, '--device-secret', 'secret']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('from CONNECT packet (hex');
    expect(r.stdout).toContain('✗ password does not match');
    expect(r.stdout).toContain('→ the password was signed without the timestamp the clientId carries');
    const ok = encodePacket({ type: 'connect', clientId: good.clientId, username: good.username, password: utf8Encode(good.password), keepalive: 60, cleanSession: true });
    const b64 = await run(['verify', 'mqtt', '--packet', '-', '--device-secret', 'secret'], { input: toBase64(ok) });
    expect(b64.code).toBe(0);
    expect(b64.stdout).toContain('from CONNECT packet (base64');
  });

  it('checks the timestamp window when --now is given', async () => {
    const c = mqttCredentials({ ...seedConnect, timestamp: 1_700_000_000_000 });
    const r = await run(['verify', 'mqtt', '--client-id', c.clientId, '--username', c.username, '--password', c.password, '--device-secret', 'secret', '--now', String(1_700_000_000_000 + 3_600_000)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ timestamp 1700000000000 is 3600 s from now, outside the 900 s window');
  });

  it('verifies EnOS CONNECTs and recognises an HMAC where EnOS signs a digest', async () => {
    const c = enosMqttCredentials({ clientId: '123456', deviceKey: 'test', productKey: '654321', timestamp: '1548753362502', deviceSecret: 'abcdefg' });
    const ok = await run(['verify', 'mqtt', '--client-id', c.clientId, '--username', c.username, '--password', c.password, '--device-secret', 'abcdefg']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK {2}enos mqtt/);
    const { createHmac } = await import('node:crypto');
    const hmac = createHmac('sha256', 'abcdefg').update('clientId123456deviceKeytestproductKey654321timestamp1548753362502').digest('hex');
    const bad = await run(['verify', 'mqtt', '--client-id', c.clientId, '--username', c.username, '--password', hmac, '--device-secret', 'abcdefg']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('EnOS signs a plain digest of content + secret');
  });

  it('verifies signed bodies (seed §3.1 form, §9.2 registration) and names a field left out of the sign', async () => {
    const form = await run(['verify', 'body', 'productKey=123&deviceName=test&clientId=123&timestamp=123&signmethod=hmacmd5&sign=7f9c0941a986fe6d3ad883eda7efda9c&version=default&resources=mqtt', '--device-secret', 'secret']);
    expect(form.code).toBe(0);
    const reg = await run(['verify', 'body', 'productKey=1234556554&deviceName=deviceName1234&random=567345&sign=8565bb120ad944b840f3710fcbc09e4b&signMethod=HmacMD5', '--product-secret', 'productSecret']);
    expect(reg.code).toBe(0);
    // The seed §9.4 login sign covers cleanSession; a verifier fed the body with an extra field finds it.
    const login = JSON.stringify({ id: '1', params: { productKey: '123', deviceName: 'test', clientId: '123', timestamp: '123', signMethod: 'hmacmd5', sign: 'c22a0f826259443d47790cbb768a4b68', cleanSession: 'true' } });
    const r = await run(['verify', 'body', login, '--device-secret', 'deviceSecret']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('→ the sign leaves out the field cleanSession');
  });
});

describe('linkwire verify apim (enos-rest-invoke-service.txt request sample)', () => {
  const query = 'action=invokeService&deviceKey=yourDeviceKey&pendingTtl=1000&productKey=yourProductKey&serviceId=identifier&orgId=yourOrgId&timeout=30';
  const body = '{"inputData":{"canshu2":22.2,"canshu1":11}}';
  const args = (sig: string) => ['verify', 'apim', '--header', 'apim-accesstoken: token1', '--header', 'APIM-Timestamp: 1700000000000', '--header', `apim-signature: ${sig}`, '--app-secret', 'appSecret', '--query', query, '--body', body];

  it('accepts the documented signature and names a query signed in request order', async () => {
    const ok = await run(args('835664eb5c08252576481080025667fcca7afac7db259b9e72472f42ac17434f'));
    expect(ok.code, ok.stderr).toBe(0);
    const { createHash } = await import('node:crypto');
    const unsorted = createHash('sha256').update(`token1${query.split('&').map((x) => x.replace('=', '')).join('')}${body}1700000000000appSecret`).digest('hex');
    const r = await run([...args(unsorted), '--json']);
    expect(r.code).toBe(1);
    const v = json<{ findings: { field: string }[]; diagnosis: string }>(r);
    expect(v.findings[0]!.field).toBe('apim-signature');
    expect(v.diagnosis).toBe('the signature was made over the query in request order, not sorted by name');
    const missing = await run(['verify', 'apim', '--header', 'apim-accesstoken: t', '--app-secret', 's']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('✗ apim-timestamp header is missing');
  });
});

describe('linkwire decode', () => {
  it('decodes every seed example of the Alink catalogue (one JSON-lines log through the bin)', async () => {
    const lines = SEED_VECTORS.map((v) => JSON.stringify({ topic: formatTopic(v.name, v.ids as never), payload: v.json })).join('\n');
    const r = await run(['decode', '--lines', '-', '--json'], { input: lines });
    const doc = json<{ ok: boolean; messages: number; invalid: number; results: { ok: boolean; name: string; topic: string; issues: unknown[] }[] }>(r);
    const bad = doc.results.filter((x) => !x.ok);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.messages).toBe(SEED_VECTORS.length);
    doc.results.forEach((x, i) => expect(x.name, SEED_VECTORS[i]!.source).toBe(SEED_VECTORS[i]!.name));
  });

  it('says what a message is: topic name, direction, dialect, ids, method, params', async () => {
    const r = await run(['decode', '/sys/a1B2c3D4e5F/device1/thing/service/AutoSprinkle', '{"id":"123","version":"1.0","params":{"SprinkleTime":50,"SprinkleVolume":600},"method":"thing.service.AutoSprinkle"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK  /sys/a1B2c3D4e5F/device1/thing/service/AutoSprinkle');
    expect(r.stdout).toContain('topic     serviceCall (platform → device; Alibaba and EnOS;');
    expect(r.stdout).toContain('ids       productKey=a1B2c3D4e5F deviceName=device1 serviceId=AutoSprinkle');
    expect(r.stdout).toContain('params    {"SprinkleTime":50,"SprinkleVolume":600}');
  });

  it('reports a method that does not belong on the topic (exit 1) and an unknown topic (exit 3)', async () => {
    const r = await run(['decode', '/sys/pk/device1/thing/event/property/post', '{"id":"1","version":"1.0","params":{},"method":"thing.service.property.set"}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[method_mismatch]');
    const unknown = await run(['decode', '/not/an/alink/topic', '{}']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('is not a topic of the Alink catalogue');
  });

  it('validates params against a TSL model with paths', async () => {
    const dir = tempDir();
    const model = join(dir, 'm.json');
    writeFileSync(model, JSON.stringify({ properties: [{ identifier: 'PowerSwitch', accessMode: 'rw', required: false, dataType: { type: 'bool', specs: { 0: 'off', 1: 'on' } } }], events: [], services: [] }));
    const r = await run(['decode', '/sys/pk/device1/thing/service/property/set', '{"id":"5","version":"1.0","params":{"PowerSwitch":3},"method":"thing.service.property.set"}', '--tsl', model, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const d = json<{ model: { check: string; ok: boolean }; issues: { path: string }[] }>(r);
    expect(d.model).toEqual({ check: 'property set', ok: false });
    expect(d.issues[0]!.path).toBe('params.PowerSwitch');
  });

  it('decodes captured MQTT packets back to back (CONNECT then PUBLISH), as hex with spaces', async () => {
    const c = mqttCredentials({ ...seedConnect, signMethod: 'hmacsha1' });
    const connect = encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: utf8Encode(c.password), keepalive: 60, cleanSession: true });
    const publish = encodePacket({ type: 'publish', topic: '/sys/pk/device/thing/event/property/post', payload: utf8Encode('{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}'), qos: 1, messageId: 7, retain: false, dup: false });
    const hex = `${toHex(connect)} ${toHex(publish)}`;
    const r = await run(['decode', '--mqtt', hex]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MQTT packet 1/2: CONNECT');
    expect(r.stdout).toContain('productKey    pk');
    expect(r.stdout).toContain('MQTT packet 2/2: PUBLISH');
    expect(r.stdout).toContain('  OK  /sys/pk/device/thing/event/property/post');
    const cut = await run(['decode', '--mqtt', toHex(publish).slice(0, 20)]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toContain('the packet is cut short');
  });

  it('decodes a captured CoAP publish to /topic/… (base64) through the Alink catalogue', async () => {
    const msg = encodeCoap({
      type: 'CON', code: 0x02, messageId: 0x1234, token: new Uint8Array([1, 2]),
      options: [
        { number: CoapOption.UriPath, value: 'topic' }, { number: CoapOption.UriPath, value: 'sys' }, { number: CoapOption.UriPath, value: 'pk' },
        { number: CoapOption.UriPath, value: 'device' }, { number: CoapOption.UriPath, value: 'thing' }, { number: CoapOption.UriPath, value: 'event' },
        { number: CoapOption.UriPath, value: 'property' }, { number: CoapOption.UriPath, value: 'post' }, { number: CoapOption.ContentFormat, value: 50 },
      ],
      payload: utf8Encode('{"id":"9","version":"1.0","params":{"Temp":21.5},"method":"thing.event.property.post"}'),
    });
    const r = await run(['decode', '--coap', toBase64(msg), '--json']);
    expect(r.code).toBe(0);
    const d = json<{ packet: { type: string; code: string; path: string }; alink: { name: string; params: unknown } }>(r);
    expect(d.packet).toMatchObject({ type: 'CON', code: '0.02', path: '/topic/sys/pk/device/thing/event/property/post' });
    expect(d.alink).toMatchObject({ name: 'propertyPost', params: { Temp: 21.5 } });
  });
});

describe('linkwire tsl', () => {
  const dir = tempDir();
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  writeFileSync(good, JSON.stringify({
    properties: [{ identifier: 'Temp', accessMode: 'r', required: true, dataType: { type: 'float', specs: { min: '-40', max: '120' } } },
      { identifier: 'Level', accessMode: 'rw', required: false, dataType: { type: 'int', specs: { min: '0', max: '100' } } }],
    events: [], services: [{ identifier: 'Reset', method: 'thing.service.Reset', callType: 'async', required: false, inputData: [], outputData: [] }],
  }));
  writeFileSync(bad, JSON.stringify({ properties: [{ identifier: 'Temp', accessMode: 'x', dataType: { type: 'float', specs: { min: '10', max: '1' } } }], events: [], services: [] }));

  it('validate: OK for a good model; issues with JSON paths and exit 1 for a bad one', async () => {
    const ok = await run(['tsl', 'validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('2 properties, 0 events, 1 services; 0 errors');
    const r = await run(['tsl', 'validate', bad, '--json']);
    expect(r.code).toBe(1);
    const v = json<{ ok: boolean; issues: { path: string; code: string }[] }>(r);
    expect(v.ok).toBe(false);
    expect(v.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['properties[0].accessMode']));
    expect(v.issues.some((i) => i.path.startsWith('properties[0].dataType.specs'))).toBe(true);
    const missing = await run(['tsl', 'validate', join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no such file');
  });

  it('schema: JSON Schema per message kind', async () => {
    const r = await run(['tsl', 'schema', good, '--kind', 'propertyPost']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(s.$schema).toContain('2020-12');
    expect(JSON.stringify(s)).toContain('"Temp"');
    const wrong = await run(['tsl', 'schema', good, '--kind', 'nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('use one of');
  });

  it('check: a request or bare params against the model', async () => {
    const ok = await run(['tsl', 'check', good, '{"id":"1","method":"thing.event.property.post","params":{"Temp":21.5}}']);
    expect(ok.code).toBe(0);
    const r = await run(['tsl', 'check', good, '{"Level":101}', '--method', 'thing.service.property.set']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('params.Level');
  });
});
