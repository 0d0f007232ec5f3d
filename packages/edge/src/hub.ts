import { decodeReply, decodeRequest, encodeReply, encodeRequest, parseTopic, readProperties, requestIds, type AlinkJson } from '@linkwire/alink';
import { isRecord, utf8Decode, type Clock, type JsonValue } from '@linkwire/base';
import { createReplyWaiter } from '@linkwire/device';
import { createPacketParser, encodePacket, topicMatches, type MqttPacket, type PublishPacket } from '@linkwire/mqtt';
import { verifyMqttCredentials } from '@linkwire/sign';
import { alinkReplyCode, compileTsl, parseTsl, type TslResult, type TslValidator } from '@linkwire/tsl';
import type { EdgeThing, JsonObject } from './api.ts';
import { parseDriverConfig, type ThingInfo } from './config.ts';
import { EdgeError, EdgeHttpError } from './errors.ts';
import { driverConfigGetTopic, driverConfigPushTopic, topics, tslExtGetTopic, type GatewayIdentity } from './protocol.ts';
import type { EdgeBackend, WatchEvent, WatchTarget } from './server.ts';
import { PROPERTIES_CHANGED } from './watch.ts';

/** A driver the gateway runs: its id and secret (the credentials it signs in with) and its configuration. */
export interface HubDriver {
  readonly driverId: string;
  readonly driverSecret: string;
  /** Shown as DriverName in ListThings; default the id. */
  readonly name?: string;
  /** The configuration document (C `leda_get_config` format); device entries may carry `tags: {k: v}`. */
  readonly config: string | { readonly [key: string]: unknown };
}

/** What the hub reports, for the upstream link to the cloud and for logs. */
export type HubEvent =
  | { readonly type: 'driver_connected' | 'driver_disconnected'; readonly driverId: string }
  | { readonly type: 'refused'; readonly clientId: string; readonly reason: string }
  | { readonly type: 'registered' | 'unregistered' | 'online' | 'offline'; readonly productKey: string; readonly deviceName: string }
  | { readonly type: 'properties'; readonly productKey: string; readonly deviceName: string; readonly params: JsonObject }
  | { readonly type: 'event'; readonly productKey: string; readonly deviceName: string; readonly eventId: string; readonly params: JsonObject };

export interface EdgeHubOptions {
  readonly clock: Clock;
  readonly gateway: GatewayIdentity;
  readonly drivers: readonly HubDriver[];
  /** The TSL document of a product (what `getTsl` answers and what requests are validated against). */
  readonly tsl?: (productKey: string) => string | undefined;
  /** The TSL extended information of a product (`getTslExtInfo`). */
  readonly tslExtInfo?: (productKey: string) => string | undefined;
  /** How long a device callback may take, default 5 s; past it the API answers 503. */
  readonly replyTimeoutMs?: number;
  /** Largest MQTT packet accepted from a driver, default 256 KiB (Alibaba's limit). */
  readonly maxPacketSize?: number;
  /** Tolerance of a driver's CONNECT timestamp, default 15 minutes. */
  readonly timestampWindowMs?: number;
  readonly onEvent?: (event: HubEvent) => void;
}

/** One driver connection as the hub sees it: bytes in, and a way to say the socket closed. */
export interface HubConnection {
  receive(bytes: Uint8Array): void;
  closed(): void;
}

export interface EdgeHub {
  /** A new driver connection: `send` writes to its socket, `close` ends it. */
  accept(send: (bytes: Uint8Array) => void, close: () => void): HubConnection;
  /** The HTTP API's view: things, properties, services, Watch. */
  readonly backend: EdgeBackend;
  /** Replaces a driver's configuration and pushes it to the driver if connected. */
  setDriverConfig(driverId: string, config: string | { readonly [key: string]: unknown }): void;
  /** Devices matching every tag given (`getThingsWithTags`). */
  thingsWithTags(tags: readonly { readonly [tag: string]: string }[]): { productKey: string; deviceName: string }[];
  /** Closes every connection. */
  close(): void;
}

