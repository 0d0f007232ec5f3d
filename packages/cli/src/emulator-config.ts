import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isRecord, JsonError, parseJson, type JsonValue } from '@linkwire/base';
import type { EmulatorDevice, EmulatorProduct } from '@linkwire/emulator';
import { validateCredentialFields } from '@linkwire/sign';
import { parseTsl } from '@linkwire/tsl';
import { childPath, locateJson, type JsonLocations } from './json-locate.ts';

/**
 * The products/devices file of `linkwire emulator`: JSON, TSL models inline or by a path
 * relative to the file, secrets as text or `env:NAME`, and an optional `edge` section for
 * `--edge`. Read into what `startEmulator` takes, with every problem as an issue that says
 * where: the file, the line and column of the offending value, its JSON path and a stable code.
 *
 * ```json
 * {
 *   "products": [{ "productKey": "a1B2c3D4e5F", "productSecret": "env:PRODUCT_SECRET", "tsl": "./lamp.tsl.json" }],
 *   "devices": [
 *     { "productKey": "a1B2c3D4e5F", "deviceName": "lamp-01", "deviceSecret": "lamp-01-secret" },
 *     { "productKey": "a1B2c3D4e5F", "deviceName": "lamp-02" }
 *   ]
 * }
 * ```
 */
export interface EmulatorConfig {
  readonly products: EmulatorProduct[];
  readonly devices: EmulatorDevice[];
  /** TSL documents as text, by productKey (what the edge gateway serves its drivers). */
  readonly tslText: Record<string, string>;
  readonly edge: EdgeConfig | undefined;
}

export interface EdgeConfig {
  readonly gateway: { readonly productKey: string; readonly deviceName: string; readonly deviceSecret: string };
  readonly drivers: { driverId: string; driverSecret: string; name?: string; config: Record<string, unknown> }[];
}

