import { writeFileSync } from 'node:fs';
import { checkEmulatorOptions } from './options.ts';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { WebSocketServer } from 'ws';
import { OptionError, optionsRecord, stringOption, toHex } from '@linkwire/base';
import { createAliyunCoapServer } from '@linkwire/coap';
import { nodeRandom, openCoapSocket, type NodeCoapSocket } from '@linkwire/node';
import type { ShadowDocument, ShadowRequest } from '@linkwire/shadow';
import { canPublish, ownerOf, topicAccess, type Principal } from './acl.ts';
import { authenticateConnect, type IssuedToken } from './auth.ts';
import { createBroker, type Broker, type BrokerEvent, type BrokerHooks, type BrokerLimits } from './broker.ts';
import { createPendingCommands } from './cloud.ts';
import type { PlatformContext, RemoteConfig, Upstream } from './context.ts';
import { createDeviceRegistry, deviceKey, type DeviceRecord, type EmulatorDevice } from './devices.ts';
import { dispatchUpstream, payloadText } from './dispatch.ts';
import { MAX_HELD_PER_SUBDEVICE, forceLogout } from './gateway.ts';
import { createHttpAuthHandler, type HttpToken } from './http.ts';
import { createFaults, type FaultAction, type FaultTable } from './faults.ts';
import { listen, serveSocket, webSocketServer } from './listeners.ts';
import { createOtaService } from './ota.ts';
import { createProductRegistry, type EmulatorProduct } from './products.ts';
import { replyBytes } from './replies.ts';
import { createShadowService } from './shadow.ts';
import { createCloudCommands, type CloudCommands } from './commands.ts';
import { generateCertificates } from './certs.ts';
import { createEnosService, type EnosOptions, type EnosPlatformApi } from './enos/service.ts';
import { openPersistence } from './persistence.ts';
import type { PlatformStore } from './store.ts';
import { joinCluster, sharedPending, type Cluster, type ClusterOptions } from './cluster.ts';
import { createMessageLog } from './admin/log.ts';
import { recordEvent } from './admin/record.ts';
import { startAdminServer, type AdminOptions, type AdminServer } from './admin/server.ts';

export type EmulatorEvent =
  | BrokerEvent
  | { readonly type: 'request'; readonly topic: string; readonly payload: string; readonly productKey: string; readonly deviceName: string }
  | { readonly type: 'reply'; readonly topic: string; readonly payload: string }
  | { readonly type: 'invalid'; readonly topic: string; readonly reason: string }
  /** A fault (`faults.add`) changed how the platform answers this request: not at all, with its chosen reply, or its own answer rerouted (later, elsewhere). */
  | { readonly type: 'fault'; readonly id: string; readonly action: 'silent' | 'reply' | 'reroute'; readonly topic: string; readonly productKey: string; readonly deviceName: string }
  /** A background write to the state store failed; the next interval tries again. */
  | { readonly type: 'store_error'; readonly code: string; readonly message: string };

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
  /** EnOS products and devices on the same listeners (EnOS logins, topics and codes), and the EnOS API gateway over `http`. */
  readonly enos?: EnosOptions;
  /**
   * Keeps devices (with secrets issued by registration), shadows and OTA jobs across restarts:
   * read at start (a damaged store rejects with a `PlatformStoreError`), written behind every
   * second and on `close()` (see persistence.ts). `directoryStore(dir)` or your own.
   */
  readonly store?: PlatformStore;
  /**
   * Cluster mode: several emulator processes on this Redis (`redis://host:port`, or with a key
   * prefix and sync interval) act as one platform — a device on any process is reached from any
   * other, and devices, issued secrets, shadows and OTA jobs are shared (see cluster.ts).
   */
  readonly redis?: string | ClusterOptions;
  /**
   * Also serve the admin HTTP API (`/api/…`) and the web console (`/`) on one HTTP listener,
   * 127.0.0.1 by default; `true` for the defaults, `false` (or absent) for none. See `adminUrl`.
   */
  readonly admin?: AdminOptions | boolean;
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