interface Device {
  readonly info: ThingInfo;
  readonly driver: DriverState;
  readonly tags: { readonly [tag: string]: string };
  registered: boolean;
  online: boolean;
  connectTime: number;
}

interface DriverState {
  readonly spec: HubDriver;
  configText: string;
  devices: Map<string, Device>;
  conn: Conn | undefined;
}

interface Conn {
  readonly send: (bytes: Uint8Array) => void;
  readonly close: () => void;
  driver: DriverState | undefined;
  filters: string[];
  alive: boolean;
  lastSeen: number;
  keepaliveMs: number;
  cancelWatchdog: () => void;
}

const key = (pk: string, dn: string): string => `${pk}/${dn}`;

/**
 * The gateway side of the driver protocol (see {@link topics}), sans-IO: an adapter accepts a
 * socket and pipes its bytes through {@link EdgeHub.accept}. It speaks just the MQTT a driver
 * needs (CONNECT signed like a device of the gateway's product, SUBSCRIBE, PUBLISH QoS 0/1,
 * PINGREQ, DISCONNECT) and routes every message itself: a reply goes to the connection that
 * asked, a command to the connection of the driver that owns the device, so no driver can see
 * or address another's devices. It also serves the HTTP API's {@link EdgeBackend}.
 */
export function createEdgeHub(options: EdgeHubOptions): EdgeHub {
  const { clock, gateway } = options;
  const emit = (e: HubEvent): void => options.onEvent?.(e);
  const replyTimeoutMs = options.replyTimeoutMs ?? 5000;
  const drivers = new Map<string, DriverState>();
  const devices = new Map<string, Device>();
  const validators = new Map<string, TslValidator | null>();
  const watchers = new Set<{ targets: readonly WatchTarget[]; listener: (e: WatchEvent) => void }>();
  const replies = createReplyWaiter<{ code: number; data: unknown; message?: string }>({ clock, timeoutMs: replyTimeoutMs, maxPending: 10_000 });
  const ids = requestIds();
  const conns = new Set<Conn>();
  const gwTopics = {
    topoAdd: topics.topoAdd(gateway),
    topoDelete: topics.topoDelete(gateway),
    login: topics.login(gateway),
    logout: topics.logout(gateway),
    configGet: driverConfigGetTopic(gateway),
    configPush: driverConfigPushTopic(gateway),
    tslExt: tslExtGetTopic(gateway),
  };

  function loadConfig(d: DriverState, config: string | { readonly [key: string]: unknown }): void {
    const r = parseDriverConfig(config);
    if (!r.ok || r.config === undefined) throw new EdgeError('invalid_config', `driver ${d.spec.driverId}: ${r.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    const list = (r.config.document['deviceList'] as unknown[] | undefined) ?? [];
    const next = new Map<string, Device>();
    r.config.getThingInfos().forEach((info, i) => {
      const k = key(info.productKey, info.deviceName);
      const owner = devices.get(k);
      if (owner !== undefined && owner.driver !== d) throw new EdgeError('invalid_config', `${k} already belongs to driver ${owner.driver.spec.driverId}`);
      const raw = list[i];
      const tags = isRecord(raw) && isRecord(raw['tags']) ? Object.fromEntries(Object.entries(raw['tags']).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
      next.set(k, owner ?? { info, driver: d, tags, registered: false, online: false, connectTime: 0 });
    });
    // A device dropped from the configuration leaves the gateway (offline first, if it was online).
    for (const [k, dev] of d.devices) {
      if (next.has(k)) continue;
      setOnline(dev, false);
      devices.delete(k);
    }
    for (const [k, dev] of next) devices.set(k, dev);
    d.devices = next;
    d.configText = typeof config === 'string' ? config : JSON.stringify(config);
  }

  for (const spec of options.drivers) {
    if (drivers.has(spec.driverId)) throw new EdgeError('invalid_config', `driver ${spec.driverId} is listed twice`);
    const d: DriverState = { spec, configText: '', devices: new Map(), conn: undefined };
    drivers.set(spec.driverId, d);
    loadConfig(d, spec.config);
  }

  function validatorOf(productKey: string): TslValidator | undefined {
    let v = validators.get(productKey);
    if (v === undefined) {
      const text = options.tsl?.(productKey);
      const parsed = text === undefined ? undefined : parseTsl(text);
      v = parsed?.ok ? compileTsl(parsed.model, { policy: 'platform', coerce: true }) : null;
      validators.set(productKey, v);
    }
    return v ?? undefined;
  }

  const write = (c: Conn, p: MqttPacket): void => {
    if (c.alive) c.send(encodePacket(p));
  };

  /** Sends to a connection if one of its filters matches: the only way out of the hub. */
  function deliver(c: Conn, topic: string, payload: Uint8Array): void {
    if (c.filters.some((f) => topicMatches(f, topic))) write(c, { type: 'publish', topic, payload, qos: 0, retain: false, dup: false });
  }

  const reply = (c: Conn, topic: string, id: string, code: number, data: unknown, message?: string): void =>
    deliver(c, `${topic}_reply`, encodeReply({ id, code, data: data ?? {}, ...(message === undefined ? {} : { message }) }));

  function drop(c: Conn): void {
    if (!c.alive) return;
    c.alive = false;
    c.cancelWatchdog();
    conns.delete(c);
    const d = c.driver;
    if (d !== undefined && d.conn === c) {
      d.conn = undefined;
      // The driver's devices go offline with its connection, as the seed's offline() would.
      for (const dev of d.devices.values()) setOnline(dev, false);
      emit({ type: 'driver_disconnected', driverId: d.spec.driverId });
    }
    c.close();
  }

  function setOnline(dev: Device, online: boolean): void {
    if (dev.online === online) return;
    dev.online = online;
    if (online) dev.connectTime = clock.now();
    emit({ type: online ? 'online' : 'offline', productKey: dev.info.productKey, deviceName: dev.info.deviceName });
  }

  function armWatchdog(c: Conn): void {
    c.cancelWatchdog();
    if (c.keepaliveMs <= 0) return;
    // MQTT §3.1.2.10: one and a half keepalive periods without a packet ends the connection.
    c.cancelWatchdog = clock.setTimer(c.keepaliveMs * 1.5, () => {
      if (clock.now() - c.lastSeen >= c.keepaliveMs * 1.5) drop(c);
      else armWatchdog(c);
    });
  }

  function onConnect(c: Conn, p: Extract<MqttPacket, { type: 'connect' }>): void {
    const password = p.password === undefined || p.password.length > 512 ? '' : utf8Decode(p.password);
    const v = verifyMqttCredentials(p.clientId, p.username ?? '', password, (pk, dn) => (pk === gateway.productKey ? drivers.get(dn)?.spec.driverSecret : undefined), {
      now: clock.now(),
      windowMs: options.timestampWindowMs ?? 15 * 60_000,
    });
    if (!v.ok) {
      emit({ type: 'refused', clientId: p.clientId, reason: v.reason });
      write(c, { type: 'connack', sessionPresent: false, returnCode: v.code === 'unknown_device' ? 5 : 4 });
      return drop(c);
    }
    const d = drivers.get(v.deviceName)!;
    // One connection per driver: a new sign-in replaces the old one (as the platform does for a device).
    if (d.conn !== undefined) drop(d.conn);
    c.driver = d;
    d.conn = c;
    c.keepaliveMs = p.keepalive * 1000;
    write(c, { type: 'connack', sessionPresent: false, returnCode: 0 });
    armWatchdog(c);
    emit({ type: 'driver_connected', driverId: d.spec.driverId });
  }

  function ownDevice(c: Conn, pk: unknown, dn: unknown): Device | undefined {
    if (typeof pk !== 'string' || typeof dn !== 'string') return undefined;
    const dev = devices.get(key(pk, dn));
    return dev !== undefined && dev.driver === c.driver ? dev : undefined;
  }

  const refs = (params: unknown): unknown[] => (Array.isArray(params) ? params : [params]);

  function onPublish(c: Conn, p: PublishPacket): void {
    if (p.qos === 1 && p.messageId !== undefined) write(c, { type: 'puback', messageId: p.messageId });
    const topic = p.topic;
    // Replies from the driver to the hub's own requests.
    if (topic.endsWith('_reply')) {
      try {
        const r = decodeReply(p.payload);
        replies.settle(`${topic}#${c.driver!.spec.driverId}`, r.id, { code: r.code, data: r.data, message: r.message });
      } catch {
        // a malformed reply settles nothing; the request times out
      }
      return;
    }
    let req;
    try {
      req = decodeRequest(p.payload);
    } catch (e) {
      return reply(c, topic, '0', 460, {}, (e as Error).message);
    }
    const id = req.id;
    const params = req.params;
    switch (topic) {
      case gwTopics.topoAdd:
      case gwTopics.topoDelete:
      case gwTopics.login:
      case gwTopics.logout: {
        const list = refs(params).map((x) => (isRecord(x) ? ownDevice(c, x['productKey'], x['deviceName']) : undefined));
        // A device not in this driver's configuration: the platform's "not a sub-device of this gateway".
        if (list.length === 0 || list.includes(undefined)) return reply(c, topic, id, 6402, {}, 'a device named is not one of this driver\'s devices');
        for (const dev of list as Device[]) {
          if (topic === gwTopics.topoAdd) {
            if (!dev.registered) emit({ type: 'registered', productKey: dev.info.productKey, deviceName: dev.info.deviceName });
            dev.registered = true;
          } else if (topic === gwTopics.topoDelete) {
            setOnline(dev, false);
            if (dev.registered) emit({ type: 'unregistered', productKey: dev.info.productKey, deviceName: dev.info.deviceName });
            dev.registered = false;
          } else if (topic === gwTopics.login) {
            if (!dev.registered) return reply(c, topic, id, 6401, {}, 'the device is not registered: call registerAndOnline');
            setOnline(dev, true);
          } else setOnline(dev, false);
        }
        const data = topic === gwTopics.login || topic === gwTopics.logout ? { productKey: list[0]!.info.productKey, deviceName: list[0]!.info.deviceName } : {};
        return reply(c, topic, id, 200, data);
      }
      case gwTopics.configGet:
        return reply(c, topic, id, 200, c.driver!.configText);
      case gwTopics.tslExt: {
        const pk = isRecord(params) ? params['productKey'] : undefined;
        const owns = typeof pk === 'string' && [...c.driver!.devices.values()].some((d) => d.info.productKey === pk);
        const ext = owns ? options.tslExtInfo?.(pk) : undefined;
        return ext === undefined ? reply(c, topic, id, 404, {}, 'no TSL extended information for this product') : reply(c, topic, id, 200, ext);
      }
    }
    const parsed = parseTopic(topic);
    const dev = parsed === undefined ? undefined : ownDevice(c, parsed.ids.productKey, parsed.ids.deviceName);
    if (parsed === undefined || dev === undefined) return reply(c, topic, id, 6402, {}, 'not one of this driver\'s devices');
    const { productKey, deviceName } = dev.info;
    if (parsed.name === 'dsltemplateGet') {
      const text = options.tsl?.(productKey);
      return text === undefined ? reply(c, topic, id, 404, {}, 'no TSL for this product') : reply(c, topic, id, 200, text);
    }
    if (!dev.online) return reply(c, topic, id, 6401, {}, 'the device is offline: call online() first');
    if (parsed.name === 'propertyPost' || parsed.name === 'eventPost') {
      if (!isRecord(params)) return reply(c, topic, id, 460, {}, 'params must be an object');
      const tsl = validatorOf(productKey);
      const eventId = parsed.ids.eventId ?? '';
      const check: TslResult | undefined = tsl === undefined ? undefined : parsed.name === 'propertyPost' ? tsl.propertyPost(params) : tsl.eventPost(eventId, params);
      if (check !== undefined && !check.ok) {
        return reply(c, topic, id, alinkReplyCode(check), {}, check.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('; '));
      }
      const valid = (check?.value ?? params) as JsonObject;
      reply(c, topic, id, 200, {});
      if (parsed.name === 'propertyPost') {
        emit({ type: 'properties', productKey, deviceName, params: valid });
        const args: Record<string, JsonValue> = {};
        const now = clock.now();
        for (const e of readProperties(valid as { [id: string]: AlinkJson })) args[e.id] = { time: e.time ?? now, value: e.value as JsonValue };
        notify({ kind: 'event', productKey, deviceName, event: PROPERTIES_CHANGED, args, timestamp: now }, 'properties');
      } else {
        emit({ type: 'event', productKey, deviceName, eventId, params: valid });
        const value = valid['value'];
        notify({ kind: 'event', productKey, deviceName, event: eventId, args: isRecord(value) ? (value as JsonObject) : {}, timestamp: clock.now() }, 'events');
      }
      return;
    }
    return reply(c, topic, id, 6402, {}, `${topic} is not a topic a driver publishes on`);
  }

  function notify(e: WatchEvent, kind: 'properties' | 'events'): void {
    for (const w of watchers) {
      if (w.targets.length === 0 || w.targets.some((t) => t.productKey === e.productKey && t.deviceName === e.deviceName && (t.watches === 'all' || t.watches === kind))) {
        w.listener(e);
      }
    }
  }

  function onPacket(c: Conn, p: MqttPacket): void {
    c.lastSeen = clock.now();
    if (c.driver === undefined) {
      if (p.type !== 'connect') return drop(c);
      return onConnect(c, p);
    }
    switch (p.type) {
      case 'publish':
        return onPublish(c, p);
      case 'subscribe': {
        const granted = p.subscriptions.map((s) => {
          if (c.filters.length >= 32) return 0x80;
          c.filters.push(s.topic);
          return 0;
        });
        return write(c, { type: 'suback', messageId: p.messageId, granted });
      }
      case 'unsubscribe':
        c.filters = c.filters.filter((f) => !p.topics.includes(f));
        return write(c, { type: 'unsuback', messageId: p.messageId });
      case 'pingreq':
        return write(c, { type: 'pingresp' });
      case 'disconnect':
        return drop(c);
      case 'puback':
        return;
      default:
        // A second CONNECT, QoS 2 flows or server packets: a protocol violation (§3.1.0-2).
        return drop(c);
    }
  }

  /** Sends a request to the driver that owns the device and waits for its reply. */
  async function ask(pk: string, dn: string, topic: (pk: string, dn: string) => string, params: unknown, method: string): Promise<unknown> {
    const dev = devices.get(key(pk, dn));
    if (dev === undefined) throw new EdgeHttpError(404, `no device ${pk}/${dn} on this gateway`);
    const conn = dev.driver.conn;
    if (conn === undefined || !dev.online) throw new EdgeHttpError(503, `device ${pk}/${dn} is offline`);
    const t = topic(pk, dn);
    const id = ids.next();
    const waiting = replies.expect(`${t}_reply#${dev.driver.spec.driverId}`, id);
    deliver(conn, t, encodeRequest({ id, version: '1.0', params, method }));
    let r: { code: number; data: unknown; message?: string };
    try {
      r = await waiting;
    } catch (e) {
      throw new EdgeHttpError(503, (e as EdgeError).code === 'reply_timeout' ? `timeout: device ${pk}/${dn} did not answer within ${replyTimeoutMs} ms` : (e as Error).message);
    }
    if (r.code !== 200) throw new EdgeHttpError(r.code === 460 ? 400 : 500, r.message ?? `the device answered code ${r.code}`);
    return r.data;
  }

  function invalid(r: TslResult): never {
    throw new EdgeHttpError(400, r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('; '));
  }

  const backend: EdgeBackend = {
    listThings(): EdgeThing[] {
      return [...devices.values()].map((d) => ({
        ProductName: '',
        ProductKey: d.info.productKey,
        DeviceName: d.info.deviceName,
        DriverId: d.driver.spec.driverId,
        DriverName: d.driver.spec.name ?? d.driver.spec.driverId,
        Tags: Object.entries(d.tags).map(([k, v]) => ({ [k]: v })),
        Status: !d.registered ? 'Inactivated' : d.online ? 'Online' : 'Offline',
        Connected: d.online,
        ConnectTime: d.connectTime === 0 ? '' : String(d.connectTime),
      }));
    },
    async getProperties(pk, dn, identifiers) {
      const tsl = devices.has(key(pk, dn)) ? validatorOf(pk) : undefined;
      const r = tsl?.propertyGet([...identifiers]);
      if (r !== undefined && !r.ok) invalid(r);
      const data = await ask(pk, dn, topics.propertyGet, identifiers, 'thing.service.property.get');
      return isRecord(data) ? (data as JsonObject) : {};
    },
    async setProperties(pk, dn, properties) {
      const tsl = devices.has(key(pk, dn)) ? validatorOf(pk) : undefined;
      const r = tsl?.propertySet(properties);
      if (r !== undefined && !r.ok) invalid(r);
      return (await ask(pk, dn, topics.propertySet, r?.value ?? properties, 'thing.service.property.set')) as JsonValue;
    },
    async callService(pk, dn, name, args) {
      if (!/^[A-Za-z0-9_]{1,50}$/.test(name)) throw new EdgeHttpError(400, `service name ${JSON.stringify(name).slice(0, 60)} is not a TSL identifier`);
      const tsl = devices.has(key(pk, dn)) ? validatorOf(pk) : undefined;
      const r = tsl?.serviceCall(name, args ?? {});
      if (r !== undefined && !r.ok) invalid(r);
      return (await ask(pk, dn, (p, d) => topics.serviceCall(p, d, name), r?.value ?? args ?? {}, `thing.service.${name}`)) as JsonValue;
    },
    watch(targets, listener) {
      const w = { targets, listener };
      watchers.add(w);
      return () => void watchers.delete(w);
    },
  };

  return {
    backend,
    accept(send, close) {
      const c: Conn = { send, close, driver: undefined, filters: [], alive: true, lastSeen: clock.now(), keepaliveMs: 0, cancelWatchdog: () => undefined };
      conns.add(c);
      const parser = createPacketParser({ maxPacketSize: options.maxPacketSize ?? 256 * 1024 });
      // A connection that never sends CONNECT is dropped after 10 s (nothing is held for it).
      c.cancelWatchdog = clock.setTimer(10_000, () => c.driver === undefined && drop(c));
      return {
        receive(bytes) {
          if (!c.alive) return;
          let packets: MqttPacket[];
          try {
            packets = parser.push(bytes);
          } catch {
            return drop(c);
          }
          for (const p of packets) {
            if (!c.alive) return;
            onPacket(c, p);
          }
        },
        closed: () => drop(c),
      };
    },
    setDriverConfig(driverId, config) {
      const d = drivers.get(driverId);
      if (d === undefined) throw new EdgeError('invalid_config', `no driver ${driverId}`);
      loadConfig(d, config);
      if (d.conn !== undefined) deliver(d.conn, gwTopics.configPush, encodeRequest({ id: ids.next(), version: '1.0', params: d.configText, method: 'edge.driver.config.push' }));
    },
    thingsWithTags(tags) {
      return [...devices.values()]
        .filter((d) => tags.every((t) => Object.entries(t).every(([k, v]) => d.tags[k] === v)))
        .map((d) => ({ productKey: d.info.productKey, deviceName: d.info.deviceName }));
    },
    close() {
      for (const c of [...conns]) drop(c);
      replies.cancelAll(new EdgeError('closed', 'the gateway closed'));
      watchers.clear();
    },
  };
}
