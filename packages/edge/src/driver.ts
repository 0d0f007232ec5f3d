import { decodeReply, decodeRequest, encodeReply, encodeRequest, parseTopic, requestIds, type AlinkJson } from '@linkwire/alink';
import { isRecord, type Clock, type Dialer, type JsonValue, type Random } from '@linkwire/base';
import { createReplyWaiter } from '@linkwire/device';
import { createMqttClient, type MqttClient, type PublishPacket } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { compileTsl, parseTsl, parseTslExtInfo, type TslValidator } from '@linkwire/tsl';
import type { JsonObject } from './api.ts';
import {
  Config, ERROR_CLEANUP, ERROR_CONNECT, ERROR_DISCONNECT, ERROR_GET_CONFIG, ERROR_GET_TSL, ERROR_GET_TSL_EXT_INFO, ERROR_UNREGISTER,
  RESULT_FAILURE, RESULT_SUCCESS, ThingInfo, parseDriverConfig,
} from './config.ts';
import { EdgeError } from './errors.ts';
import { DRIVER_FILTERS, driverConfigGetTopic, driverConfigPushTopic, topics, tslExtGetTopic, type GatewayIdentity } from './protocol.ts';

/**
 * What a callback returns: the Node SDK's `{code, message?, params?}`, or the Python SDK's
 * `(code, output)` as a two-element array; either may be a Promise.
 */
export type CallbackResult =
  | { readonly code: number; readonly message?: string; readonly params?: JsonValue }
  | readonly [number, JsonValue?];

/** seed §1.2 `callbacks` / §1.3 `ThingCallback`. */
export interface ThingCallbacks {
  setProperties(properties: JsonObject): CallbackResult | Promise<CallbackResult>;
  getProperties(keys: string[]): CallbackResult | Promise<CallbackResult>;
  callService(name: string, args: JsonObject): CallbackResult | Promise<CallbackResult>;
}

export interface DriverRuntimeOptions<E> {
  /** The shared transport seam of @linkwire/base: `nodeDialer` (node), `webDialer` (web), an embedded host's own. */
  readonly dial: Dialer<E>;
  /** Where the gateway's driver listener is, in the dialer's terms (`{host, port}`, `{url}`). */
  readonly endpoint: E;
  /** Dialing plus CONNACK, default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly clock: Clock;
  /** Jitter for the reconnect backoff: a CSPRNG in production (`nodeRandom`, `webRandom`). */
  readonly random: Random;
  /** The driver's id and secret, as the gateway issued them when it deployed the driver. */
  readonly driverId: string;
  readonly driverSecret: string;
  /** The edge gateway's own identity (the topology parent of every device of the driver). */
  readonly gateway: GatewayIdentity;
  /** Seconds, default 60. */
  readonly keepalive?: number;
  /** How long a request to the gateway waits for its reply, default 10 s. */
  readonly replyTimeoutMs?: number;
  /** Called when the connection to the gateway is lost (not when `destroy()` ends it). */
  readonly onClose?: (error?: Error) => void;
  /**
   * After a lost connection the driver dials again (@linkwire/mqtt's client: full-jitter
   * backoff, a fresh signature each attempt, a refused sign-in stops it) and brings the devices
   * that were online back online. Default 500 ms .. 30 s; `false` turns it off.
   */
  readonly reconnect?: false | { readonly minDelayMs?: number; readonly maxDelayMs?: number };
  /** Called after a reconnect has brought the devices back online. */
  readonly onReconnect?: () => void;
}

interface Reply {
  readonly code: number;
  readonly data: unknown;
  readonly message?: string;
}

/**
 * The driver's link to its gateway: one connection shared by all its {@link ThingAccessClient}s,
 * like the module-level connection of the seed's SDKs. `getConfig`, `Config.get`, the config
 * change callbacks, `getTsl` by product and `destroy` live here.
 */
