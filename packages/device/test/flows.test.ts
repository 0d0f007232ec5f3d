// The remaining flows against aedes with a scripted platform: remote configuration (get, push
// answered after the handler, the file downloaded and verified), the gateway's model config
// push, topology pushes answered after the handler, sub-device registration and proxy
// provisioning signed with the product secret, the found list, logout.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyConfigPush, stringifyModelConfigPush, type ConfigFile } from '@linkwire/ota';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { verifyProxyProvisioning } from '@linkwire/sign';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { ok, startPlatform, type ScriptedPlatform } from './platform.ts';

registerNodeHash();
const gw = { productKey: 'a1FlowsGw01', deviceName: 'flows-gw-1', deviceSecret: 'flows-secret' };
const sys = `/sys/${gw.productKey}/${gw.deviceName}/thing`;
const configText = new TextEncoder().encode('{"sampleRate":5,"unit":"C"}');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('configuration and gateway flows', () => {
  let broker: TestBroker;
  let cloud: ScriptedPlatform;
  let http: Server;
  let file: ConfigFile;
  beforeAll(async () => {
    broker = await startAedes();
    cloud = await startPlatform(broker.port);
    http = createServer((_req, res) => res.writeHead(200).end(configText));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    file = { configId: 'cfg-1', size: configText.length, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/config.json`, digestMethod: 'sha256', digest: sha256(configText), getType: 'file' };
    cloud.answer(`${sys}/config/get`, (_t, p) => ok(p, { configId: file.configId, configSize: file.size, sign: file.digest, signMethod: 'Sha256', url: file.url, getType: 'file' }));
    cloud.answer(`${sys}/sub/register`, (_t, p) => ok(p, (JSON.parse(p.toString()) as { params: { productKey: string; deviceName: string }[] }).params.map((d) => ({ ...d, deviceSecret: `s-${d.deviceName}`, iotId: 'x' }))));
    cloud.answer(`${sys}/proxy/provisioning/product_register`, (_t, p) => {
      const v = verifyProxyProvisioning((JSON.parse(p.toString()) as { params: unknown }).params, () => 'product-secret');
      return v.ok && v.devices.every((x) => x.ok) ? ok(p) : { ...ok(p), code: 6287 };
    });
    cloud.answer(`${sys}/list/found`, (_t, p) => ok(p));
    cloud.answer(`${sys}/topo/delete`, (_t, p) => ok(p));
  });
  afterAll(async () => {
    await cloud.close();
    await broker.close();
    await new Promise<void>((r) => http.close(() => r()));
  });

  it('remote configuration: get, push answered after the handler, the file verified', async () => {
    const d = createNodeDeviceClient({ ...gw, endpoint: { host: '127.0.0.1', port: broker.port }, ota: { allowHttp: true } });
    try {
      await d.connect();
      const got = await d.ota.getConfig();
      expect(got).toMatchObject({ configId: 'cfg-1', size: configText.length });
      const dl = await d.ota.download(got!);
      expect(new TextDecoder().decode(dl.image)).toBe('{"sampleRate":5,"unit":"C"}');
      expect(cloud.seen(`/ota/device/progress/${gw.productKey}/${gw.deviceName}`)).toHaveLength(0); // configuration is not firmware
      const pushed = new Promise<ConfigFile>((resolve) => d.ota.onConfigPush((c) => resolve(c)));
      await cloud.publish(`${sys}/config/push`, stringifyConfigPush({ id: '77', config: file }));
      expect((await pushed).configId).toBe('cfg-1');
      expect(JSON.parse((await cloud.next(`${sys}/config/push_reply`)).payload)).toMatchObject({ id: '77', code: 200 });
      const model = new Promise<string>((resolve) => d.ota.onModelConfigPush((c) => resolve(c.url)));
      await cloud.publish(`${sys}/model/config/push`, stringifyModelConfigPush({ id: '78', config: { url: file.url, digestMethod: 'sha256', digest: file.digest } }));
      expect(await model).toBe(file.url);
      expect(JSON.parse((await cloud.next(`${sys}/model/config/push_reply`)).payload)).toMatchObject({ id: '78', code: 200 });
    } finally {
      await d.end();
    }
  });

  it('gateway: topology pushes answered after the handler, register, provisioning, found list, topo delete', async () => {
    const d = createNodeDeviceClient({ ...gw, endpoint: { host: '127.0.0.1', port: broker.port }, gateway: {} });
    try {
      await d.connect();
      const changes: string[] = [];
      d.gateway.onTopoChange((params, kind) => void changes.push(`${kind} ${JSON.stringify(params)}`));
      await cloud.publish(`${sys}/topo/change`, '{"id":"5","version":"1.0","params":{"status":0,"subList":[{"productKey":"a1Sub","deviceName":"s1"}]},"method":"thing.topo.change"}');
      expect(JSON.parse((await cloud.next(`${sys}/topo/change_reply`)).payload)).toMatchObject({ id: '5', code: 200 });
      expect(changes).toEqual(['change {"status":0,"subList":[{"productKey":"a1Sub","deviceName":"s1"}]}']);
      const registered = await d.gateway.register([{ productKey: 'a1Sub', deviceName: 'new-sub' }]);
      expect(registered).toEqual([{ productKey: 'a1Sub', deviceName: 'new-sub', deviceSecret: 's-new-sub' }]);
      expect((await d.gateway.provision([{ productKey: 'a1Sub', deviceName: 'prov-sub', productSecret: 'product-secret', random: 'r123' }])).code).toBe(200);
      await expect(d.gateway.provision([{ productKey: 'a1Sub', deviceName: 'prov-sub', productSecret: 'wrong', random: 'r123' }])).rejects.toMatchObject({ code: 'reply_error', replyCode: 6287 });
      expect((await d.gateway.reportFound([{ productKey: 'a1Sub', deviceName: 'found-1' }])).code).toBe(200);
      expect((await d.gateway.deleteTopo([{ productKey: 'a1Sub', deviceName: 's1' }])).code).toBe(200);
    } finally {
      await d.end();
    }
  });
});
