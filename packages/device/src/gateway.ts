import { completeCatalogue, decodeMessage, encodeReply, formatTopic, type AlinkJson, type AlinkReply, type AlinkRequest, type ParsedTopic } from '@linkwire/alink';
import {
  combineBatchLoginParams, combineBatchLogoutParams, combineLoginParams, combineLogoutParams, proxyProvisioningParams, subRegisterParams, topoAddEntry,
  type SignMethod,
} from '@linkwire/sign';
import type { DeviceCore } from './device.ts';
import { identityKey, thingFilters } from './filters.ts';
import { DeviceError, asError } from './errors.ts';
import { ThingModel, type DeviceIdentity, type RequestOptions, type Thing, type ThingLink } from './thing.ts';

export interface GatewayOptions {
  /** Sub-devices per `combine.batch_login` request. The seeds state no limit; default 5. */
  readonly batchSize?: number;
  /** Most sub-devices logged in at once (seed: "a maximum of 200 concurrent online sub-devices"). Default 200. */
  readonly maxOnline?: number;
  /** Sign method for sub-device logins and topo add, default `hmacsha256`. */
  readonly signMethod?: SignMethod;
}

/** A sub-device's credentials: what the gateway signs its login and topo add with. */
export interface SubDeviceCredentials extends DeviceIdentity {
  readonly deviceSecret: string;
  /** Default `{productKey}.{deviceName}`. */
  readonly clientId?: string;
  readonly cleanSession?: boolean;
}

/** A sub-device through its gateway: the device's thing-model API on the gateway's connection. */
export interface SubDevice extends Thing {
  /** `combine.login` alone; {@link Gateway.login} batches. */
  login(options?: RequestOptions): Promise<void>;
  logout(options?: RequestOptions): Promise<void>;
  /** True between a successful login and a logout (kept through reconnects, re-logged in automatically). */
  readonly loggedIn: boolean;
}

export interface TopoEntry extends DeviceIdentity {
  readonly [key: string]: AlinkJson;
}

