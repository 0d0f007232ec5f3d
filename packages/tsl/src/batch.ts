import { describe, isRecord } from '@linkwire/base';
import type { TslValidator } from './compile.ts';
import type { TslIssue } from './errors.ts';
import { TSL_LIMITS } from './model.ts';
import { isDate, put, type Ctx } from './nodes.ts';
import { childPath, error, indexPath, show, warning } from './paths.ts';
import { VALID, finish, internalsOf, type Internals, type TslResult } from './result.ts';

/**
 * Finds the compiled validator of one device a batch message carries: by EnOS productKey and
 * deviceKey, or Alibaba identity productKey and deviceName. `undefined` means no model is known
 * for it (an `unknown_product` error). It may run more than once per element when a message
 * fails, so it should be a lookup, not a computation with effects. Omitted, every device in
 * the message is taken to use the validator whose method is called.
 */
export type TslLookup = (productKey: string, deviceKey: string) => TslValidator | undefined;

const hasOwn = Object.prototype.hasOwnProperty;
const FLAGS = ['allowOfflineSubDevice', 'skipInvalidMeasurepoints'] as const;

function internals(v: TslValidator): Internals {
  const i = internalsOf.get(v);
  if (i === undefined) throw new TypeError('a TslLookup must return validators made by compileTsl');
  return i;
}

function resolve(self: TslValidator, lookup: TslLookup | undefined, productKey: string, deviceKey: string): Internals | undefined {
  const v = lookup === undefined ? self : lookup(productKey, deviceKey);
  return v === undefined ? undefined : internals(v);
}

const isKey = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The validator of an Alibaba `{productKey, deviceName}` identity, or undefined when it is malformed or unknown. */
function identityTarget(self: TslValidator, lookup: TslLookup | undefined, id: unknown): Internals | undefined {
  if (!isRecord(id)) return undefined;
  for (const k in id) if (k !== 'productKey' && k !== 'deviceName') return undefined;
  const pk = id['productKey'];
  const dn = id['deviceName'];
  return isKey(pk) && isKey(dn) ? resolve(self, lookup, pk, dn) : undefined;
}

function identityExplain(self: TslValidator, lookup: TslLookup | undefined, id: unknown, path: string, ctx: Ctx, strict: boolean): Internals | undefined {
  if (!isRecord(id)) {
    ctx.issues.push(error(path, id === undefined ? 'missing' : 'not_object', `identity {productKey, deviceName} is required, got ${show(id)}`));
    return undefined;
  }
  for (const k in id) {
    if (k === 'productKey' || k === 'deviceName') continue;
    if (strict) ctx.issues.push(error(childPath(path, k), 'unknown_key', `an identity holds productKey and deviceName, got ${describe(k)}`));
    else ctx.issues.push(warning(childPath(path, k), 'unknown_key', `an identity holds productKey and deviceName, got ${describe(k)}; ignored`));
  }
  return deviceTarget(self, lookup, id['productKey'], id['deviceName'], 'deviceName', path, ctx);
}

function deviceTarget(self: TslValidator, lookup: TslLookup | undefined, pk: unknown, dk: unknown, dkName: string, path: string, ctx: Ctx): Internals | undefined {
  const pkOk = isKey(pk);
  const dkOk = isKey(dk);
  if (!pkOk) ctx.issues.push(keyIssue(path, 'productKey', pk));
  if (!dkOk) ctx.issues.push(keyIssue(path, dkName, dk));
  if (!pkOk || !dkOk) return undefined;
  const t = resolve(self, lookup, pk as string, dk as string);
  if (t === undefined) ctx.issues.push(error(childPath(path, 'productKey'), 'unknown_product', `no model is known for ${describe(pk)} / ${describe(dk)}`));
  return t;
}

function keyIssue(path: string, name: string, v: unknown): TslIssue {
  return error(childPath(path, name), v === undefined ? 'missing' : 'type', `${name} must be a non-empty string, got ${show(v)}`);
}

// Each device's data is explained under its own validator's options; the issues land in one list.
const under = (t: Internals, ctx: Ctx): Ctx => (t.coerce === ctx.coerce ? ctx : { issues: ctx.issues, coerce: t.coerce });

