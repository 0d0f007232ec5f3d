import { checkJsonTree, isRecord, JsonError, parseJson, type Issue, type JsonValue } from '@linkwire/base';
import { validateCredentialFields } from '@linkwire/sign';
import { EdgeError } from './errors.ts';

/** Node SDK constants: the keys of a ThingAccessClient config and callbacks object (seed §1.2). */
export const PRODUCT_KEY = 'productKey';
export const DEVICE_NAME = 'deviceName';
export const LOCAL_NAME = 'localName';
export const CALL_SERVICE = 'callService';
export const GET_PROPERTIES = 'getProperties';
export const SET_PROPERTIES = 'setProperties';
/** The callbacks' result codes: 0 for success; -3 is what the official Node SDK sends for failure. */
export const RESULT_SUCCESS = 0;
export const RESULT_FAILURE = -3;

/** The seed's error codes, one per driver call (§1.2 "Constants"). */
export const ERROR_CLEANUP = 'ERROR_CLEANUP';
export const ERROR_CONNECT = 'ERROR_CONNECT';
export const ERROR_DISCONNECT = 'ERROR_DISCONNECT';
export const ERROR_GET_CONFIG = 'ERROR_GET_CONFIG';
export const ERROR_GET_TSL = 'ERROR_GET_TSL';
export const ERROR_GET_TSL_EXT_INFO = 'ERROR_GET_TSL_EXT_INFO';
export const ERROR_UNREGISTER = 'ERROR_UNREGISTER';

/** A driver configuration document larger than this is refused (1 MiB). */
export const MAX_CONFIG_BYTES = 1 << 20;
/** The deepest nesting a driver configuration may have (parseJson's default). */
const CONFIG_MAX_DEPTH = 64;
/** The seed's gateway limit: at most 1500 sub-devices per gateway (device guide, error 428). */
export const MAX_THINGS = 1500;

/** One device a driver serves: seed §1.2 `ThingInfo(productKey, deviceName, custom)`. */
export class ThingInfo {
  readonly productKey: string;
  readonly deviceName: string;
  /** The device's custom configuration, `{}` when the document has none. */
  readonly custom: { readonly [key: string]: JsonValue };
  /** Set when the document named the device by `localName` (seed: a device name chosen on premises). */
  readonly localName: string | undefined;
  constructor(productKey: string, deviceName: string, custom: { readonly [key: string]: JsonValue } = {}, localName?: string) {
    this.productKey = productKey;
    this.deviceName = deviceName;
    this.custom = custom;
    this.localName = localName;
  }
}

/** The driver's own configuration (`config` of the document, C `leda_get_driver_info`). */
export interface DriverInfo {
  readonly json?: { readonly [key: string]: JsonValue };
  readonly kv?: readonly { readonly key: string; readonly value: string; readonly note?: string }[];
  readonly fileList?: readonly { readonly path: string }[];
  /** Members the seed does not name are kept as given. */
  readonly [key: string]: unknown;
}

export interface ConfigParseResult {
  readonly ok: boolean;
  /** Present when `ok`: the document with every device and the driver info. */
  readonly config: Config | undefined;
  readonly issues: readonly Issue[];
}

function issue(path: string, code: string, message: string): Issue {
  return { path, code, message };
}

function readCustom(v: unknown, path: string, issues: Issue[]): { [key: string]: JsonValue } {
  if (v === undefined || v === null) return {};
  // Consoles store the custom config as a JSON string as often as an object: both are read.
  if (typeof v === 'string') {
    if (v.trim() === '') return {};
    try {
      v = parseJson(v, { maxBytes: MAX_CONFIG_BYTES });
    } catch (e) {
      issues.push(issue(path, 'invalid_json', `custom is a string that is not JSON: ${(e as Error).message}`));
      return {};
    }
  }
  if (!isRecord(v)) {
    issues.push(issue(path, 'invalid_type', 'custom must be an object'));
    return {};
  }
  return v as { [key: string]: JsonValue };
}

