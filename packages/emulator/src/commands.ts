import { createHash } from 'node:crypto';
import { utf8Encode } from '@linkwire/base';
import { alinkReplyCode, type TslResult, type TslValidator } from '@linkwire/tsl';
import { topicAccess } from './acl.ts';
import type { CallOptions, CloudRawResult, CloudResult } from './cloud.ts';
import type { PlatformContext, RemoteConfig } from './context.ts';
import type { DeviceRecord } from './devices.ts';
import { attach, forceLogout } from './gateway.ts';
import type { DeviceOtaState, Firmware, FirmwareOffer, OtaJob } from './ota.ts';
import { requestBytes } from './replies.ts';

/**
 * Everything the platform initiates (seed §9.1 "call device services or set device
 * properties", §9.3, §9.6, §9.7, §9.11, §5 and the RRPC of PROTOCOL-NOTES), with a typed
 * result: the device's reply, a timeout, offline, or rejected before sending.
 */
export interface CloudCommands {
  /** `thing.service.{id}` (seed §9.5) asynchronously, or over RRPC (`sync: true`, `/sys/…/rrpc/request/{id}`). */
  invokeService(productKey: string, deviceName: string, serviceId: string, params: unknown, options?: CallOptions & { readonly sync?: boolean }): Promise<CloudResult>;
  /** `thing.service.property.set`. */
  setProperties(productKey: string, deviceName: string, params: Readonly<Record<string, unknown>>, options?: CallOptions): Promise<CloudResult>;
  /** `thing.service.property.get` with the identifiers asked for. */
  getProperties(productKey: string, deviceName: string, identifiers: readonly string[], options?: CallOptions): Promise<CloudResult>;
  /** Generic RRPC (`/ext/rrpc/{id}/{topic}`): raw bytes there and back. */
  rrpc(productKey: string, deviceName: string, topic: string, payload: Uint8Array | string, options?: CallOptions): Promise<CloudRawResult>;
  /** Raw downlink (`thing/model/down_raw`), answered on `down_raw_reply`. */
  sendRaw(productKey: string, deviceName: string, payload: Uint8Array, options?: CallOptions): Promise<CloudRawResult>;
  /** Publishes on a device's downstream topic (a user topic, say); returns the sessions that took it. */
  publish(topic: string, payload: Uint8Array | string): number;
  /** Sets a product's remote configuration file (seed §9.11), served over HTTP. */
  setConfig(productKey: string, content: Uint8Array | string): RemoteConfig;
  /** `thing.config.push` of the product's configuration to one device. */
  pushConfig(productKey: string, deviceName: string, options?: CallOptions): Promise<CloudResult>;
  /** `thing.disable` / `thing.enable` / `thing.delete` (seed §9.7); a disabled or deleted device is taken offline. */
  disableDevice(productKey: string, deviceName: string, options?: CallOptions): Promise<CloudResult>;
  enableDevice(productKey: string, deviceName: string, options?: CallOptions): Promise<CloudResult>;
  deleteDevice(productKey: string, deviceName: string, options?: CallOptions): Promise<CloudResult>;
  /**
   * Changes a gateway's topology from the cloud side and tells the gateway on
   * `thing/topo/change` (status 0 created, 1 deleted); disabling, enabling or deleting a
   * sub-device sends status 8, 2 and 1 on its own.
   */
  changeTopology(productKey: string, deviceName: string, action: 'add' | 'delete', subDevices: readonly { productKey: string; deviceName: string }[], options?: CallOptions): Promise<CloudResult>;
  /** `thing.model.config.push` (seed §9.6): the gateway's model configuration document, served over HTTP, by URL and SHA-256 digest. */
  pushModelConfig(productKey: string, deviceName: string, document: unknown, options?: CallOptions): Promise<CloudResult>;
  /** `thing.topo.add.notify` (seed §9.3) to a gateway. */
  notifyTopoAdd(productKey: string, deviceName: string, subDevices: readonly { productKey: string; deviceName: string }[], options?: CallOptions): Promise<CloudResult>;
  /** Stores firmware (given or generated) and serves it from the HTTP listener (`http: true`). */
  addFirmware(firmware: Firmware): FirmwareOffer;
  /** Pushes an upgrade to devices (seed §5) and returns the job; offline devices are marked so. */
  pushOta(firmware: Firmware | FirmwareOffer, devices: readonly { productKey: string; deviceName: string }[]): OtaJob;
  otaJob(jobId: string): OtaJob | undefined;
}