export interface Emulator extends CloudCommands {
  readonly host: string;
  readonly port: number;
  /** The WebSocket port when `websocket` was requested: `ws://{host}:{wsPort}/mqtt`. */
  readonly wsPort: number | undefined;
  /** The HTTP port when `http` was requested: `http://{host}:{httpPort}/auth` and so on. */
  readonly httpPort: number | undefined;
  /** The HTTPS port when `http` and `tls` were given: the same endpoints over TLS. */
  readonly httpsPort: number | undefined;
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
  /** The web console when `admin` was given (`http://127.0.0.1:{port}/`); the admin API is under `api/`. */
  readonly adminUrl: string | undefined;
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
  /** The EnOS cloud side, when `enos` was given. */
  readonly enos: EnosPlatformApi | undefined;
  /** With a `store` or `redis`: writes every change made so far (otherwise resolves at once). */
  flushState(): Promise<void>;
  /**
   * Fault injection for testing device code: how the platform answers a device's own requests
   * (a chosen code, silence, a delay, another reply topic), and tokens expired on demand. Per
   * process in cluster mode. Also `/api/faults` on the admin listener.
   */
  readonly faults: EmulatorFaults;

  close(): Promise<void>;
}

/** Replies held back by `delayMs` faults at once; beyond it they go at once (with an `invalid` event). */
export const MAX_DELAYED_REPLIES = 10_000;