function unknownKey(ctx: Ctx, path: string, k: string, holds: string, strict: boolean): void {
  if (strict) ctx.issues.push(error(path, 'unknown_key', `${holds}, got ${describe(k)}`));
  else ctx.issues.push(warning(path, 'unknown_key', `${holds}, got ${describe(k)}; dropped`));
}

/** Replaces element `i` of a copy made on the first change. */
function setAt(out: unknown[] | undefined, src: readonly unknown[], i: number, r: unknown): unknown[] | undefined {
  if (r === src[i]) return out;
  const o = out ?? src.slice();
  o[i] = r;
  return o;
}

// ---------------------------------------------------------------- EnOS measure point batches

function flagsTest(message: unknown): boolean {
  if (!isRecord(message)) return true;
  for (const f of FLAGS) {
    const x = message[f];
    if (x !== undefined && typeof x !== 'boolean') return false;
  }
  return true;
}

function pointsElementTest(self: TslValidator, selfI: Internals, el: unknown, lookup: TslLookup | undefined): boolean {
  if (!isRecord(el)) return false;
  let target = selfI;
  const pk = el['productKey'];
  const dk = el['deviceKey'];
  if (pk !== undefined || dk !== undefined) {
    if (!isKey(pk) || !isKey(dk)) return false;
    const t = resolve(self, lookup, pk, dk);
    if (t === undefined) return false;
    target = t;
  }
  let hasPoints = false;
  for (const k in el) {
    if (k === 'measurepoints') {
      if (target.pointsTest(el[k]) < 0) return false;
      hasPoints = true;
    } else if (k === 'time') {
      if (!isDate(el[k])) return false;
    } else if (k !== 'productKey' && k !== 'deviceKey') return false;
  }
  return hasPoints;
}

export function measurepointBatch(self: TslValidator, selfI: Internals, params: unknown, lookup: TslLookup | undefined, message: unknown): TslResult {
  let from = 0;
  if (Array.isArray(params)) {
    from = -1;
    for (let i = 0; i < params.length; i++) {
      if (!pointsElementTest(self, selfI, params[i], lookup)) {
        from = i;
        break;
      }
    }
    if (from < 0 && flagsTest(message)) return VALID;
  }
  const strict = selfI.strict;
  const ctx: Ctx = { issues: [], coerce: selfI.coerce };
  let skip = false;
  if (isRecord(message)) {
    for (const f of FLAGS) {
      const x = message[f];
      if (x !== undefined && typeof x !== 'boolean') ctx.issues.push(error(f, 'type', `${f} must be a boolean, got ${show(x)}`));
    }
    skip = !strict && message['skipInvalidMeasurepoints'] === true;
  }
  if (!Array.isArray(params)) {
    ctx.issues.push(error('params', 'not_array', `params must be an array of {productKey?, deviceKey?, measurepoints, time?}, got ${show(params)}`));
    return finish(ctx, params, params);
  }
  let out: unknown[] | undefined;
  // Valid elements are only tested: a failing batch pays for the explanation of its failures.
  for (let i = from < 0 ? params.length : from; i < params.length; i++) {
    const el: unknown = params[i];
    if (!pointsElementTest(self, selfI, el, lookup)) out = setAt(out, params, i, pointsElement(self, selfI, el, indexPath('params', i), lookup, ctx, strict, skip));
  }
  return finish(ctx, params, out ?? params);
}