export function createCloudCommands(ctx: PlatformContext): CloudCommands {
  const { devices, products, pending, ota, configs, broker, now, reachable } = ctx;
  const target = (pk: string, dn: string): DeviceRecord | undefined => devices.get(pk, dn);


  /** Sends an Alink command and waits for its reply on `{topic}_reply`. */
  const command = (d: DeviceRecord | undefined, topic: string, method: string, params: unknown, o?: CallOptions): Promise<CloudResult> => {
    if (d === undefined) return Promise.resolve({ status: 'offline' });
    const id = pending.nextId();
    return pending.alink(`${topic}_reply`, id, () => reachable(d) && ctx.send(topic, requestBytes(id, method, params)) >= 0, o);
  };
  const sys = (d: DeviceRecord, rest: string): string => `/sys/${d.productKey}/${d.deviceName}/${rest}`;
  // Seed §9.1: "IoT Platform verifies the parameters" before a command goes out, against the
  // product's model when it has one.
  const checkModel = (d: DeviceRecord, check: (tsl: TslValidator) => TslResult): CloudResult | undefined => {
    const tsl = products.get(d.productKey)?.tsl;
    if (tsl === undefined) return undefined;
    const r = check(tsl);
    if (r.ok) return undefined;
    return { status: 'rejected', code: alinkReplyCode(r), message: r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('; '), issues: r.issues };
  };

  const status = (action: 'disable' | 'enable' | 'delete', pk: string, dn: string, o?: CallOptions): Promise<CloudResult> => {
    const d = target(pk, dn);
    if (d === undefined) return Promise.resolve({ status: 'offline' });
    const params = { productKey: pk, deviceName: dn };
    // A sub-device's gateway hears of it on thing/topo/change (status 8 disabled, 2 enabled, 1 deleted).
    if (d.gateway !== undefined) {
      const g = devices.byKey(d.gateway);
      if (g !== undefined) void topoChange(g, action === 'disable' ? 8 : action === 'enable' ? 2 : 1, [d], o);
    }
    // The state changes at once (no new connection or login from here on); the device's own
    // connection is ended once it has answered, or the wait is over.
    d.enabled = action === 'enable';
    const done = (r: CloudResult): CloudResult => {
      if (action !== 'enable') {
        if (d.gateway !== undefined) forceLogout(ctx, d, action === 'delete' ? 521 : 522, action === 'delete' ? 'device deleted' : 'device forbidden');
        broker.kick(d.key, `device ${action}d`, action === 'delete');
        if (action === 'delete') {
          if (d.gateway !== undefined) devices.byKey(d.gateway)?.subDevices.delete(d.key);
          devices.delete(pk, dn);
        }
      }
      return r;
    };
    return command(d, sys(d, `thing/${action}`), `thing.${action}`, params, o).then(done);
  };

  const topoChange = (g: DeviceRecord, status: 0 | 1 | 2 | 8, subs: readonly DeviceRecord[], o?: CallOptions): Promise<CloudResult> =>
    command(g, sys(g, 'thing/topo/change'), 'thing.topo.change', { status, subList: subs.map((x) => ({ productKey: x.productKey, deviceName: x.deviceName })) }, o);

  return {
    invokeService(pk, dn, serviceId, params, o) {
      const d = target(pk, dn);
      if (d === undefined) return Promise.resolve({ status: 'offline' });
      const invalid = checkModel(d, (tsl) => tsl.serviceCall(serviceId, params));
      if (invalid !== undefined) return Promise.resolve(invalid);
      if (o?.sync !== true) return command(d, sys(d, `thing/service/${serviceId}`), `thing.service.${serviceId}`, params, o);
      // RRPC (seed §9.1 "synchronously"): request on rrpc/request/{id}, answer on rrpc/response/{id}.
      const id = pending.nextId();
      const messageId = String(now()) + id.padStart(6, '0');
      return pending.alink(sys(d, `rrpc/response/${messageId}`), id, () => reachable(d) && ctx.send(sys(d, `rrpc/request/${messageId}`), requestBytes(id, `thing.service.${serviceId}`, params)) >= 0, o);
    },
    setProperties: (pk, dn, params, o) => {
      const d = target(pk, dn);
      const invalid = d === undefined ? undefined : checkModel(d, (tsl) => tsl.propertySet(params));
      if (invalid !== undefined) return Promise.resolve(invalid);
      return command(d, d === undefined ? '' : sys(d, 'thing/service/property/set'), 'thing.service.property.set', params, o);
    },
    getProperties: (pk, dn, identifiers, o) => {
      const d = target(pk, dn);
      const invalid = d === undefined ? undefined : checkModel(d, (tsl) => tsl.propertyGet(identifiers));
      if (invalid !== undefined) return Promise.resolve(invalid);
      return command(d, d === undefined ? '' : sys(d, 'thing/service/property/get'), 'thing.service.property.get', identifiers, o);
    },
    rrpc(pk, dn, topic, payload, o) {
      const d = target(pk, dn);
      if (d === undefined || topicAccess(topic)?.owner !== d.key) return Promise.resolve({ status: 'offline' });
      const id = pending.nextId();
      const rrpcTopic = `/ext/rrpc/${id}${topic}`;
      const bytes = typeof payload === 'string' ? utf8Encode(payload) : payload;
      return pending.raw(rrpcTopic, id, () => reachable(d) && ctx.send(rrpcTopic, bytes) >= 0, o);
    },
    sendRaw(pk, dn, payload, o) {
      const d = target(pk, dn);
      if (d === undefined) return Promise.resolve({ status: 'offline' });
      const id = pending.nextId();
      const topic = sys(d, 'thing/model/down_raw');
      return pending.raw(`${topic}_reply`, id, () => reachable(d) && ctx.send(topic, payload) >= 0, o);
    },
    publish: (topic, payload) => ctx.send(topic, typeof payload === 'string' ? utf8Encode(payload) : payload),
    setConfig(pk, content) {
      const bytes = typeof content === 'string' ? utf8Encode(content) : content.slice();
      const configId = String(configs.size + 1) + createHash('sha256').update(bytes).digest('hex').slice(0, 8);
      const path = `/ota/config/${ctx.unguessable()}/${configId}.json`;
      ctx.files.set(path, bytes);
      const config: RemoteConfig = {
        configId, configSize: bytes.length, sign: createHash('sha256').update(bytes).digest('hex'), signMethod: 'Sha256', url: `${ctx.baseUrl()}${path}`, getType: 'file',
      };
      configs.set(pk, config);
      return config;
    },
    pushConfig(pk, dn, o) {
      const d = target(pk, dn);
      const config = configs.get(pk);
      if (d === undefined || config === undefined) return Promise.resolve({ status: 'offline' });
      return command(d, sys(d, 'thing/config/push'), 'thing.config.push', config, o);
    },
    disableDevice: (pk, dn, o) => status('disable', pk, dn, o),
    enableDevice: (pk, dn, o) => status('enable', pk, dn, o),
    deleteDevice: (pk, dn, o) => status('delete', pk, dn, o),
    changeTopology(pk, dn, action, subs, o) {
      const g = target(pk, dn);
      const records = subs.map((x) => target(x.productKey, x.deviceName));
      if (g === undefined || records.some((r) => r === undefined)) return Promise.resolve({ status: 'offline' });
      for (const r of records as DeviceRecord[]) {
        if (action === 'add') attach(ctx, g, r);
        else if (r.gateway === g.key) {
          forceLogout(ctx, r, 521, 'device deleted');
          g.subDevices.delete(r.key);
          r.gateway = undefined;
        }
      }
      return topoChange(g, action === 'add' ? 0 : 1, records as DeviceRecord[], o);
    },
    pushModelConfig(pk, dn, document, o) {
      const d = target(pk, dn);
      if (d === undefined) return Promise.resolve({ status: 'offline' });
      const bytes = utf8Encode(JSON.stringify(document));
      const path = `/ota/model/${ctx.unguessable()}/model-config.json`;
      ctx.files.set(path, bytes);
      const id = pending.nextId();
      const topic = sys(d, 'thing/model/config/push');
      // Seed §9.6: the document travels by reference in `data`, not `params`.
      const body = utf8Encode(JSON.stringify({ id, version: '1.0', method: 'thing.model.config.push', data: { digest: createHash('sha256').update(bytes).digest('hex'), digestMethod: 'sha256', url: `${ctx.baseUrl()}${path}` } }));
      return pending.alink(`${topic}_reply`, id, () => reachable(d) && ctx.send(topic, body) >= 0, o);
    },
    notifyTopoAdd(pk, dn, subs, o) {
      const d = target(pk, dn);
      return command(d, d === undefined ? '' : sys(d, 'thing/topo/add/notify'), 'thing.topo.add.notify', subs.map((s) => ({ productKey: s.productKey, deviceName: s.deviceName })), o);
    },
    addFirmware: (fw) => ota.addFirmware(fw, ctx.baseUrl()),
    pushOta(firmware, list) {
      const upgrade = 'url' in firmware ? firmware : ota.addFirmware(firmware, ctx.baseUrl());
      const targets = list.flatMap((x) => {
        const d = target(x.productKey, x.deviceName);
        return d === undefined ? [] : [d];
      });
      const { job, pushes } = ota.createJob(upgrade, targets, pending.nextId);
      for (const p of pushes) {
        const offline: DeviceOtaState = { status: 'offline' };
        if (!reachable(p.device) || ctx.send(p.topic, p.payload) === 0) ota.setState(job.jobId, p.device.key, offline);
      }
      return job;
    },
    otaJob: (jobId) => ota.job(jobId),
  };
}
