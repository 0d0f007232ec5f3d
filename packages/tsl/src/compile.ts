import { describe, isRecord } from '@linkwire/base';
import { checkValidateOptions, readingModel, TslError, type TslIssue } from './errors.ts';
import { deviceRegister, historyPost, measurepointBatch, packPost, type TslLookup } from './batch.ts';
import { PROPERTY_GET_METHOD, PROPERTY_SET_METHOD, TSL_LIMITS, type TslModel, type TslProperty } from './model.ts';
import { compileType, explain, isDate, keyAt, makeKeys, paramSet, put, test, type Ctx, type Node, type Policy } from './nodes.ts';
import { childPath, error, indexPath, show, warning } from './paths.ts';
import { VALID, finish, internalsOf, type Internals, type TslResult } from './result.ts';

export { VALID, type TslResult } from './result.ts';
export type { TslLookup } from './batch.ts';

export interface TslValidateOptions {
  /**
   * `strict` (default): unknown identifiers are errors and every service/event parameter must
   * be present. `platform`: what the platform does, unknown properties and parameters are
   * reported as warnings and dropped from `value`, missing parameters are accepted.
   */
  readonly policy?: Policy;
  /** Accept numbers written as strings (`"30.5"`) and booleans as `true`/`"1"`…, returning the converted `value`. */
  readonly coerce?: boolean;
  /**
   * `alink` (default): event params are `{value: {…}, time?}`. `enos`: the EnOS form
   * `{events: {…}, time?}`.
   */
  readonly dialect?: 'alink' | 'enos';
}

/** Validators for every message a model governs, built once per model. */
export interface TslValidator {
  readonly model: TslModel;
  /** `thing.event.property.post` params: `{id: v}` or `{id: {value, time}}`, at most 200 properties. */
  propertyPost(params: unknown): TslResult;
  /** `thing.service.property.set` params: `{id: v}` for `rw` properties only. */
  propertySet(params: unknown): TslResult;
  /** `thing.service.property.get` params: a list of property identifiers. */
  propertyGet(params: unknown): TslResult;
  /** `thing.event.{id}.post` params: `{value: {outputData…}, time?}` (EnOS dialect: `{events: {…}, time?}`). */
  eventPost(eventId: string, params: unknown): TslResult;
  /**
   * EnOS `thing.measurepoint.post` / `thing.measurepoint.resume` params:
   * `{measurepoints: {id: v | {value, quality?}}, time?}`, the model's properties being its
   * measure points.
   */
  measurepointPost(params: unknown): TslResult;
  /** `thing.service.{id}` params: the service's inputData (set and get delegate to the property forms). */
  serviceCall(serviceId: string, params: unknown): TslResult;
  /** The `data` of a service reply: the service's outputData (get replies carry property values). */
  serviceReply(serviceId: string, data: unknown): TslResult;
  /** EnOS `thing.attribute.update` params: `{attributes: {id: v}}` over the model's attributes. */
  attributeUpdate(params: unknown): TslResult;
  /** EnOS `thing.attribute.query` params: `{attributes: [ids]}` (an empty list asks for all). */
  attributeQuery(params: unknown): TslResult;
  /** EnOS `thing.attribute.delete` params: `{attributes: [ids]}`. */
  attributeDelete(params: unknown): TslResult;
  /** The `data` of a `thing.attribute.query` reply: `{id: v}` over the model's attributes. */
  attributeQueryReply(data: unknown): TslResult;
  /**
   * EnOS `thing.service.measurepoint.set` params (cloud to device): a measure point map, the
   * same form as `measurepoints` (the seed's handler posts it back as measure points unchanged).
   */
  measurepointSet(params: unknown): TslResult;
  /**
   * The thing-model data of EnOS `thing.device.register` params (an array of `{productKey,
   * deviceKey?, deviceName, timezone, deviceAttributes?, deviceDesc?}`): each element's
   * `deviceAttributes` against the attributes of the model `lookup` returns for its productKey
   * (and deviceKey, `''` when absent). The other fields are the registration envelope's
   * business (@linkwire/alink) and pass unexamined.
   */
  deviceRegister(params: unknown, lookup?: TslLookup): TslResult;
  /**
   * EnOS `thing.measurepoint.post.batch` / `thing.measurepoint.resume.batch` params: an array of
   * `{productKey?, deviceKey?, measurepoints, time?}`. An element naming no device is this
   * validator's device; one naming a device is checked by the validator `lookup` returns for
   * it. `message` is the request holding the top-level flags `allowOfflineSubDevice` and
   * `skipInvalidMeasurepoints` (pass the parsed request; only those two keys are read).
   */
  measurepointPostBatch(params: unknown, lookup?: TslLookup, message?: unknown): TslResult;
  /**
   * Alibaba `thing.event.property.pack.post` params: `{properties?, events?, subDevices?:
   * [{identity: {productKey, deviceName}, properties?, events?}]}`, every entry `{value, time?}`.
   * The gateway's own data is checked by this validator, each sub-device's by the validator
   * `lookup` returns for its identity.
   */
  propertyPackPost(params: unknown, lookup?: TslLookup): TslResult;
  /**
   * Alibaba `thing.event.property.history.post` params: an array of `{identity: {productKey,
   * deviceName}, properties?: [{id: {value, time}}], events?: [{id: {value, time}}]}`, each
   * device checked by the validator `lookup` returns for its identity.
   */
  propertyHistoryPost(params: unknown, lookup?: TslLookup): TslResult;
}

