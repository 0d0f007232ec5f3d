import { formatTopic } from '@linkwire/alink';
import { enosBatchLoginParams, enosLoginInfo, type EnosLoginInfoOptions } from '@linkwire/sign';
import { DeviceClient, type ClientOptions, type CommonParams, type EnosRuntime, type Replied, type UpstreamResponse } from './client.ts';
import { watchCommands, type CommandHandler } from './device-command.ts';
import { EnosError } from './errors.ts';
import type { SubDeviceCredential } from './info.ts';

type Management = Omit<CommonParams, 'deviceInfo'>;
type Key = { readonly productKey: string; readonly deviceKey: string };

/** At most 200 sub-devices are online per gateway (PROTOCOL-NOTES.md): one batch login each. */
const BATCH = 200;

export interface RegisterSubDevice {
  readonly productKey: string;
  readonly deviceName: { readonly defaultValue: string; readonly i18nValue?: { readonly en_US?: string; readonly zh_CN?: string }; readonly I18nValue?: { readonly en_US?: string; readonly zh_CN?: string } };
  readonly timezone: string;
  readonly deviceKey?: string;
  readonly deviceAttributes?: { readonly [id: string]: unknown };
  readonly deviceDesc?: string;
}

function credential(value: unknown, field: string): SubDeviceCredential {
  const v = value as SubDeviceCredential | undefined;
  if (typeof v !== 'object' || v === null || typeof v.productKey !== 'string' || typeof v.deviceKey !== 'string') throw new EnosError('invalid_option', `${field} needs productKey and deviceKey`);
  if (!v.deviceSecret && !v.productSecret) throw new EnosError('invalid_option', `${field} needs its deviceSecret (or its productSecret, to activate it)`);
  return v;
}

function key(value: unknown, field: string): Key {
  const v = value as Key | undefined;
  if (typeof v !== 'object' || v === null || typeof v.productKey !== 'string' || v.productKey === '' || typeof v.deviceKey !== 'string' || v.deviceKey === '') throw new EnosError('invalid_option', `${field} needs productKey and deviceKey`);
  return { productKey: v.productKey, deviceKey: v.deviceKey };
}

const idOf = (k: Key): string => `${k.productKey}/${k.deviceKey}`;

/**
 * The seed's `GatewayClient`: a DeviceClient with `subDeviceManagement`. The gateway remembers
 * every sub-device it logged in and logs them in again (batch logins, fresh timestamps) after
 * each reconnection; a platform disable or delete push forgets the sub-device.
 */
export class GatewayClient extends DeviceClient {
  readonly subDeviceManagement: SubDeviceManagement;

  constructor(clientOptions: ClientOptions, runtime?: EnosRuntime) {
    super(clientOptions, runtime);
    this.subDeviceManagement = new SubDeviceManagement(this);
  }

  protected override onConnected(): void {
    if (this.reconnected) this.subDeviceManagement.relogin().catch((e: unknown) => this.error(e));
  }
}

/** The seed's `client.subDeviceManagement`. */
export class SubDeviceManagement {
  readonly #gateway: GatewayClient;
  /** Logged-in sub-devices and the secret to log them in again with. */
  readonly #online = new Map<string, SubDeviceCredential>();
  readonly #user: { enable?: CommandHandler; disable?: CommandHandler; delete?: CommandHandler } = {};

  constructor(gateway: GatewayClient) {
    this.#gateway = gateway;
    const ids = gateway.idsOf();
    for (const kind of ['enable', 'disable', 'delete'] as const) {
      const name = kind === 'enable' ? 'combineEnable' : kind === 'disable' ? 'combineDisable' : 'combineDelete';
      const topic = formatTopic(name, ids);
      gateway.handle(topic, (request, response) => {
        if (kind !== 'enable' && Array.isArray(request.params)) for (const d of request.params as Key[]) if (d !== null && typeof d === 'object') this.#online.delete(idOf(d));
        const user = this.#user[kind];
        // A push without a handler is still acknowledged: the gateway has taken note of it.
        return user === undefined ? response.send(200) : user(request, response);
      });
      void gateway.want(topic).catch(() => {});
    }
  }

