import { isRecord } from '@linkwire/base';
import {
  verifyCombineBatchLogin, verifyCombineLogin, verifyProxyProvisioning, verifyTopoAddEntry, type VerifiedSubDevice, type VerifyResult,
} from '@linkwire/sign';
import { register } from './auth.ts';
import type { PlatformContext, RequestResponder } from './context.ts';
import { deviceKey, identityProblem, type DeviceRecord } from './devices.ts';
import { replyBytes } from './replies.ts';

/**
 * The gateway's flows (seed §9.2, §9.3, §9.4, §6 and PROTOCOL-NOTES "Sub-device flows"):
 * topology, sub-device registration and proxy provisioning, login and logout, single and batch.
 * A gateway acts for a sub-device only while it is in its topology and logged in through it.
 */

// Seed §2.1 (1500 sub-devices registered with one gateway) and §9.4 (200 online at once).
export const MAX_TOPOLOGY = 1500;
export const MAX_ONLINE_SUBDEVICES = 200;
export const MAX_LOGINS_PER_MINUTE = 5;
/** QoS 1 messages kept for an offline sub-device with a persistent session (as for a direct device). */
export const MAX_HELD_PER_SUBDEVICE = 1000;

const refs = (params: unknown): { productKey: string; deviceName: string }[] | undefined => {
  if (!Array.isArray(params) || params.length === 0 || params.length > MAX_ONLINE_SUBDEVICES) return undefined;
  const out: { productKey: string; deviceName: string }[] = [];
  for (const p of params) {
    if (!isRecord(p) || typeof p['productKey'] !== 'string' || typeof p['deviceName'] !== 'string') return undefined;
    out.push({ productKey: p['productKey'], deviceName: p['deviceName'] });
  }
  return out;
};

export const topoAdd: RequestResponder = (ctx, up, request, reply) => {
  const entries = request.params;
  if (!Array.isArray(entries) || entries.length === 0) return reply(460, {}, 'request parameter error');
  const gw = up.owner;
  const verified: DeviceRecord[] = [];
  for (const entry of entries) {
    const r = verifyTopoAddEntry(entry, ctx.devices.secret, { now: ctx.now(), windowMs: ctx.timestampWindowMs });
    if (!r.ok) return r.code === 'unknown_device' ? reply(6100, {}, 'device not found') : r.code === 'signature_mismatch' ? reply(401, {}, 'request auth error') : reply(460, {}, r.reason);
    const sub = ctx.devices.get(r.productKey, r.deviceName)!;
    if (sub.key === gw.key) return reply(6402, {}, 'topo relation cannot add by self');
    verified.push(sub);
  }
  if (gw.subDevices.size + verified.filter((s) => !gw.subDevices.has(s.key)).length > MAX_TOPOLOGY) return reply(428, {}, 'too many subdevices under gateway');
  for (const sub of verified) attach(ctx, gw, sub);
  reply(200, verified.map((s) => ({ productKey: s.productKey, deviceName: s.deviceName })));
};

/** Puts a sub-device into a gateway's topology, taking it out of another gateway's. */
export function attach(ctx: PlatformContext, gw: DeviceRecord, sub: DeviceRecord): void {
  if (sub.gateway !== undefined && sub.gateway !== gw.key) {
    const old = ctx.devices.byKey(sub.gateway);
    old?.subDevices.delete(sub.key);
    sub.online = false;
  }
  sub.gateway = gw.key;
  gw.subDevices.add(sub.key);
}

export const topoDelete: RequestResponder = (ctx, up, request, reply) => {
  const list = refs(request.params);
  if (list === undefined) return reply(460, {}, 'request parameter error');
  const gw = up.owner;
  for (const { productKey, deviceName } of list) {
    const sub = ctx.devices.get(productKey, deviceName);
    if (sub === undefined || sub.gateway !== gw.key) return reply(6100, {}, 'device not found');
  }
  for (const { productKey, deviceName } of list) {
    const sub = ctx.devices.get(productKey, deviceName)!;
    gw.subDevices.delete(sub.key);
    sub.gateway = undefined;
    sub.online = false;
  }
  reply(200, list);
};

