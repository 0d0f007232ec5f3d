import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { WebSocketServer } from 'ws';
import { utf8Encode } from '@linkwire/base';
import { createAliyunCoapServer } from '@linkwire/coap';
import { nodeRandom, openCoapSocket, type NodeCoapSocket } from '@linkwire/node';
import type { ShadowDocument, ShadowRequest } from '@linkwire/shadow';
import { alinkReplyCode, type TslResult, type TslValidator } from '@linkwire/tsl';
import { canPublish, topicAccess, type Principal } from './acl.ts';
import { authenticateConnect, type IssuedToken } from './auth.ts';
import { createBroker, type BrokerEvent, type BrokerLimits } from './broker.ts';
import { createPendingCommands, type CallOptions, type CloudRawResult, type CloudResult } from './cloud.ts';
import type { PlatformContext, RemoteConfig, Upstream } from './context.ts';
import { createDeviceRegistry, deviceKey, type DeviceRecord, type EmulatorDevice } from './devices.ts';
import { dispatchUpstream, payloadText } from './dispatch.ts';
import { attach, forceLogout } from './gateway.ts';
import { createHttpAuthHandler } from './http.ts';
import { listen, serveSocket, webSocketServer } from './listeners.ts';
import { createOtaService, type DeviceOtaState, type Firmware, type OtaJob } from './ota.ts';
import { createProductRegistry, type EmulatorProduct } from './products.ts';
import { replyBytes, requestBytes } from './replies.ts';
import { createShadowService } from './shadow.ts';
import { generateCertificates } from './certs.ts';

export type EmulatorEvent =
  | BrokerEvent
  | { readonly type: 'request'; readonly topic: string; readonly payload: string; readonly productKey: string; readonly deviceName: string }
  | { readonly type: 'reply'; readonly topic: string; readonly payload: string }
  | { readonly type: 'invalid'; readonly topic: string; readonly reason: string };

/** Certificates for the TLS listeners: PEM text. */
export interface EmulatorTls {
  readonly key: string;
  readonly cert: string;
  /** The CA devices trust and that signs client certificates (X.509 devices). */
  readonly ca?: string;
}

export interface EmulatorOptions {
  readonly devices?: readonly EmulatorDevice[];
  /** Loopback by default: the emulator is for tests and local development. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly onEvent?: (event: EmulatorEvent) => void;
  /** Also accept MQTT over WebSocket (subprotocol `mqtt`, path `/mqtt`), as browsers and Deno connect. */
  readonly websocket?: boolean;
  /** Products: registration secrets, dynamic registration switches and TSL models. */
  readonly products?: readonly EmulatorProduct[];
  /** Also serve the HTTPS endpoints (registration, `/auth/devicename`, `/auth`, `/topic/…`, firmware downloads) over HTTP. */
  readonly http?: boolean;
  /**
   * Also accept Alibaba CoAP (seed §3.3) on a UDP port: `'aes'` is the symmetric mode of port
   * 5682; `'dtls'` checks the same auth and publish flows and expects the transport to be secured
   * by the caller (Node has no DTLS, so the emulator's socket itself is plain UDP).
   */
  readonly coap?: 'aes' | 'dtls';
  /**
   * Also listen for MQTT over TLS (and WSS when `websocket`): `true` generates a CA and a server
   * certificate for the host (see `ca`, `caFile`, `issueDeviceCertificate`), or give your own.
   */
  readonly tls?: EmulatorTls | true;
  /** With `tls: true`, where to write the generated CA (PEM) for devices and tools to trust. */
  readonly caFile?: string;
  /** The platform's clock in milliseconds (shadow timestamps, token windows); default Date.now. */
  readonly now?: () => number;
  /** Largest distance of a signed timestamp from the platform's clock, in ms. Default 15 minutes. */
  readonly timestampWindowMs?: number;
  /** Refuse CONNECTs and logins without a timestamp (the seed makes it optional). Default false. */
  readonly requireTimestamp?: boolean;
  readonly limits?: BrokerLimits;
  /** The product's answer to raw uplink (`thing/model/up_raw`), as a data parsing script would give it. */
  readonly rawReply?: (device: { productKey: string; deviceName: string }, payload: Uint8Array) => Uint8Array | undefined;
}

/** A device as the platform sees it. */
export interface DeviceStatus {
  readonly online: boolean;
  readonly activated: boolean;
  readonly enabled: boolean;
  readonly gateway: { readonly productKey: string; readonly deviceName: string } | undefined;
  readonly subDevices: readonly { readonly productKey: string; readonly deviceName: string }[];
  readonly properties: Readonly<Record<string, { readonly value: unknown; readonly time: number }>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Firmware versions the device informed, per module (`default` for none). */
  readonly firmware: Readonly<Record<string, string>>;
}

