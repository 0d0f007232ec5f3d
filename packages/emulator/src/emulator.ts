import http from 'node:http';
import net from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { parseMqttClientId, verifyMqttCredentials, verifyMqttTokenCredentials } from '@linkwire/sign';
import { createDeviceRegistry, ownsTopic, type EmulatorDevice } from './devices.ts';
import { propertyPostReply } from './property.ts';
import { createHttpAuthHandler, type EmulatorProduct } from './http.ts';
import { createAliyunCoapServer } from '@linkwire/coap';
import { nodeRandom, openCoapSocket, type NodeCoapSocket } from '@linkwire/node';
import { createShadowService } from './shadow.ts';
import { booleanOption, enumOption, functionOption, integerOption, OptionError, optionsRecord, stringOption } from '@linkwire/base';
import type { ShadowDocument, ShadowRequest } from '@linkwire/shadow';

export type EmulatorEvent =
  | { readonly type: 'connected'; readonly productKey: string; readonly deviceName: string; readonly clientId: string }
  | { readonly type: 'refused'; readonly clientId: string; readonly reason: string }
  | { readonly type: 'denied'; readonly clientId: string; readonly topic: string; readonly action: 'publish' | 'subscribe' }
  | { readonly type: 'request'; readonly topic: string; readonly payload: string }
  | { readonly type: 'reply'; readonly topic: string; readonly payload: string };

export interface EmulatorOptions {
  readonly devices?: readonly EmulatorDevice[];
  /** Loopback by default: the emulator is for tests and local development. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly onEvent?: (event: EmulatorEvent) => void;
  /** Also accept MQTT over WebSocket (subprotocol `mqtt`), as browsers and Deno connect. */
  readonly websocket?: boolean;
  /** Products whose secret signs dynamic registration (`/auth/register/device`). */
  readonly products?: readonly EmulatorProduct[];
  /** Also serve the HTTPS endpoints (registration, `/auth/devicename`, `/auth`, `/topic/…`) over HTTP. */
  readonly http?: boolean;
  /**
   * Also accept Alibaba CoAP (seed §3.3) on a UDP port: `'aes'` is the symmetric mode of port
   * 5682; `'dtls'` checks the same auth and publish flows and expects the transport to be secured
   * by the caller (Node has no DTLS, so the emulator's socket itself is plain UDP).
   */
  readonly coap?: 'aes' | 'dtls';
  /** The platform's clock in milliseconds (shadow timestamps, token windows); default Date.now. */
  readonly now?: () => number;
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
  addDevice(device: EmulatorDevice): void;
  /** A copy of a device's shadow document. */
  shadow(productKey: string, deviceName: string): ShadowDocument;
  /**
   * A write by an application (the console or the cloud API): applied to the shadow, and the
   * reply and any `control` push are published to the device on `/shadow/get/{pk}/{dn}`.
   */
  updateShadow(productKey: string, deviceName: string, request: ShadowRequest): Promise<void>;
  close(): Promise<void>;
}

interface Identity {
  readonly productKey: string;
  readonly deviceName: string;
}

const PROPERTY_POST = '/sys/+/+/thing/event/property/post';
const SHADOW_UPDATE = '/shadow/update/+/+';

/**
 * A local Link-style IoT platform on an embedded aedes broker. CONNECT is authenticated by
 * recomputing the device's signature from the secret the emulator holds (a wrong one gets
 * CONNACK 4, "bad username or password"); a device may only publish and subscribe under its
 * own topics; property posts are answered on `…/property/post_reply` as the seed describes.
 *
 * @example
 * const platform = await startEmulator({ devices: [{ productKey, deviceName, deviceSecret }] });
 * // connect a device to platform.host:platform.port …
 * await platform.close();
 */
