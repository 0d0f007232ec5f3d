import { constantTimeEqualHex, describe, functionOption, optionsRecord, requiredFunction } from '@linkwire/base';
import { hashHex, hashPrefixTable, type HashAlgorithm, type HashPrefixTable } from '@linkwire/hash';
import { requireArgument, SignError } from './errors.ts';
import { enosDigestAlgorithm, signMethodText } from './methods.ts';
import { appendExtra, parseMqttClientId, parseMqttUsername } from './mqtt.ts';
import { optional, required, keepaliveOption } from './validate.ts';
import { STAND_IN_SECRET, asRecord, checkMethod, checkTimestamp, fail, fieldText, type VerifyOptions, type VerifyResult } from './verify.ts';

/** EnOS `securemode`: 2 device secret, 3 product secret (dynamic activation), 4 integration channel. */
export type EnosSecureMode = 2 | 3 | 4;

// Spelled out: a template with the number would convert it at every call.
const EXT_MODE = { 2: 'securemode=2,signmethod=', 3: 'securemode=3,signmethod=', 4: 'securemode=4,signmethod=' } as const;

/** The deviceKey an integration channel (mode 4) signs and sends in its username. */
export const ENOS_CHANNEL_KEY = '%channel%';

export interface EnosMqttCredentialsOptions {
  readonly productKey: string;
  /** Required for modes 2 and 3; mode 4 uses `%channel%`. */
  readonly deviceKey?: string;
  /** Mode 2. */
  readonly deviceSecret?: string;
  /** Modes 3 and 4. */
  readonly productSecret?: string;
  /** Default 2. */
  readonly secureMode?: EnosSecureMode;
  /** Default the deviceKey (modes 2, 3); mode 4 requires the productKey. */
  readonly clientId?: string;
  /** Milliseconds; signed and sent when given. */
  readonly timestamp?: number | string;
  /** Default `sha256`; `sha1`, `md5` and the `hmac…` spellings select the same plain digests. */
  readonly signMethod?: string;
  /** Default false: uppercase hex, as documented. */
  readonly lowercase?: boolean;
  readonly keepalive?: number;
  /** Spelled `keepalive`: this spelling does not type-check and throws. */
  readonly keepAlive?: never;
  readonly extra?: Readonly<Record<string, string>>;
}

// Hashed prefixes of devices seen before. EnOS appends the secret after the content, so there
// is no key to precompute; but a device's content up to its timestamp
// (`clientId…deviceKey…productKey…timestamp`) is the same at every login, and a reconnecting
// device or a simulator cycling through its fleet signs it again and again. Keeping the digest
// state after that prefix's whole blocks leaves one block instead of two to compress for a
// typical credential.
//
// Two tables, both fixed in size and four-way set-associative, a new entry replacing the
// oldest of its set (two ways thrashed: a set holding three devices missed every time). A
// device's first login only writes a 32-bit hash of its deviceKey into `seen` (no allocation,
// no string kept), so a device that logs in once pays a hash of its key and nothing else; a
// login whose hash is there hashes the prefix into a slot of `prefixes` (one arena, see
// hashPrefixTable), with the secret as the slot's tail, and keeps the strings it was made from;
// a login then hands the table only its timestamp. Memory stays at 4096 states of 128
// bytes however many devices sign. A hash collision at most makes a state a login early; the
// strings are compared before a state is used. Measured alternatives: a Map keyed by the joined
// prefix string cost ~0.25 µs a lookup (hashing a new string), a Map keyed by the caller's
// strings ~0.3 µs per new device (insertion), a prefix object per slot ~0.15 µs of cache
// misses (its closures and buffers scattered over the heap).
const WAYS = 4;
const SETS = 1024;
const SEEN_SETS = 4096;
const seen = new Int32Array(WAYS * SEEN_SETS);
let prefixes: HashPrefixTable | undefined;
// The deviceKey's hash, compared before any string: a new device is told apart by integers.
const slotHash = new Int32Array(WAYS * SETS);
const slotDevice: (string | undefined)[] = new Array<string | undefined>(WAYS * SETS).fill(undefined);
const slotProduct: (string | undefined)[] = new Array<string | undefined>(WAYS * SETS).fill(undefined);
// Undefined when the clientId is the deviceKey (the default): one string compare instead of two.
const slotClient: (string | undefined)[] = new Array<string | undefined>(WAYS * SETS).fill(undefined);
const slotForm = new Uint8Array(WAYS * SETS);
const slotSecret: (string | undefined)[] = new Array<string | undefined>(WAYS * SETS).fill(undefined);
// 1 once a builder has validated the slot's strings (a verifier remembers unvalidated ones).
const slotChecked = new Uint8Array(WAYS * SETS);
// Which way of each set is replaced next.
const nextWay = new Uint8Array(SETS);
const FORM: Readonly<Record<HashAlgorithm, number>> = { md5: 2, sha1: 4, sha256: 6 };