/** The gateway's part (seed §9.2-9.4, §9.7; PROTOCOL-NOTES sub-device flows). */
export interface Gateway {
  /** The handle of a sub-device; the same handle for the same identity (a promise: the gateway part loads on first use). */
  subDevice(credentials: SubDeviceCredentials): Promise<SubDevice>;
  /** Logs in sub-devices, batched (`combine.batch_login`), up to the online limit. */
  login(devices: readonly SubDeviceCredentials[], options?: RequestOptions): Promise<SubDevice[]>;
  logout(devices: readonly DeviceIdentity[], options?: RequestOptions): Promise<void>;
  /** `thing.topo.add`, each entry signed with the sub-device's secret. */
  addTopo(devices: readonly SubDeviceCredentials[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  deleteTopo(devices: readonly DeviceIdentity[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.topo.get`: the sub-devices the platform knows for this gateway. */
  getTopo(options?: RequestOptions): Promise<DeviceIdentity[]>;
  /** `thing.list.found`: reports sub-devices the gateway discovered. */
  reportFound(devices: readonly DeviceIdentity[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.sub.register`: dynamic registration of sub-devices; resolves with their secrets. */
  register(devices: readonly DeviceIdentity[], options?: RequestOptions): Promise<(DeviceIdentity & { readonly deviceSecret: string })[]>;
  /** Proxy provisioning (no pre-registration), signed with the product secret. */
  provision(devices: readonly (DeviceIdentity & { readonly productSecret: string; readonly random: string })[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.topo.change` and `thing.topo.add.notify` pushes, answered 200 after the handler. */
  onTopoChange(handler: (params: AlinkJson, kind: 'change' | 'notify') => void | Promise<void>): () => void;
  /** Sub-devices logged in now. */
  readonly online: readonly SubDevice[];
}

export interface GatewayInternals {
  route(topic: ParsedTopic, payload: Uint8Array): boolean;
  /** A sub-device's message in flight at a drop waits for the sub-device's re-login before it is sent again. */
  hold(topic: string): Promise<unknown> | undefined;
  connected(first: boolean): void;
  disconnected(): void;
  closed(): void;
}

interface Sub {
  readonly credentials: SubDeviceCredentials;
  readonly handle: SubDevice;
  loggedIn: boolean;
  /** Closed while a logged-in sub-device waits for its re-login after a reconnect. */
  gate: { promise: Promise<boolean>; open(ok: boolean): void } | undefined;
}

const RELOGIN_ATTEMPTS = 5;

function deferred(): { promise: Promise<boolean>; open(ok: boolean): void } {
  let open: (ok: boolean) => void = () => undefined;
  const promise = new Promise<boolean>((r) => (open = r));
  return { promise, open };
}

export function createGateway(core: DeviceCore, options: GatewayOptions | undefined): Gateway & { readonly internals: GatewayInternals } {
  // The client's first chunk knows the device's own topics: these join now (with every other area).
  completeCatalogue();
  const gw = core.identity;
  const batchSize = Math.max(1, options?.batchSize ?? 5);
  const maxOnline = options?.maxOnline ?? 200;
  const signMethod = options?.signMethod ?? 'hmacsha256';
  const subs = new Map<string, Sub>();
  let onTopo: ((params: AlinkJson, kind: 'change' | 'notify') => void | Promise<void>) | undefined;
  let subscribed = false;
  const ensureFilters = (): Promise<unknown> => {
    if (subscribed) return Promise.resolve();
    subscribed = true;
    const sys = `/sys/${gw.productKey}/${gw.deviceName}/thing`;
    return core.subscribe([
      `${sys}/topo/+`, `${sys}/topo/add/notify`, `${sys}/list/found_reply`, `${sys}/sub/register_reply`, `${sys}/proxy/provisioning/product_register_reply`,
      `/ext/session/${gw.productKey}/${gw.deviceName}/combine/+`,
    ]);
  };

  // Made when the application first uses the gateway (or configures it): its topics go out now.
  void ensureFilters().catch((e: unknown) => core.emit({ type: 'error', error: asError(e) }));

  const request = <P>(name: Parameters<ThingLink['request']>[0], params: P, o?: RequestOptions): Promise<AlinkReply<AlinkJson>> =>
    ensureFilters().then(() => core.link.request(name, gw, (id) => ({ id, params: params as AlinkJson }), o));

  const now = (): number => core.clock.now();

  function subscribeSub(s: Sub): Promise<unknown> {
    const { productKey, deviceName } = s.credentials;
    return core.subscribe([...thingFilters(productKey, deviceName), `/ext/error/${productKey}/${deviceName}`]);
  }

  function markIn(s: Sub): void {
    s.loggedIn = true;
    s.gate?.open(true);
    s.gate = undefined;
  }

  async function loginBatch(list: readonly Sub[], o?: RequestOptions): Promise<void> {
    await ensureFilters();
    for (let i = 0; i < list.length; i += batchSize) {
      const chunk = list.slice(i, i + batchSize);
      const params = combineBatchLoginParams({
        devices: chunk.map((s) => ({ ...s.credentials, timestamp: now() })), signMethod,
      });
      await Promise.all(chunk.map(subscribeSub));
      await core.link.request('combineBatchLogin', gw, (id) => ({ id, params }), o);
      for (const s of chunk) markIn(s);
    }
  }

  function sub(credentials: SubDeviceCredentials): Sub {
    const key = identityKey(credentials.productKey, credentials.deviceName);
    const existing = subs.get(key);
    if (existing !== undefined) return existing;
    // Sends of a sub-device wait while its re-login after a reconnect is under way.
    const gated = <T>(f: () => Promise<T>): Promise<T> => {
      const g = s.gate;
      if (g === undefined) return f();
      return g.promise.then((ok) => {
        if (!ok) throw new DeviceError('not_logged_in', `${key} could not be logged in again after the reconnect`);
        return f();
      });
    };
    const link: ThingLink = {
      request: (name, ids, body, o) => gated(() => core.link.request(name, ids, body, o)),
      requestRaw: (topic, replyTopic, payload, o) => gated(() => core.link.requestRaw(topic, replyTopic, payload, o)),
      publish: (topic, payload, qos) => gated(() => core.link.publish(topic, payload, qos)),
    };
    const thing = new ThingModel(credentials, link, undefined);
    const internals = thing.internals;
    core.addThing(credentials.productKey, credentials.deviceName, internals);
    const own: Omit<SubDevice, keyof Thing> = {
      get loggedIn() {
        return s.loggedIn;
      },
      async login(o) {
        await ensureFilters();
        if (!s.loggedIn && online().length >= maxOnline) throw new DeviceError('too_many_online', `a gateway keeps at most ${maxOnline} sub-devices online`);
        await subscribeSub(s);
        const params = combineLoginParams({ ...credentials, timestamp: now(), signMethod, ...(credentials.cleanSession === undefined ? {} : { cleanSession: credentials.cleanSession }) });
        await core.link.request('combineLogin', gw, (id) => ({ id, params }), o);
        markIn(s);
      },
      async logout(o) {
        await core.link.request('combineLogout', gw, (id) => ({ id, params: combineLogoutParams(credentials) }), o);
        s.loggedIn = false;
      },
    };
    const handle = Object.defineProperties(thing, Object.getOwnPropertyDescriptors(own)) as ThingModel & SubDevice;
    const s: Sub = { credentials, handle, loggedIn: false, gate: undefined };
    subs.set(key, s);
    return s;
  }

  /**
   * Logs in again every sub-device that was logged in when the connection dropped. A platform
   * that does not answer (yet) is asked again with a growing delay; only after that are the
   * waiting sends of those sub-devices rejected.
   */
  let retry: (() => void) | undefined;
  function relogin(attempt: number): void {
    const again = [...subs.values()].filter((s) => s.loggedIn && s.gate !== undefined);
    if (again.length === 0) return;
    loginBatch(again).catch((e: unknown) => {
      // Dropped again mid-way: the next connection starts over, the gates stay closed.
      if (e instanceof DeviceError && (e.code === 'disconnected' || e.code === 'closed')) return;
      if (attempt < RELOGIN_ATTEMPTS) {
        retry = core.clock.setTimer(Math.min(1000 * 2 ** attempt, 30_000), () => {
          retry = undefined;
          if (core.connected) relogin(attempt + 1);
        });
        return;
      }
      const failed = [...subs.values()].filter((s) => s.loggedIn && s.gate !== undefined);
      for (const s of failed) {
        s.loggedIn = false;
        s.gate!.open(false);
        s.gate = undefined;
      }
      core.emit({ type: 'error', error: new DeviceError('relogin_failed', `re-login of ${failed.length} sub-devices after the reconnect failed: ${asError(e).message}`) });
    });
  }

  const online = (): SubDevice[] => [...subs.values()].filter((s) => s.loggedIn).map((s) => s.handle);

  const answer = (topic: string, request: AlinkRequest, code: number, message?: string): void => {
    core.link.publish(`${topic}_reply`, encodeReply({ id: request.id, code, data: {}, ...(message === undefined ? {} : { message }) }), 0).catch((e: unknown) => core.emit({ type: 'error', error: asError(e) }));
  };

  return {
    subDevice: (c) => Promise.resolve().then(() => sub(c).handle),
    async login(devices, o) {
      const list = devices.map(sub);
      const fresh = list.filter((s) => !s.loggedIn);
      if (online().length + fresh.length > maxOnline) throw new DeviceError('too_many_online', `a gateway keeps at most ${maxOnline} sub-devices online`);
      await loginBatch(fresh, o);
      return list.map((s) => s.handle);
    },
    async logout(devices, o) {
      for (let i = 0; i < devices.length; i += batchSize) {
        const chunk = devices.slice(i, i + batchSize);
        await request('combineBatchLogout', combineBatchLogoutParams(chunk), o);
        for (const d of chunk) {
          const s = subs.get(identityKey(d.productKey, d.deviceName));
          if (s !== undefined) s.loggedIn = false;
        }
      }
    },
    addTopo(devices, o) {
      return Promise.resolve()
        .then(() => devices.map((d) => topoAddEntry({ ...d, timestamp: now(), signMethod })))
        .then((params) => request('topoAdd', params, o));
    },
    deleteTopo(devices, o) {
      return request('topoDelete', devices.map((d) => ({ productKey: d.productKey, deviceName: d.deviceName })), o);
    },
    async getTopo(o) {
      const reply = await request('topoGet', {}, o);
      if (!Array.isArray(reply.data)) throw new DeviceError('invalid_reply', 'thing.topo.get reply data is not a list');
      return reply.data.filter((x): x is { productKey: string; deviceName: string } =>
        typeof x === 'object' && x !== null && typeof (x as { productKey?: unknown }).productKey === 'string' && typeof (x as { deviceName?: unknown }).deviceName === 'string')
        .map((x) => ({ productKey: x.productKey, deviceName: x.deviceName }));
    },
    reportFound(devices, o) {
      return request('listFound', devices.map((d) => ({ productKey: d.productKey, deviceName: d.deviceName })), o);
    },
    async register(devices, o) {
      const reply = await request('subRegister', subRegisterParams(devices), o);
      if (!Array.isArray(reply.data)) throw new DeviceError('invalid_reply', 'thing.sub.register reply data is not a list');
      return reply.data.flatMap((x) => {
        const r = x as { productKey?: unknown; deviceName?: unknown; deviceSecret?: unknown };
        return typeof r.productKey === 'string' && typeof r.deviceName === 'string' && typeof r.deviceSecret === 'string'
          ? [{ productKey: r.productKey, deviceName: r.deviceName, deviceSecret: r.deviceSecret }]
          : [];
      });
    },
    provision(devices, o) {
      return Promise.resolve()
        .then(() => proxyProvisioningParams(devices.map((d) => ({ ...d, signMethod }))))
        .then((params) => request('proxyProvisioning', params, o));
    },
    onTopoChange(handler) {
      onTopo = handler;
      void ensureFilters();
      return () => onTopo === handler && (onTopo = undefined);
    },
    get online() {
      return online();
    },
    internals: {
      route(topic, payload) {
        if (topic.name !== 'topoChange' && topic.name !== 'topoAddNotify') return false;
        let request: AlinkRequest;
        try {
          const m = decodeMessage(topic, payload);
          if (m.kind !== 'request') return true;
          request = m.request;
        } catch (e) {
          core.emit({ type: 'error', error: new DeviceError('invalid_message', `${topic.name}: ${asError(e).message}`) });
          return true;
        }
        const raw = formatTopic(topic.name, topic.ids);
        const handler = onTopo;
        Promise.resolve()
          .then(() => handler?.(request.params ?? null, topic.name === 'topoChange' ? 'change' : 'notify'))
          .then(() => answer(raw, request, 200), (e: unknown) => answer(raw, request, 400, asError(e).message));
        return true;
      },
      disconnected() {
        for (const s of subs.values()) if (s.loggedIn && s.gate === undefined) s.gate = deferred();
      },
      hold(topic) {
        if (!topic.startsWith('/sys/')) return undefined;
        const [, , pk, dn] = topic.split('/', 4);
        return subs.get(identityKey(pk!, dn ?? ''))?.gate?.promise;
      },
      connected(first) {
        retry?.();
        retry = undefined;
        if (!first) relogin(0);
      },
      closed() {
        retry?.();
        retry = undefined;
      },
    },
  };
}