export interface DriverRuntime {
  /** seed `getConfig()`: the driver configuration string. Rejects with `ERROR_GET_CONFIG`. */
  getConfig(): Promise<string>;
  /** seed `Config.get()`: the parsed configuration. Rejects with `ERROR_GET_CONFIG` (issues in the message). */
  config(): Promise<Config>;
  /** seed `Config.registerChangedCallback` / C `leda_register_config_changed_callback`. */
  registerChangedCallback(callback: (config: string) => void): void;
  unregisterChangedCallback(callback: (config: string) => void): void;
  /** C `leda_get_tsl(product_key)`: a product's TSL document. Rejects with `ERROR_GET_TSL`. */
  getTsl(productKey: string): Promise<string>;
  /** C `leda_get_tsl_ext_info(product_key)`. Rejects with `ERROR_GET_TSL_EXT_INFO`. */
  getTslExtInfo(productKey: string): Promise<string>;
  /** A client for one device of the configuration (seed `new ThingAccessClient(config, callbacks)`). */
  thingAccessClient(config: ThingInfo | { readonly productKey: string; readonly deviceName?: string; readonly localName?: string }, callbacks: ThingCallbacks): ThingAccessClient;
  /** C `leda_get_device_handle`: the client of a registered device, if any. */
  getDeviceHandle(productKey: string, deviceName: string): ThingAccessClient | undefined;
  /** seed `destroy()` / C `leda_exit`: takes every device offline and closes the connection. */
  destroy(): Promise<void>;
  readonly connected: boolean;
}

/**
 * Connects a driver to its gateway (C `leda_init`): dials, signs in, subscribes to the
 * downstream topics. Resolves when the driver can register devices.
 *
 * @example
 * const driver = await connectDriver({ dial: nodeDialer, endpoint: { host: '127.0.0.1', port }, clock: nodeClock, random: nodeRandom,
 *   driverId, driverSecret, gateway: { productKey: 'a1gw', deviceName: 'edge1' } });
 * const config = await driver.config();
 * for (const info of config.getThingInfos()) await driver.thingAccessClient(info, callbacks).registerAndOnline();
 */
