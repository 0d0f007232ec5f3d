import { describe, isRecord, parseJson, type JsonLimits } from '@linkwire/base';
import { TslError, type TslIssue } from './errors.ts';
import {
  PROPERTY_GET_METHOD,
  TSL_LIMITS,
  type TslDataType,
  type TslEnumValue,
  type TslEvent,
  type TslModel,
  type TslParam,
  type TslProfile,
  type TslProperty,
  type TslService,
} from './model.ts';
import { childPath, error, indexPath, show, warning } from './paths.ts';

/** What {@link parseTsl} returns: the usable part of the model and everything wrong with it. */
export interface TslParseResult {
  /** True when no issue is an error (warnings allowed). */
  readonly ok: boolean;
  /** The model with every element that could not be understood left out. */
  readonly model: TslModel;
  readonly issues: readonly TslIssue[];
}

export interface TslParseOptions extends JsonLimits {}

const IDENTIFIER = /^[A-Za-z0-9_]{1,50}$/;
// These would reach an object's prototype chain when a validator copies a value keyed by them.
const FORBIDDEN_IDENTIFIERS = new Set(['__proto__', 'constructor', 'prototype']);
const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const TYPES = new Set(['int', 'float', 'double', 'text', 'date', 'bool', 'enum', 'struct', 'array']);

/** Whether `s` is an identifier the platform accepts: 1–50 letters, digits and underscores. */
export function isTslIdentifier(s: string): boolean {
  return typeof s === 'string' && IDENTIFIER.test(s) && !FORBIDDEN_IDENTIFIERS.has(s);
}

/**
 * Parses a TSL document (JSON text, UTF-8 bytes or an already parsed value) into a
 * {@link TslModel}, accepting what real models contain: numbers written as strings
 * (`"min": "0"`), a property-get service whose `inputData` is a list of identifiers, missing
 * optional fields, `unit`/`unitName`. Structural problems (unknown type, min > max, duplicate
 * or malformed identifiers, array size out of range, an enum without values…) are issues
 * with a path; only input that is not JSON at all throws a {@link TslError}.
 *
 * @example
 * ```ts
 * const { ok, model, issues } = parseTsl('{"properties":[{"identifier":"temp","accessMode":"rw",' +
 *   '"dataType":{"type":"float","specs":{"min":"-40","max":"120"}}}]}');
 * ok;                                  // true
 * model.properties[0]?.dataType;       // { type: 'float', min: -40, max: 120 }
 * issues;                              // []
 * ```
 */
export function parseTsl(input: string | Uint8Array | unknown, options?: TslParseOptions): TslParseResult {
  let doc: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      doc = parseJson(input, { maxBytes: options?.maxBytes ?? 4 << 20, maxDepth: options?.maxDepth ?? 64 });
    } catch (e) {
      const err = e as { message: string; offset?: number };
      throw new TslError('invalid_json', `TSL document is not JSON: ${err.message}`, err.offset);
    }
  }
  const issues: TslIssue[] = [];
  // A thing.dsltemplate.get reply (§9.9) carries the model in `data`: read it there rather than
  // return an empty model that validates nothing.
  if (isRecord(doc) && isRecord(doc['data']) && !('properties' in doc || 'events' in doc || 'services' in doc || 'profile' in doc)) {
    issues.push(warning('', 'reply_envelope', 'the input is an Alink reply; the model was read from its data'));
    doc = doc['data'];
  }
  const model = readModel(doc, issues);
  return { ok: !issues.some((i) => i.severity === 'error'), model, issues };
}

type Obj = Record<string, unknown>;
const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