/** A property's value in a post: the bare value or, unless ambiguous, `{value, time?}`. */
interface PostNode {
  readonly prop: TslProperty;
  readonly node: Node;
  /** `params.{id}`, built once: a failing message should not pay for its path. */
  readonly path: string;
  readonly rw: boolean;
  /** False for a struct with a member named `value`, where `{value, time}` would be ambiguous. */
  readonly wrappable: boolean;
}

function postTest(p: PostNode, v: unknown): boolean {
  return test(p.node, v) || (p.wrappable && wrappedTest(p, v));
}

// Kept out of postTest so that the hot check stays small enough to inline.
function wrappedTest(p: PostNode, v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  let hasValue = false;
  for (const k in o) {
    if (k === 'value') hasValue = true;
    else if (k !== 'time' || !isDate(o[k])) return false;
  }
  return hasValue && test(p.node, o['value']);
}

function isWrapped(p: PostNode, v: unknown): v is Record<string, unknown> {
  return p.wrappable && isRecord(v) && Object.prototype.hasOwnProperty.call(v, 'value');
}

function postExplain(p: PostNode, v: unknown, path: string, ctx: Ctx): unknown {
  if (!isWrapped(p, v)) return explain(p.node, v, path, ctx);
  let out: Record<string, unknown> | undefined;
  for (const k in v) {
    if (k === 'value') {
      const x = v[k];
      const r = test(p.node, x) ? x : explain(p.node, x, childPath(path, 'value'), ctx);
      if (r !== x) (out ??= pick(v))['value'] = r;
    } else if (k === 'time') {
      if (!isDate(v[k])) ctx.issues.push(error(childPath(path, 'time'), 'invalid_date', `time must be UTC milliseconds, got ${show(v[k])}`));
    } else ctx.issues.push(error(childPath(path, k), 'unknown_key', `a {value, time} property holds nothing else, got ${describe(k)}`));
  }
  return out ?? v;
}

function pick(v: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if ('value' in v) o['value'] = v['value'];
  if ('time' in v) o['time'] = v['time'];
  return o;
}

function pickPoint(v: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if ('value' in v) o['value'] = v['value'];
  if ('quality' in v) o['quality'] = v['quality'];
  return o;
}

/**
 * Compiles a model into validators for property post/set/get, event posts, service calls and
 * replies. The valid path allocates nothing (it returns the shared {@link VALID}); only a
 * failing message pays for issue objects and paths. No `eval`, no `new Function`: it runs
 * under a strict CSP and in embedded engines.
 *
 * @example
 * ```ts
 * const { model } = parseTsl(tslJson);
 * const v = compileTsl(model, { policy: 'platform' });
 * v.propertyPost({ temp: 21.5 });                 // VALID: { ok: true, issues: [] }
 * v.propertyPost({ temp: { value: 500 } }).issues;
 * // [{ path: 'params.temp.value', code: 'out_of_range', severity: 'error', … }]
 * ```
 */
