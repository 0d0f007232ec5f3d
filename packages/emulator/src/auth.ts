import { toHex, utf8Decode, utf8Encode } from '@linkwire/base';
import type { ConnectPacket } from '@linkwire/mqtt';
import {
  mqttAuthType, mqttRegistrationReply, parseMqttClientId, verifyMqttConnwl, verifyMqttCredentials, verifyMqttRegistration,
  verifyMqttTokenCredentials,
} from '@linkwire/sign';
import type { ConnectOutcome, Link } from './broker.ts';
import { deviceKey, type DeviceRegistry, type DeviceRecord } from './devices.ts';
import type { ProductRegistry } from './products.ts';

/** iotId → what `/auth/devicename` issued (seed §3.1: the token is valid for seven days). */
export interface IssuedToken {
  readonly productKey: string;
  readonly deviceName: string;
  readonly iotToken: string;
  readonly expires: number;
}

export interface AuthDeps {
  readonly devices: DeviceRegistry;
  readonly products: ProductRegistry;
  readonly iotTokens: Map<string, IssuedToken>;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  /** Largest distance of a signed timestamp from the platform's clock. */
  readonly timestampWindowMs: number;
  readonly requireTimestamp: boolean;
}

// Seed §3.1: "The allowed range of Keep Alive value is 30-1200 seconds."
export const KEEPALIVE_MIN = 30;
export const KEEPALIVE_MAX = 1200;
// Seed §3.1: "The length of the client ID must be within 64 characters."
export const CLIENT_ID_MAX = 64;

const refuse = (returnCode: 1 | 2 | 3 | 4 | 5, reason: string): ConnectOutcome => ({ ok: false, returnCode, reason });

/** A secret or token the platform issues: 32 hex digits from the injected randomness. */
export const issueSecret = (random: (n: number) => Uint8Array): string => toHex(random(16));

/**
 * Authenticates a CONNECT as the platform does (seed §3.1, PROTOCOL-NOTES "Registration over
 * MQTT"): the clientId's authType picks the flow, the identity is the device that signed, and
 * the refusals are CONNACK codes: 2 for a malformed clientId or keepalive, 4 for credentials
 * that do not verify, 5 for valid credentials the platform will not serve (securemode 2 over
 * plain TCP, a disabled device, registration of an activated device).
 */
export function authenticateConnect(deps: AuthDeps, p: ConnectPacket, link: Link): ConnectOutcome {
  if (p.keepalive < KEEPALIVE_MIN || p.keepalive > KEEPALIVE_MAX) {
    return refuse(2, `keepalive ${p.keepalive} is outside ${KEEPALIVE_MIN}-${KEEPALIVE_MAX} seconds`);
  }
  // `{id}|k=v,…|`; undefined for the plain clientId of the iotToken flow.
  const parsed = parseMqttClientId(p.clientId);
  if (parsed?.params['authType'] === 'x509') return x509(deps, p, link, parsed.clientId);
  const type = mqttAuthType(p.clientId);
  if (type === undefined) return refuse(2, 'malformed clientId');
  const clientId = parsed?.clientId ?? p.clientId;
  if (clientId.length > CLIENT_ID_MAX) return refuse(2, `clientId is longer than ${CLIENT_ID_MAX} characters`);
  const username = p.username ?? '';
  let password: string;
  try {
    password = p.password === undefined ? '' : utf8Decode(p.password);
  } catch {
    return refuse(4, 'password is not UTF-8');
  }
  const secure = link.transport === 'tls' || link.transport === 'wss';
  const secureMode = parsed?.params['securemode'];
  if (secureMode === '2' && !secure) return refuse(5, 'securemode=2 needs a TLS connection');
  const now = deps.now();
  const verifyOptions = { now, windowMs: deps.timestampWindowMs, requireTimestamp: deps.requireTimestamp };

  const admit = (record: DeviceRecord | undefined, id: string): ConnectOutcome => {
    if (record === undefined) return refuse(4, 'unknown device');
    if (!record.enabled) return refuse(5, 'device is disabled');
    record.activated = true;
    return { ok: true, key: record.key, productKey: record.productKey, deviceName: record.deviceName, clientId: id };
  };

  switch (type) {
    case 'token': {
      const t = verifyMqttTokenCredentials(p.clientId, username, password, (iotId) => deps.iotTokens.get(iotId)?.iotToken);
      if (!t.ok) return refuse(4, t.reason);
      const issued = deps.iotTokens.get(t.iotId)!;
      if (issued.expires <= now) {
        deps.iotTokens.delete(t.iotId);
        return refuse(4, 'iotToken expired');
      }
      return admit(deps.devices.get(issued.productKey, issued.deviceName), clientId);
    }
    case 'device': {
      if (secureMode !== '2' && secureMode !== '3') return refuse(4, `securemode ${secureMode ?? '(none)'} is not 2 or 3`);
      const r = verifyMqttCredentials(p.clientId, username, password, deps.devices.secret, verifyOptions);
      if (!r.ok) {
        const record = r.code === 'unknown_device' ? findByUsername(deps.devices, username) : undefined;
        return record !== undefined && !record.enabled ? refuse(5, 'device is disabled') : refuse(4, r.reason);
      }
      return admit(deps.devices.get(r.productKey, r.deviceName), r.clientId);
    }
    case 'connwl': {
      const r = verifyMqttConnwl(p.clientId, username, password, (pk, dn) => deps.devices.get(pk, dn)?.deviceToken);
      if (!r.ok) return refuse(4, r.reason);
      return admit(deps.devices.get(r.productKey, r.deviceName), r.clientId);
    }
    case 'register':
    case 'regnwl': {
      const r = verifyMqttRegistration(p.clientId, username, password, deps.products.registrationSecret, verifyOptions);
      if (!r.ok) return refuse(4, r.reason);
      const issued = register(deps, r.productKey, r.deviceName, r.mode === 'regnwl');
      if (!issued.ok) return refuse(5, issued.reason);
      const record = issued.record;
      const reply =
        r.mode === 'register'
          ? mqttRegistrationReply({ mode: 'register', deviceSecret: record.secret! })
          : mqttRegistrationReply({ mode: 'regnwl', clientId: record.key.replace('&', '.'), productKey: record.productKey, deviceName: record.deviceName, deviceToken: record.deviceToken! });
      return { ok: true, key: record.key, productKey: record.productKey, deviceName: record.deviceName, clientId, oneShot: { topic: reply.topic, payload: utf8Encode(reply.payload) } };
    }
  }
}

