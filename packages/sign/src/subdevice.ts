import { describe } from '@linkwire/base';
import { requireArgument, SignError } from './errors.ts';
import { signMethodAlgorithm } from './methods.ts';
import { hmacWith, signContent } from './params.ts';
import { signRegistration, verifyRegistrationFields, type RegistrationOptions, type VerifiedRegistration } from './register.ts';
import { required, requireSecret, type Secret } from './validate.ts';
import { STAND_IN_SECRET, asRecord, checkMethod, checkSignature, checkTimestamp, fail, fieldText, type VerifyOptions, type VerifyResult } from './verify.ts';

/** A sub-device's identity and secret, as a gateway signs on its behalf. */
export interface SubDeviceCredentialOptions {
  readonly productKey: string;
  readonly deviceName: string;
  /** The sub-device's secret, or a keyed HMAC of it for the same method. */
  readonly deviceSecret: Secret;
  /** Default `{productKey}.{deviceName}`. */
  readonly clientId?: string;
  /** Milliseconds, required: the platform rejects replayed logins by it. */
  readonly timestamp: number | string;
}

/**
 * How `cleanSession` takes part in a login sign. `signed`: the seed's form (content begins
 * `cleanSessiontrue…`, device guide §9.4); `unsigned`: sent but left out of the content;
 * `omitted`: not sent. The last two are what the official SDKs do (PROTOCOL-NOTES.md).
 */
export type CleanSessionForm = 'signed' | 'unsigned' | 'omitted';

interface SignedSubDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  readonly timestamp: string;
  readonly sign: string;
  readonly cleanSession: 'true' | 'false' | undefined;
}

function signSubDevice(d: SubDeviceCredentialOptions, method: string, cleanSession: boolean | undefined, form: CleanSessionForm): SignedSubDevice {
  const productKey = required('productKey', d.productKey);
  const deviceName = required('deviceName', d.deviceName);
  const secret = requireSecret(d.deviceSecret, 'deviceSecret');
  const clientId = required('clientId', d.clientId ?? `${productKey}.${deviceName}`);
  const timestamp = required('timestamp', d.timestamp);
  if (form !== 'signed' && form !== 'unsigned' && form !== 'omitted') {
    throw new SignError('invalid_field', `cleanSessionForm ${describe(form)} is invalid: expected signed, unsigned or omitted`, 'cleanSessionForm');
  }
  const cs = form === 'omitted' ? undefined : (cleanSession ?? true) ? 'true' : 'false';
  // The signed names in byte order: cleanSession < clientId < deviceName < productKey < timestamp.
  let content = `clientId${clientId}deviceName${deviceName}productKey${productKey}timestamp${timestamp}`;
  if (form === 'signed') content = `cleanSession${cs!}${content}`;
  return { productKey, deviceName, clientId, timestamp, sign: hmacWith(secret, signMethodAlgorithm(method), content, 'deviceSecret'), cleanSession: cs };
}

/**
 * Params of `thing.sub.register` (seed §9.2, topic `/sys/{gwPk}/{gwDn}/thing/sub/register`):
 * the sub-devices to register, unsigned; the reply carries each deviceSecret.
 *
 * @example
 * subRegisterParams([{ productKey: '1234556554', deviceName: 'deviceName1234' }])
 * // [{ productKey: '1234556554', deviceName: 'deviceName1234' }]
 */
export function subRegisterParams(devices: readonly { readonly productKey: string; readonly deviceName: string }[]): { productKey: string; deviceName: string }[] {
  requireArgument(devices, 'devices', true);
  return devices.map((d) => {
    requireArgument(d, 'devices[]');
    return { productKey: required('productKey', d.productKey), deviceName: required('deviceName', d.deviceName) };
  });
}

/**
 * Params of `thing.proxy.provisioning.product_register` (PROTOCOL-NOTES.md, "Sub-device flows"):
 * `{"proxieds":[{productKey, deviceName, random, signMethod, sign}]}`, each signed over
 * `deviceName{dn}productKey{pk}random{r}` with its product secret.
 */
export function proxyProvisioningParams(devices: readonly RegistrationOptions[]): {
  proxieds: { productKey: string; deviceName: string; random: string; signMethod: string; sign: string }[];
} {
  requireArgument(devices, 'devices', true);
  return { proxieds: devices.map((d) => ({ ...signRegistration(d) })) };
}

/**
 * One entry of `thing.topo.add` params (seed §9.3), in the seed's key order:
 * `{deviceName, productKey, sign, signmethod, timestamp, clientId}`; sign over
 * `clientId…deviceName…productKey…timestamp…`. signMethod defaults to `hmacsha256`.
 *
 * @example
 * topoAddEntry({ productKey: '123', deviceName: 'test', deviceSecret: 's', clientId: '123', timestamp: '1524448722000', signMethod: 'hmacmd5' })
 * // { deviceName: 'test', productKey: '123', sign: hmac_md5('s', 'clientId123deviceNametestproductKey123timestamp1524448722000'), signmethod: 'hmacmd5', … }
 */