export interface ConfigIssue {
  readonly severity: 'error' | 'warning';
  /** Stable: `syntax`, `not_object`, `unknown_field`, `missing`, `type`, `invalid_name`, `duplicate`, `unknown_product`, `env_unset`, `unreadable`, `tsl` (with the model's own code after a colon). */
  readonly code: string;
  /** The JSON path in `file` (`devices[1].deviceName`). */
  readonly path: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** An issue as a compiler prints one: `file:line:column: error: path: message [code]`. */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.severity}: ${i.path === '' ? '' : `${i.path}: `}${i.message} [${i.code}]`;
}

const MAX_FILE = 16 << 20;

/** Reads a JSON file with locations; a syntax error is an issue at its line and column. */
function readJsonFile(file: string, issues: ConfigIssue[], displayName: string): { value: JsonValue; where: JsonLocations } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    issues.push({ severity: 'error', code: 'unreadable', path: '', message: code === 'ENOENT' ? 'no such file' : (e as Error).message, file: displayName, line: 1, column: 1 });
    return undefined;
  }
  try {
    // Duplicate keys refused: in a configuration the second silently winning is a mistake.
    const value = parseJson(text, { maxBytes: MAX_FILE, maxDepth: 64, duplicateKeys: 'reject' });
    return { value, where: locateJson(text) };
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    const at = positionOf(text, e.offset ?? text.length);
    issues.push({ severity: 'error', code: e.code === 'duplicate_key' ? 'duplicate' : 'syntax', path: '', message: e.message, file: displayName, ...at });
    return undefined;
  }
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < Math.min(offset, text.length); k++) if (text.charCodeAt(k) === 10) (line++, (start = k + 1));
  return { line, column: Math.min(offset, text.length) - start + 1 };
}

/**
 * Reads and validates the file. `env` resolves `env:NAME` secrets. Never throws for a bad file:
 * the result's `issues` say everything wrong with it (errors first), `config` is set when there
 * are no errors.
 */
export function readEmulatorConfig(path: string, cwd: string, env: Readonly<Record<string, string | undefined>>): { config: EmulatorConfig | undefined; issues: ConfigIssue[] } {
  const file = resolve(cwd, path);
  const issues: ConfigIssue[] = [];
  const doc = readJsonFile(file, issues, path);
  if (doc === undefined) return { config: undefined, issues };
  const { value, where } = doc;
  const issue = (severity: ConfigIssue['severity'], code: string, p: string, message: string) => issues.push({ severity, code, path: p, message, file: path, ...where.at(p) });
  const err = (code: string, p: string, message: string) => issue('error', code, p, message);

  const products: EmulatorProduct[] = [];
  const devices: EmulatorDevice[] = [];
  const tslText: Record<string, string> = {};
  let edge: EdgeConfig | undefined;

  if (!isRecord(value)) {
    err('not_object', '', 'the file must hold an object with "products" and "devices"');
    return { config: undefined, issues };
  }
  checkFields(value, '', ['$schema', 'products', 'devices', 'edge'], err);

  const text = (o: Record<string, unknown>, field: string, p: string, required: boolean): string | undefined => {
    const v = o[field];
    if (v === undefined) {
      if (required) err('missing', p, `${field} is required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      err('type', childPath(p, field), `${field} must be text, not ${kind(v)}`);
      return undefined;
    }
    return v;
  };
  const secret = (o: Record<string, unknown>, field: string, p: string): string | undefined => {
    const v = text(o, field, p, false);
    if (v === undefined || !v.startsWith('env:')) return v;
    const name = v.slice(4);
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      err('env_unset', childPath(p, field), `the environment variable ${name} is not set`);
      return undefined;
    }
    return resolved;
  };
  const flag = (o: Record<string, unknown>, field: string, p: string): boolean | undefined => {
    const v = o[field];
    if (v === undefined || typeof v === 'boolean') return v;
    err('type', childPath(p, field), `${field} must be true or false, not ${kind(v)}`);
    return undefined;
  };
  const list = (field: string): unknown[] => {
    const v = value[field];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      err('type', field, `${field} must be an array, not ${kind(v)}`);
      return [];
    }
    return v;
  };

  const productAt = new Map<string, string>();
  for (const [n, entry] of list('products').entries()) {
    const p = childPath('products', n);
    if (!isRecord(entry)) {
      err('not_object', p, `a product must be an object, not ${kind(entry)}`);
      continue;
    }
    checkFields(entry, p, ['productKey', 'productSecret', 'dynamicRegistration', 'registerUnknownDevices', 'tsl', 'name', 'description'], err);
    const productKey = text(entry, 'productKey', p, true);
    if (productKey === undefined) continue;
    const problem = validateCredentialFields({ productKey }).map((x) => x.message).join('; ');
    if (problem !== '') err('invalid_name', childPath(p, 'productKey'), `productKey ${JSON.stringify(productKey)} is invalid: ${problem}`);
    if (productAt.has(productKey)) err('duplicate', childPath(p, 'productKey'), `product ${productKey} is already defined at ${productAt.get(productKey)}`);
    productAt.set(productKey, p);
    const productSecret = secret(entry, 'productSecret', p);
    const dynamicRegistration = flag(entry, 'dynamicRegistration', p);
    const registerUnknownDevices = flag(entry, 'registerUnknownDevices', p);
    if ((dynamicRegistration === true || registerUnknownDevices === true) && productSecret === undefined && entry['productSecret'] === undefined) {
      err('missing', p, 'dynamic registration needs a productSecret (devices sign their registration with it)');
    }
    const tsl = readTsl(entry['tsl'], childPath(p, 'tsl'), dirname(file), path, where, issues);
    if (tsl !== undefined) tslText[productKey] = tsl.text;
    products.push({
      productKey,
      ...(productSecret === undefined ? {} : { productSecret }),
      ...(dynamicRegistration === undefined ? {} : { dynamicRegistration }),
      ...(registerUnknownDevices === undefined ? {} : { registerUnknownDevices }),
      ...(tsl === undefined ? {} : { tsl: tsl.text }),
    });
  }

  const deviceAt = new Map<string, string>();
  for (const [n, entry] of list('devices').entries()) {
    const p = childPath('devices', n);
    if (!isRecord(entry)) {
      err('not_object', p, `a device must be an object, not ${kind(entry)}`);
      continue;
    }
    checkFields(entry, p, ['productKey', 'deviceName', 'deviceSecret', 'name'], err);
    const productKey = text(entry, 'productKey', p, true);
    const deviceName = text(entry, 'deviceName', p, true);
    if (productKey === undefined || deviceName === undefined) continue;
    for (const x of validateCredentialFields({ productKey, deviceName })) {
      const field = x.path === 'productKey' ? 'productKey' : 'deviceName';
      err('invalid_name', childPath(p, field), `${field} ${JSON.stringify(field === 'productKey' ? productKey : deviceName)} is invalid: ${x.message}`);
    }
    const key = `${productKey}&${deviceName}`;
    if (deviceAt.has(key)) err('duplicate', childPath(p, 'deviceName'), `device ${deviceName} of ${productKey} is already defined at ${deviceAt.get(key)}`);
    deviceAt.set(key, p);
    if (!productAt.has(productKey)) issue('warning', 'unknown_product', childPath(p, 'productKey'), `product ${productKey} is not in "products": the device has no model and cannot register dynamically`);
    const deviceSecret = secret(entry, 'deviceSecret', p);
    devices.push({ productKey, deviceName, ...(deviceSecret === undefined ? {} : { deviceSecret }) });
  }

  if (value['edge'] !== undefined) edge = readEdge(value['edge'], dirname(file), path, where, issues, err, text, secret, deviceAt);

  issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const ok = !issues.some((i) => i.severity === 'error');
  return { config: ok ? { products, devices, tslText, edge } : undefined, issues };
}