function readDriverInfo(v: unknown, issues: Issue[]): DriverInfo {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    issues.push(issue('config', 'invalid_type', 'config must be an object'));
    return {};
  }
  const json = v['json'];
  if (json !== undefined && !isRecord(json)) issues.push(issue('config.json', 'invalid_type', 'config.json must be an object'));
  const kv = v['kv'];
  if (kv !== undefined) {
    if (!Array.isArray(kv)) issues.push(issue('config.kv', 'invalid_type', 'config.kv must be an array'));
    else
      kv.forEach((e: unknown, i) => {
        const p = `config.kv[${i}]`;
        if (!isRecord(e)) return issues.push(issue(p, 'invalid_type', 'a kv entry must be an object'));
        if (typeof e['key'] !== 'string' || e['key'] === '') issues.push(issue(`${p}.key`, 'missing_field', 'key must be a non-empty string'));
        if (typeof e['value'] !== 'string') issues.push(issue(`${p}.value`, 'invalid_type', 'value must be a string'));
        if (e['note'] !== undefined && typeof e['note'] !== 'string') issues.push(issue(`${p}.note`, 'invalid_type', 'note must be a string'));
        return undefined;
      });
  }
  const files = v['fileList'];
  if (files !== undefined) {
    if (!Array.isArray(files)) issues.push(issue('config.fileList', 'invalid_type', 'config.fileList must be an array'));
    else
      files.forEach((e: unknown, i) => {
        if (!isRecord(e) || typeof e['path'] !== 'string' || e['path'] === '') issues.push(issue(`config.fileList[${i}].path`, 'missing_field', 'path must be a non-empty string'));
      });
  }
  return v as DriverInfo;
}

/**
 * Reads the driver configuration document (the C SDK's `leda_get_config` format):
 * `{"config": {"json", "kv", "fileList"}, "deviceList": [{"productKey", "deviceName", "custom"}]}`.
 * Every problem is an issue with its path; the document is usable only when none is found.
 * A device may be named by `localName` instead of `deviceName` (the Node SDK's LOCAL_NAME).
 *
 * @example
 * parseDriverConfig('{"deviceList":[{"productKey":"a1ccxxeypky","deviceName":"device1","custom":{"port":12345}}]}')
 *   .config?.getThingInfos()[0]?.custom // { port: 12345 }
 */
export function parseDriverConfig(input: string | Uint8Array | unknown): ConfigParseResult {
  const issues: Issue[] = [];
  let doc: unknown;
  {
    let text: string | Uint8Array;
    try {
      // A document given as an object goes through JSON too: the same limits, and only JSON values.
      // Its depth is checked first, with a bounded walk: JSON.stringify of a value nested 30 000
      // deep ends in a stack overflow that costs over 100 ms to unwind.
      if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) checkJsonTree(input, CONFIG_MAX_DEPTH, 1);
      text = typeof input === 'string' || input instanceof Uint8Array ? input : (JSON.stringify(input) ?? 'null');
    } catch (e) {
      return { ok: false, config: undefined, issues: [issue('', 'invalid_json', `the driver configuration is not JSON-serialisable: ${(e as Error).message}`)] };
    }
    try {
      doc = parseJson(text, { maxBytes: MAX_CONFIG_BYTES, maxDepth: CONFIG_MAX_DEPTH });
    } catch (e) {
      const code = e instanceof JsonError ? (e.code === 'too_large' ? 'too_large' : 'invalid_json') : 'invalid_json';
      return { ok: false, config: undefined, issues: [issue('', code, `the driver configuration is not usable JSON: ${(e as Error).message}`)] };
    }
  }
  if (!isRecord(doc)) return { ok: false, config: undefined, issues: [issue('', 'invalid_type', 'the driver configuration must be a JSON object')] };
  const driver = readDriverInfo(doc['config'], issues);
  const list = doc['deviceList'];
  const things: ThingInfo[] = [];
  if (list !== undefined && !Array.isArray(list)) issues.push(issue('deviceList', 'invalid_type', 'deviceList must be an array'));
  else if (Array.isArray(list)) {
    if (list.length > MAX_THINGS) issues.push(issue('deviceList', 'too_many', `deviceList has ${list.length} devices, at most ${MAX_THINGS} are allowed`));
    const seen = new Set<string>();
    for (let i = 0; i < Math.min(list.length, MAX_THINGS); i++) {
      const d: unknown = list[i];
      const p = `deviceList[${i}]`;
      if (!isRecord(d)) {
        issues.push(issue(p, 'invalid_type', 'a device must be an object'));
        continue;
      }
      const local = d['localName'];
      const nameField = d['deviceName'] !== undefined ? 'deviceName' : local !== undefined ? 'localName' : 'deviceName';
      const before = issues.length;
      for (const f of validateCredentialFields({ productKey: d['productKey'], deviceName: d[nameField] })) {
        issues.push(issue(`${p}.${f.path === 'deviceName' ? nameField : f.path}`, f.code, f.message.replace(/^deviceName/, nameField)));
      }
      const custom = readCustom(d['custom'], `${p}.custom`, issues);
      if (issues.length !== before) continue;
      const pk = d['productKey'] as string;
      const dn = d[nameField] as string;
      const key = `${pk}/${dn}`;
      if (seen.has(key)) {
        issues.push(issue(p, 'duplicate_device', `${key} appears more than once`));
        continue;
      }
      seen.add(key);
      things.push(new ThingInfo(pk, dn, custom, nameField === 'localName' ? dn : undefined));
    }
  }
  if (issues.length > 0) return { ok: false, config: undefined, issues };
  return { ok: true, config: new Config(doc, things, driver), issues };
}