export function topoAddEntry(options: SubDeviceCredentialOptions & { readonly signMethod?: string }): {
  deviceName: string; productKey: string; sign: string; signmethod: string; timestamp: string; clientId: string;
} {
  requireArgument(options, 'options');
  const method = options.signMethod ?? 'hmacsha256';
  const s = signSubDevice(options, method, undefined, 'omitted');
  return { deviceName: s.deviceName, productKey: s.productKey, sign: s.sign, signmethod: method, timestamp: s.timestamp, clientId: s.clientId };
}

export interface CombineLoginOptions extends SubDeviceCredentialOptions {
  /** Default `hmacsha256`, sent exactly as given. */
  readonly signMethod?: string;
  /** Default true. */
  readonly cleanSession?: boolean;
  /** Default `signed` (the seed's form). */
  readonly cleanSessionForm?: CleanSessionForm;
}

/**
 * Params of `combine.login` on `/ext/session/{gwPk}/{gwDn}/combine/login` (seed §9.4), in the
 * seed's key order. cleanSession is sent as the text `"true"`/`"false"`.
 *
 * @example
 * combineLoginParams({ productKey: '123', deviceName: 'test', deviceSecret: 's', clientId: '123', timestamp: '123', signMethod: 'hmacmd5' }).sign
 * // hmac_md5('s', 'cleanSessiontrueclientId123deviceNametestproductKey123timestamp123')
 */
export function combineLoginParams(options: CombineLoginOptions): {
  productKey: string; deviceName: string; clientId: string; timestamp: string; signMethod: string; sign: string; cleanSession?: 'true' | 'false';
} {
  requireArgument(options, 'options');
  const method = options.signMethod ?? 'hmacsha256';
  const s = signSubDevice(options, method, options.cleanSession, options.cleanSessionForm ?? 'signed');
  const out: { productKey: string; deviceName: string; clientId: string; timestamp: string; signMethod: string; sign: string; cleanSession?: 'true' | 'false' } =
    { productKey: s.productKey, deviceName: s.deviceName, clientId: s.clientId, timestamp: s.timestamp, signMethod: method, sign: s.sign };
  if (s.cleanSession !== undefined) out.cleanSession = s.cleanSession;
  return out;
}

/**
 * Params of `combine.batch_login` on `…/combine/batch_login` (PROTOCOL-NOTES.md): one
 * `signMethod` and a `deviceList` of `{productKey, deviceName, clientId, timestamp, cleanSession, sign}`,
 * each signed like a single login.
 */
export function combineBatchLoginParams(options: {
  readonly devices: readonly (SubDeviceCredentialOptions & { readonly cleanSession?: boolean })[];
  readonly signMethod?: string;
  readonly cleanSessionForm?: CleanSessionForm;
}): { deviceList: { productKey: string; deviceName: string; clientId: string; timestamp: string; cleanSession?: 'true' | 'false'; sign: string }[]; signMethod: string } {
  requireArgument(options, 'options');
  const method = options.signMethod ?? 'hmacsha256';
  signMethodAlgorithm(method);
  const form = options.cleanSessionForm ?? 'signed';
  requireArgument(options.devices, 'devices', true);
  if (options.devices.length === 0) throw new SignError('missing_field', 'devices must not be empty', 'devices');
  const deviceList = options.devices.map((d) => {
    const s = signSubDevice(d, method, d.cleanSession, form);
    const entry = { productKey: s.productKey, deviceName: s.deviceName, clientId: s.clientId, timestamp: s.timestamp };
    return s.cleanSession === undefined ? { ...entry, sign: s.sign } : { ...entry, cleanSession: s.cleanSession, sign: s.sign };
  });
  return { deviceList, signMethod: method };
}

/** Params of `combine.logout` (seed §9.4): `{productKey, deviceName}`, unsigned. */
export function combineLogoutParams(device: { readonly productKey: string; readonly deviceName: string }): { productKey: string; deviceName: string } {
  requireArgument(device, 'device');
  return { productKey: required('productKey', device.productKey), deviceName: required('deviceName', device.deviceName) };
}

/** Params of `combine.batch_logout`: an array of `{productKey, deviceName}`, unsigned. */
export function combineBatchLogoutParams(devices: readonly { readonly productKey: string; readonly deviceName: string }[]): { productKey: string; deviceName: string }[] {
  requireArgument(devices, 'devices', true);
  return devices.map(combineLogoutParams);
}

/** Which login forms a verifier accepts; `either` accepts signed and unsigned cleanSession. */
export interface SubDeviceVerifyOptions extends VerifyOptions {
  readonly cleanSession?: 'signed' | 'unsigned' | 'either';
}

export interface VerifiedSubDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly clientId: string;
  readonly timestamp: string;
  readonly cleanSession: boolean | undefined;
}