function pointsElement(self: TslValidator, selfI: Internals, el: unknown, base: string, lookup: TslLookup | undefined, ctx: Ctx, strict: boolean, skip: boolean): unknown {
  if (!isRecord(el)) {
    ctx.issues.push(error(base, 'not_object', `expected {productKey?, deviceKey?, measurepoints, time?}, got ${show(el)}`));
    return el;
  }
  const pk = el['productKey'];
  const dk = el['deviceKey'];
  // An element naming no device is the sender's own data; naming one takes both keys.
  const target = pk === undefined && dk === undefined ? selfI : deviceTarget(self, lookup, pk, dk, 'deviceKey', base, ctx);
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k in el) {
    const x = el[k];
    if (k === 'measurepoints') {
      let r = x;
      if (target !== undefined && target.pointsTest(x) < 0) r = target.pointsExplain(x, `${base}.measurepoints`, under(target, ctx), skip);
      if (r !== x) changed = true;
      out[k] = r;
    } else if (k === 'time') {
      if (!isDate(x)) ctx.issues.push(error(`${base}.time`, 'invalid_date', `time must be UTC milliseconds, got ${show(x)}`));
      out[k] = x;
    } else if (k === 'productKey' || k === 'deviceKey') out[k] = x;
    else {
      unknownKey(ctx, childPath(base, k), k, 'an element holds productKey, deviceKey, measurepoints and time', strict);
      if (!strict) changed = true;
    }
  }
  if (!hasOwn.call(el, 'measurepoints')) ctx.issues.push(error(childPath(base, 'measurepoints'), 'missing', 'measurepoints is missing'));
  return changed ? out : el;
}

// ---------------------------------------------------------------- Alibaba pack post

const { maxPropertiesPerPost: MAX_PROPS, maxEventsPerPack: MAX_EVENTS, maxSubDevicesPerPack: MAX_SUBS } = TSL_LIMITS;

function packTest(self: TslValidator, selfI: Internals, params: unknown, lookup: TslLookup | undefined): boolean {
  if (!isRecord(params)) return false;
  let nProps = 0;
  let nEvents = 0;
  for (const k in params) {
    const x = params[k];
    if (k === 'properties') {
      const n = selfI.stampedTest(x, false);
      if (n < 0) return false;
      nProps += n;
    } else if (k === 'events') {
      const n = selfI.eventsTest(x, false);
      if (n < 0) return false;
      nEvents += n;
    } else if (k === 'subDevices') {
      if (!Array.isArray(x) || x.length > MAX_SUBS) return false;
      for (let i = 0; i < x.length; i++) {
        const d: unknown = x[i];
        if (!packDeviceTest(self, lookup, d)) return false;
        nProps += countKeys((d as Record<string, unknown>)['properties']);
        nEvents += countKeys((d as Record<string, unknown>)['events']);
      }
    } else return false;
  }
  return nProps <= MAX_PROPS && nEvents <= MAX_EVENTS;
}

function packDeviceTest(self: TslValidator, lookup: TslLookup | undefined, d: unknown): boolean {
  if (!isRecord(d)) return false;
  const t = identityTarget(self, lookup, d['identity']);
  if (t === undefined) return false;
  for (const k in d) {
    if (k === 'identity') continue;
    if ((k === 'properties' ? t.stampedTest(d[k], false) : k === 'events' ? t.eventsTest(d[k], false) : -1) < 0) return false;
  }
  return true;
}

function countKeys(v: unknown): number {
  let n = 0;
  if (isRecord(v)) for (const _ in v) n++;
  return n;
}

export function packPost(self: TslValidator, selfI: Internals, params: unknown, lookup: TslLookup | undefined): TslResult {
  if (packTest(self, selfI, params, lookup)) return VALID;
  const strict = selfI.strict;
  const ctx: Ctx = { issues: [], coerce: selfI.coerce };
  if (!isRecord(params)) {
    ctx.issues.push(error('params', 'not_object', `params must be an object, got ${show(params)}`));
    return finish(ctx, params, params);
  }
  let nProps = 0;
  let nEvents = 0;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k in params) {
    const x = params[k];
    const at = childPath('params', k);
    let r = x;
    if (k === 'properties') {
      nProps += countKeys(x);
      if (selfI.stampedTest(x, false) < 0) r = selfI.stampedExplain(x, at, ctx, false);
    } else if (k === 'events') {
      nEvents += countKeys(x);
      if (selfI.eventsTest(x, false) < 0) r = selfI.eventsExplain(x, at, ctx, false);
    } else if (k === 'subDevices') {
      if (!Array.isArray(x)) ctx.issues.push(error(at, 'not_array', `subDevices must be an array, got ${show(x)}`));
      else {
        if (x.length > MAX_SUBS) ctx.issues.push(error(at, 'too_many_sub_devices', `${x.length} sub-devices exceed ${MAX_SUBS} per pack post`));
        let subs: unknown[] | undefined;
        for (let i = 0; i < x.length; i++) {
          const d: unknown = x[i];
          const base = indexPath(at, i);
          nProps += isRecord(d) ? countKeys(d['properties']) : 0;
          nEvents += isRecord(d) ? countKeys(d['events']) : 0;
          if (!packDeviceTest(self, lookup, d)) subs = setAt(subs, x, i, packDevice(self, lookup, d, base, ctx, strict));
        }
        if (subs !== undefined) r = subs;
      }
    } else {
      unknownKey(ctx, at, k, 'params hold properties, events and subDevices', strict);
      if (!strict) changed = true;
      continue;
    }
    if (r !== x) changed = true;
    out[k] = r;
  }
  if (nProps > MAX_PROPS) ctx.issues.push(error('params', 'too_many_properties', `${nProps} properties exceed ${MAX_PROPS} per pack post`));
  if (nEvents > MAX_EVENTS) ctx.issues.push(error('params', 'too_many_events', `${nEvents} events exceed ${MAX_EVENTS} per pack post`));
  return finish(ctx, params, changed ? out : params);
}