/**
 * FNV-1a over the deviceKey's last 16 characters and its length, then MurmurHash3's finalizer
 * (FNV alone left half the sets empty for keys that differ in their last digits). Never 0, an
 * empty `seen` way; bit 0 is that marker, so the table indexes start at bit 1.
 */
function deviceHash(deviceKey: string): number {
  let x = Math.imul(0x811c9dc5 ^ deviceKey.length, 16777619);
  for (let i = Math.max(0, deviceKey.length - 16); i < deviceKey.length; i++) x = Math.imul(x ^ deviceKey.charCodeAt(i), 16777619);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 1;
}

/** Records a sighting of `h`; true when it is the first (or the earlier one was forgotten). */
function firstSighting(h: number): boolean {
  const set = ((h >>> 11) & (SEEN_SETS - 1)) * WAYS;
  if (seen[set] === h || seen[set + 1] === h || seen[set + 2] === h || seen[set + 3] === h) return false;
  seen[set + 3] = seen[set + 2]!;
  seen[set + 2] = seen[set + 1]!;
  seen[set + 1] = seen[set]!;
  seen[set] = h;
  return true;
}

function contentPrefix(clientId: string, deviceKey: string, productKey: string, timestamped: boolean): string {
  return timestamped ? `clientId${clientId}deviceKey${deviceKey}productKey${productKey}timestamp` : `clientId${clientId}deviceKey${deviceKey}productKey${productKey}`;
}

/** The digest, whether a timestamp is signed, and an integration channel's login (its own rules). */
const formOf = (algorithm: HashAlgorithm, timestamp: string | undefined, channel = false): number =>
  FORM[algorithm] | (timestamp === undefined ? 0 : 1) | (channel ? 8 : 0);

/**
 * The slot holding this login's prefix and secret, or -1. The strings are compared as given:
 * a match on a slot a builder made (`slotChecked`) means they passed its validation then.
 */
function slotOf(h: number, form: number, clientId: string, deviceKey: string, productKey: string, secret: string): number {
  const client = clientId === deviceKey ? undefined : clientId;
  const first = ((h >>> 1) & (SETS - 1)) * WAYS;
  for (let at = first; at < first + WAYS; at++) {
    if (slotHash[at] === h && slotDevice[at] === deviceKey && slotProduct[at] === productKey && slotClient[at] === client && slotForm[at] === form && slotSecret[at] === secret) return at;
  }
  return -1;
}

/**
 * The EnOS signature: hex of the plain digest of `clientId{cid}deviceKey{dk}productKey{pk}timestamp{ms}` + secret.
 * `checked`: the caller validated the identifiers (a builder), not just parsed them (a verifier).
 */
function enosPassword(algorithm: HashAlgorithm, clientId: string, deviceKey: string, productKey: string, timestamp: string | undefined, secret: string, uppercase: boolean, checked: boolean): string {
  const form = formOf(algorithm, timestamp);
  const h = deviceHash(deviceKey);
  const at = slotOf(h, form, clientId, deviceKey, productKey, secret);
  if (at < 0) return signUnremembered(h, form, algorithm, clientId, deviceKey, productKey, timestamp, secret, uppercase, checked);
  if (checked) slotChecked[at] = 1;
  return prefixes!.hashHex(at, timestamp ?? '', uppercase);
}

