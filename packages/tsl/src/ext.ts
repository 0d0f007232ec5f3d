import { describe, isRecord, parseJson } from '@linkwire/base';
import { readingModel, TslError, type TslIssue } from './errors.ts';
import type { TslModel, TslParam, TslProfile } from './model.ts';
import { isTslIdentifier } from './parse.ts';
import { error, indexPath, show, warning } from './paths.ts';

/** One feature's extended information: its identifier and every other field as given. */
export interface TslExtEntry {
  readonly identifier: string;
  /** Protocol-specific fields (Modbus `registerAddress`, `operateType`, OPC UA `displayName`, …). */
  readonly ext: Readonly<Record<string, unknown>>;
  /** For services and events: the parameters named in `inputData`/`outputData`, with their fields. */
  readonly inputData?: readonly TslExtEntry[];
  readonly outputData?: readonly TslExtEntry[];
}

/**
 * A product's TSL extended information (seed §9.6 `modelList`, Link IoT Edge
 * `getTslExtInfo`): how each property, event and service maps onto a field protocol.
 */
export interface TslExtInfo {
  readonly profile: TslProfile;
  readonly properties: readonly TslExtEntry[];
  readonly events: readonly TslExtEntry[];
  readonly services: readonly TslExtEntry[];
}

export interface TslExtInfoResult {
  readonly ok: boolean;
  readonly ext: TslExtInfo;
  readonly issues: readonly TslIssue[];
}

type Obj = Record<string, unknown>;

/**
 * Parses TSL extended information and, given the product's model, checks that every
 * property, event, service and parameter it configures exists in the model, so a gateway
 * does not poll a register for a property the cloud would drop.
 *
 * @example
 * ```ts
 * const { ok, ext, issues } = parseTslExtInfo(modelListEntry, model);
 * ext.properties[0]; // { identifier: 'test01', ext: { registerAddress: '0x03', operateType: 'inputStatus', … } }
 * ```
 */
export function parseTslExtInfo(input: string | Uint8Array | unknown, model?: TslModel): TslExtInfoResult {
  if (model !== undefined) return readingModel('parseTslExtInfo', () => readExtInfo(input, model));
  return readExtInfo(input, model);
}

function readExtInfo(input: unknown, model: TslModel | undefined): TslExtInfoResult {
  let doc: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      doc = parseJson(input, { maxBytes: 4 << 20 });
    } catch (e) {
      const err = e as { message: string; offset?: number };
      throw new TslError('invalid_json', `TSL extended information is not JSON: ${err.message}`, err.offset);
    }
  }
  const issues: TslIssue[] = [];
  if (!isRecord(doc)) {
    issues.push(error('', 'not_object', `extended information is a JSON object, got ${show(doc)}`));
    return { ok: false, ext: { profile: {}, properties: [], events: [], services: [] }, issues };
  }
  const profile: { productKey?: string } = {};
  const p = doc['profile'];
  if (isRecord(p) && typeof p['productKey'] === 'string') {
    profile.productKey = p['productKey'];
    const want = model?.profile.productKey;
    if (want !== undefined && want !== profile.productKey) {
      issues.push(warning('profile.productKey', 'product_mismatch', `extended information is for ${describe(profile.productKey)}, the model for ${describe(want)}`));
    }
  }
  const known = <T extends { identifier: string }>(list: readonly T[] | undefined): Map<string, T> | undefined =>
    list === undefined ? undefined : new Map(list.map((x) => [x.identifier, x]));
  const props = known(model?.properties);
  const events = known(model?.events);
  const services = known(model?.services);
  const ext: TslExtInfo = {
    profile,
    properties: entries(doc['properties'], 'properties', issues, (id) => props === undefined || props.has(id), undefined),
    events: entries(doc['events'], 'events', issues, (id) => events === undefined || events.has(id), (id) => ({ output: events?.get(id)?.outputData })),
    services: entries(doc['services'], 'services', issues, (id) => services === undefined || services.has(id), (id) => {
      const s = services?.get(id);
      return { input: s === undefined ? undefined : s.inputIdentifiers !== undefined ? s.inputIdentifiers.map((i) => ({ identifier: i })) : s.inputData, output: s?.outputData };
    }),
  };
  return { ok: !issues.some((i) => i.severity === 'error'), ext, issues };
}

type ParamLists = { input?: readonly Pick<TslParam, 'identifier'>[] | undefined; output?: readonly Pick<TslParam, 'identifier'>[] | undefined };

function entries(raw: unknown, path: string, issues: TslIssue[], exists: (id: string) => boolean, params: ((id: string) => ParamLists) | undefined): TslExtEntry[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) {
    issues.push(error(path, 'not_array', `${path} must be an array, got ${show(raw)}`));
    return [];
  }
  const out: TslExtEntry[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const at = indexPath(path, i);
    const entry = readEntry(item, at, issues);
    if (entry === undefined) return;
    if (seen.has(entry.identifier)) {
      issues.push(error(`${at}.identifier`, 'duplicate_identifier', `identifier ${describe(entry.identifier)} appears twice`));
      return;
    }
    seen.add(entry.identifier);
    if (!exists(entry.identifier)) {
      issues.push(error(`${at}.identifier`, 'unknown_identifier', `${describe(entry.identifier)} is not defined by the model`));
    }
    if (params === undefined || !isRecord(item)) {
      out.push(entry);
      return;
    }
    const lists = params(entry.identifier);
    const full: { -readonly [K in keyof TslExtEntry]: TslExtEntry[K] } = { ...entry };
    const input = paramEntries(item['inputData'], `${at}.inputData`, issues, lists.input);
    const output = paramEntries(item['outputData'], `${at}.outputData`, issues, lists.output);
    if (input !== undefined) full.inputData = input;
    if (output !== undefined) full.outputData = output;
    out.push(full);
  });
  return out;
}

function paramEntries(raw: unknown, path: string, issues: TslIssue[], defined: readonly Pick<TslParam, 'identifier'>[] | undefined): TslExtEntry[] | undefined {
  // The seed writes an empty list as "".
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (!Array.isArray(raw)) {
    issues.push(error(path, 'not_array', `expected a list of parameters, got ${show(raw)}`));
    return undefined;
  }
  const ids = defined === undefined ? undefined : new Set(defined.map((d) => d.identifier));
  const out: TslExtEntry[] = [];
  raw.forEach((item, i) => {
    const at = indexPath(path, i);
    const entry = readEntry(item, at, issues);
    if (entry === undefined) return;
    if (ids !== undefined && !ids.has(entry.identifier)) {
      issues.push(error(`${at}.identifier`, 'unknown_identifier', `parameter ${describe(entry.identifier)} is not defined by the model`));
    }
    out.push(entry);
  });
  return out;
}

function readEntry(item: unknown, path: string, issues: TslIssue[]): TslExtEntry | undefined {
  if (!isRecord(item)) {
    issues.push(error(path, 'not_object', `expected an object, got ${show(item)}`));
    return undefined;
  }
  const id = item['identifier'];
  if (typeof id !== 'string' || !isTslIdentifier(id)) {
    issues.push(error(`${path}.identifier`, typeof id === 'string' ? 'invalid_identifier' : 'missing', `expected an identifier, got ${show(id)}`));
    return undefined;
  }
  const ext: Record<string, unknown> = {};
  for (const k of Object.keys(item)) {
    if (k !== 'identifier' && k !== 'inputData' && k !== 'outputData' && k !== '__proto__') ext[k] = item[k];
  }
  return { identifier: id, ext };
}