export const topoGet: RequestResponder = (ctx, up, _request, reply) => {
  const out: { productKey: string; deviceName: string }[] = [];
  for (const key of up.owner.subDevices) {
    const sub = ctx.devices.byKey(key);
    if (sub !== undefined) out.push({ productKey: sub.productKey, deviceName: sub.deviceName });
  }
  reply(200, out);
};

// Seed §9.3: the platform forwards found devices to applications; the gateway gets 200, or the
// name-rule errors 6250 and 6280.
export const listFound: RequestResponder = (ctx, _up, request, reply) => {
  const list = refs(request.params);
  if (list === undefined) return reply(460, {}, 'request parameter error');
  for (const { productKey, deviceName } of list) {
    if (ctx.products.get(productKey) === undefined) return reply(6250, {}, 'product not found');
    if (identityProblem(productKey, deviceName) !== undefined) return reply(6280, {}, 'devicename not meet specs');
  }
  reply(200);
};

// Seed §9.2: sub-device dynamic registration answers `[{iotId, productKey, deviceName, deviceSecret}]`.
export const subRegister: RequestResponder = (ctx, up, request, reply) => {
  const list = refs(request.params);
  if (list === undefined) return reply(460, {}, 'request parameter error');
  const out: { iotId: string; productKey: string; deviceName: string; deviceSecret: string }[] = [];
  for (const { productKey, deviceName } of list) {
    if (productKey === up.owner.productKey && deviceName === up.owner.deviceName) return reply(6402, {}, 'topo relation cannot add by self');
    if (identityProblem(productKey, deviceName) !== undefined) return reply(6280, {}, 'devicename not meet specs');
    const r = register(ctx, productKey, deviceName);
    if (!r.ok) return reply(r.code, {}, r.reason);
    out.push({ iotId: iotIdOf(r.record), productKey, deviceName, deviceSecret: r.record.secret! });
  }
  reply(200, out);
};

export const proxyProvisioning: RequestResponder = (ctx, up, request, reply) => {
  const v = verifyProxyProvisioning(request.params, ctx.products.registrationSecret);
  if (!v.ok) return reply(460, {}, v.reason);
  const out: { productKey: string; deviceName: string; deviceSecret: string }[] = [];
  for (const d of v.devices) {
    if (!d.ok) return reply(d.code === 'signature_mismatch' ? 401 : 460, {}, d.reason);
    if (identityProblem(d.productKey, d.deviceName) !== undefined) return reply(6280, {}, 'devicename not meet specs');
    const r = register(ctx, d.productKey, d.deviceName);
    if (!r.ok) return reply(r.code, {}, r.reason);
    attach(ctx, up.owner, r.record);
    out.push({ productKey: d.productKey, deviceName: d.deviceName, deviceSecret: r.record.secret! });
  }
  reply(200, out);
};

/** The platform's id of a device, stable for its key. */
export const iotIdOf = (d: DeviceRecord): string => d.key.replace('&', '.');

/** The outcome of one login: the sub-device, or the §6 code and message. */
function login(ctx: PlatformContext, gw: DeviceRecord, r: VerifyResult<VerifiedSubDevice>): { ok: true; sub: DeviceRecord } | { ok: false; code: number; message: string } {
  if (!r.ok) {
    if (r.code === 'unknown_device') return { ok: false, code: 6100, message: 'device not found' };
    if (r.code === 'signature_mismatch') return { ok: false, code: 6287, message: 'invalid sign' };
    return { ok: false, code: 460, message: r.reason };
  }
  const sub = ctx.devices.get(r.productKey, r.deviceName)!;
  if (!sub.enabled) return { ok: false, code: 522, message: 'device forbidden' };
  if (sub.gateway !== gw.key) return { ok: false, code: 6401, message: 'topo relation not exist' };
  if (!sub.online) {
    let online = 0;
    for (const k of gw.subDevices) if (ctx.devices.byKey(k)?.online === true) online++;
    if (online >= MAX_ONLINE_SUBDEVICES) return { ok: false, code: 428, message: 'too many subdevices under gateway' };
  }
  // Seed §9.4, §6: a sub-device that came online five times within a minute is refused (429).
  const now = ctx.now();
  while (sub.logins.length > 0 && now - sub.logins[0]! >= 60_000) sub.logins.shift();
  if (sub.logins.length >= MAX_LOGINS_PER_MINUTE) return { ok: false, code: 429, message: 'rate limit, too many subDeviceOnline msg in one minute' };
  sub.logins.push(now);
  // A sub-device connected directly with the same certificate is brought offline (seed §3.1).
  ctx.broker.kick(sub.key, 'the device logged in through a gateway');
  sub.online = true;
  sub.activated = true;
  // Seed §9.4 cleanSession: true clears what waited; false keeps QoS 1 messages while offline.
  const waiting = sub.held;
  sub.held = r.cleanSession === false ? [] : undefined;
  if (r.cleanSession === false && waiting !== undefined) for (const m of waiting) ctx.send(m.topic, m.payload);
  return { ok: true, sub };
}