type Report = (code: string, path: string, message: string) => void;

function checkFields(o: Record<string, unknown>, p: string, known: readonly string[], err: Report): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const near = known.find((x) => x.toLowerCase() === k.toLowerCase() || x.startsWith(k) || k.startsWith(x));
    err('unknown_field', childPath(p, k), `unknown field ${JSON.stringify(k)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; known: ${known.join(', ')}`);
  }
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** A TSL model inline (an object) or by path; its issues are located in whichever file holds it. */
function readTsl(v: unknown, p: string, baseDir: string, configName: string, where: JsonLocations, issues: ConfigIssue[]): { text: string } | undefined {
  if (v === undefined) return undefined;
  let model: unknown = v;
  let file = configName;
  let locate = (tslPath: string) => where.at(tslPath === '' ? p : `${p}${tslPath.startsWith('[') ? '' : '.'}${tslPath}`);
  let issuePath = (tslPath: string) => (tslPath === '' ? p : `${p}${tslPath.startsWith('[') ? '' : '.'}${tslPath}`);
  if (typeof v === 'string') {
    const tslFile = resolve(baseDir, v);
    const before = issues.length;
    const doc = readJsonFile(tslFile, issues, v);
    if (doc === undefined) {
      // Say which entry pointed at the file, as well as what is wrong with it.
      for (const i of issues.slice(before)) if (i.code === 'unreadable') Object.assign(i, { message: `${i.message} (the tsl of ${p} in ${configName})` });
      return undefined;
    }
    model = doc.value;
    file = v;
    locate = (tslPath) => doc.where.at(tslPath);
    issuePath = (tslPath) => tslPath;
  } else if (!isRecord(v)) {
    issues.push({ severity: 'error', code: 'type', path: p, message: `tsl must be a model (an object) or the path of one, not ${kind(v)}`, file: configName, ...where.at(p) });
    return undefined;
  }
  const r = parseTsl(model);
  for (const i of r.issues) {
    const tslPath = i.path.replace(/^\$\.?/, '');
    issues.push({ severity: i.severity === 'warning' ? 'warning' : 'error', code: `tsl:${i.code}`, path: issuePath(tslPath), message: i.message, file, ...locate(tslPath) });
  }
  if (r.issues.some((i) => i.severity !== 'warning')) return undefined;
  return { text: JSON.stringify(model) };
}