function readModel(doc: unknown, issues: TslIssue[]): TslModel {
  if (!isRecord(doc)) {
    issues.push(error('', 'not_object', `a TSL document is a JSON object, got ${show(doc)}`));
    return { profile: {}, properties: [], events: [], services: [] };
  }
  const profile: { productKey?: string; deviceName?: string } = {};
  const p = own(doc, 'profile');
  if (isRecord(p)) {
    const pk = optString(p, 'productKey', 'profile', issues);
    const dn = optString(p, 'deviceName', 'profile', issues);
    if (pk !== undefined) profile.productKey = pk;
    if (dn !== undefined) profile.deviceName = dn;
  } else if (p !== undefined) issues.push(error('profile', 'not_object', `profile must be an object, got ${show(p)}`));

  const properties = readList(doc, 'properties', issues, readProperty);
  const events = readList(doc, 'events', issues, readEvent);
  const propertyIds = new Set(properties.map((x) => x.identifier));
  const services = readList(doc, 'services', issues, (o, path, is) => readService(o, path, is, propertyIds));

  const model: { schema?: string; link?: string; profile: TslProfile; properties: TslProperty[]; events: TslEvent[]; services: TslService[]; attributes?: TslProperty[] } = {
    profile,
    properties,
    events,
    services,
  };
  // EnOS attributes: the same element shape as properties, in their own list (README).
  if (own(doc, 'attributes') !== undefined) model.attributes = readList(doc, 'attributes', issues, readProperty);
  const schema = optString(doc, 'schema', '', issues);
  const link = optString(doc, 'link', '', issues);
  if (schema !== undefined) model.schema = schema;
  if (link !== undefined) model.link = link;
  return model;
}

function readList<T extends { identifier: string }>(
  doc: Obj,
  key: string,
  issues: TslIssue[],
  read: (v: Obj, path: string, issues: TslIssue[]) => T | undefined,
): T[] {
  const raw = own(doc, key);
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.push(error(key, 'not_array', `${key} must be an array, got ${show(raw)}`));
    return [];
  }
  const out: T[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const path = indexPath(key, i);
    if (!isRecord(item)) {
      issues.push(error(path, 'not_object', `expected an object, got ${show(item)}`));
      return;
    }
    const el = read(item, path, issues);
    if (el === undefined) return;
    if (seen.has(el.identifier)) {
      issues.push(error(`${path}.identifier`, 'duplicate_identifier', `identifier ${describe(el.identifier)} is already defined in ${key}`));
      return;
    }
    seen.add(el.identifier);
    out.push(el);
  });
  return out;
}

function readIdentifier(o: Obj, path: string, issues: TslIssue[]): string | undefined {
  const id = own(o, 'identifier');
  if (typeof id !== 'string') {
    issues.push(error(`${path}.identifier`, id === undefined ? 'missing' : 'type', `identifier must be a string, got ${show(id)}`));
    return undefined;
  }
  if (!isTslIdentifier(id)) {
    issues.push(error(`${path}.identifier`, 'invalid_identifier', `identifier ${describe(id)} is not 1-50 letters, digits and underscores (or is reserved)`));
    return undefined;
  }
  return id;
}

function optString(o: Obj, key: string, path: string, issues: TslIssue[]): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  // Some exports write numbers where a label belongs; keep the text, say so.
  if (typeof v === 'number' || typeof v === 'boolean') {
    issues.push(warning(childPath(path, key), 'type', `${key} should be a string, got ${show(v)}`));
    return String(v);
  }
  issues.push(error(childPath(path, key), 'type', `${key} must be a string, got ${show(v)}`));
  return undefined;
}

function optBoolean(o: Obj, key: string, path: string, issues: TslIssue[]): boolean {
  const v = own(o, key);
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false' || v === 0 || v === 1) {
    issues.push(warning(childPath(path, key), 'type', `${key} should be a boolean, got ${show(v)}`));
    return v === 'true' || v === 1;
  }
  issues.push(error(childPath(path, key), 'type', `${key} must be a boolean, got ${show(v)}`));
  return false;
}