const loginOptions = (ctx: PlatformContext) => ({ now: ctx.now(), windowMs: ctx.timestampWindowMs, cleanSession: 'either' as const });

export const combineLogin: RequestResponder = (ctx, up, request, reply) => {
  const r = login(ctx, up.owner, verifyCombineLogin(request.params, secretOfAny(ctx), loginOptions(ctx)));
  if (!r.ok) return reply(r.code, {}, r.message);
  reply(200, { productKey: r.sub.productKey, deviceName: r.sub.deviceName }, 'success');
};

export const combineBatchLogin: RequestResponder = (ctx, up, request, reply) => {
  const v = verifyCombineBatchLogin(request.params, secretOfAny(ctx), loginOptions(ctx));
  if (!v.ok) return reply(460, {}, v.reason);
  if (v.devices.length > MAX_ONLINE_SUBDEVICES) return reply(460, {}, `at most ${MAX_ONLINE_SUBDEVICES} sub-devices per batch`);
  const results = v.devices.map((d) => login(ctx, up.owner, d));
  const failed = results.find((x) => !x.ok);
  const data = results.flatMap((x) => (x.ok ? [{ productKey: x.sub.productKey, deviceName: x.sub.deviceName }] : []));
  if (failed !== undefined && !failed.ok) return reply(failed.code, data, failed.message);
  reply(200, data, 'success');
};

export const combineLogout: RequestResponder = (ctx, up, request, reply) => {
  const p = request.params;
  const list = isRecord(p) ? refs([p]) : undefined;
  if (list === undefined) return reply(460, {}, 'request parameter error');
  logout(ctx, up.owner, list, reply);
};

export const combineBatchLogout: RequestResponder = (ctx, up, request, reply) => {
  const list = refs(request.params);
  if (list === undefined) return reply(460, {}, 'request parameter error');
  logout(ctx, up.owner, list, reply);
};

function logout(ctx: PlatformContext, gw: DeviceRecord, list: { productKey: string; deviceName: string }[], reply: (code: number, data?: unknown, message?: string) => void): void {
  for (const { productKey, deviceName } of list) {
    const sub = ctx.devices.get(productKey, deviceName);
    if (sub === undefined || sub.gateway !== gw.key || !sub.online) return reply(520, {}, 'device no session');
  }
  for (const { productKey, deviceName } of list) ctx.devices.get(productKey, deviceName)!.online = false;
  reply(200, list.length === 1 ? list[0] : list, 'success');
}

// Login signatures are checked against any known device's secret, a disabled one's too, so that
// it is refused as disabled (522, seed §6) rather than unknown; topology is checked after.
const secretOfAny = (ctx: PlatformContext) => (pk: string, dn: string) => ctx.devices.get(pk, dn)?.secret;

/**
 * Takes a sub-device offline through its gateway, telling the gateway why on
 * `…/combine/logout_reply` (seed §6: 427 elsewhere, 521 deleted, 522 disabled).
 */
export function forceLogout(ctx: PlatformContext, sub: DeviceRecord, code: 427 | 521 | 522, message: string): void {
  if (!sub.online || sub.gateway === undefined) return;
  sub.online = false;
  const gw = ctx.devices.byKey(sub.gateway);
  if (gw === undefined) return;
  ctx.send(`/ext/session/${gw.productKey}/${gw.deviceName}/combine/logout_reply`, replyBytes(ctx.pending.nextId(), code, { productKey: sub.productKey, deviceName: sub.deviceName }, message));
}

export { deviceKey };