/**
 * X.509 devices (securemode 2, `authType=x509`): the TLS client certificate, signed by the
 * platform's CA and naming the device as CN `{productKey}.{deviceName}`, is the credential; a
 * username, when sent, must name the same device. Decided here: the device guide does not
 * describe this flow; Alibaba's X.509 devices are issued their certificate by the platform.
 * Over TLS and WSS alike.
 */
function x509(deps: AuthDeps, p: ConnectPacket, link: Link, clientId: string): ConnectOutcome {
  if (clientId.length > CLIENT_ID_MAX) return refuse(2, `clientId is longer than ${CLIENT_ID_MAX} characters`);
  const cn = link.peerCertificate?.subject['CN'];
  if (link.transport !== 'tls' && link.transport !== 'wss') return refuse(5, 'X.509 devices connect over TLS');
  if (cn === undefined) return refuse(4, 'no client certificate signed by the platform CA');
  const dot = cn.indexOf('.');
  const record = dot <= 0 ? undefined : deps.devices.get(cn.slice(0, dot), cn.slice(dot + 1));
  if (record === undefined) return refuse(4, `certificate CN ${cn} names no device`);
  if (p.username !== undefined && p.username !== '' && p.username !== `${record.deviceName}&${record.productKey}`) return refuse(4, 'username does not name the certificate\'s device');
  if (!record.enabled) return refuse(5, 'device is disabled');
  record.activated = true;
  return { ok: true, key: record.key, productKey: record.productKey, deviceName: record.deviceName, clientId };
}

function findByUsername(devices: DeviceRegistry, username: string): DeviceRecord | undefined {
  const amp = username.lastIndexOf('&');
  return amp <= 0 ? undefined : devices.get(username.slice(amp + 1), username.slice(0, amp));
}

/**
 * Dynamic registration, shared by HTTPS, MQTT and sub-device provisioning (seed §2.3): a secret
 * (or, without pre-registration, a device token) is issued once, for a device that was never
 * activated; a product that allows it may create the device. Every name follows the seed's rules.
 */
export function register(
  deps: Pick<AuthDeps, 'devices' | 'products' | 'random'>,
  productKey: string,
  deviceName: string,
  tokenOnly = false,
): { readonly ok: true; readonly record: DeviceRecord } | { readonly ok: false; readonly code: number; readonly reason: string } {
  const product = deps.products.get(productKey);
  if (product === undefined || !product.dynamicRegistration) return { ok: false, code: 6250, reason: 'dynamic registration is not enabled for this product' };
  let record = deps.devices.get(productKey, deviceName);
  if (record === undefined) {
    if (!product.registerUnknownDevices) return { ok: false, code: 6250, reason: 'device is not pre-registered' };
    try {
      record = deps.devices.add({ productKey, deviceName });
    } catch (e) {
      return { ok: false, code: 6280, reason: (e as Error).message };
    }
  }
  if (record.activated || record.deviceToken !== undefined) return { ok: false, code: 6289, reason: 'device is already activated' };
  if (!record.enabled) return { ok: false, code: 6250, reason: 'device is disabled' };
  if (tokenOnly) record.deviceToken = issueSecret(deps.random);
  else {
    record.secret ??= issueSecret(deps.random);
    record.activated = true;
  }
  return { ok: true, record };
}

export { deviceKey };