export function compileTsl(model: TslModel, options?: TslValidateOptions): TslValidator {
  checkValidateOptions(options);
  return readingModel('compileTsl', () => compileModel(model, options));
}

function compileModel(model: TslModel, options?: TslValidateOptions): TslValidator {
  const policy: Policy = options?.policy ?? 'strict';
  const coerce = options?.coerce ?? false;
  const strict = policy === 'strict';
  const eventBody = options?.dialect === 'enos' ? 'events' : 'value';
  const maxPost = TSL_LIMITS.maxPropertiesPerPost;

  const postNodes: PostNode[] = model.properties.map((prop) => ({
    prop,
    node: compileType(prop.dataType),
    path: childPath('params', prop.identifier),
    rw: prop.accessMode === 'rw',
    wrappable: prop.dataType.type !== 'struct' || !prop.dataType.members.some((m) => m.identifier === 'value'),
  }));
  const propKeys = makeKeys(model.properties.map((p) => p.identifier));
  const props = new Map(postNodes.map((p) => [p.prop.identifier, p]));

  const events = new Map(
    model.events.map((e) => {
      const output = paramSet(e.outputData, policy, 'parameter');
      // Built once here: closures made per call would be the valid path's only allocation.
      return [e.identifier, { event: e, output, test: (v: unknown) => test(output, v), explain: (v: unknown, path: string, ctx: Ctx) => explain(output, v, path, ctx) }];
    }),
  );
  const services = new Map(
    model.services.map((s) => [s.identifier, { service: s, input: paramSet(s.inputData, policy, 'parameter'), output: paramSet(s.outputData, policy, 'parameter') }]),
  );
  const newCtx = (): Ctx => ({ issues: [], coerce });

  function unknownProperty(ctx: Ctx, path: string, id: string): void {
    if (strict) ctx.issues.push(error(path, 'unknown_property', `${describe(id)} is not a property of the model`));
    else ctx.issues.push(warning(path, 'unknown_property', `${describe(id)} is not a property of the model; dropped`));
  }

  // The scan records the keys that failed, so a failing message is explained without a second
  // pass over its valid keys. The buffer is reused across calls (nothing here re-enters) and
  // bounded: past FAIL_CAP failures the explanation walks the whole object instead.
  const FAIL_CAP = 64;
  const failed: string[] = [];
  const failedAt = new Int32Array(FAIL_CAP);
  let failures = 0;
  let scanned = 0;

  /** True when every key passed. Otherwise `failed[0..failures)` lists the failing keys in order. */
  function scanPost(params: Record<string, unknown>): boolean {
    let count = 0;
    let hint = 0;
    failures = 0;
    for (const k in params) {
      count++;
      const i = keyAt(propKeys, k, hint);
      if (i >= 0) {
        hint = i + 1;
        if (postTest(postNodes[i]!, params[k])) continue;
      }
      if (failures < FAIL_CAP) {
        failed[failures] = k;
        failedAt[failures] = i;
      }
      failures++;
    }
    scanned = count;
    return failures === 0 && count <= maxPost;
  }

  function scanSet(params: Record<string, unknown>): boolean {
    let hint = 0;
    failures = 0;
    for (const k in params) {
      const i = keyAt(propKeys, k, hint);
      if (i >= 0) {
        hint = i + 1;
        const p = postNodes[i]!;
        if (p.rw && test(p.node, params[k])) continue;
      }
      if (failures < FAIL_CAP) {
        failed[failures] = k;
        failedAt[failures] = i;
      }
      failures++;
    }
    scanned = 0;
    return failures === 0;
  }

  function propertyMap(params: unknown, base: string, set: boolean): TslResult {
    if (isRecord(params) && (set ? scanSet(params) : scanPost(params))) return VALID;
    const ctx = newCtx();
    if (!isRecord(params)) {
      ctx.issues.push(error(base, 'not_object', `params must be an object, got ${show(params)}`));
      return finish(ctx, params, params);
    }
    const count = scanned;
    // Up to FAIL_CAP, the scan's list holds exactly the failing keys; past it, walk them all.
    const recorded = failures <= FAIL_CAP;
    const keys = recorded ? failed : Object.keys(params);
    const n = recorded ? failures : keys.length;
    // Coerced values by key; the forwarded copy is built once at the end, in input order.
    let changes: Map<string, unknown> | undefined;
    let dropped = false;
    for (let j = 0; j < n; j++) {
      const k = keys[j]!;
      const p = recorded ? postNodes[failedAt[j]!] : props.get(k);
      if (p === undefined) {
        unknownProperty(ctx, childPath(base, k), k);
        if (!strict) dropped = true;
        continue;
      }
      const x = params[k];
      let r = x;
      const path = p.path;
      if (set) {
        if (!p.rw) ctx.issues.push(error(path, 'read_only', `property ${describe(k)} is read-only`));
        if (!test(p.node, x)) r = explain(p.node, x, path, ctx);
      } else if (recorded || !postTest(p, x)) r = postExplain(p, x, path, ctx);
      if (r !== x) (changes ??= new Map()).set(k, r);
    }
    if (!set && count > maxPost) {
      ctx.issues.push(error(base, 'too_many_properties', `${count} properties exceed ${maxPost} per post (Alink code 6106: map size must less than 200)`));
    }
    if (changes === undefined && !dropped) return finish(ctx, params, params);
    const out: Record<string, unknown> = {};
    // Only model identifiers are written, so no key can reach the prototype.
    for (const k in params) if (props.has(k)) put(out, k, changes?.has(k) ? changes.get(k) : params[k]);
    return finish(ctx, params, out);
  }

  function propertyGet(params: unknown, base: string): TslResult {
    if (Array.isArray(params)) {
      let fast = true;
      for (let i = 0; i < params.length; i++) {
        const id = params[i];
        if (typeof id !== 'string' || !props.has(id)) {
          fast = false;
          break;
        }
      }
      if (fast) return VALID;
    }
    const ctx = newCtx();
    if (!Array.isArray(params)) {
      ctx.issues.push(error(base, 'not_array', `params must be an array of property identifiers, got ${show(params)}`));
      return finish(ctx, params, params);
    }
    const out: unknown[] = [];
    // A loop, not forEach: a closure here would give every call, valid ones too, a context to allocate.
    for (let i = 0; i < params.length; i++) {
      const id: unknown = params[i];
      const path = indexPath(base, i);
      if (typeof id !== 'string') ctx.issues.push(error(path, 'type', `expected a property identifier, got ${show(id)}`));
      else if (!props.has(id)) unknownProperty(ctx, path, id);
      else {
        out.push(id);
        continue;
      }
      if (strict) out.push(id);
    }
    return finish(ctx, params, out.length === params.length ? params : out);
  }

  /**
   * `{<body>: …, time?}` params: an Alink event (`value`), an EnOS event (`events`) or EnOS
   * measure points (`measurepoints`). Anything else in params follows the policy.
   */
  function envelope(params: unknown, body: string, bodyTest: (v: unknown) => boolean, bodyExplain: (v: unknown, path: string, ctx: Ctx) => unknown, timed = true): TslResult {
    if (isRecord(params)) {
      let fast = true;
      let hasBody = false;
      for (const k in params) {
        if (k === body) {
          hasBody = true;
          if (!bodyTest(params[k])) fast = false;
        } else if (!timed || k !== 'time' || !isDate(params[k])) fast = false;
        if (!fast) break;
      }
      if (fast && hasBody) return VALID;
    }
    const ctx = newCtx();
    if (!isRecord(params)) {
      ctx.issues.push(error('params', 'not_object', `params must be an object, got ${show(params)}`));
      return finish(ctx, params, params);
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const k in params) {
      const x = params[k];
      if (k === body) {
        const r = bodyTest(x) ? x : bodyExplain(x, `params.${body}`, ctx);
        if (r !== x) changed = true;
        out[k] = r;
      } else if (timed && k === 'time') {
        if (!isDate(x)) ctx.issues.push(error('params.time', 'invalid_date', `time must be UTC milliseconds, got ${show(x)}`));
        out[k] = x;
      } else if (strict) ctx.issues.push(error(childPath('params', k), 'unknown_key', `params hold ${timed ? `${body} and time` : `only ${body}`}, got ${describe(k)}`));
      else {
        ctx.issues.push(warning(childPath('params', k), 'unknown_key', `params hold ${timed ? `${body} and time` : `only ${body}`}, got ${describe(k)}; dropped`));
        changed = true;
      }
    }
    if (!Object.prototype.hasOwnProperty.call(params, body)) ctx.issues.push(error(`params.${body}`, 'missing', `params.${body} is missing`));
    return finish(ctx, params, changed ? out : params);
  }

  function eventPost(eventId: string, params: unknown, body: string): TslResult {
    const e = events.get(eventId);
    if (e === undefined) {
      const ctx = newCtx();
      ctx.issues.push(error('method', 'unknown_event', `event ${describe(eventId)} is not defined by the model`));
      return finish(ctx, params, params);
    }
    return envelope(params, body, e.test, e.explain);
  }

  // EnOS measure points are the model's properties, sent bare or as {value, quality?}.
  function pointTest(p: PostNode, v: unknown): boolean {
    if (test(p.node, v)) return true;
    if (!p.wrappable || typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    let hasValue = false;
    for (const k in o) {
      if (k === 'value') hasValue = true;
      else if (k !== 'quality' || !Number.isInteger(o[k])) return false;
    }
    return hasValue && test(p.node, o['value']);
  }

  /** The number of measure points, or -1 when one fails. */
  function pointsCount(v: unknown): number {
    if (!isRecord(v)) return -1;
    let hint = 0;
    let n = 0;
    for (const k in v) {
      const i = keyAt(propKeys, k, hint);
      if (i < 0 || !pointTest(postNodes[i]!, v[k])) return -1;
      hint = i + 1;
      n++;
    }
    return n;
  }

  const pointsTest = (v: unknown): boolean => pointsCount(v) >= 0;

  /**
   * `skip` is EnOS `skipInvalidMeasurepoints` under the platform policy: the platform drops an
   * invalid or unknown point and stores the rest, so its errors become warnings and it leaves
   * `value`, whatever the policy of the validator the point's device has.
   */
  function pointsExplain(v: unknown, path: string, ctx: Ctx, skip = false): unknown {
    if (!isRecord(v)) {
      ctx.issues.push(error(path, 'not_object', `measurepoints must be an object, got ${show(v)}`));
      return v;
    }
    let changes: Map<string, unknown> | undefined;
    let skipped: Set<string> | undefined;
    let dropped = false;
    for (const k in v) {
      const p = props.get(k);
      if (p === undefined) {
        const at = childPath(path, k);
        if (strict && !skip) ctx.issues.push(error(at, 'unknown_measurepoint', `${describe(k)} is not a measure point of the model`));
        else {
          ctx.issues.push(warning(at, 'unknown_measurepoint', `${describe(k)} is not a measure point of the model; dropped`));
          dropped = true;
        }
        continue;
      }
      const x = v[k];
      if (pointTest(p, x)) continue;
      const at = childPath(path, k);
      const mark = ctx.issues.length;
      let r: unknown;
      if (isWrapped(p, x)) {
        const inner = x['value'];
        const ri = test(p.node, inner) ? inner : explain(p.node, inner, childPath(at, 'value'), ctx);
        for (const key in x) {
          if (key === 'quality' && !Number.isInteger(x[key])) ctx.issues.push(error(childPath(at, 'quality'), 'type', `quality must be an integer, got ${show(x[key])}`));
          else if (key !== 'value' && key !== 'quality') ctx.issues.push(error(childPath(at, key), 'unknown_key', `a {value, quality} point holds nothing else, got ${describe(key)}`));
        }
        r = ri === inner ? x : { ...pickPoint(x), value: ri };
      } else r = explain(p.node, x, at, ctx);
      if (skip && ctx.issues.length > mark) {
        demote(ctx.issues, mark, 'skipped (skipInvalidMeasurepoints)');
        (skipped ??= new Set()).add(k);
        dropped = true;
      } else if (r !== x) (changes ??= new Map()).set(k, r);
    }
    if (changes === undefined && !dropped) return v;
    const out: Record<string, unknown> = {};
    for (const k in v) if (props.has(k) && skipped?.has(k) !== true) put(out, k, changes?.has(k) ? changes.get(k) : v[k]);
    return out;
  }

  // Pack and history posts carry every property and event as {value, time?}, never bare, so
  // the struct-with-a-`value`-member ambiguity of property posts cannot arise.
  function stampTest(node: Node, v: unknown, timeRequired: boolean): boolean {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    let hasValue = false;
    let hasTime = false;
    for (const k in o) {
      if (k === 'value') hasValue = true;
      else if (k === 'time' && isDate(o[k])) hasTime = true;
      else return false;
    }
    return hasValue && (hasTime || !timeRequired) && test(node, o['value']);
  }

  function stampExplain(node: Node, v: unknown, path: string, ctx: Ctx, timeRequired: boolean): unknown {
    if (!isRecord(v)) {
      ctx.issues.push(error(path, 'not_object', `expected {value, time${timeRequired ? '' : '?'}}, got ${show(v)}`));
      return v;
    }
    let out: Record<string, unknown> | undefined;
    for (const k in v) {
      const x = v[k];
      if (k === 'value') {
        const r = test(node, x) ? x : explain(node, x, childPath(path, 'value'), ctx);
        if (r !== x) (out ??= pick(v))['value'] = r;
      } else if (k === 'time') {
        if (!isDate(x)) ctx.issues.push(error(childPath(path, 'time'), 'invalid_date', `time must be UTC milliseconds, got ${show(x)}`));
      } else ctx.issues.push(error(childPath(path, k), 'unknown_key', `a {value, time} entry holds nothing else, got ${describe(k)}`));
    }
    if (!hasOwn.call(v, 'value')) ctx.issues.push(error(childPath(path, 'value'), 'missing', 'value is missing'));
    if (timeRequired && !hasOwn.call(v, 'time')) ctx.issues.push(error(childPath(path, 'time'), 'missing', 'time is missing (historical data carries the time of each entry)'));
    return out ?? v;
  }

  /** Properties of a pack or history post: the number of entries, or -1 when one fails. */
  function stampedTest(v: unknown, timeRequired: boolean): number {
    if (!isRecord(v)) return -1;
    let hint = 0;
    let n = 0;
    for (const k in v) {
      const i = keyAt(propKeys, k, hint);
      if (i < 0 || !stampTest(postNodes[i]!.node, v[k], timeRequired)) return -1;
      hint = i + 1;
      n++;
    }
    return n;
  }

  function eventsTest(v: unknown, timeRequired: boolean): number {
    if (!isRecord(v)) return -1;
    let n = 0;
    for (const k in v) {
      const e = events.get(k);
      if (e === undefined || !stampTest(e.output, v[k], timeRequired)) return -1;
      n++;
    }
    return n;
  }

  // The platform checks a pack or history post against the model as a whole and fails it on
  // any mismatch (no dropping), so unknown identifiers are errors under both policies here.
  function stampedMapExplain(v: unknown, path: string, ctx: Ctx, timeRequired: boolean, ofEvents: boolean): unknown {
    const what = ofEvents ? 'event' : 'property';
    if (!isRecord(v)) {
      ctx.issues.push(error(path, 'not_object', `${ofEvents ? 'events' : 'properties'} must be an object, got ${show(v)}`));
      return v;
    }
    let changes: Map<string, unknown> | undefined;
    for (const k in v) {
      const node = ofEvents ? events.get(k)?.output : props.get(k)?.node;
      const at = childPath(path, k);
      if (node === undefined) {
        ctx.issues.push(error(at, `unknown_${what}`, `${describe(k)} is not ${ofEvents ? 'an event' : 'a property'} of the model`));
        continue;
      }
      const x = v[k];
      const r = stampTest(node, x, timeRequired) ? x : stampExplain(node, x, at, ctx, timeRequired);
      if (r !== x) (changes ??= new Map()).set(k, r);
    }
    if (changes === undefined) return v;
    const out: Record<string, unknown> = {};
    for (const k in v) if (ofEvents ? events.has(k) : props.has(k)) put(out, k, changes.has(k) ? changes.get(k) : v[k]);
    return out;
  }

  // EnOS attributes: the model's `attributes` list, set and queried apart from measure points.
  const attributes = model.attributes ?? [];
  const attrNodes = attributes.map((a) => compileType(a.dataType));
  const attrKeys = makeKeys(attributes.map((a) => a.identifier));
  const attrIndex = attrKeys.index;

  function attrsTest(v: unknown): boolean {
    if (!isRecord(v)) return false;
    let hint = 0;
    for (const k in v) {
      const i = keyAt(attrKeys, k, hint);
      if (i < 0 || !test(attrNodes[i]!, v[k])) return false;
      hint = i + 1;
    }
    return true;
  }

  function unknownAttribute(ctx: Ctx, path: string, id: string): void {
    if (strict) ctx.issues.push(error(path, 'unknown_attribute', `${describe(id)} is not an attribute of the model`));
    else ctx.issues.push(warning(path, 'unknown_attribute', `${describe(id)} is not an attribute of the model; dropped`));
  }

  function attrsExplain(v: unknown, path: string, ctx: Ctx): unknown {
    if (!isRecord(v)) {
      ctx.issues.push(error(path, 'not_object', `attributes must be an object, got ${show(v)}`));
      return v;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const k in v) {
      const i = attrIndex.get(k);
      const at = childPath(path, k);
      if (i === undefined) {
        unknownAttribute(ctx, at, k);
        if (!strict) changed = true;
        continue;
      }
      const x = v[k];
      const n = attrNodes[i]!;
      const r = test(n, x) ? x : explain(n, x, at, ctx);
      if (r !== x) changed = true;
      put(out, k, r);
    }
    return changed ? out : v;
  }

  function attrIdsTest(v: unknown): boolean {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) {
      const id: unknown = v[i];
      if (typeof id !== 'string' || !attrIndex.has(id)) return false;
    }
    return true;
  }

  function attrIdsExplain(v: unknown, path: string, ctx: Ctx): unknown {
    if (!Array.isArray(v)) {
      ctx.issues.push(error(path, 'not_array', `attributes must be an array of attribute identifiers, got ${show(v)}`));
      return v;
    }
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const id: unknown = v[i];
      const at = indexPath(path, i);
      if (typeof id !== 'string') ctx.issues.push(error(at, 'type', `expected an attribute identifier, got ${show(id)}`));
      else if (!attrIndex.has(id)) unknownAttribute(ctx, at, id);
      else {
        out.push(id);
        continue;
      }
      if (strict) out.push(id);
    }
    return out.length === v.length ? v : out;
  }

  function paramsOf(node: Node, input: unknown, base: string): TslResult {
    if (test(node, input)) return VALID;
    const ctx = newCtx();
    return finish(ctx, input, explain(node, input, base, ctx));
  }

  function unknownService(serviceId: string, input: unknown): TslResult {
    const ctx = newCtx();
    ctx.issues.push(error('method', 'unknown_service', `service ${describe(serviceId)} is not defined by the model`));
    return finish(ctx, input, input);
  }

  // A reply with nothing to say may carry no data at all (seed §9.5: "the value of data is empty").
  const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '';

  // A get reply carries current values of any readable property, in the bare form.
  function replyOfGet(data: unknown): TslResult {
    if (isEmpty(data)) return VALID;
    if (isRecord(data)) {
      let fast = true;
      for (const k in data) {
        const p = props.get(k);
        if (p === undefined || !test(p.node, data[k])) {
          fast = false;
          break;
        }
      }
      if (fast) return VALID;
    }
    const ctx = newCtx();
    if (!isRecord(data)) {
      ctx.issues.push(error('data', 'not_object', `data must be an object, got ${show(data)}`));
      return finish(ctx, data, data);
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const k in data) {
      const p = props.get(k);
      const path = childPath('data', k);
      if (p === undefined) {
        unknownProperty(ctx, path, k);
        if (!strict) changed = true;
        continue;
      }
      const x = data[k];
      const r = test(p.node, x) ? x : explain(p.node, x, path, ctx);
      if (r !== x) changed = true;
      put(out, k, r);
    }
    return finish(ctx, data, changed ? out : data);
  }

  const internals: Internals = {
    strict,
    coerce,
    pointsTest: pointsCount,
    pointsExplain,
    stampedTest,
    stampedExplain: (v, path, ctx, timeRequired) => stampedMapExplain(v, path, ctx, timeRequired, false),
    eventsTest,
    eventsExplain: (v, path, ctx, timeRequired) => stampedMapExplain(v, path, ctx, timeRequired, true),
    attributesTest: attrsTest,
    attributesExplain: attrsExplain,
  };

  const validator: TslValidator = {
    model,
    propertyPost: (params) => propertyMap(params, 'params', false),
    propertySet: (params) => propertyMap(params, 'params', true),
    propertyGet: (params) => propertyGet(params, 'params'),
    eventPost: (eventId, params) => eventPost(eventId, params, eventBody),
    measurepointPost: (params) => envelope(params, 'measurepoints', pointsTest, pointsExplain),
    serviceCall(serviceId, params) {
      const s = services.get(serviceId);
      if (s === undefined) return unknownService(serviceId, params);
      if (s.service.method === PROPERTY_SET_METHOD) return propertyMap(params, 'params', true);
      if (s.service.method === PROPERTY_GET_METHOD) return propertyGet(params, 'params');
      return paramsOf(s.input, params, 'params');
    },
    serviceReply(serviceId, data) {
      const s = services.get(serviceId);
      if (s === undefined) return unknownService(serviceId, data);
      if (s.service.method === PROPERTY_GET_METHOD) return replyOfGet(data);
      if (isEmpty(data)) return s.service.outputData.length === 0 || !strict ? VALID : paramsOf(s.output, {}, 'data');
      return paramsOf(s.output, data, 'data');
    },
    attributeUpdate: (params) => envelope(params, 'attributes', attrsTest, attrsExplain, false),
    attributeQuery: (params) => envelope(params, 'attributes', attrIdsTest, attrIdsExplain, false),
    attributeDelete: (params) => envelope(params, 'attributes', attrIdsTest, attrIdsExplain, false),
    attributeQueryReply(data) {
      if (attrsTest(data)) return VALID;
      const ctx = newCtx();
      return finish(ctx, data, attrsExplain(data, 'data', ctx));
    },
    measurepointSet(params) {
      if (pointsTest(params)) return VALID;
      const ctx = newCtx();
      return finish(ctx, params, pointsExplain(params, 'params', ctx));
    },
    deviceRegister: (params, lookup) => deviceRegister(validator, internals, params, lookup),
    measurepointPostBatch: (params, lookup, message) => measurepointBatch(validator, internals, params, lookup, message),
    propertyPackPost: (params, lookup) => packPost(validator, internals, params, lookup),
    propertyHistoryPost: (params, lookup) => historyPost(validator, internals, params, lookup),
  };
  internalsOf.set(validator, internals);
  return validator;
}

function demote(issues: TslIssue[], from: number, why: string): void {
  for (let j = from; j < issues.length; j++) {
    const i = issues[j]!;
    if (i.severity === 'error') issues[j] = { ...i, severity: 'warning', message: `${i.message}; ${why}` };
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The Alink reply code a platform would answer a validated property post with: 200, 6106 or 460. */
export function alinkReplyCode(result: TslResult): number {
  if (typeof result !== 'object' || result === null || (!result.ok && !Array.isArray(result.issues))) throw new TslError('invalid_result', `not a TslResult: ${describe(result)}`);
  if (result.ok) return 200;
  return result.issues.some((i) => typeof i === 'object' && i !== null && i.code === 'too_many_properties') ? 6106 : 460;
}