/** A login without a slot: signed in one go the first time, remembered from the second. */
function signUnremembered(h: number, form: number, algorithm: HashAlgorithm, clientId: string, deviceKey: string, productKey: string, timestamp: string | undefined, secret: string, uppercase: boolean, checked: boolean): string {
  // A secret longer than the table's inline tail is not kept: memory stays at the slots' size.
  if (secret.length > 64 || firstSighting(h)) {
    return hashHex(algorithm, timestamp !== undefined ? `${contentPrefix(clientId, deviceKey, productKey, true)}${timestamp}` + secret : contentPrefix(clientId, deviceKey, productKey, false) + secret, uppercase);
  }
  const set = (h >>> 1) & (SETS - 1);
  const at = set * WAYS + nextWay[set]!;
  nextWay[set] = (nextWay[set]! + 1) & (WAYS - 1);
  prefixes ??= hashPrefixTable(WAYS * SETS);
  prefixes.set(at, algorithm, contentPrefix(clientId, deviceKey, productKey, timestamp !== undefined), secret);
  slotHash[at] = h;
  slotDevice[at] = deviceKey;
  slotProduct[at] = productKey;
  slotClient[at] = clientId === deviceKey ? undefined : clientId;
  slotForm[at] = form;
  slotSecret[at] = secret;
  slotChecked[at] = checked ? 1 : 0;
  return prefixes.hashHex(at, timestamp ?? '', uppercase);
}

function secretFor(mode: EnosSecureMode, deviceSecret: unknown, productSecret: unknown): string {
  // The anchor defect: a product-secret login signed with an (empty) device secret. Each mode
  // takes exactly the secret it names.
  const value = mode === 2 ? deviceSecret : productSecret;
  if (typeof value === 'string' && value !== '') return value;
  const field = mode === 2 ? 'deviceSecret' : 'productSecret';
  throw new SignError('missing_field', `${field} is required for securemode ${mode}`, field);
}

/**
 * EnOS CONNECT credentials (PROTOCOL-NOTES.md, "Envision EnOS"): clientId
 * `{cid}|securemode={m},signmethod={method},timestamp={ms}|`, username `{deviceKey}&{productKey}`,
 * password = uppercase hex of the plain digest of `clientId{cid}deviceKey{dk}productKey{pk}timestamp{ms}` + secret.
 *
 * @example
 * enosMqttCredentials({ clientId: '123456', deviceKey: 'test', productKey: '654321',
 *   timestamp: '1548753362502', deviceSecret: 'abcdefg' }).password
 * // 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166'
 */
export function enosMqttCredentials(options: EnosMqttCredentialsOptions): { readonly clientId: string; readonly username: string; readonly password: string; readonly keepalive?: number } {
  requireArgument(options, 'options');
  const mode = options.secureMode ?? 2;
  if (mode !== 2 && mode !== 3 && mode !== 4) throw new SignError('invalid_field', `secureMode ${describe(mode)} is invalid: expected 2, 3 or 4`, 'secureMode');
  const secret = secretFor(mode, options.deviceSecret, options.productSecret);
  const method = signMethodText(options.signMethod, 'sha256');
  const algorithm = method === 'sha256' ? method : enosDigestAlgorithm(method);
  const timestamp = optional('timestamp', options.timestamp);
  const keepalive = keepaliveOption(options);
  const uppercase = !options.lowercase;
  let productKey = options.productKey as unknown;
  let deviceKey = mode === 4 ? ENOS_CHANNEL_KEY : (options.deviceKey as unknown);
  // The default id is the deviceKey (or the channel's productKey).
  let clientId = options.clientId === undefined && mode !== 4 ? deviceKey : (options.clientId ?? productKey);
  const form = formOf(algorithm, timestamp, mode === 4);
  let h = 0;
  let at = -1;
  if (typeof deviceKey === 'string' && typeof productKey === 'string' && typeof clientId === 'string') {
    h = deviceHash(deviceKey);
    at = slotOf(h, form, clientId, deviceKey, productKey, secret);
  }
  // A slot this builder made holds strings it validated, the ones compared here: a device it
  // remembers needs no second check of its identifiers.
  if (at < 0 || slotChecked[at] === 0) {
    productKey = required('productKey', productKey);
    if (mode !== 4) deviceKey = required('deviceKey', deviceKey);
    if (clientId !== deviceKey) clientId = required('clientId', clientId);
    if (mode === 4 && clientId !== productKey) throw new SignError('invalid_field', 'an integration channel (securemode 4) uses the productKey as clientId', 'clientId');
    // Validation returns the strings it was given: the hash and the lookup still hold.
    if (at >= 0) slotChecked[at] = 1;
    else if (h === 0) h = deviceHash(deviceKey as string);
  }
  const password = at >= 0
    ? prefixes!.hashHex(at, timestamp ?? '', uppercase)
    : signUnremembered(h, form, algorithm, clientId as string, deviceKey as string, productKey as string, timestamp, secret, uppercase, true);
  let ext = EXT_MODE[mode] + method;
  if (timestamp !== undefined) ext += `,timestamp=${timestamp}`;
  ext = appendExtra(ext, options.extra);
  const out = { clientId: `${clientId as string}|${ext}|`, username: `${deviceKey as string}&${productKey as string}`, password };
  return keepalive === undefined ? out : { ...out, keepalive };
}