export async function connectDriver<E>(options: DriverRuntimeOptions<E>): Promise<DriverRuntime> {
  const { clock, gateway } = options;
  const ids = requestIds();
  const replies = createReplyWaiter<Reply>({ clock, timeoutMs: options.replyTimeoutMs ?? 10_000 });
  const clients = new Map<string, ThingAccessClient>();
  const changed = new Set<(config: string) => void>();
  let destroyed = false;
  let up = false;
  let connections = 0;
  const reconnect = options.reconnect === false ? undefined : options.reconnect ?? {};

  // The connection is @linkwire/mqtt's reconnecting client: it dials, signs every attempt with a
  // fresh timestamp, resubscribes, bounds every wait, and stops on a refused sign-in.
  let firstOutcome: ((error?: Error) => void) | undefined;
  const client: MqttClient = createMqttClient({
    clock,
    random: options.random,
    dial: options.dial,
    endpoint: options.endpoint,
    credentials: () => {
      const c = mqttCredentials({
        productKey: gateway.productKey, deviceName: options.driverId, deviceSecret: options.driverSecret,
        clientId: options.driverId, secureMode: 3, timestamp: clock.now(), signMethod: 'hmacsha256',
      });
      return { clientId: c.clientId, username: c.username, password: c.password };
    },
    keepalive: options.keepalive ?? 60,
    connectTimeoutMs: options.connectTimeoutMs,
    backoff: { minMs: reconnect?.minDelayMs ?? 500, maxMs: reconnect?.maxDelayMs ?? 30_000 },
    onMessage: (m) => void onMessage(m),
    onEvent: (e) => {
      if (e.type === 'connected') {
        up = true;
        connections++;
        if (firstOutcome !== undefined) return firstOutcome();
        void restore();
      } else if (e.type === 'disconnected') {
        const wasUp = up;
        up = false;
        replies.cancelAll(new EdgeError('closed', `the connection to the gateway was lost: ${e.reason.message}`));
        if (firstOutcome !== undefined) return firstOutcome(e.reason);
        if (wasUp && !destroyed) {
          options.onClose?.(e.reason);
          if (reconnect === undefined) void client.end({ flush: false });
        }
      } else if (e.type === 'closed' && e.error !== undefined && !destroyed && connections > 0) {
        // A sign-in refused after a reconnect: the client has stopped.
        options.onClose?.(new EdgeError(ERROR_CONNECT, `the gateway refused the driver: ${e.error.message}`));
      }
    },
  });

  /** After a reconnect: topo/add again (a restarted gateway may have lost its topology) and log in. */
  async function restore(): Promise<void> {
    for (const c of clients.values()) if (c.wasOnline) await c.registerAndOnline().catch(() => undefined);
    options.onReconnect?.();
  }

  try {
    await new Promise<void>((resolve, reject) => {
      firstOutcome = (error) => (error === undefined ? resolve() : reject(error));
    });
    const granted = await client.subscribe(DRIVER_FILTERS.map((topic) => ({ topic, qos: 0 as const })));
    if (granted.some((g) => g === 0x80)) throw new EdgeError(ERROR_CONNECT, 'the gateway refused a subscription');
  } catch (e) {
    destroyed = true;
    void client.end({ flush: false });
    throw e instanceof EdgeError ? e : new EdgeError(ERROR_CONNECT, `cannot connect to the gateway: ${(e as Error).message}`);
  } finally {
    firstOutcome = undefined;
  }

  const configGet = driverConfigGetTopic(gateway);
  const configPush = driverConfigPushTopic(gateway);
  const tslExt = tslExtGetTopic(gateway);

  async function request(topic: string, params: unknown, method: string, code: string): Promise<unknown> {
    if (!up) throw new EdgeError(code, 'not connected to the gateway');
    const id = ids.next();
    const waiting = replies.expect(`${topic}_reply`, id);
    // It may fail (too many waiting, a timeout) while the publish is still under way: handled
    // here so it never surfaces as an unhandled rejection; the await below still sees it.
    waiting.catch(() => undefined);
    try {
      await client.publish(topic, encodeRequest({ id, version: '1.0', params, method }), { qos: 1 });
      const r = await waiting;
      if (r.code !== 200) throw new EdgeError(code, r.message ?? `the gateway answered code ${r.code}`);
      return r.data;
    } catch (e) {
      if (e instanceof EdgeError && e.code === code) throw e;
      throw new EdgeError(code, (e as Error).message);
    }
  }

  async function answer(m: PublishPacket, id: string, run: () => Promise<Reply>): Promise<void> {
    let r: Reply;
    try {
      r = await run();
    } catch (e) {
      r = { code: RESULT_FAILURE, data: {}, message: (e as Error).message };
    }
    if (up) await client.publish(`${m.topic}_reply`, encodeReply({ id, code: r.code, data: r.data ?? {}, ...(r.message ? { message: r.message } : {}) })).catch(() => undefined);
  }

  async function onMessage(m: PublishPacket): Promise<void> {
    if (m.topic.endsWith('_reply')) {
      try {
        const r = decodeReply(m.payload);
        replies.settle(m.topic, r.id, { code: r.code, data: r.data, message: r.message });
      } catch {
        // not a reply we can read: whatever waits for it times out
      }
      return;
    }
    let req;
    try {
      req = decodeRequest(m.payload);
    } catch {
      return;
    }
    if (m.topic === configPush) {
      if (typeof req.params === 'string') for (const cb of changed) cb(req.params);
      return;
    }
    const t = parseTopic(m.topic);
    const client = t === undefined ? undefined : clients.get(`${t.ids.productKey}/${t.ids.deviceName}`);
    if (t === undefined || client === undefined) return answer(m, req.id, async () => ({ code: 6402, data: {}, message: 'no such device in this driver' }));
    await answer(m, req.id, () => client._dispatch(t.name, t.ids.serviceId, req.params));
  }

  const runtime: DriverRuntime = {
    get connected() {
      return up;
    },
    async getConfig() {
      const data = await request(configGet, {}, 'edge.driver.config.get', ERROR_GET_CONFIG);
      if (typeof data !== 'string') throw new EdgeError(ERROR_GET_CONFIG, 'the gateway sent no configuration document');
      return data;
    },
    async config() {
      const text = await runtime.getConfig();
      const r = parseDriverConfig(text);
      if (!r.ok || r.config === undefined) throw new EdgeError(ERROR_GET_CONFIG, `invalid driver configuration: ${r.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
      return r.config;
    },
    registerChangedCallback: (cb) => void changed.add(cb),
    unregisterChangedCallback: (cb) => void changed.delete(cb),
    async getTsl(productKey) {
      // dsltemplate/get is addressed to a device: any device of that product will do.
      const dev = [...clients.values()].find((c) => c.productKey === productKey);
      const dn = dev?.deviceName ?? (await runtime.config().catch(() => undefined))?.getThingInfos().find((t) => t.productKey === productKey)?.deviceName;
      if (dn === undefined) throw new EdgeError(ERROR_GET_TSL, `no device of product ${productKey} in this driver`);
      const data = await request(topics.tslGet(productKey, dn), {}, 'thing.dsltemplate.get', ERROR_GET_TSL);
      return typeof data === 'string' ? data : JSON.stringify(data);
    },
    async getTslExtInfo(productKey) {
      const data = await request(tslExt, { productKey }, 'edge.driver.tsl.ext.get', ERROR_GET_TSL_EXT_INFO);
      return typeof data === 'string' ? data : JSON.stringify(data);
    },
    thingAccessClient(config, callbacks) {
      return new ThingAccessClient(config, callbacks, runtime);
    },
    getDeviceHandle(productKey, deviceName) {
      return clients.get(`${productKey}/${deviceName}`);
    },
    async destroy() {
      if (destroyed) return;
      for (const c of [...clients.values()]) await c.cleanup().catch(() => undefined);
      destroyed = true;
      up = false;
      await client.end({ flush: false });
    },
  };
  LINKS.set(runtime, {
    gateway,
    now: () => clock.now(),
    request,
    register: (c) => void clients.set(`${c.productKey}/${c.deviceName}`, c),
    forget: (c) => void clients.delete(`${c.productKey}/${c.deviceName}`),
  });
  return runtime;
}

/** Each runtime's side of its clients: not on the public object, so only the runtime's own clients use it. */
const LINKS = new WeakMap<DriverRuntime, ClientLink>();

/** seed §1.2 `getConfig()`: the driver configuration string of the runtime's driver. */
export function getConfig(runtime: DriverRuntime): Promise<string> {
  return runtime.getConfig();
}

/** What a client needs of its runtime (internal). */
interface ClientLink {
  readonly gateway: GatewayIdentity;
  now(): number;
  request(topic: string, params: unknown, method: string, code: string): Promise<unknown>;
  register(c: ThingAccessClient): void;
  forget(c: ThingAccessClient): void;
}

function normalize(r: CallbackResult | undefined): Reply {
  if (Array.isArray(r)) {
    const [code, output] = r as readonly [number, JsonValue?];
    return code === RESULT_SUCCESS ? { code: 200, data: output ?? {} } : { code: typeof code === 'number' ? code : RESULT_FAILURE, data: output ?? {}, message: `the device answered code ${code}` };
  }
  if (!isRecord(r) || typeof r['code'] !== 'number') return { code: RESULT_FAILURE, data: {}, message: 'the callback returned no result code' };
  const o = r as { code: number; message?: string; params?: JsonValue };
  return o.code === RESULT_SUCCESS ? { code: 200, data: o.params ?? {} } : { code: o.code === 200 ? RESULT_FAILURE : o.code, data: o.params ?? {}, message: o.message ?? `the device answered code ${o.code}` };
}

const issuesText = (r: { issues: readonly { path: string; message: string; severity?: string }[] }): string =>
  r.issues.filter((i) => i.severity !== 'warning').map((i) => `${i.path}: ${i.message}`).join('; ');

/**
 * One device of a driver (seed §1.2 `ThingAccessClient`, §1.3 with `ThingCallback`): register
 * and bring it online, report properties and events, answer the gateway's property and service
 * requests through the callbacks. Properties, events and service arguments are validated
 * against the product's TSL once `registerAndOnline` has fetched it.
 */
export class ThingAccessClient {
  readonly productKey: string;
  readonly deviceName: string;
  readonly runtime: DriverRuntime;
  readonly #callbacks: ThingCallbacks;
  readonly #link: ClientLink;
  #tsl: TslValidator | undefined;
  #tslText: string | undefined;
  #online = false;
  #wantOnline = false;
  #registered = false;

  /**
   * seed `new ThingAccessClient(config, callbacks)`, with the driver runtime the client belongs
   * to as the third argument (the seed's SDKs keep it in a module-level global).
   */
  constructor(config: ThingInfo | { readonly productKey: string; readonly deviceName?: string; readonly localName?: string }, callbacks: ThingCallbacks, runtime: DriverRuntime) {
    const link = LINKS.get(runtime);
    if (link === undefined) throw new EdgeError('invalid_runtime', 'the third argument must be a runtime from connectDriver');
    if (!isRecord(callbacks) || typeof callbacks.getProperties !== 'function' || typeof callbacks.setProperties !== 'function' || typeof callbacks.callService !== 'function') {
      throw new EdgeError('invalid_callbacks', 'Illegal callbacks: setProperties, getProperties and callService are required');
    }
    const name = config?.deviceName ?? (config as { localName?: string })?.localName;
    if (!isRecord(config) || typeof config.productKey !== 'string' || typeof name !== 'string' || name === '') {
      throw new EdgeError('invalid_config', 'Illegal config: productKey and deviceName (or localName) are required');
    }
    this.productKey = config.productKey;
    this.deviceName = name;
    this.runtime = runtime;
    this.#callbacks = callbacks;
    this.#link = link;
  }

  /** Whether the device is online (after registerAndOnline or online, before offline). */
  get isOnline(): boolean {
    return this.#online;
  }

  /** Online as far as the driver asked: kept across a lost connection, so a reconnect restores it. */
  get wasOnline(): boolean {
    return this.#wantOnline;
  }

  /** seed `registerAndOnline()`: topo/add, the TSL, then combine/login. Rejects with `ERROR_CONNECT`. */
  async registerAndOnline(): Promise<void> {
    const gw = this.#gateway();
    await this.#link.request(topics.topoAdd(gw), [{ productKey: this.productKey, deviceName: this.deviceName }], 'thing.topo.add', ERROR_CONNECT);
    this.#registered = true;
    this.#link.register(this);
    await this.#loadTsl().catch(() => undefined);
    await this.online().catch((e: Error) => {
      throw new EdgeError(ERROR_CONNECT, e.message);
    });
  }

  /**
   * seed `online()`: combine/login. Also serves a device registered in an earlier run of the
   * driver (the gateway remembers the topology): the client starts answering and loads the TSL.
   */
  async online(): Promise<void> {
    await this.#link.request(topics.login(this.#gateway()), { productKey: this.productKey, deviceName: this.deviceName }, 'combine.login', ERROR_CONNECT);
    this.#online = true;
    this.#wantOnline = true;
    this.#registered = true;
    this.#link.register(this);
    if (this.#tsl === undefined) await this.#loadTsl().catch(() => undefined);
  }

  /** seed `offline()`: combine/logout. Rejects with `ERROR_DISCONNECT`. */
  async offline(): Promise<void> {
    await this.#link.request(topics.logout(this.#gateway()), { productKey: this.productKey, deviceName: this.deviceName }, 'combine.logout', ERROR_DISCONNECT);
    this.#online = false;
    this.#wantOnline = false;
  }

  /** seed `reportProperties(properties)`: a property post, checked against the TSL first. */
  async reportProperties(properties: JsonObject): Promise<void> {
    let params = properties;
    if (this.#tsl !== undefined) {
      const r = this.#tsl.propertyPost(properties);
      if (!r.ok) throw new EdgeError('invalid_properties', issuesText(r));
      params = (r.value ?? properties) as JsonObject;
    }
    await this.#link.request(topics.propertyPost(this.productKey, this.deviceName), params, 'thing.event.property.post', 'report_failed');
  }

  /** seed `reportEvent(eventName, args)`: an event post `{value: args, time}`, checked against the TSL. */
  async reportEvent(eventName: string, args: JsonObject): Promise<void> {
    const params = { value: args, time: this.#link.now() };
    if (this.#tsl !== undefined) {
      const r = this.#tsl.eventPost(eventName, params);
      if (!r.ok) throw new EdgeError('invalid_event', issuesText(r));
    }
    await this.#link.request(topics.eventPost(this.productKey, this.deviceName, eventName), params, `thing.event.${eventName}.post`, 'report_failed');
  }

  /** seed `getTsl()`: the product's TSL document. Rejects with `ERROR_GET_TSL`. */
  async getTsl(): Promise<string> {
    return this.#tslText ?? (await this.#loadTsl());
  }

  /** seed `getTslExtInfo()`: checked against the TSL with @linkwire/tsl. Rejects with `ERROR_GET_TSL_EXT_INFO`. */
  async getTslExtInfo(): Promise<string> {
    const text = await this.runtime.getTslExtInfo(this.productKey);
    const tslText = this.#tslText;
    const parsed = tslText === undefined ? undefined : parseTsl(tslText);
    const r = parseTslExtInfo(text, parsed?.ok ? parsed.model : undefined);
    if (!r.ok) throw new EdgeError(ERROR_GET_TSL_EXT_INFO, `invalid TSL extended information: ${r.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    return text;
  }

  /**
   * `getTslConfig()`: the name later versions of the Node SDK give the same document (the TSL's
   * protocol configuration). Same as {@link getTslExtInfo}.
   */
  getTslConfig(): Promise<string> {
    return this.getTslExtInfo();
  }

  /** seed `cleanup()`: offline if online, and the client stops answering. Rejects with `ERROR_CLEANUP`. */
  async cleanup(): Promise<void> {
    try {
      if (this.#online && this.runtime.connected) await this.offline();
    } catch (e) {
      throw new EdgeError(ERROR_CLEANUP, (e as Error).message);
    } finally {
      this.#online = false;
      this.#wantOnline = false;
      this.#link.forget(this);
    }
  }

  /** seed `unregister()`: topo/delete; the device leaves the gateway. Rejects with `ERROR_UNREGISTER`. */
  async unregister(): Promise<void> {
    await this.#link.request(topics.topoDelete(this.#gateway()), [{ productKey: this.productKey, deviceName: this.deviceName }], 'thing.topo.delete', ERROR_UNREGISTER);
    this.#registered = false;
    this.#online = false;
    this.#wantOnline = false;
    this.#link.forget(this);
  }

  get registered(): boolean {
    return this.#registered;
  }

  #gateway(): GatewayIdentity {
    return this.#link.gateway;
  }

  async #loadTsl(): Promise<string> {
    const data = await this.#link.request(topics.tslGet(this.productKey, this.deviceName), {}, 'thing.dsltemplate.get', ERROR_GET_TSL);
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    const parsed = parseTsl(text);
    if (!parsed.ok) throw new EdgeError(ERROR_GET_TSL, `the product's TSL is invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    this.#tslText = text;
    this.#tsl = compileTsl(parsed.model, { policy: 'platform', coerce: true });
    return text;
  }

  /** Runs a gateway request through the callbacks (internal: called by the runtime). */
  async _dispatch(name: string, serviceId: string | undefined, params: AlinkJson | undefined): Promise<Reply> {
    const tsl = this.#tsl;
    if (name === 'propertySet') {
      if (!isRecord(params)) return { code: 460, data: {}, message: 'params must be an object' };
      const r = tsl?.propertySet(params);
      if (r !== undefined && !r.ok) return { code: 460, data: {}, message: issuesText(r) };
      return normalize(await this.#callbacks.setProperties((r?.value ?? params) as JsonObject));
    }
    if (name === 'propertyGet') {
      if (!Array.isArray(params) || !params.every((k) => typeof k === 'string')) return { code: 460, data: {}, message: 'params must be a list of identifiers' };
      return normalize(await this.#callbacks.getProperties(params as string[]));
    }
    if (name === 'serviceCall' && serviceId !== undefined) {
      const args = isRecord(params) ? (params as JsonObject) : {};
      const r = tsl?.serviceCall(serviceId, args);
      if (r !== undefined && !r.ok) return { code: 460, data: {}, message: issuesText(r) };
      return normalize(await this.#callbacks.callService(serviceId, (r?.value ?? args) as JsonObject));
    }
    return { code: 6402, data: {}, message: `a driver does not answer ${name}` };
  }
}
