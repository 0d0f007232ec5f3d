import type http from 'node:http';
import { OptionError } from '@linkwire/base';
import { isValidTopicFilter } from '@linkwire/mqtt';
import { parseShadowMessage, type ShadowDocument } from '@linkwire/shadow';
import type { CloudResult } from '../cloud.ts';
import type { PlatformContext } from '../context.ts';
import { identityProblem, type DeviceRecord } from '../devices.ts';
import type { Emulator } from '../emulator.ts';
import type { Fault } from '../faults.ts';
import type { FirmwareOffer, OtaJob } from '../ota.ts';
import { AdminError, MAX_FIRMWARE_BODY, field, queryInteger, readBody, readJsonObject, sendJson } from './http.ts';
import type { MessageLog } from './log.ts';

/** What the API reads and drives: the public emulator plus the registries it does not expose. */
export interface AdminPlatform {
  readonly emulator: Emulator;
  readonly ctx: PlatformContext;
  readonly log: MessageLog;
}

/** Largest wait for a device's reply a caller may ask for (`timeoutMs`). */
export const MAX_CALL_TIMEOUT_MS = 60_000;
/** Largest page of the message log. */
export const MAX_PAGE = 1000;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, params: readonly string[], query: URLSearchParams) => Promise<void> | void;
interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Handler>>;
}

const NAME = '([^/]+)';