/** The secrets an EnOS verifier holds. */
export interface EnosSecrets {
  /** The device secret of an activated device (mode 2), else undefined. */
  deviceSecret(productKey: string, deviceKey: string): string | undefined;
  /** The product secret, for dynamic activation (mode 3) and integration channels (mode 4). */
  productSecret?(productKey: string): string | undefined;
}

/** `expected` is lowercase hex (the verifiers sign with `uppercase = false`). */
function checkEnos(expected: string, presented: unknown): boolean {
  return typeof presented === 'string' && constantTimeEqualHex(expected, presented);
}

/**
 * The broker side of {@link enosMqttCredentials}; the mode comes from the clientId's
 * `securemode` (absent: 2) and selects the secret.
 *
 * @example
 * verifyEnosMqttCredentials('123456|securemode=2,signmethod=sha256,timestamp=1548753362502|', 'test&654321',
 *   'b99032d49c706f7b27b22ab5cd2dd3c56a31e1bcbbc83ba0a2a6bb3272fbb166', { deviceSecret: () => 'abcdefg' }).ok // true
 */
export function verifyEnosMqttCredentials(
  clientIdField: string,
  username: string,
  password: string,
  secrets: EnosSecrets,
  options?: VerifyOptions,
): VerifyResult<{ readonly productKey: string; readonly deviceKey: string; readonly clientId: string; readonly secureMode: EnosSecureMode }> {
  checkSecrets(secrets);
  const parsed = parseMqttClientId(clientIdField);
  const user = parseMqttUsername(username);
  if (parsed === undefined || user === undefined) return fail('malformed', 'malformed clientId or username');
  const { deviceName: deviceKey, productKey } = user;
  const modeText = parsed.params['securemode'] ?? '2';
  if (modeText !== '2' && modeText !== '3' && modeText !== '4') return fail('malformed', `securemode ${modeText} is not 2, 3 or 4`);
  const mode = Number(modeText) as EnosSecureMode;
  if (mode === 4 && (deviceKey !== ENOS_CHANNEL_KEY || parsed.clientId !== productKey)) return fail('malformed', 'securemode 4 needs username %channel%&{pk} and clientId {pk}');
  const method = parsed.params['signmethod'] ?? 'sha256';
  const algorithm = checkMethod(method, options, enosDigestAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  const timestamp = parsed.params['timestamp'];
  const late = checkTimestamp(timestamp, options);
  if (late !== undefined) return late;
  const secret = mode === 2 ? secrets.deviceSecret(productKey, deviceKey) : secrets.productSecret?.(productKey);
  // An unknown device is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const equal = checkEnos(enosPassword(algorithm, parsed.clientId, deviceKey, productKey, timestamp, secret ?? STAND_IN_SECRET, false, false), password);
  if (secret === undefined) return fail('unknown_device', mode === 2 ? 'unknown device' : 'unknown product');
  if (!equal) return fail('signature_mismatch', 'signature mismatch');
  return { ok: true, productKey, deviceKey, clientId: parsed.clientId, secureMode: mode };
}

export interface EnosSubDeviceOptions {
  readonly productKey: string;
  readonly deviceKey: string;
  /** An activated sub-device signs with its device secret… */
  readonly deviceSecret?: string;
  /** …a sub-device being dynamically activated with its product secret (exactly one of the two). */
  readonly productSecret?: string;
}

function subSecret(d: EnosSubDeviceOptions): { secret: string; secureMode: 2 | 3 } {
  const hasDevice = typeof d.deviceSecret === 'string' && d.deviceSecret !== '';
  const hasProduct = typeof d.productSecret === 'string' && d.productSecret !== '';
  if (hasDevice === hasProduct) {
    throw new SignError(hasDevice ? 'invalid_field' : 'missing_field', 'give exactly one of deviceSecret and productSecret', hasDevice ? 'productSecret' : 'deviceSecret');
  }
  return hasDevice ? { secret: d.deviceSecret!, secureMode: 2 } : { secret: d.productSecret!, secureMode: 3 };
}

export interface EnosLoginInfoOptions extends EnosSubDeviceOptions {
  /** Default the deviceKey. */
  readonly clientId?: string;
  /** Milliseconds, required; sent with the type given (the SDKs send text or a number). */
  readonly timestamp: number | string;
  /** Default `sha256`. */
  readonly signMethod?: string;
  /** Sent when given; not signed. */
  readonly cleanSession?: boolean;
  readonly lowercase?: boolean;
}

export interface EnosLoginInfo {
  timestamp: number | string;
  productKey: string;
  deviceKey: string;
  clientId: string;
  signMethod: string;
  sign: string;
  cleanSession?: boolean;
}

/**
 * A sub-device's login info for `combine.login` and `thing.topo.add` (PROTOCOL-NOTES.md):
 * `{timestamp, productKey, deviceKey, clientId, signMethod, sign, cleanSession?}`, sign = the
 * CONNECT password rule over the sub-device's own clientId, deviceKey, productKey and timestamp.
 *
 * @example
 * enosLoginInfo({ productKey: '654321', deviceKey: 'test', deviceSecret: 'abcdefg', clientId: '123456', timestamp: '1548753362502' }).sign
 * // 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166'
 */
export function enosLoginInfo(options: EnosLoginInfoOptions): EnosLoginInfo {
  requireArgument(options, 'options');
  const productKey = required('productKey', options.productKey);
  const deviceKey = required('deviceKey', options.deviceKey);
  const { secret } = subSecret(options);
  const clientId = required('clientId', options.clientId ?? deviceKey);
  const timestamp = required('timestamp', options.timestamp);
  const signMethod = options.signMethod ?? 'sha256';
  const algorithm = enosDigestAlgorithm(signMethod);
  const sign = enosPassword(algorithm, clientId, deviceKey, productKey, timestamp, secret, !options.lowercase, true);
  const info: EnosLoginInfo = { timestamp: options.timestamp, productKey, deviceKey, clientId, signMethod, sign };
  if (options.cleanSession !== undefined) info.cleanSession = options.cleanSession === true;
  return info;
}

/** Params of EnOS `thing.topo.add`: an array of login infos. */
export function enosTopoAddParams(devices: readonly EnosLoginInfoOptions[]): EnosLoginInfo[] {
  requireArgument(devices, 'devices', true);
  return devices.map(enosLoginInfo);
}

/**
 * Params of EnOS `combine.login.batch` (PROTOCOL-NOTES.md): one shared clientId and timestamp,
 * `{clientId, signMethod, timestamp, subDevices:[{sign, secureMode, productKey, deviceKey}]}`;
 * secureMode is 2 for a device-secret and 3 for a product-secret sign. At most 200 sub-devices
 * can be online per gateway, so larger batches are refused.
 *
 * @example
 * enosBatchLoginParams({ clientId: 'gw-1', timestamp: clock.now(), subDevices: [
 *   { productKey: 'pk', deviceKey: 'meter01', deviceSecret },
 *   { productKey: 'pk', deviceKey: 'meter02', productSecret }, // activation: secureMode 3
 * ] })
 */
export function enosBatchLoginParams(options: {
  readonly clientId: string;
  readonly timestamp: number | string;
  readonly signMethod?: string;
  readonly subDevices: readonly EnosSubDeviceOptions[];
  readonly lowercase?: boolean;
}): { clientId: string; signMethod: string; timestamp: number | string; subDevices: { sign: string; secureMode: 2 | 3; productKey: string; deviceKey: string }[] } {
  requireArgument(options, 'options');
  const clientId = required('clientId', options.clientId);
  const timestamp = required('timestamp', options.timestamp);
  const signMethod = options.signMethod ?? 'sha256';
  const algorithm = enosDigestAlgorithm(signMethod);
  requireArgument(options.subDevices, 'subDevices', true);
  if (options.subDevices.length === 0 || options.subDevices.length > 200) throw new SignError('invalid_field', 'subDevices must hold 1 to 200 entries', 'subDevices');
  const subDevices = options.subDevices.map((d) => {
    const productKey = required('productKey', d.productKey);
    const deviceKey = required('deviceKey', d.deviceKey);
    const { secret, secureMode } = subSecret(d);
    return { sign: enosPassword(algorithm, clientId, deviceKey, productKey, timestamp, secret, !options.lowercase, true), secureMode, productKey, deviceKey };
  });
  return { clientId, signMethod, timestamp: options.timestamp, subDevices };
}

type VerifiedEnosSubDevice = { readonly productKey: string; readonly deviceKey: string; readonly clientId: string; readonly secureMode: 2 | 3 };

function verifyEnosSub(
  clientId: string, timestamp: string, method: string, entry: Readonly<Record<string, unknown>>, mode: 2 | 3 | undefined,
  secrets: EnosSecrets, options: VerifyOptions | undefined,
): VerifyResult<VerifiedEnosSubDevice> {
  const { productKey, deviceKey, sign } = entry;
  if (typeof productKey !== 'string' || typeof deviceKey !== 'string' || productKey === '' || deviceKey === '') return fail('malformed', 'productKey and deviceKey are required');
  const algorithm = checkMethod(method, options, enosDigestAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  const late = checkTimestamp(timestamp, options);
  if (late !== undefined) return late;
  // Without an explicit mode, an activated device signs with its device secret and a device
  // awaiting activation with the product secret.
  let secret = mode === 3 ? undefined : secrets.deviceSecret(productKey, deviceKey);
  let secureMode: 2 | 3 = 2;
  if (secret === undefined && mode !== 2) {
    secret = secrets.productSecret?.(productKey);
    secureMode = 3;
  }
  // An unknown device is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const equal = checkEnos(enosPassword(algorithm, clientId, deviceKey, productKey, timestamp, secret ?? STAND_IN_SECRET, false, false), sign);
  if (secret === undefined) return fail('unknown_device', 'unknown device');
  if (!equal) return fail('signature_mismatch', 'signature mismatch');
  return { ok: true, productKey, deviceKey, clientId, secureMode };
}

/** The platform side of {@link enosLoginInfo} (one `combine.login` params or `thing.topo.add` entry). */
// The secrets lookup is the verifier's configuration: checked like an option.
function checkSecrets(secrets: unknown): void {
  const o = optionsRecord('secrets', secrets ?? null);
  requiredFunction('secrets.deviceSecret', o['deviceSecret']);
  functionOption('secrets.productSecret', o['productSecret']);
}

export function verifyEnosLoginInfo(info: unknown, secrets: EnosSecrets, options?: VerifyOptions): VerifyResult<VerifiedEnosSubDevice> {
  checkSecrets(secrets);
  const r = asRecord(info);
  if (r === undefined) return fail('malformed', 'login info must be an object');
  const clientId = fieldText(r['clientId']);
  const timestamp = fieldText(r['timestamp']);
  const method = r['signMethod'] ?? 'sha256';
  if (!clientId || !timestamp || typeof method !== 'string') return fail('malformed', 'clientId, timestamp and signMethod must be text');
  return verifyEnosSub(clientId, timestamp, method, r, undefined, secrets, options);
}

/** The platform side of {@link enosBatchLoginParams}: one result per sub-device, in order. */
export function verifyEnosBatchLogin(params: unknown, secrets: EnosSecrets, options?: VerifyOptions): VerifyResult<{ readonly subDevices: VerifyResult<VerifiedEnosSubDevice>[] }> {
  checkSecrets(secrets);
  const r = asRecord(params);
  const list = r?.['subDevices'];
  if (r === undefined || !Array.isArray(list) || list.length === 0) return fail('malformed', 'params.subDevices must be a non-empty array');
  const clientId = fieldText(r['clientId']);
  const timestamp = fieldText(r['timestamp']);
  const method = r['signMethod'] ?? 'sha256';
  if (!clientId || !timestamp || typeof method !== 'string') return fail('malformed', 'clientId, timestamp and signMethod must be text');
  return {
    ok: true,
    subDevices: list.map((d) => {
      const e = asRecord(d);
      if (e === undefined) return fail('malformed', 'entry must be an object');
      const m = e['secureMode'];
      if (m !== undefined && m !== 2 && m !== 3) return fail('malformed', 'secureMode must be 2 or 3');
      return verifyEnosSub(clientId, timestamp, method, e, m as 2 | 3 | undefined, secrets, options);
    }),
  };
}