function packDevice(self: TslValidator, lookup: TslLookup | undefined, d: unknown, base: string, ctx: Ctx, strict: boolean): unknown {
  if (!isRecord(d)) {
    ctx.issues.push(error(base, 'not_object', `expected {identity, properties?, events?}, got ${show(d)}`));
    return d;
  }
  const t = identityExplain(self, lookup, d['identity'], childPath(base, 'identity'), ctx, strict);
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k in d) {
    const x = d[k];
    const at = childPath(base, k);
    let r = x;
    if (k === 'properties') {
      if (t !== undefined && t.stampedTest(x, false) < 0) r = t.stampedExplain(x, at, under(t, ctx), false);
    } else if (k === 'events') {
      if (t !== undefined && t.eventsTest(x, false) < 0) r = t.eventsExplain(x, at, under(t, ctx), false);
    } else if (k !== 'identity') {
      unknownKey(ctx, at, k, 'a sub-device holds identity, properties and events', strict);
      if (!strict) changed = true;
      continue;
    }
    if (r !== x) changed = true;
    out[k] = r;
  }
  return changed ? out : d;
}

// ---------------------------------------------------------------- Alibaba history post

function historyDeviceTest(self: TslValidator, el: unknown, lookup: TslLookup | undefined): boolean {
  if (!isRecord(el)) return false;
  const t = identityTarget(self, lookup, el['identity']);
  if (t === undefined) return false;
  for (const k in el) {
    if (k === 'identity') continue;
    const list = el[k];
    if ((k !== 'properties' && k !== 'events') || !Array.isArray(list)) return false;
    for (let j = 0; j < list.length; j++) {
      if ((k === 'properties' ? t.stampedTest(list[j], true) : t.eventsTest(list[j], true)) < 0) return false;
    }
  }
  return true;
}

export function historyPost(self: TslValidator, selfI: Internals, params: unknown, lookup: TslLookup | undefined): TslResult {
  let from = 0;
  if (Array.isArray(params)) {
    from = -1;
    for (let i = 0; i < params.length; i++) {
      if (!historyDeviceTest(self, params[i], lookup)) {
        from = i;
        break;
      }
    }
    if (from < 0) return VALID;
  }
  const strict = selfI.strict;
  const ctx: Ctx = { issues: [], coerce: selfI.coerce };
  if (!Array.isArray(params)) {
    ctx.issues.push(error('params', 'not_array', `params must be an array of {identity, properties?, events?}, got ${show(params)}`));
    return finish(ctx, params, params);
  }
  let out: unknown[] | undefined;
  for (let i = from; i < params.length; i++) {
    const el: unknown = params[i];
    if (!historyDeviceTest(self, el, lookup)) out = setAt(out, params, i, historyDevice(self, lookup, el, indexPath('params', i), ctx, strict));
  }
  return finish(ctx, params, out ?? params);
}