export interface Emulator {
  readonly host: string;
  readonly port: number;
  /** The WebSocket port when `websocket` was requested: `ws://{host}:{wsPort}/mqtt`. */
  readonly wsPort: number | undefined;
  /** The HTTP port when `http` was requested: `http://{host}:{httpPort}/auth` and so on. */
  readonly httpPort: number | undefined;
  /** The UDP port of the CoAP endpoint when `coap` was requested. */
  readonly coapPort: number | undefined;
  /** MQTT over TLS when `tls` was given. */
  readonly tlsPort: number | undefined;
  /** The CA certificate (PEM) the TLS listeners chain to, when `tls` was given with one or generated. */
  readonly ca: string | undefined;
  /** With `tls: true`: a client certificate (CN `{productKey}.{deviceName}`) for an X.509 device. */
  issueDeviceCertificate(productKey: string, deviceName: string): { readonly cert: string; readonly key: string };
  /** MQTT over WSS when `tls` and `websocket` were given: `wss://{host}:{wssPort}/mqtt`. */
  readonly wssPort: number | undefined;
  /** Connections open now. */
  readonly connections: number;
  addDevice(device: EmulatorDevice): void;
  addProduct(product: EmulatorProduct): void;
  device(productKey: string, deviceName: string): DeviceStatus | undefined;
  /** A copy of a device's shadow document. */
  shadow(productKey: string, deviceName: string): ShadowDocument;
  /**
   * A write by an application (the console or the cloud API): applied to the shadow, and the
   * reply and any `control` push are published to the device on `/shadow/get/{pk}/{dn}`.
   */
  updateShadow(productKey: string, deviceName: string, request: ShadowRequest): Promise<void>;

  // The cloud side: everything the platform initiates, with the device's reply, a timeout or offline.
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
  /** Stores firmware and serves it from the HTTP listener (`http: true`). */
  addFirmware(firmware: Firmware): ReturnType<ReturnType<typeof createOtaService>['addFirmware']>;
  /** Pushes an upgrade to devices (seed §5) and returns the job; offline devices are marked so. */
  pushOta(firmware: Firmware | ReturnType<Emulator['addFirmware']>, devices: readonly { productKey: string; deviceName: string }[]): OtaJob;
  otaJob(jobId: string): OtaJob | undefined;
  close(): Promise<void>;
}