type SecretLookup = (productKey: string, deviceName: string) => string | undefined;

function verifySubDevice(entry: unknown, method: unknown, lookup: SecretLookup, options: SubDeviceVerifyOptions | undefined): VerifyResult<VerifiedSubDevice> {
  const r = asRecord(entry);
  if (r === undefined) return fail('malformed', 'entry must be an object');
  const fields: Record<string, string> = Object.create(null);
  for (const k of Object.keys(r)) {
    const v = fieldText(r[k]);
    if (v === undefined) return fail('malformed', `field ${k} must be text`);
    fields[k] = v;
  }
  const { productKey, deviceName, clientId, timestamp, sign, cleanSession } = fields;
  if (!productKey || !deviceName || !clientId || !timestamp || !sign) return fail('malformed', 'productKey, deviceName, clientId, timestamp and sign are required');
  if (cleanSession !== undefined && cleanSession !== 'true' && cleanSession !== 'false') return fail('malformed', 'cleanSession must be true or false');
  const m = typeof method === 'string' ? method : fields['signmethod'] ?? fields['signMethod'] ?? 'hmacmd5';
  const algorithm = checkMethod(m, options, signMethodAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  const late = checkTimestamp(timestamp, options);
  if (late !== undefined) return late;
  const found = lookup(productKey, deviceName);
  // An unknown device is signed and compared too (STAND_IN_SECRET): timing does not tell.
  const secret = found ?? STAND_IN_SECRET;
  const policy = options?.cleanSession ?? 'either';
  const signed = signContent(fields);
  const unsigned = signContent(fields, ['sign', 'signmethod', 'signMethod', 'version', 'resources', 'cleanSession']);
  // Both forms are computed whatever the policy, so timing says nothing about which one matched.
  const okSigned = checkSignature(hmacWith(secret, algorithm, signed), sign) === undefined;
  const okUnsigned = checkSignature(hmacWith(secret, algorithm, unsigned), sign) === undefined;
  const ok = cleanSession === undefined ? okSigned : policy === 'signed' ? okSigned : policy === 'unsigned' ? okUnsigned : okSigned || okUnsigned;
  if (found === undefined) return fail('unknown_device', 'unknown device');
  if (!ok) return fail('signature_mismatch', 'signature mismatch');
  return { ok: true, productKey, deviceName, clientId, timestamp, cleanSession: cleanSession === undefined ? undefined : cleanSession === 'true' };
}

/**
 * The platform side of {@link combineLoginParams}; by default accepts cleanSession signed or
 * unsigned (`options.cleanSession` narrows it).
 *
 * @example
 * verifyCombineLogin(message.params, (pk, dn) => secrets.get(`${pk}/${dn}`), { now: clock.now() }).ok
 */
export function verifyCombineLogin(params: unknown, deviceSecret: SecretLookup, options?: SubDeviceVerifyOptions): VerifyResult<VerifiedSubDevice> {
  return verifySubDevice(params, undefined, deviceSecret, options);
}

/** The platform side of {@link topoAddEntry}, for one entry of the params array. */
export function verifyTopoAddEntry(entry: unknown, deviceSecret: SecretLookup, options?: SubDeviceVerifyOptions): VerifyResult<VerifiedSubDevice> {
  return verifySubDevice(entry, undefined, deviceSecret, options);
}

/**
 * The platform side of {@link combineBatchLoginParams}: one result per `deviceList` entry, in
 * order, so the reply can name the devices that failed.
 */
export function verifyCombineBatchLogin(params: unknown, deviceSecret: SecretLookup, options?: SubDeviceVerifyOptions): VerifyResult<{ readonly devices: VerifyResult<VerifiedSubDevice>[] }> {
  const r = asRecord(params);
  const list = r?.['deviceList'];
  if (r === undefined || !Array.isArray(list) || list.length === 0) return fail('malformed', 'params.deviceList must be a non-empty array');
  const method = r['signMethod'] ?? r['signmethod'] ?? 'hmacmd5';
  if (typeof method !== 'string') return fail('malformed', 'signMethod must be text');
  return { ok: true, devices: list.map((d) => verifySubDevice(d, method, deviceSecret, options)) };
}

/** The platform side of {@link proxyProvisioningParams}: one result per `proxieds` entry. */
export function verifyProxyProvisioning(
  params: unknown,
  productSecret: (productKey: string) => string | undefined,
  options?: VerifyOptions,
): VerifyResult<{ readonly devices: VerifyResult<VerifiedRegistration>[] }> {
  const list = asRecord(params)?.['proxieds'];
  if (!Array.isArray(list) || list.length === 0) return fail('malformed', 'params.proxieds must be a non-empty array');
  return {
    ok: true,
    devices: list.map((d) => {
      const e = asRecord(d);
      return e === undefined ? fail('malformed', 'entry must be an object') : verifyRegistrationFields(e, productSecret, options);
    }),
  };
}