/**
 * The driver configuration (seed §1.2 `Config`): its devices as {@link ThingInfo}s and the
 * driver's own settings. `new Config(string)` as in the seed throws an {@link EdgeError} with
 * code `ERROR_GET_CONFIG` listing the issues; {@link parseDriverConfig} returns them as data.
 * `Config.get(runtime)` and the change callbacks take the driver runtime (from `connectDriver`),
 * which is where the configuration comes from.
 */
export class Config {
  readonly #things: readonly ThingInfo[];
  readonly #driver: DriverInfo;
  /** The document as parsed. */
  readonly document: { readonly [key: string]: unknown };

  constructor(input: string | { readonly [key: string]: unknown }, things?: readonly ThingInfo[], driver?: DriverInfo) {
    if (things !== undefined && driver !== undefined && typeof input !== 'string') {
      this.document = input;
      this.#things = things;
      this.#driver = driver;
      return;
    }
    const r = parseDriverConfig(input);
    if (!r.ok || r.config === undefined) {
      throw new EdgeError(ERROR_GET_CONFIG, `invalid driver configuration: ${r.issues.map((i) => `${i.path || '(document)'} ${i.message}`).join('; ')}`);
    }
    this.document = r.config.document;
    this.#things = r.config.getThingInfos();
    this.#driver = r.config.getDriverInfo();
  }

  /** seed `Config.get()`: the configuration of the runtime's driver (`runtime.config()`). */
  static get(runtime: { config(): Promise<Config> }): Promise<Config> {
    return runtime.config();
  }

  /** seed `Config.registerChangedCallback(callback)`, on the runtime's driver. */
  static registerChangedCallback(runtime: { registerChangedCallback(cb: (config: string) => void): void }, callback: (config: string) => void): void {
    runtime.registerChangedCallback(callback);
  }

  /** seed `Config.unregisterChangedCallback(callback)`. */
  static unregisterChangedCallback(runtime: { unregisterChangedCallback(cb: (config: string) => void): void }, callback: (config: string) => void): void {
    runtime.unregisterChangedCallback(callback);
  }

  /** Every device the driver serves. */
  getThingInfos(): ThingInfo[] {
    return [...this.#things];
  }

  /** The driver's own configuration (`config`). */
  getDriverInfo(): DriverInfo {
    return this.#driver;
  }
}