/** A spec number: a JSON number or, as real models write them, a string holding one. Empty strings count as absent. */
function specNumber(specs: Obj, key: string, path: string, issues: TslIssue[]): number | undefined {
  const v = own(specs, key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && NUMBER_TEXT.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  issues.push(error(childPath(path, key), 'invalid_number', `${key} must be a number (or a string holding one), got ${show(v)}`));
  return undefined;
}

function readParams(raw: unknown, path: string, issues: TslIssue[], depth = 0): TslParam[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) {
    issues.push(error(path, 'not_array', `expected an array of parameters, got ${show(raw)}`));
    return [];
  }
  const out: TslParam[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const p = indexPath(path, i);
    if (!isRecord(item)) {
      issues.push(error(p, 'not_object', `a parameter is an object, got ${show(item)}`));
      return;
    }
    const param = readParam(item, p, issues, depth);
    if (param === undefined) return;
    if (seen.has(param.identifier)) {
      issues.push(error(`${p}.identifier`, 'duplicate_identifier', `identifier ${describe(param.identifier)} appears twice`));
      return;
    }
    seen.add(param.identifier);
    out.push(param);
  });
  return out;
}

function readParam(o: Obj, path: string, issues: TslIssue[], depth = 0): TslParam | undefined {
  const identifier = readIdentifier(o, path, issues);
  const dataType = readDataType(own(o, 'dataType'), `${path}.dataType`, issues, false, depth);
  if (identifier === undefined || dataType === undefined) return undefined;
  const name = optString(o, 'name', path, issues);
  return name === undefined ? { identifier, dataType } : { identifier, name, dataType };
}

function readProperty(o: Obj, path: string, issues: TslIssue[]): TslProperty | undefined {
  const param = readParam(o, path, issues);
  if (param === undefined) return undefined;
  let accessMode: 'r' | 'rw' = 'rw';
  const am = own(o, 'accessMode');
  if (am === 'r' || am === 'rw') accessMode = am;
  else if (am !== undefined) issues.push(error(`${path}.accessMode`, 'invalid_access_mode', `accessMode must be "r" or "rw", got ${show(am)}`));
  const prop: { -readonly [K in keyof TslProperty]: TslProperty[K] } = { ...param, accessMode, required: optBoolean(o, 'required', path, issues) };
  const desc = optString(o, 'desc', path, issues);
  if (desc !== undefined) prop.desc = desc;
  return prop;
}

function readEvent(o: Obj, path: string, issues: TslIssue[]): TslEvent | undefined {
  const identifier = readIdentifier(o, path, issues);
  if (identifier === undefined) return undefined;
  let type = optString(o, 'type', path, issues) ?? 'info';
  if (type !== 'info' && type !== 'alert' && type !== 'error') {
    issues.push(warning(`${path}.type`, 'unknown_event_type', `event type ${describe(type)} is not info, alert or error`));
  }
  const ev: { -readonly [K in keyof TslEvent]: TslEvent[K] } = {
    identifier,
    type,
    method: optString(o, 'method', path, issues) ?? `thing.event.${identifier}.post`,
    required: optBoolean(o, 'required', path, issues),
    outputData: readParams(own(o, 'outputData'), `${path}.outputData`, issues),
  };
  const name = optString(o, 'name', path, issues);
  const desc = optString(o, 'desc', path, issues);
  if (name !== undefined) ev.name = name;
  if (desc !== undefined) ev.desc = desc;
  return ev;
}