  /** Sub-devices logged in now, as `{productKey, deviceKey}`. */
  get loggedIn(): Key[] {
    return [...this.#online.values()].map((c) => ({ productKey: c.productKey, deviceKey: c.deviceKey }));
  }

  /** `thing.device.register`; data: `[{assetId, productKey, deviceKey, deviceSecret}]`. */
  async registerDevice<P extends Management & { readonly subDevices: readonly RegisterSubDevice[] }>(registerParams: P): Promise<Replied<P, { assetId: string; productKey: string; deviceKey: string; deviceSecret: string }[]>> {
    const list = registerParams?.subDevices;
    if (!Array.isArray(list) || list.length === 0) throw new EnosError('invalid_option', 'subDevices must be a non-empty list');
    const params = list.map((d, i) => {
      if (typeof d?.productKey !== 'string' || typeof d.deviceName?.defaultValue !== 'string') throw new EnosError('invalid_option', `subDevices[${i}] needs productKey and deviceName.defaultValue`);
      const i18n = d.deviceName.i18nValue ?? d.deviceName.I18nValue;
      const out: Record<string, unknown> = {
        productKey: d.productKey,
        deviceName: i18n === undefined ? { defaultValue: d.deviceName.defaultValue } : { defaultValue: d.deviceName.defaultValue, i18nValue: i18n },
        timezone: d.timezone ?? '+08:00',
      };
      if (d.deviceKey !== undefined) out['deviceKey'] = d.deviceKey;
      if (d.deviceAttributes !== undefined) out['deviceAttributes'] = d.deviceAttributes;
      if (d.deviceDesc !== undefined) out['deviceDesc'] = d.deviceDesc;
      return out;
    });
    const g = this.#gateway;
    const model = g.options.model;
    if (model !== undefined || g.options.models !== undefined) {
      const r = (model ?? g.options.models!(g.productKey, g.deviceKey))?.deviceRegister(params, (pk, dk) => g.options.models?.(pk, dk));
      if (r !== undefined && !r.ok) throw new EnosError('model_invalid', r.issues.map((x) => `${x.path}: ${x.message}`).join('; '));
    }
    return (await g.request('deviceRegister', g.idsOf(), params, registerParams)) as Replied<P, { assetId: string; productKey: string; deviceKey: string; deviceSecret: string }[]>;
  }

  /** `thing.topo.get`; data: the sub-devices of this gateway. */
  async getTopo<P extends Management>(queryParams?: P): Promise<Replied<P, Record<string, unknown>[]>> {
    const g = this.#gateway;
    return (await g.request('topoGet', g.idsOf(), {}, queryParams ?? {})) as Replied<P, Record<string, unknown>[]>;
  }

  /** `thing.topo.add`: each sub-device's login info, signed with its own secret. */
  async addTopo<P extends Management & { readonly subDevices: readonly SubDeviceCredential[] }>(addParams: P): Promise<Replied<P, unknown>> {
    const list = addParams?.subDevices;
    if (!Array.isArray(list) || list.length === 0) throw new EnosError('invalid_option', 'subDevices must be a non-empty list');
    const g = this.#gateway;
    const params = list.map((d, i) => enosLoginInfo(this.#loginOptions(credential(d, `subDevices[${i}]`))));
    return (await g.request('topoAdd', g.idsOf(), params, addParams)) as Replied<P, unknown>;
  }

  /** `thing.topo.delete` `[{productKey, deviceKey}]`. */
  async deleteTopo<P extends Management & { readonly subDevices: readonly Key[] }>(deleteParams: P): Promise<Replied<P, unknown>> {
    const list = deleteParams?.subDevices;
    if (!Array.isArray(list) || list.length === 0) throw new EnosError('invalid_option', 'subDevices must be a non-empty list');
    const g = this.#gateway;
    const params = list.map((d, i) => key(d, `subDevices[${i}]`));
    const r = await g.request('topoDelete', g.idsOf(), params, deleteParams);
    if (r === undefined || r.code === 200) for (const d of params) this.#online.delete(idOf(d));
    return r as Replied<P, unknown>;
  }

  /**
   * `combine.login`: signed with the sub-device's device secret, or with its product secret
   * when it has none yet (dynamic activation: the reply carries the new deviceSecret, which goes
   * to the secret store and signs every later login).
   */
  async loginSubDevice<P extends Management & { readonly subDevice: SubDeviceCredential }>(loginParams: P): Promise<Replied<P, { assetId: string; productKey: string; deviceKey: string; deviceSecret?: string }>> {
    const d = credential(loginParams?.subDevice, 'subDevice');
    const g = this.#gateway;
    const r = await g.request('combineLogin', g.idsOf(), enosLoginInfo(this.#loginOptions(d)), loginParams);
    if (r !== undefined && r.code === 200) await this.#loggedIn(d, r.data);
    else if (r === undefined) this.#online.set(idOf(d), d);
    return r as Replied<P, { assetId: string; productKey: string; deviceKey: string; deviceSecret?: string }>;
  }

  /** `combine.logout` `{productKey, deviceKey}`. */
  async logoutSubDevice<P extends Management & { readonly subDevice: Key }>(logoutParams: P): Promise<Replied<P, unknown>> {
    const d = key(logoutParams?.subDevice, 'subDevice');
    const g = this.#gateway;
    this.#online.delete(idOf(d));
    return (await g.request('combineLogout', g.idsOf(), d, logoutParams)) as Replied<P, unknown>;
  }

  /** `combine.login.batch`: one shared clientId and timestamp; data `{loginedSubDevices, failedSubDevices}`. */
  async batchLoginSubDevice<P extends Management & { readonly subDevices: readonly SubDeviceCredential[]; readonly clientId?: string; readonly timestamp?: number | string }>(
    loginParams: P,
  ): Promise<Replied<P, { loginedSubDevices: Key[]; failedSubDevices: Key[] }>> {
    const list = loginParams?.subDevices;
    if (!Array.isArray(list) || list.length === 0 || list.length > BATCH) throw new EnosError('invalid_option', `subDevices must hold 1 to ${BATCH} entries`);
    const creds = list.map((d, i) => credential(d, `subDevices[${i}]`));
    const r = await this.#batch(creds, loginParams);
    return r as Replied<P, { loginedSubDevices: Key[]; failedSubDevices: Key[] }>;
  }

  async #batch(creds: readonly SubDeviceCredential[], o: Management & { readonly clientId?: string; readonly timestamp?: number | string }): Promise<UpstreamResponse | undefined> {
    const g = this.#gateway;
    const params = enosBatchLoginParams({
      clientId: o.clientId ?? g.deviceKey,
      timestamp: o.timestamp ?? g.runtime.clock.now(),
      subDevices: creds.map((d) => (d.deviceSecret ? { productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: d.deviceSecret } : { productKey: d.productKey, deviceKey: d.deviceKey, productSecret: d.productSecret! })),
    });
    const r = await g.request('combineLoginBatch', g.idsOf(), params, o);
    if (r === undefined) {
      for (const d of creds) this.#online.set(idOf(d), d);
      return r;
    }
    const data = r.data as { loginedSubDevices?: unknown; failedSubDevices?: unknown } | undefined;
    if (r.code === 200 && Array.isArray(data?.loginedSubDevices)) {
      const byId = new Map(creds.map((d) => [idOf(d), d]));
      for (const done of data.loginedSubDevices as (Key & { deviceSecret?: string })[]) {
        const d = done !== null && typeof done === 'object' ? byId.get(idOf(done)) : undefined;
        if (d !== undefined) await this.#loggedIn(d, done);
      }
    }
    return r;
  }

  /** @internal After a reconnection: every remembered sub-device again, in batches of 200. */
  async relogin(): Promise<void> {
    const all = [...this.#online.values()];
    for (let i = 0; i < all.length; i += BATCH) {
      const r = await this.#batch(all.slice(i, i + BATCH), {});
      const failed = (r?.data as { failedSubDevices?: Key[] } | undefined)?.failedSubDevices;
      if (r !== undefined && (r.code !== 200 || (Array.isArray(failed) && failed.length > 0))) {
        this.#gateway.error(new EnosError('relogin_failed', `logging sub-devices in again after reconnecting: code ${r.code}${Array.isArray(failed) && failed.length > 0 ? `, failed ${failed.map((f) => idOf(f)).join(', ')}` : ''}`));
      }
    }
  }

  async #loggedIn(d: SubDeviceCredential, data: unknown): Promise<void> {
    const g = this.#gateway;
    let cred = d;
    const secret = (data as { deviceSecret?: unknown } | undefined)?.deviceSecret;
    if (!d.deviceSecret && typeof secret === 'string' && secret !== '') {
      cred = { productKey: d.productKey, deviceKey: d.deviceKey, deviceSecret: secret };
      try {
        await g.options.secretStore?.save(d.productKey, d.deviceKey, secret);
      } catch (e) {
        g.error(new EnosError('store_failed', `the secret store failed to save ${idOf(d)}'s secret: ${(e as Error).message}`));
      }
    }
    this.#online.set(idOf(d), cred);
    watchCommands(g, d).catch((e: unknown) => g.error(e));
  }

  #loginOptions(d: SubDeviceCredential): EnosLoginInfoOptions {
    const base = { productKey: d.productKey, deviceKey: d.deviceKey, timestamp: d.timestamp ?? this.#gateway.runtime.clock.now(), ...(d.clientId !== undefined ? { clientId: d.clientId } : {}), ...(d.cleanSession !== undefined ? { cleanSession: d.cleanSession } : {}) };
    // Exactly the secret the login names (the old SDK signed product-secret logins with the empty device secret).
    return d.deviceSecret ? { ...base, deviceSecret: d.deviceSecret } : { ...base, productSecret: d.productSecret! };
  }

  /** Called when the platform enables sub-devices (`combine/enable`, params `[{productKey, deviceKey}]`). */
  onSubDevicesEnable(callback: CommandHandler): void {
    this.#user.enable = callback;
  }

  /** Called when the platform disables sub-devices; they are no longer logged in again after a reconnect. */
  onSubDevicesDisable(callback: CommandHandler): void {
    this.#user.disable = callback;
  }

  /** Called when the platform deletes sub-devices; they are no longer logged in again after a reconnect. */
  onSubDevicesDelete(callback: CommandHandler): void {
    this.#user.delete = callback;
  }
}