/** The emulator's faults: the table (see faults.ts) and the tokens it can expire. */
export interface EmulatorFaults extends Omit<FaultTable, 'match'> {
  /**
   * Expires, now, the HTTPS transport tokens (the next `/topic/…` is answered 20001, token is
   * expired) and the MQTT-over-HTTPS iotTokens (the next CONNECT with one is refused, CONNACK 4)
   * of one device, of a product's devices, or of every device. Returns how many it expired.
   */
  expireTokens(device?: { readonly productKey: string; readonly deviceName?: string }): number;
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
  checkEmulatorOptions(options);
  const devices = createDeviceRegistry(options.devices);
  const products = createProductRegistry(options.products);
  // The console's message log, when the admin listener is asked for.
  const adminLog = options.admin === undefined || options.admin === false ? undefined : createMessageLog();
  // Events cost a payload decode each: made only when someone listens.
  const observing = options.onEvent !== undefined || adminLog !== undefined;
  const emit = (e: EmulatorEvent): void => {
    if (adminLog !== undefined) recordEvent(adminLog, devices, e, now());
    try {
      options.onEvent?.(e);
    } catch {
      // An observer's failure is not the platform's.
    }
  };
  const now = options.now ?? Date.now;
  const random = nodeRandom;
  const timestampWindowMs = options.timestampWindowMs ?? 15 * 60 * 1000;
  const iotTokens = new Map<string, IssuedToken>();
  const httpTokens = new Map<string, HttpToken>();
  const faultTable = createFaults();
  // Delayed replies of faults: cancelled on close, so a closed emulator leaves no timer behind;
  // bounded, so devices flooding requests while a delay is in force cannot grow the process.
  const delayed = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void): void => {
    if (delayed.size >= MAX_DELAYED_REPLIES) {
      emit({ type: 'invalid', topic: '', reason: `more than ${MAX_DELAYED_REPLIES} replies delayed by faults: this one sent at once` });
      return fn();
    }
    const t = setTimeout(() => {
      delayed.delete(t);
      fn();
    }, ms);
    delayed.add(t);
  };
  const shadows = createShadowService();
  let cluster: Cluster | undefined;
  let clusterBroker: Broker | undefined;
  // In cluster mode a device's reply may settle a command another process sent.
  const pending = sharedPending(createPendingCommands(), () => cluster);
  const unguessable = (): string => toHex(nodeRandom(16));
  const ota = createOtaService(unguessable);
  const persistence = options.store === undefined ? undefined : await openPersistence(options.store, { devices, shadows, ota, configured: options.devices ?? [] }, {
    onError: (e) => emit({ type: 'store_error', code: e.code, message: e.message }),
  });
  const configs = new Map<string, RemoteConfig>();
  // Configuration and model documents served over HTTP, by path.
  const files = new Map<string, Uint8Array>();
  let httpPort: number | undefined;
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
    connectedAnywhere(d.gateway !== undefined && d.online ? d.gateway : d.key);
  const connectedAnywhere = (key: string): boolean => broker.isOnline(key) || cluster?.remoteNode(key) !== undefined;

  const ctx: PlatformContext = {
    devices, products, shadows, pending, ota, now, random, timestampWindowMs, configs,
    get broker() {
      return clusterBroker ?? broker;
    },
    send(topic, payload) {
      if (observing) emit({ type: 'reply', topic, payload: payloadText(payload) });
      const taken = broker.deliver(topic, payload, 1);
      if (taken > 0) return taken;
      // In cluster mode, to the process the device (or its gateway) is connected to.
      const target = cluster === undefined ? undefined : ownerOf(topic);
      if (target !== undefined && cluster!.forward(target, topic, payload) > 0) return 1;
      // A sub-device offline with a persistent session keeps it for its next login (seed §9.4).
      const owner = ownerOf(topic);
      const sub = owner === undefined ? undefined : devices.byKey(owner);
      if (sub?.held === undefined || sub.online) return 0;
      if (sub.held.length >= MAX_HELD_PER_SUBDEVICE) {
        emit({ type: 'dropped', productKey: sub.productKey, deviceName: sub.deviceName, topic, reason: `more than ${MAX_HELD_PER_SUBDEVICE} messages held for an offline sub-device` });
        return 0;
      }
      sub.held.push({ topic, payload });
      return 1;
    },
    emit,
    reachable,
    files,
    unguessable,
    baseUrl() {
      if (httpPort === undefined) throw new Error('firmware and configuration files are served over HTTP: start the emulator with http: true');
      return `http://${host}:${httpPort}`;
    },
  };

  const observe = (up: Upstream): void => void (observing && emit({ type: 'request', topic: up.topic, payload: payloadText(up.payload), productKey: up.owner.productKey, deviceName: up.owner.deviceName }));
  const onFault = (f: FaultAction, up: Upstream): void => emit({ type: 'fault', id: f.id, action: f.kind, topic: up.topic, productKey: up.owner.productKey, deviceName: up.owner.deviceName });
  const dispatchHooks = { observe, faults: faultTable, later, onFault, ...(options.rawReply === undefined ? {} : { rawReply: options.rawReply }) };
  const ingest = (key: string, topic: string, payload: Uint8Array): void => {
    const from = devices.byKey(key);
    if (from !== undefined) dispatchUpstream(ctx, dispatchHooks, from, topic, payload);
  };

  const enos = options.enos === undefined ? undefined : createEnosService(options.enos, { now, broker: () => broker, timestampWindowMs, requireTimestamp: options.requireTimestamp ?? false });
  const withEnos = (hooks: BrokerHooks): BrokerHooks => enos?.hooks(hooks) ?? hooks;
  const authDeps = { devices, products, iotTokens, now, random, timestampWindowMs, requireTimestamp: options.requireTimestamp ?? false };
  const broker = createBroker(
    // EnOS logins, topics and responders sit in front of the Alibaba hooks when `enos` is given.
    withEnos({
      authenticate: (p, link) => authenticateConnect(authDeps, p, link),
      principal,
      authorizePublish: authorize,
      onMessage: ingest,
      onEvent: (e) => {
        // A sub-device connecting directly while logged in through a gateway takes over (seed §6, 427).
        if (e.type === 'connected') cluster?.connected(deviceKey(e.productKey, e.deviceName));
        if (e.type === 'disconnected') cluster?.disconnected(deviceKey(e.productKey, e.deviceName));
        if (e.type === 'connected') {
          const d = devices.get(e.productKey, e.deviceName);
          if (d !== undefined && d.online) forceLogout(ctx, d, 427, 'device connect in elsewhere');
        }
        emit(e);
      },
      now,
    }),
    options.limits,
  );
  if (options.redis !== undefined) {
    try {
      cluster = await joinCluster(typeof options.redis === 'string' ? { url: options.redis } : options.redis, {
        devices, shadows, ota, random,
        deliverLocal: (topic, payload) => broker.deliver(topic, payload, 1),
        isLocal: (key) => broker.isOnline(key),
        kick: (key, reason, forget) => broker.kick(key, reason, forget),
        settleLocal: (topic, id, payload) => pending.settleHere(topic, id, payload),
        onError: (message) => emit({ type: 'store_error', code: 'io', message }),
      });
    } catch (e) {
      // Not started: the state store (and a directory's lock) is released.
      broker.close();
      await persistence?.close().catch(() => undefined);
      throw e;
    }
    ctx.sharedShadow = (pk, dn, request, at) => cluster!.applyShadow(pk, dn, request, at);
    // Responders and commands end connections on whichever process holds them.
    const c = cluster;
    clusterBroker = {
      accept: (link) => broker.accept(link),
      deliver: (topic, payload, qos) => broker.deliver(topic, payload, qos),
      isOnline: (key) => broker.isOnline(key),
      kick(key, reason, forget) {
        broker.kick(key, reason, forget);
        c.kickRemote(key, reason, forget ?? false);
      },
      get connections() {
        return broker.connections;
      },
      close: () => broker.close(),
    };
  }

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
    // A handshake that does not finish is a stranger holding a socket: 10 s, as for CONNECT.
    handshakeTimeout: 10_000,
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

  let httpsPort: number | undefined;
  if (options.http === true) {
    // One handler for HTTP and HTTPS: tokens issued over one are good over the other.
    const alibabaHandler = createHttpAuthHandler({
      devices, products, now, random, timestampWindowMs, iotTokens, httpTokens,
      publish: (device, topic, payload) => {
        const verdict = authorize(device.key, topic);
        if (verdict === 'allow') ingest(device.key, topic, payload);
        return verdict === 'allow' ? 'allow' : 'deny';
      },
      // Seed §3.1: after HTTPS auth the device connects over TLS, when the emulator has it.
      mqttEndpoint: () => ({ host, port: tlsPort ?? port }),
      download: (path) => ota.download(path) ?? files.get(path),
    });
    const handler = enos?.http(alibabaHandler) ?? alibabaHandler;
    const limitsOf = { requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 };
    const servers: http.Server[] = [http.createServer(limitsOf, handler)];
    if (tlsContext !== undefined) servers.push(https.createServer({ ...limitsOf, key: tlsContext.key, cert: tlsContext.cert }, handler));
    for (const hs of servers) {
      hs.on('clientError', (_e, socket) => socket.destroy());
      hs.on('tlsClientError', () => undefined);
      // HTTP peers are short-lived: a bound keeps a socket flood from taking every descriptor.
      hs.maxConnections = 1000;
      closers.push(() => {
        hs.close();
        hs.closeAllConnections();
      });
    }
    httpPort = await listen(servers[0]!, host);
    if (servers[1] !== undefined) httpsPort = await listen(servers[1], host);
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


  persistence?.restoreJobs(httpPort === undefined ? undefined : ctx.baseUrl());
  const commands = createCloudCommands(ctx);
  const target = (pk: string, dn: string): DeviceRecord | undefined => devices.get(pk, dn);

  let admin: AdminServer | undefined;
  const emulator: Emulator = {
    host, port, wsPort, httpPort, httpsPort, tlsPort, wssPort,
    ca: certs?.ca,
    issueDeviceCertificate(pk, dn) {
      if (generated === undefined) throw new Error('device certificates are issued by a generated CA: start the emulator with tls: true');
      return generated.issueDeviceCertificate(pk, dn);
    },
    coapPort: coapSocket?.port,
    get connections() {
      return broker.connections;
    },
    get adminUrl() {
      return admin?.url;
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
      const out = cluster === undefined ? shadows.apply(pk, dn, request, now()) : await cluster.applyShadow(pk, dn, request, now());
      ctx.send(`/shadow/get/${pk}/${dn}`, out.reply);
      if (out.control !== undefined) ctx.send(`/shadow/get/${pk}/${dn}`, out.control);
    },
    ...commands,
    enos: enos?.api,
    faults: {
      get size() {
        return faultTable.size;
      },
      add: (spec) => faultTable.add(spec),
      list: () => faultTable.list(),
      remove: (id) => faultTable.remove(id),
      clear: () => faultTable.clear(),
      expireTokens(device) {
        const o = optionsRecord('expireTokens device', device);
        const pk = stringOption('productKey', o['productKey']);
        const dn = stringOption('deviceName', o['deviceName']);
        if (dn !== undefined && pk === undefined) throw new OptionError('productKey', 'a string when deviceName is given', pk);
        const at = now();
        const hit = (p: string, d: string): boolean => (pk === undefined || p === pk) && (dn === undefined || d === dn);
        let n = 0;
        for (const t of httpTokens.values()) {
          if (t.expires > at && hit(t.device.productKey, t.device.deviceName)) {
            t.expires = at;
            n++;
          }
        }
        for (const [id, t] of iotTokens) {
          if (t.expires > at && hit(t.productKey, t.deviceName)) {
            iotTokens.set(id, { ...t, expires: at });
            n++;
          }
        }
        return n;
      },
    },
    flushState: async () => {
      await persistence?.flush();
      await cluster?.sync();
    },
    close: async () => {
      enos?.close();
      for (const t of delayed) clearTimeout(t);
      delayed.clear();
      pending.close();
      broker.close();
      await cluster?.close();
      for (const c of closers) c();
      await coapSocket?.close();
      await admin?.close();
      await persistence?.close();
    },
  };
  if (adminLog !== undefined) {
    try {
      admin = await startAdminServer({ emulator, ctx, log: adminLog }, typeof options.admin === 'object' ? options.admin : {});
    } catch (e) {
      await emulator.close();
      throw e;
    }
  }
  return emulator;
}