function readEdge(
  v: unknown, baseDir: string, configName: string, where: JsonLocations, issues: ConfigIssue[], err: Report,
  text: (o: Record<string, unknown>, field: string, p: string, required: boolean) => string | undefined,
  secret: (o: Record<string, unknown>, field: string, p: string) => string | undefined,
  deviceAt: ReadonlyMap<string, string>,
): EdgeConfig | undefined {
  if (!isRecord(v)) {
    err('not_object', 'edge', `edge must be an object with "gateway" and "drivers", not ${kind(v)}`);
    return undefined;
  }
  checkFields(v, 'edge', ['gateway', 'drivers'], err);
  const g = v['gateway'];
  let gateway: EdgeConfig['gateway'] | undefined;
  if (!isRecord(g)) err(g === undefined ? 'missing' : 'not_object', g === undefined ? 'edge' : 'edge.gateway', 'edge.gateway must be the gateway device: {productKey, deviceName, deviceSecret}');
  else {
    checkFields(g, 'edge.gateway', ['productKey', 'deviceName', 'deviceSecret'], err);
    const productKey = text(g, 'productKey', 'edge.gateway', true);
    const deviceName = text(g, 'deviceName', 'edge.gateway', true);
    const deviceSecret = secret(g, 'deviceSecret', 'edge.gateway');
    if (deviceSecret === undefined && g['deviceSecret'] === undefined) err('missing', 'edge.gateway', 'deviceSecret is required: the gateway signs in to the platform with it');
    if (productKey !== undefined && deviceName !== undefined) {
      for (const x of validateCredentialFields({ productKey, deviceName })) err('invalid_name', childPath('edge.gateway', x.path === 'productKey' ? 'productKey' : 'deviceName'), x.message);
      if (deviceSecret !== undefined) gateway = { productKey, deviceName, deviceSecret };
    }
  }
  const drivers: EdgeConfig['drivers'] = [];
  const list = v['drivers'];
  if (!Array.isArray(list)) err(list === undefined ? 'missing' : 'type', list === undefined ? 'edge' : 'edge.drivers', 'edge.drivers must be an array of {driverId, driverSecret, config}');
  else {
    for (const [n, d] of list.entries()) {
      const p = childPath('edge.drivers', n);
      if (!isRecord(d)) {
        err('not_object', p, `a driver must be an object, not ${kind(d)}`);
        continue;
      }
      checkFields(d, p, ['driverId', 'driverSecret', 'name', 'config'], err);
      const driverId = text(d, 'driverId', p, true);
      const driverSecret = secret(d, 'driverSecret', p);
      if (driverSecret === undefined && d['driverSecret'] === undefined) err('missing', p, 'driverSecret is required');
      const name = text(d, 'name', p, false);
      let config: Record<string, unknown> | undefined;
      const c = d['config'];
      if (typeof c === 'string') {
        const doc = readJsonFile(resolve(baseDir, c), issues, c);
        if (doc !== undefined && isRecord(doc.value)) config = doc.value;
        else if (doc !== undefined) issues.push({ severity: 'error', code: 'not_object', path: '', message: 'a driver configuration must be an object', file: c, line: 1, column: 1 });
      } else if (isRecord(c)) config = c;
      else err(c === undefined ? 'missing' : 'type', c === undefined ? p : childPath(p, 'config'), 'config must be the driver configuration (an object with deviceList) or the path of one');
      // Each device of a driver logs in to the platform through the gateway with its own secret.
      const deviceList = config?.['deviceList'];
      if (Array.isArray(deviceList)) {
        for (const [k, entry] of deviceList.entries()) {
          if (!isRecord(entry) || typeof entry['productKey'] !== 'string' || typeof entry['deviceName'] !== 'string') continue;
          if (!deviceAt.has(`${entry['productKey']}&${entry['deviceName']}`)) {
            const at = typeof c === 'string' ? undefined : childPath(childPath(childPath(p, 'config'), 'deviceList'), k);
            issues.push({ severity: 'warning', code: 'unknown_product', path: at ?? `deviceList[${k}]`, message: `${entry['deviceName']} of ${entry['productKey']} is not in "devices": it works on the gateway but cannot log in to the platform`, file: at === undefined ? String(c) : configName, ...(at === undefined ? { line: 1, column: 1 } : where.at(at)) });
          }
        }
      }
      if (driverId !== undefined && driverSecret !== undefined && config !== undefined) drivers.push({ driverId, driverSecret, ...(name === undefined ? {} : { name }), config });
    }
  }
  return gateway === undefined ? undefined : { gateway, drivers };
}