/**
 * A local Link-style IoT platform: its own MQTT broker (TCP, WebSocket, TLS, WSS), the HTTPS
 * endpoints, CoAP, the responders of every device and gateway flow of the device guide, and a
 * cloud-side API. CONNECT is authenticated by recomputing the device's signature; a device may
 * use only its own topics, in their direction; every listener treats its peers as hostile.
 *
 * @example
 * const platform = await startEmulator({ devices: [{ productKey, deviceName, deviceSecret }] });
 * // connect a device to platform.host:platform.port …
 * const r = await platform.invokeService(productKey, deviceName, 'Reboot', {});
 * await platform.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const devices = createDeviceRegistry(options.devices);
  const products = createProductRegistry(options.products);
  // Events cost a payload decode each: made only when someone listens.
  const observing = options.onEvent !== undefined;
  const emit = (e: EmulatorEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // An observer's failure is not the platform's.
    }
  };
  const now = options.now ?? Date.now;
  const random = (n: number): Uint8Array => nodeRandom(n);
  const timestampWindowMs = options.timestampWindowMs ?? 15 * 60 * 1000;
  const iotTokens = new Map<string, IssuedToken>();
  const shadows = createShadowService();
  const pending = createPendingCommands();
  const ota = createOtaService();
  const configs = new Map<string, RemoteConfig>();
  const configFiles = new Map<string, Uint8Array>();
  const host = options.host ?? '127.0.0.1';

  const principal = (key: string): Principal => ({
    key,
    actsFor: (owner) => {
      const sub = devices.byKey(owner);
      return sub !== undefined && sub.gateway === key && sub.online;
    },
    manages: (owner) => devices.byKey(owner)?.gateway === key,
  });

  const authorize = (key: string, topic: string): 'allow' | 'ignore' | 'deny' => {
    const who = principal(key);
    if (canPublish(who, topic)) return 'allow';
    // A gateway speaking for a sub-device of its topology without a session: seed §6, code 520
    // on `/ext/error/{gw}`; the gateway stays connected.
    const access = topicAccess(topic);
    if (access !== undefined && access.direction !== 'down' && who.manages(access.owner)) {
      const gw = devices.byKey(key)!;
      ctx.send(`/ext/error/${gw.productKey}/${gw.deviceName}`, replyBytes(pending.nextId(), 520, undefined, 'device session error'));
      return 'ignore';
    }
    return 'deny';
  };

  const reachable = (d: DeviceRecord): boolean =>
    d.gateway !== undefined && d.online ? broker.isOnline(d.gateway) : broker.isOnline(d.key);

  const ctx: PlatformContext = {
    devices, products, shadows, pending, ota, now, random, timestampWindowMs, configs,
    get broker() {
      return broker;
    },
    send(topic, payload) {
      if (observing) emit({ type: 'reply', topic, payload: payloadText(payload) });
      return broker.deliver(topic, payload, 1);
    },
    emit,
    reachable,
  };

  const observe = (up: Upstream): void => void (observing && emit({ type: 'request', topic: up.topic, payload: payloadText(up.payload), productKey: up.owner.productKey, deviceName: up.owner.deviceName }));
  const dispatchHooks = { observe, ...(options.rawReply === undefined ? {} : { rawReply: options.rawReply }) };
  const ingest = (key: string, topic: string, payload: Uint8Array): void => {
    const from = devices.byKey(key);
    if (from !== undefined) dispatchUpstream(ctx, dispatchHooks, from, topic, payload);
  };

  const broker = createBroker(
    {
      authenticate: (p, link) => authenticateConnect({ devices, products, iotTokens, now, random, timestampWindowMs, requireTimestamp: options.requireTimestamp ?? false }, p, link),
      principal,
      authorizePublish: authorize,
      onMessage: ingest,
      onEvent: (e) => {
        // A sub-device connecting directly while logged in through a gateway takes over (seed §6, 427).
        if (e.type === 'connected') {
          const d = devices.get(e.productKey, e.deviceName);
          if (d !== undefined && d.online) forceLogout(ctx, d, 427, 'device connect in elsewhere');
        }
        emit(e);
      },
      now,
    },
    options.limits,
  );

  const closers: (() => void)[] = [];
  const tcp = net.createServer((socket) => serveSocket(broker, socket, 'tcp'));
  const port = await listen(tcp, host, options.port ?? 0);
  closers.push(() => tcp.close());

  let tlsPort: number | undefined;
  let wssPort: number | undefined;
  const generated = options.tls === true ? generateCertificates({ hosts: [host, 'localhost'] }) : undefined;
  const certs: EmulatorTls | undefined = options.tls === true ? generated : options.tls;
  if (generated !== undefined && options.caFile !== undefined) writeFileSync(options.caFile, generated.ca);
  const tlsContext = certs === undefined ? undefined : {
    key: certs.key, cert: certs.cert, ...(certs.ca === undefined ? {} : { ca: certs.ca }),
    // X.509 devices present a client certificate signed by the CA; others need none.
    requestCert: certs.ca !== undefined, rejectUnauthorized: false, minVersion: 'TLSv1.2' as const,
  };
  if (tlsContext !== undefined) {
    const server = tls.createServer(tlsContext, (socket) => serveSocket(broker, socket, 'tls'));
    server.on('tlsClientError', () => undefined);
    tlsPort = await listen(server, host);
    closers.push(() => server.close());
  }

  let wsPort: number | undefined;
  const socketServers: { server: http.Server; wss: WebSocketServer }[] = [];
  if (options.websocket === true) {
    const ws = webSocketServer(broker, 'ws');
    wsPort = await listen(ws.server, host);
    socketServers.push(ws);
    if (tlsContext !== undefined) {
      const wss = webSocketServer(broker, 'wss', tlsContext);
      wss.server.on('tlsClientError', () => undefined);
      wssPort = await listen(wss.server, host);
      socketServers.push(wss);
    }
  }
  for (const s of socketServers) {
    closers.push(() => {
      for (const c of s.wss.clients) c.terminate();
      s.wss.close();
      s.server.close();
      s.server.closeAllConnections();
    });
  }

  let httpPort: number | undefined;
  if (options.http === true) {
    const hs = http.createServer(
      { requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 },
      createHttpAuthHandler({
        devices, products, now, random, timestampWindowMs, iotTokens,
        publish: (device, topic, payload) => {
          const verdict = authorize(device.key, topic);
          if (verdict === 'allow') ingest(device.key, topic, payload);
          return verdict === 'allow' ? 'allow' : 'deny';
        },
        mqttEndpoint: () => ({ host, port }),
        download: (path) => ota.download(path) ?? configFiles.get(path),
      }),
    );
    hs.on('clientError', (_e, socket) => socket.destroy());
    // HTTP peers are short-lived: a bound keeps a socket flood from taking every descriptor.
    hs.maxConnections = 1000;
    httpPort = await listen(hs, host);
    closers.push(() => {
      hs.close();
      hs.closeAllConnections();
    });
  }

  let coapSocket: NodeCoapSocket | undefined;
  if (options.coap !== undefined) {
    let coapMessageId = 1;
    const coapServer = createAliyunCoapServer({
      mode: options.coap,
      lookupSecret: devices.secret,
      random: nodeRandom,
      now,
      onPublish: (p) => {
        ingest(deviceKey(p.productKey, p.deviceName), p.topic, p.payload);
        return String(coapMessageId++);
      },
      canPublish: (pk, dn, topic) => authorize(deviceKey(pk, dn), topic) === 'allow',
    });
    coapSocket = await openCoapSocket({ host, onRequest: (x) => x.respond(coapServer.handle(x.request)) });
  }

  const baseUrl = (): string => {
    if (httpPort === undefined) throw new Error('firmware and configuration files are served over HTTP: start the emulator with http: true');
    return `http://${host}:${httpPort}`;
  };
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
    const done = (r: CloudResult): CloudResult => {
      if (action === 'enable') d.enabled = true;
      else {
        d.enabled = false;
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
    host, port, wsPort, httpPort, tlsPort, wssPort,
    ca: certs?.ca,
    issueDeviceCertificate(pk, dn) {
      if (generated === undefined) throw new Error('device certificates are issued by a generated CA: start the emulator with tls: true');
      return generated.issueDeviceCertificate(pk, dn);
    },
    coapPort: coapSocket?.port,
    get connections() {
      return broker.connections;
    },
    addDevice: (d) => void devices.add(d),
    addProduct: (p) => void products.add(p),
    device(pk, dn) {
      const d = target(pk, dn);
      if (d === undefined) return undefined;
      const gw = d.gateway === undefined ? undefined : devices.byKey(d.gateway);
      return {
        online: reachable(d), activated: d.activated, enabled: d.enabled,
        gateway: gw === undefined ? undefined : { productKey: gw.productKey, deviceName: gw.deviceName },
        subDevices: [...d.subDevices].flatMap((k) => {
          const s = devices.byKey(k);
          return s === undefined ? [] : [{ productKey: s.productKey, deviceName: s.deviceName }];
        }),
        properties: Object.fromEntries(d.properties),
        tags: Object.fromEntries(d.tags),
        firmware: Object.fromEntries(ota.versions(d)),
      };
    },
    shadow: (pk, dn) => shadows.document(pk, dn),
    updateShadow: async (pk, dn, request) => {
      const out = shadows.apply(pk, dn, request, now());
      ctx.send(`/shadow/get/${pk}/${dn}`, out.reply);
      if (out.control !== undefined) ctx.send(`/shadow/get/${pk}/${dn}`, out.control);
    },
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
      const path = `/ota/config/${encodeURIComponent(pk)}/${configId}.json`;
      configFiles.set(path, bytes);
      const config: RemoteConfig = {
        configId, configSize: bytes.length, sign: createHash('sha256').update(bytes).digest('hex'), signMethod: 'Sha256', url: `${baseUrl()}${path}`, getType: 'file',
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
      const path = `/ota/model/${encodeURIComponent(pk)}/${encodeURIComponent(dn)}/${configFiles.size + 1}.json`;
      configFiles.set(path, bytes);
      const id = pending.nextId();
      const topic = sys(d, 'thing/model/config/push');
      // Seed §9.6: the document travels by reference in `data`, not `params`.
      const body = utf8Encode(JSON.stringify({ id, version: '1.0', method: 'thing.model.config.push', data: { digest: createHash('sha256').update(bytes).digest('hex'), digestMethod: 'sha256', url: `${baseUrl()}${path}` } }));
      return pending.alink(`${topic}_reply`, id, () => reachable(d) && ctx.send(topic, body) >= 0, o);
    },
    notifyTopoAdd(pk, dn, subs, o) {
      const d = target(pk, dn);
      return command(d, d === undefined ? '' : sys(d, 'thing/topo/add/notify'), 'thing.topo.add.notify', subs.map((s) => ({ productKey: s.productKey, deviceName: s.deviceName })), o);
    },
    addFirmware: (fw) => ota.addFirmware(fw, baseUrl()),
    pushOta(firmware, list) {
      const upgrade = 'url' in firmware ? firmware : ota.addFirmware(firmware, baseUrl());
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
    close: async () => {
      pending.close();
      broker.close();
      for (const c of closers) c();
      await coapSocket?.close();
    },
  };
}