function historyDevice(self: TslValidator, lookup: TslLookup | undefined, el: unknown, base: string, ctx: Ctx, strict: boolean): unknown {
  if (!isRecord(el)) {
    ctx.issues.push(error(base, 'not_object', `expected {identity, properties?, events?}, got ${show(el)}`));
    return el;
  }
  const t = identityExplain(self, lookup, el['identity'], childPath(base, 'identity'), ctx, strict);
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k in el) {
    const x = el[k];
    const at = childPath(base, k);
    let r = x;
    if (k === 'properties' || k === 'events') {
      if (!Array.isArray(x)) ctx.issues.push(error(at, 'not_array', `${k} must be an array of {id: {value, time}} maps, got ${show(x)}`));
      else if (t !== undefined) {
        const sub = under(t, ctx);
        let list: unknown[] | undefined;
        for (let j = 0; j < x.length; j++) {
          const e: unknown = x[j];
          const ok = (k === 'properties' ? t.stampedTest(e, true) : t.eventsTest(e, true)) >= 0;
          if (!ok) list = setAt(list, x, j, k === 'properties' ? t.stampedExplain(e, indexPath(at, j), sub, true) : t.eventsExplain(e, indexPath(at, j), sub, true));
        }
        if (list !== undefined) r = list;
      }
    } else if (k !== 'identity') {
      unknownKey(ctx, at, k, 'a history entry holds identity, properties and events', strict);
      if (!strict) changed = true;
      continue;
    }
    if (r !== x) changed = true;
    out[k] = r;
  }
  return changed ? out : el;
}

// ---------------------------------------------------------------- EnOS sub-device registration

function registerTest(self: TslValidator, params: unknown, lookup: TslLookup | undefined): boolean {
  if (!Array.isArray(params)) return false;
  for (let i = 0; i < params.length; i++) {
    const el: unknown = params[i];
    if (!isRecord(el)) return false;
    const attrs = el['deviceAttributes'];
    if (attrs === undefined) continue;
    const pk = el['productKey'];
    const dk = el['deviceKey'];
    if (!isKey(pk) || (dk !== undefined && typeof dk !== 'string')) return false;
    const t = resolve(self, lookup, pk, dk ?? '');
    if (t === undefined || !t.attributesTest(attrs)) return false;
  }
  return true;
}

export function deviceRegister(self: TslValidator, selfI: Internals, params: unknown, lookup: TslLookup | undefined): TslResult {
  if (registerTest(self, params, lookup)) return VALID;
  const ctx: Ctx = { issues: [], coerce: selfI.coerce };
  if (!Array.isArray(params)) {
    ctx.issues.push(error('params', 'not_array', `params must be an array of sub-devices to register, got ${show(params)}`));
    return finish(ctx, params, params);
  }
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const el: unknown = params[i];
    const base = indexPath('params', i);
    if (!isRecord(el)) {
      ctx.issues.push(error(base, 'not_object', `expected a sub-device {productKey, deviceKey?, deviceName, timezone, deviceAttributes?}, got ${show(el)}`));
      continue;
    }
    const attrs = el['deviceAttributes'];
    if (attrs === undefined) continue;
    const pk = el['productKey'];
    const dk = el['deviceKey'];
    if (dk !== undefined && typeof dk !== 'string') ctx.issues.push(error(childPath(base, 'deviceKey'), 'type', `deviceKey must be a string, got ${show(dk)}`));
    if (!isKey(pk)) {
      ctx.issues.push(error(childPath(base, 'productKey'), pk === undefined ? 'missing' : 'type', `productKey must be a non-empty string, got ${show(pk)}`));
      continue;
    }
    const t = resolve(self, lookup, pk, typeof dk === 'string' ? dk : '');
    if (t === undefined) {
      ctx.issues.push(error(childPath(base, 'productKey'), 'unknown_product', `no model is known for ${describe(pk)}`));
      continue;
    }
    if (t.attributesTest(attrs)) continue;
    const r = t.attributesExplain(attrs, childPath(base, 'deviceAttributes'), under(t, ctx));
    if (r !== attrs) {
      const copy: Record<string, unknown> = {};
      for (const k in el) put(copy, k, el[k]);
      copy['deviceAttributes'] = r;
      out = setAt(out, params, i, copy);
    }
  }
  return finish(ctx, params, out ?? params);
}