/** The admin API's routes under `/api/`; returns the request handler for one of them, or throws the typed refusal. */
export function createAdminApi(platform: AdminPlatform): (req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams) => Promise<void> {
  const { emulator, ctx, log } = platform;
  const firmware: FirmwareOffer[] = [];

  const deviceOf = (pk: string, dn: string): DeviceRecord => {
    const d = ctx.devices.get(pk, dn);
    if (d === undefined) throw new AdminError(404, 'not_found', `no device ${pk}/${dn}`);
    return d;
  };
  const summary = (d: DeviceRecord) => {
    const gw = d.gateway === undefined ? undefined : ctx.devices.byKey(d.gateway);
    return {
      productKey: d.productKey, deviceName: d.deviceName, online: ctx.reachable(d), activated: d.activated, enabled: d.enabled,
      hasSecret: d.secret !== undefined,
      gateway: gw === undefined ? null : { productKey: gw.productKey, deviceName: gw.deviceName },
      subDevices: d.subDevices.size,
    };
  };
  const details = (d: DeviceRecord) => {
    const status = emulator.device(d.productKey, d.deviceName)!;
    const model = ctx.products.get(d.productKey)?.tsl?.model;
    // Property values named from the product's model, in the model's order, then any the model lacks.
    const named = new Map(model?.properties.map((p) => [p.identifier, p]) ?? []);
    const properties = Object.entries(status.properties).map(([identifier, v]) => ({
      identifier, name: named.get(identifier)?.name ?? null, value: v.value, time: v.time,
    }));
    return {
      ...summary(d), subDevices: status.subDevices, properties, tags: status.tags, firmware: status.firmware,
      shadow: emulator.shadow(d.productKey, d.deviceName),
    };
  };
  const productSummary = (pk: string) => {
    const p = ctx.products.get(pk)!;
    let count = 0;
    for (const d of ctx.devices.values()) if (d.productKey === pk) count++;
    return { productKey: pk, dynamicRegistration: p.dynamicRegistration, registerUnknownDevices: p.registerUnknownDevices, hasModel: p.tsl !== undefined, devices: count };
  };

  /** A command's outcome as HTTP: 200 with the reply, or the typed refusal. */
  const answer = (res: http.ServerResponse, r: CloudResult): void => {
    if (r.status === 'replied') return sendJson(res, 200, r);
    if (r.status === 'offline') throw new AdminError(409, 'device_offline', 'the device (or its gateway) is not connected, or the sub-device is not logged in');
    if (r.status === 'timeout') throw new AdminError(504, 'timeout', 'the device did not reply in time', { id: r.id });
    throw new AdminError(422, 'invalid_params', r.message, { alinkCode: r.code, issues: r.issues });
  };
  const callOptions = (body: Record<string, unknown>) => {
    const timeoutMs = field.integer(body as never, 'timeoutMs', 1, MAX_CALL_TIMEOUT_MS);
    return timeoutMs === undefined ? {} : { timeoutMs };
  };
  const jobView = (j: OtaJob) => ({
    jobId: j.jobId, upgrade: j.upgrade,
    devices: [...j.devices].map(([key, state]) => {
      const [productKey, deviceName] = key.split('&') as [string, string];
      return { productKey, deviceName, ...state };
    }),
  });
  const faultOf = (id: string): Fault => {
    const f = emulator.faults.list().find((x) => x.id === id);
    if (f === undefined) throw new AdminError(404, 'not_found', `no fault ${id}`);
    return f;
  };
  const needHttp = (): void => {
    if (emulator.httpPort === undefined) throw new AdminError(409, 'unavailable', 'firmware is served by the HTTP listener: start the emulator with http: true (--http)');
  };

  const routes: Route[] = [
    { pattern: /^\/api\/?$/, methods: {
      GET: (_q, res) => sendJson(res, 200, {
        endpoints: {
          mqtt: `mqtt://${emulator.host}:${emulator.port}`,
          ...(emulator.tlsPort === undefined ? {} : { mqtts: `mqtts://${emulator.host}:${emulator.tlsPort}` }),
          ...(emulator.wsPort === undefined ? {} : { ws: `ws://${emulator.host}:${emulator.wsPort}/mqtt` }),
          ...(emulator.wssPort === undefined ? {} : { wss: `wss://${emulator.host}:${emulator.wssPort}/mqtt` }),
          ...(emulator.httpPort === undefined ? {} : { http: `http://${emulator.host}:${emulator.httpPort}` }),
          ...(emulator.httpsPort === undefined ? {} : { https: `https://${emulator.host}:${emulator.httpsPort}` }),
          ...(emulator.coapPort === undefined ? {} : { coap: `coap://${emulator.host}:${emulator.coapPort}` }),
        },
        connections: emulator.connections, devices: ctx.devices.size, messages: log.size,
      }),
    } },
    { pattern: /^\/api\/products$/, methods: {
      GET: (_q, res) => sendJson(res, 200, { products: [...ctx.products.values()].map((p) => productSummary(p.productKey)) }),
    } },
    { pattern: new RegExp(`^/api/products/${NAME}$`), methods: {
      GET: (_q, res, [pk]) => {
        const p = ctx.products.get(pk!);
        if (p === undefined) throw new AdminError(404, 'not_found', `no product ${pk}`);
        sendJson(res, 200, { ...productSummary(pk!), tsl: p.tslDocument ?? null });
      },
    } },
    { pattern: /^\/api\/devices$/, methods: {
      GET: (_q, res, _p, query) => {
        const pk = query.get('productKey');
        const list = [...ctx.devices.values()].filter((d) => pk === null || d.productKey === pk).map(summary);
        sendJson(res, 200, { devices: list });
      },
      POST: async (req, res) => {
        const body = await readJsonObject(req);
        const productKey = field.text(body, 'productKey', true)!;
        const deviceName = field.text(body, 'deviceName', true)!;
        const deviceSecret = field.text(body, 'deviceSecret', false);
        const problem = identityProblem(productKey, deviceName);
        if (problem !== undefined) throw new AdminError(400, 'invalid_request', problem);
        if (deviceSecret !== undefined && (deviceSecret.length === 0 || deviceSecret.length > 128)) throw new AdminError(400, 'invalid_request', '"deviceSecret" must be 1 to 128 characters');
        if (ctx.devices.get(productKey, deviceName) !== undefined) throw new AdminError(409, 'conflict', `device ${productKey}/${deviceName} exists`);
        emulator.addDevice({ productKey, deviceName, ...(deviceSecret === undefined ? {} : { deviceSecret }) });
        sendJson(res, 201, details(deviceOf(productKey, deviceName)));
      },
    } },
    { pattern: new RegExp(`^/api/devices/${NAME}/${NAME}$`), methods: {
      GET: (_q, res, [pk, dn]) => sendJson(res, 200, details(deviceOf(pk!, dn!))),
    } },
    { pattern: new RegExp(`^/api/devices/${NAME}/${NAME}/services/${NAME}$`), methods: {
      POST: async (req, res, [pk, dn, service]) => {
        const body = await readJsonObject(req);
        deviceOf(pk!, dn!);
        const sync = field.bool(body, 'sync') ?? false;
        const params = body['params'] ?? {};
        answer(res, await emulator.invokeService(pk!, dn!, service!, params, { ...callOptions(body), sync }));
      },
    } },
    { pattern: new RegExp(`^/api/devices/${NAME}/${NAME}/properties$`), methods: {
      GET: (_q, res, [pk, dn]) => sendJson(res, 200, { properties: details(deviceOf(pk!, dn!)).properties }),
      POST: async (req, res, [pk, dn]) => {
        const body = await readJsonObject(req);
        deviceOf(pk!, dn!);
        const params = field.object(body, 'params', true)!;
        answer(res, await emulator.setProperties(pk!, dn!, params, callOptions(body)));
      },
    } },
    { pattern: new RegExp(`^/api/devices/${NAME}/${NAME}/shadow$`), methods: {
      GET: (_q, res, [pk, dn]) => {
        deviceOf(pk!, dn!);
        sendJson(res, 200, emulator.shadow(pk!, dn!));
      },
      POST: async (req, res, [pk, dn]) => {
        const body = await readJsonObject(req);
        deviceOf(pk!, dn!);
        const desired = body['desired'];
        if (desired === undefined || (desired !== null && (typeof desired !== 'object' || Array.isArray(desired)))) {
          throw new AdminError(400, 'invalid_request', '"desired" must be a JSON object of attributes (null deletes one), or null to clear the section');
        }
        const current: ShadowDocument = emulator.shadow(pk!, dn!);
        const version = field.integer(body, 'version', 1, 2 ** 31 - 1) ?? current.version + 1;
        // The platform's own reducer decides, as for a device's write; its reply is the answer.
        const out = ctx.shadows.apply(pk!, dn!, { method: 'update', state: { desired: desired === null ? 'null' : desired }, version }, ctx.now());
        const reply = parseShadowMessage(out.reply);
        const payload = reply.method === 'reply' ? reply.payload : undefined;
        if (payload?.status === 'error') {
          // The application's refused write is its own answer; the device hears nothing of it.
          const code = payload.content.errorcode;
          throw new AdminError(code === '409' ? 409 : 400, code === '409' ? 'version_conflict' : 'invalid_request', payload.content.errormessage, { shadowCode: Number(code), version: current.version });
        }
        ctx.send(`/shadow/get/${pk}/${dn}`, out.reply);
        if (out.control !== undefined) ctx.send(`/shadow/get/${pk}/${dn}`, out.control);
        sendJson(res, 200, emulator.shadow(pk!, dn!));
      },
    } },
    { pattern: /^\/api\/firmware$/, methods: {
      GET: (_q, res) => sendJson(res, 200, { firmware: firmware.map((f, i) => firmwareView(f, i)) }),
      POST: async (req, res, _p, query) => {
        needHttp();
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        let spec: { version: string; module?: string; digestMethod?: 'md5' | 'sha256'; bytes?: Uint8Array; size?: number };
        if (type === 'application/octet-stream') {
          // The image itself; its description in the query.
          const version = query.get('version');
          if (version === null || version.length === 0 || version.length > 64) throw new AdminError(400, 'invalid_request', 'query "version" (1 to 64 characters) names the image');
          const module = query.get('module') ?? undefined;
          const digest = query.get('digestMethod') ?? 'sha256';
          if (digest !== 'md5' && digest !== 'sha256') throw new AdminError(400, 'invalid_request', 'query "digestMethod" is md5 or sha256');
          const bytes = await readBody(req, MAX_FIRMWARE_BODY);
          if (bytes.length === 0) throw new AdminError(400, 'invalid_request', 'the image is empty');
          spec = { version, bytes, digestMethod: digest, ...(module === undefined ? {} : { module }) };
        } else {
          const body = await readJsonObject(req);
          const version = field.text(body, 'version', true)!;
          if (version.length === 0 || version.length > 64) throw new AdminError(400, 'invalid_request', '"version" must be 1 to 64 characters');
          const module = field.text(body, 'module', false);
          const digest = field.text(body, 'digestMethod', false) ?? 'sha256';
          if (digest !== 'md5' && digest !== 'sha256') throw new AdminError(400, 'invalid_request', '"digestMethod" is md5 or sha256');
          // Without an image one is generated from the version (deterministic bytes of `size`).
          const size = field.integer(body, 'size', 1, MAX_FIRMWARE_BODY) ?? 64 * 1024;
          spec = { version, size, digestMethod: digest, ...(module === undefined ? {} : { module }) };
        }
        if (spec.module !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(spec.module)) throw new AdminError(400, 'invalid_request', 'module must be 1 to 64 of letters, digits, "_", "." and "-"');
        const offer = emulator.addFirmware(spec);
        firmware.push(offer);
        sendJson(res, 201, firmwareView(offer, firmware.length - 1));
      },
    } },
    { pattern: /^\/api\/ota\/jobs$/, methods: {
      GET: (_q, res) => sendJson(res, 200, { jobs: [...ctx.ota.jobs()].map(jobView) }),
      POST: async (req, res) => {
        needHttp();
        const body = await readJsonObject(req);
        const id = field.text(body, 'firmwareId', true)!;
        const offer = firmware[Number(id) - 1];
        if (!/^\d+$/.test(id) || offer === undefined) throw new AdminError(404, 'not_found', `no firmware ${id} (upload it with POST /api/firmware)`);
        const list = body['devices'];
        if (!Array.isArray(list) || list.length === 0 || list.length > 10_000) throw new AdminError(400, 'invalid_request', '"devices" must list 1 to 10000 {productKey, deviceName}');
        const targets = list.map((x, i) => {
          if (typeof x !== 'object' || x === null || Array.isArray(x) || typeof x['productKey'] !== 'string' || typeof x['deviceName'] !== 'string') {
            throw new AdminError(400, 'invalid_request', `devices[${i}] must be {productKey, deviceName}`);
          }
          return deviceOf(x['productKey'], x['deviceName']);
        });
        sendJson(res, 201, jobView(emulator.pushOta(offer, targets.map((d) => ({ productKey: d.productKey, deviceName: d.deviceName })))));
      },
    } },
    { pattern: new RegExp(`^/api/ota/jobs/${NAME}$`), methods: {
      GET: (_q, res, [id]) => {
        const j = emulator.otaJob(id!);
        if (j === undefined) throw new AdminError(404, 'not_found', `no OTA job ${id}`);
        sendJson(res, 200, jobView(j));
      },
    } },
    { pattern: /^\/api\/topology$/, methods: {
      GET: (_q, res) => {
        const gateways = [...ctx.devices.values()].filter((d) => d.subDevices.size > 0).map((g) => ({
          productKey: g.productKey, deviceName: g.deviceName, online: ctx.reachable(g),
          subDevices: [...g.subDevices].flatMap((k) => {
            const s = ctx.devices.byKey(k);
            return s === undefined ? [] : [{ productKey: s.productKey, deviceName: s.deviceName, online: ctx.reachable(s), enabled: s.enabled }];
          }),
        }));
        sendJson(res, 200, { gateways });
      },
    } },
    { pattern: /^\/api\/faults$/, methods: {
      GET: (_q, res) => sendJson(res, 200, { faults: emulator.faults.list().map(faultView) }),
      // The body is the fault itself ({productKey, deviceName?, method?, topic?, reply, times?}).
      POST: async (req, res) => {
        const body = await readJsonObject(req);
        sendJson(res, 201, faultView(asRequest(() => emulator.faults.add(body as never))));
      },
      DELETE: (_q, res) => sendJson(res, 200, { removed: emulator.faults.clear() }),
    } },
    { pattern: new RegExp(`^/api/faults/${NAME}$`), methods: {
      GET: (_q, res, [id]) => sendJson(res, 200, faultView(faultOf(id!))),
      DELETE: (_q, res, [id]) => {
        faultOf(id!).remove();
        res.writeHead(204).end();
      },
    } },
    { pattern: /^\/api\/tokens\/expire$/, methods: {
      // {} for every device, {productKey} for a product's, {productKey, deviceName} for one.
      POST: async (req, res) => {
        const body = await readJsonObject(req);
        const productKey = field.text(body, 'productKey', false);
        const deviceName = field.text(body, 'deviceName', false);
        // A deviceName without its productKey is refused by expireTokens (400).
        const device = { ...(productKey === undefined ? {} : { productKey }), ...(deviceName === undefined ? {} : { deviceName }) } as { productKey: string; deviceName?: string };
        sendJson(res, 200, { expired: asRequest(() => emulator.faults.expireTokens(device)) });
      },
    } },
    { pattern: /^\/api\/messages$/, methods: {
      GET: (_q, res, _p, query) => {
        const filter = messageFilter(query);
        const limit = queryInteger(query, 'limit', 100, 1, MAX_PAGE)!;
        const before = queryInteger(query, 'before', undefined, 1, Number.MAX_SAFE_INTEGER);
        const after = queryInteger(query, 'after', undefined, 0, Number.MAX_SAFE_INTEGER);
        const page = log.query({ ...filter, limit, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) });
        sendJson(res, 200, { messages: page.entries, next: page.next ?? null });
      },
    } },
  ];

  return async (req, res, path, query) => {
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (m === null) continue;
      const method = req.method === 'HEAD' ? 'GET' : req.method ?? 'GET';
      const handler = r.methods[method];
      if (handler === undefined) throw new AdminError(405, 'method_not_allowed', `${req.method} is not allowed here`, { allow: Object.keys(r.methods).join(', ') });
      let params: string[];
      try {
        params = m.slice(1).map((s) => decodeURIComponent(s));
      } catch {
        throw new AdminError(400, 'invalid_request', 'a path segment is not valid percent-encoding');
      }
      return handler(req, res, params, query);
    }
    throw new AdminError(404, 'not_found', `no endpoint ${path}`);
  };
}

/** The device and topic filters of `/api/messages` and `/api/events`. */
export function messageFilter(query: URLSearchParams): { device?: string; topic?: string } {
  const device = query.get('device') ?? undefined;
  const topic = query.get('topic') ?? undefined;
  if (device !== undefined && (device.length === 0 || device.length > 80 || device.split('/').length > 2)) throw new AdminError(400, 'invalid_request', 'query "device" is {productKey}/{deviceName} or a productKey');
  if (topic !== undefined && (topic.length > 1024 || !isValidTopicFilter(topic))) throw new AdminError(400, 'invalid_request', 'query "topic" must be a topic or a valid MQTT topic filter');
  return { ...(device === undefined ? {} : { device }), ...(topic === undefined ? {} : { topic }) };
}

/** A refused option of the emulator's own API as the admin API's typed 400 (the message names the field). */
function asRequest<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionError) throw new AdminError(400, 'invalid_request', e.message);
    throw e;
  }
}

function faultView(f: Fault) {
  return { id: f.id, ...f.spec, hits: f.hits };
}

function firmwareView(f: FirmwareOffer, index: number) {
  const { path: _path, ...rest } = f;
  return { firmwareId: String(index + 1), ...rest };
}