function readService(o: Obj, path: string, issues: TslIssue[], propertyIds: ReadonlySet<string>): TslService | undefined {
  const identifier = readIdentifier(o, path, issues);
  if (identifier === undefined) return undefined;
  let callType: 'async' | 'sync' = 'async';
  const ct = own(o, 'callType');
  if (ct === 'async' || ct === 'sync') callType = ct;
  else if (ct !== undefined) issues.push(error(`${path}.callType`, 'invalid_call_type', `callType must be "async" or "sync", got ${show(ct)}`));
  const sv: { -readonly [K in keyof TslService]: TslService[K] } = {
    identifier,
    method: optString(o, 'method', path, issues) ?? `thing.service.${identifier}`,
    callType,
    required: optBoolean(o, 'required', path, issues),
    inputData: [],
    outputData: readParams(own(o, 'outputData'), `${path}.outputData`, issues),
  };
  const input = own(o, 'inputData');
  // An empty list is ambiguous; only the get service's method says it lists identifiers.
  if (Array.isArray(input) && input.every((x) => typeof x === 'string') && (input.length > 0 || sv.method === PROPERTY_GET_METHOD)) {
    sv.inputIdentifiers = input as string[];
    // The platform tolerates a get list naming a property the model lacks (the seeds' own
    // example does it), so that is a warning, not an error.
    sv.inputIdentifiers.forEach((id, i) => {
      if (!propertyIds.has(id)) {
        issues.push(warning(`${path}.inputData[${i}]`, 'unknown_reference', `property ${describe(id)} is not defined by the model`));
      }
    });
  } else {
    sv.inputData = readParams(input, `${path}.inputData`, issues);
  }
  const name = optString(o, 'name', path, issues);
  const desc = optString(o, 'desc', path, issues);
  if (name !== undefined) sv.name = name;
  if (desc !== undefined) sv.desc = desc;
  return sv;
}

// Deeper than any real model; it bounds recursion for an already parsed (possibly cyclic) input.
const MAX_TYPE_DEPTH = 16;

function readDataType(raw: unknown, path: string, issues: TslIssue[], inArray: boolean, depth: number): TslDataType | undefined {
  if (depth > MAX_TYPE_DEPTH) {
    issues.push(error(path, 'too_deep', `data types nest deeper than ${MAX_TYPE_DEPTH} levels`));
    return undefined;
  }
  if (!isRecord(raw)) {
    issues.push(error(path, raw === undefined ? 'missing' : 'not_object', `dataType must be an object, got ${show(raw)}`));
    return undefined;
  }
  const type = own(raw, 'type');
  if (typeof type !== 'string' || !TYPES.has(type)) {
    issues.push(error(`${path}.type`, 'unknown_type', `unknown data type ${show(type)}`));
    return undefined;
  }
  const specsRaw = own(raw, 'specs');
  const specPath = `${path}.specs`;
  let specs: Obj = {};
  if (isRecord(specsRaw)) specs = specsRaw;
  else if (specsRaw !== undefined && specsRaw !== null && !(type === 'struct' && Array.isArray(specsRaw))) {
    if (!(typeof specsRaw === 'string' && specsRaw === '')) {
      issues.push(error(specPath, 'not_object', `specs must be an object, got ${show(specsRaw)}`));
    }
  }
  switch (type) {
    case 'int':
    case 'float':
    case 'double':
      return readNumberSpec(type, specs, specPath, issues);
    case 'text': {
      const length = specNumber(specs, 'length', specPath, issues) ?? TSL_LIMITS.maxTextLength;
      if (!Number.isInteger(length) || length < 1 || length > TSL_LIMITS.maxTextLength) {
        issues.push(error(`${specPath}.length`, 'out_of_range', `text length must be an integer in 1..${TSL_LIMITS.maxTextLength}, got ${length}`));
        return { type, length: TSL_LIMITS.maxTextLength };
      }
      return { type, length };
    }
    case 'date':
      return { type };
    case 'bool': {
      const labels: { 0?: string; 1?: string } = {};
      const l0 = own(specs, '0');
      const l1 = own(specs, '1');
      if (typeof l0 === 'string') labels[0] = l0;
      if (typeof l1 === 'string') labels[1] = l1;
      return { type, labels };
    }
    case 'enum':
      return readEnum(specs, specPath, issues);
    case 'struct': {
      if (!Array.isArray(specsRaw)) {
        issues.push(error(specPath, 'not_array', `struct specs is the array of its members, got ${show(specsRaw)}`));
        return undefined;
      }
      const members = readParams(specsRaw, specPath, issues, depth + 1);
      if (specsRaw.length === 0) issues.push(error(specPath, 'empty_struct', 'a struct needs at least one member'));
      return { type, members };
    }
    case 'array': {
      if (inArray) {
        issues.push(error(`${path}.type`, 'unsupported_item_type', 'an array cannot hold arrays'));
        return undefined;
      }
      const size = specNumber(specs, 'size', specPath, issues);
      const item = readDataType(own(specs, 'item'), `${specPath}.item`, issues, true, depth + 1);
      if (size === undefined || !Number.isInteger(size) || size < 1 || size > TSL_LIMITS.maxArraySize) {
        issues.push(error(`${specPath}.size`, size === undefined ? 'missing' : 'out_of_range', `array size must be an integer in 1..${TSL_LIMITS.maxArraySize}, got ${show(own(specs, 'size'))}`));
        return undefined;
      }
      if (item === undefined) return undefined;
      return { type, size, item };
    }
  }
  return undefined;
}