// Options checked before any socket opens (OptionError names a wrong one).
function checkEmulatorOptions(options: unknown): void {
  const o = optionsRecord('options', options);
  stringOption('host', o['host']);
  integerOption('port', o['port'], 0, 0, 65535);
  functionOption('onEvent', o['onEvent']);
  functionOption('now', o['now']);
  booleanOption('websocket', o['websocket'], false);
  booleanOption('http', o['http'], false);
  enumOption('coap', o['coap'], ['aes', 'dtls'] as const);
  const products = o['products'];
  if (products !== undefined && (!Array.isArray(products) || products.some((p: unknown) => typeof p !== 'object' || p === null || typeof (p as EmulatorProduct).productKey !== 'string' || typeof (p as EmulatorProduct).productSecret !== 'string'))) {
    throw new OptionError('products', 'a list of {productKey, productSecret} strings', products);
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  checkEmulatorOptions(options);
  const registry = createDeviceRegistry(options.devices);
  const identities = new WeakMap<Client, Identity>();
  const emit = (e: EmulatorEvent): void => options.onEvent?.(e);
  const now = options.now ?? Date.now;
  const shadows = createShadowService();
  const iotTokens = new Map<string, { readonly productKey: string; readonly deviceName: string; readonly iotToken: string }>();
  const productSecrets = new Map((options.products ?? []).map((p) => [p.productKey, p.productSecret]));

  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const user = username ?? '';
      const pass = password?.toString('utf8') ?? '';
      // After /auth/devicename a device connects with a plain clientId, username iotId and password iotToken.
      if (parseMqttClientId(client.id) === undefined && !user.includes('&')) {
        const t = verifyMqttTokenCredentials(client.id, user, pass, (iotId) => iotTokens.get(iotId)?.iotToken);
        const who = t.ok ? iotTokens.get(t.iotId) : undefined;
        if (who === undefined) {
          emit({ type: 'refused', clientId: client.id, reason: t.ok ? 'unknown iotId' : t.reason });
          return done(Object.assign(new Error('bad username or password'), { returnCode: 4 }) as AuthenticateError, null);
        }
        identities.set(client, { productKey: who.productKey, deviceName: who.deviceName });
        emit({ type: 'connected', productKey: who.productKey, deviceName: who.deviceName, clientId: client.id });
        return done(null, true);
      }
      const result = verifyMqttCredentials(client.id, user, pass, registry.secret);
      if (!result.ok) {
        emit({ type: 'refused', clientId: client.id, reason: result.reason });
        const err = Object.assign(new Error(`bad username or password: ${result.reason}`), { returnCode: 4 }) as AuthenticateError;
        return done(err, null);
      }
      identities.set(client, { productKey: result.productKey, deviceName: result.deviceName });
      emit({ type: 'connected', productKey: result.productKey, deviceName: result.deviceName, clientId: result.clientId });
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const who = client === null ? undefined : identities.get(client);
      if (client !== null && (who === undefined || !ownsTopic(who.productKey, who.deviceName, packet.topic))) {
        emit({ type: 'denied', clientId: client.id, topic: packet.topic, action: 'publish' });
        return done(new Error('topic not authorized'));
      }
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const who = identities.get(client);
      if (who === undefined || !ownsTopic(who.productKey, who.deviceName, sub.topic)) {
        emit({ type: 'denied', clientId: client.id, topic: sub.topic, action: 'subscribe' });
        return done(null, null);
      }
      done(null, sub);
    },
  });

  // Every message the platform itself publishes goes through here.
  const toBroker = (topic: string, payload: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false }, (e) => (e ? reject(e) : resolve())),
    );
  const reply = (topic: string, payload: Uint8Array): Promise<void> => {
    emit({ type: 'reply', topic, payload: Buffer.from(payload).toString('utf8') });
    return toBroker(topic, payload);
  };
  // A platform responder: the request is reported, handed over as bytes, and acknowledged to
  // the broker once the responder's own publishes are done.
  const respondOn = (filter: string, respond: (topic: string, payload: Uint8Array) => Promise<void>): Promise<void> =>
    new Promise((resolve) =>
      broker.subscribe(
        filter,
        (packet, cb) => {
          const payload = packet.payload as Buffer;
          emit({ type: 'request', topic: packet.topic, payload: payload.toString('utf8') });
          respond(packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)).then(() => cb(), () => cb());
        },
        resolve,
      ),
    );
  const publishShadow = async (pk: string, dn: string, out: { reply: Uint8Array; control?: Uint8Array }): Promise<void> => {
    await reply(`/shadow/get/${pk}/${dn}`, out.reply);
    if (out.control !== undefined) await reply(`/shadow/get/${pk}/${dn}`, out.control);
  };

  await respondOn(PROPERTY_POST, (topic, payload) => reply(`${topic}_reply`, propertyPostReply(payload)));
  await respondOn(SHADOW_UPDATE, (topic, payload) => {
    const [, , , pk, dn] = topic.split('/');
    return publishShadow(pk!, dn!, shadows.apply(pk!, dn!, payload, now()));
  });

  const server = net.createServer((socket) => broker.handle(socket));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  let coapSocket: NodeCoapSocket | undefined;
  if (options.coap !== undefined) {
    const coapServer = createAliyunCoapServer({
      mode: options.coap,
      lookupSecret: registry.secret,
      random: nodeRandom,
      now,
      onPublish: (p) => {
        emit({ type: 'request', topic: p.topic, payload: Buffer.from(p.payload).toString('utf8') });
        toBroker(p.topic, p.payload).catch(() => undefined);
        return String(coapMessageId++);
      },
      canPublish: (pk, dn, topic) => ownsTopic(pk, dn, topic),
    });
    let coapMessageId = 1;
    coapSocket = await openCoapSocket({ host, onRequest: (x) => x.respond(coapServer.handle(x.request)) });
  }

  let httpAuthServer: http.Server | undefined;
  let httpPort: number | undefined;
  if (options.http === true) {
    const hs = (httpAuthServer = http.createServer(
      createHttpAuthHandler({
        registry, productSecret: (pk) => productSecrets.get(pk), now, iotTokens,
        publish: toBroker,
        mqttEndpoint: () => ({ host, port }),
      }),
    ));
    await new Promise<void>((resolve, reject) => {
      hs.once('error', reject);
      hs.listen(0, host, () => resolve());
    });
    httpPort = (hs.address() as net.AddressInfo).port;
  }

  let httpServer: http.Server | undefined;
  let wss: WebSocketServer | undefined;
  let wsPort: number | undefined;
  if (options.websocket === true) {
    httpServer = http.createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
    wss = new WebSocketServer({ server: httpServer, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (socket) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', () => socket.terminate());
      broker.handle(stream);
    });
    const hs = httpServer;
    await new Promise<void>((resolve, reject) => {
      hs.once('error', reject);
      hs.listen(0, host, () => resolve());
    });
    wsPort = (hs.address() as net.AddressInfo).port;
  }

  return {
    host,
    port,
    wsPort,
    httpPort,
    coapPort: coapSocket?.port,
    addDevice: (d) => registry.add(d),
    shadow: (pk, dn) => shadows.document(pk, dn),
    updateShadow: (pk, dn, request) => publishShadow(pk, dn, shadows.apply(pk, dn, request, now())),
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        for (const c of wss?.clients ?? []) c.terminate();
        wss?.close();
        httpServer?.close();
        httpAuthServer?.close();
        httpAuthServer?.closeAllConnections();
        void coapSocket?.close();
        broker.close(() => resolve());
      }),
  };
}