function readNumberSpec(type: 'int' | 'float' | 'double', specs: Obj, path: string, issues: TslIssue[]): TslDataType {
  const out: { type: typeof type; min?: number; max?: number; step?: number; unit?: string; unitName?: string } = { type };
  const min = specNumber(specs, 'min', path, issues);
  const max = specNumber(specs, 'max', path, issues);
  const step = specNumber(specs, 'step', path, issues);
  const limit = type === 'int' ? null : type === 'float' ? TSL_LIMITS.floatMax : Number.MAX_VALUE;
  const check = (v: number | undefined, key: string): number | undefined => {
    if (v === undefined) return undefined;
    if (type === 'int' && !Number.isInteger(v)) {
      issues.push(error(`${path}.${key}`, 'not_integer', `${key} of an int must be an integer, got ${v}`));
      return undefined;
    }
    if (limit === null ? v < TSL_LIMITS.int32Min || v > TSL_LIMITS.int32Max : Math.abs(v) > limit) {
      issues.push(error(`${path}.${key}`, 'out_of_range', `${key} ${v} is outside the range of ${type}`));
      return undefined;
    }
    return v;
  };
  const lo = check(min, 'min');
  const hi = check(max, 'max');
  if (lo !== undefined) out.min = lo;
  if (hi !== undefined) out.max = hi;
  if (lo !== undefined && hi !== undefined && lo > hi) issues.push(error(`${path}.min`, 'min_above_max', `min ${lo} is greater than max ${hi}`));
  if (step !== undefined) {
    if (step < 0) issues.push(error(`${path}.step`, 'out_of_range', `step must not be negative, got ${step}`));
    else out.step = step;
  }
  const unit = optString(specs, 'unit', path, issues);
  const unitName = optString(specs, 'unitName', path, issues);
  if (unit !== undefined) out.unit = unit;
  if (unitName !== undefined) out.unitName = unitName;
  return out;
}

function readEnum(specs: Obj, path: string, issues: TslIssue[]): TslDataType | undefined {
  const values: TslEnumValue[] = [];
  for (const key of Object.keys(specs)) {
    const n = Number(key);
    if (!/^-?(?:0|[1-9][0-9]*)$/.test(key) || n < TSL_LIMITS.int32Min || n > TSL_LIMITS.int32Max) {
      issues.push(error(childPath(path, key), 'invalid_enum_key', `enum keys are 32-bit integers, got ${describe(key)}`));
      continue;
    }
    const label = specs[key];
    if (typeof label !== 'string') {
      issues.push(error(childPath(path, key), 'type', `enum label must be a string, got ${show(label)}`));
      continue;
    }
    values.push({ value: n, label });
  }
  if (values.length === 0) {
    issues.push(error(path, 'empty_enum', 'an enum needs at least one value'));
    return undefined;
  }
  values.sort((a, b) => a.value - b.value);
  return { type: 'enum', values };
}
