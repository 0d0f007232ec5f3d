import { toHex, utf8Decode, utf8Encode, toBase64 } from '@linkwire/base';
import { hashHex, hmacHex, type HashAlgorithm } from '@linkwire/hash';
import {
  coapAuthRequest, combineLoginParams, compareCodePoints, deviceNameAuthRequest, edgeBasicAuthorization, enosApimHeaders, enosDigestAlgorithm,
  enosLoginInfo, enosMqttCredentials, enosTokenRequest, httpAuthRequest, mqttBroker, mqttCredentials, mqttRegisterCredentials, registerDeviceRequest,
  signContent, signMethodAlgorithm, topoAddEntry, type CleanSessionForm, type EnosSecureMode, type MqttTransport, type SecureMode,
} from '@linkwire/sign';
import { CliError, EXIT, int, printJson, str, usageError, type CliIo, type CommandSpec, type OptionSpec, type Parsed } from '../cli.ts';
import type { Command } from '../main.ts';
import { readSecret, SECRET_HELP } from '../secrets.ts';

/** What every `sign` kind produces: the signing string, how it was signed, and the fields to send. */
export interface Signed {
  readonly kind: string;
  /** The exact text that was hashed (for EnOS and the REST gateway: without the secret appended). */
  readonly signingString: string;
  /** How: `HMAC-SHA256 keyed with the device secret`, `SHA-256 of signing string + product secret`… */
  readonly how: string;
  readonly signature: string;
  /** The fields to send, in the order they are sent. */
  readonly result: Readonly<Record<string, unknown>>;
  /** Further facts (broker, port, content format). */
  readonly notes?: Readonly<Record<string, string | number>>;
}

const ALG_NAME: Record<HashAlgorithm, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };

// Shared option specs.
const pk: OptionSpec = { type: 'string', value: '<productKey>', description: 'the product key' };
const dn: OptionSpec = { type: 'string', value: '<deviceName>', description: 'the device name' };
const ds: OptionSpec = { type: 'string', value: '<secret>', description: `the device secret: ${SECRET_HELP}` };
const ps: OptionSpec = { type: 'string', value: '<secret>', description: `the product secret: ${SECRET_HELP}` };
const cid: OptionSpec = { type: 'string', value: '<id>', description: 'the device\'s own client id (MAC, serial number)' };
const ts: OptionSpec = { type: 'string', value: '<ms|now|none>', description: 'timestamp in milliseconds; `now` is the clock, `none` leaves it out', default: 'now' };
const tsRequired: OptionSpec = { type: 'string', value: '<ms|now>', description: 'timestamp in milliseconds; `now` is the clock', default: 'now' };

function timestampOf(p: Parsed, io: CliIo, command: string, allowNone: boolean): string | undefined {
  const v = str(p, 'timestamp', command, true) ?? 'now';
  if (v === 'now') return String(io.now());
  if (v === 'none') {
    if (!allowNone) throw usageError(`--timestamp none is not possible here: ${command} signs a timestamp`);
    return undefined;
  }
  if (!/^\d{1,16}$/.test(v)) throw usageError(`--timestamp ${JSON.stringify(v)} is not a number of milliseconds`, 'pass digits (1700000000000), now or none');
  return v;
}

function secret(p: Parsed, name: string, command: string, io: CliIo): string {
  return readSecret(str(p, name, command), name, io);
}

/** The identity and signing inputs most Alibaba kinds share. */
function deviceInputs(p: Parsed, io: CliIo, command: string, defaults: { clientId: (pk: string, dn: string) => string; method: string }) {
  const productKey = str(p, 'product-key', command);
  const deviceName = str(p, 'device-name', command);
  return {
    productKey, deviceName,
    deviceSecret: secret(p, 'device-secret', command, io),
    clientId: str(p, 'client-id', command, true) ?? defaults.clientId(productKey, deviceName),
    method: str(p, 'sign-method', command, true) ?? defaults.method,
  };
}

const dotted = (pk: string, dn: string) => `${pk}.${dn}`;

/** Options of the sub-device kinds (combine.login, topo add). */
const subDeviceOptions: Readonly<Record<string, OptionSpec>> = {
  'product-key': pk, 'device-name': dn, 'device-secret': ds, 'client-id': { type: 'string', value: '<id>', description: 'default {productKey}.{deviceName}' },
  'sign-method': { type: 'string', value: '<method>', description: 'sent exactly as given', default: 'hmacsha256' },
  timestamp: tsRequired,
};

/** Recomputes the signature from the string this command prints, so what it shows is what was signed. */
function checked(signed: Signed, recomputed: string): Signed {
  if (recomputed.toLowerCase() !== signed.signature.toLowerCase()) {
    throw new CliError(EXIT.internal, `internal error: the signing string shown for ${signed.kind} does not reproduce the signature`, 'this is a bug in linkwire: please report it');
  }
  return signed;
}

function hmacSigned(kind: string, method: string, secretName: string, secretValue: string, content: string, signature: string, result: Record<string, unknown>, notes?: Record<string, string | number>): Signed {
  const algorithm = signMethodAlgorithm(method);
  const s: Signed = { kind, signingString: content, how: `HMAC-${ALG_NAME[algorithm]} keyed with the ${secretName} (signmethod ${method})`, signature, result, ...(notes ? { notes } : {}) };
  return checked(s, hmacHex(algorithm, secretValue, content));
}

function extras(p: Parsed): Record<string, string> | undefined {
  const list = p.values['extra'];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of list) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw usageError(`--extra ${JSON.stringify(e)} is not key=value`, 'for example --extra _v=sdk-1.0 --extra lan=js');
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

interface SignKind {
  readonly spec: CommandSpec;
  make(p: Parsed, io: CliIo): Signed;
}

const kinds: SignKind[] = [
  {
    spec: {
      name: 'sign mqtt', summary: 'Alibaba MQTT CONNECT credentials (clientId, username, password)',
      usage: ['sign mqtt --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['The CONNECT of a directly connected device with its own secret (device guide §3.1, §3.2): password = HMAC over the sorted fields clientId, deviceName, productKey and timestamp. TCP and ws use securemode 3, TLS and wss securemode 2.'],
      options: {
        'product-key': pk, 'device-name': dn, 'device-secret': ds, 'client-id': cid,
        'sign-method': { type: 'string', value: '<method>', description: 'hmacmd5, hmacsha1 or hmacsha256', default: 'hmacsha256' },
        transport: { type: 'string', value: '<tcp|tls|ws|wss>', description: 'selects securemode and the broker port', default: 'tls' },
        'secure-mode': { type: 'string', value: '<2|3|-2>', description: 'securemode, instead of --transport' },
        timestamp: ts,
        keepalive: { type: 'string', value: '<seconds>', description: 'CONNECT keep alive, checked against the platform\'s 30..1200' },
        extra: { type: 'string', multiple: true, value: '<key=value>', description: 'an extra clientId key (_v, lan, _ss…)' },
        region: { type: 'string', value: '<regionId>', description: 'region of the public instance, for the broker host', default: 'cn-shanghai' },
      },
      examples: [
        'linkwire sign mqtt --product-key pk --device-name device --device-secret secret --client-id 12345 --sign-method hmacsha1 --transport tcp --timestamp 789',
        'linkwire sign mqtt --product-key a1B2c3D4e5F --device-name lamp-01 --device-secret env:DEVICE_SECRET --json',
      ],
    },
    make(p, io) {
      const c = 'sign mqtt';
      const productKey = str(p, 'product-key', c);
      const deviceName = str(p, 'device-name', c);
      const deviceSecret = secret(p, 'device-secret', c, io);
      const clientId = str(p, 'client-id', c, true);
      const method = (str(p, 'sign-method', c, true) ?? 'hmacsha256');
      const transport = str(p, 'transport', c, true) as MqttTransport | undefined;
      const sm = str(p, 'secure-mode', c, true);
      const secureMode = sm === undefined ? undefined : (Number(sm) as SecureMode);
      if (sm !== undefined && !['2', '3', '-2'].includes(sm)) throw usageError(`--secure-mode ${sm} is invalid`, 'use 2 (TLS/wss), 3 (TCP/ws) or -2');
      const timestamp = timestampOf(p, io, c, true);
      const keepalive = int(p, 'keepalive', c, 0, 65535);
      const creds = mqttCredentials({
        productKey, deviceName, deviceSecret, signMethod: method, timestamp, extra: extras(p),
        ...(clientId === undefined ? {} : { clientId }), ...(secureMode === undefined ? {} : { secureMode }),
        ...(transport === undefined ? {} : { transport }), ...(keepalive === undefined ? {} : { keepalive }),
      });
      const content = signContent({ clientId: clientId ?? `${productKey}.${deviceName}`, deviceName, productKey, timestamp });
      const broker = mqttBroker({ productKey, regionId: str(p, 'region', c, true), transport: transport ?? (secureMode === 3 ? 'tcp' : 'tls') });
      return hmacSigned(c, method.toLowerCase(), 'device secret', deviceSecret, content, creds.password, { ...creds }, { broker: broker.url });
    },
  },
  {
    spec: {
      name: 'sign devicename', summary: 'MQTT-over-HTTPS auth: the /auth/devicename form body',
      usage: ['sign devicename --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['Device guide §3.1 "through HTTPS": POST /auth/devicename; the reply\'s iotId and iotToken become the CONNECT username and password.'],
      options: {
        'product-key': pk, 'device-name': dn, 'device-secret': ds, 'client-id': cid,
        'sign-method': { type: 'string', value: '<method>', description: 'hmacmd5, hmacsha1 or hmacsha256', default: 'hmacsha256' },
        timestamp: ts,
        resources: { type: 'string', value: '<list>', description: 'resources to ask for, comma-separated (not signed)', default: 'mqtt' },
        version: { type: 'string', value: '<v>', description: 'the version field (not signed)' },
        region: { type: 'string', value: '<regionId>', description: 'region for the auth host', default: 'cn-shanghai' },
      },
      examples: ['linkwire sign devicename --product-key 123 --device-name test --device-secret secret --client-id 123 --timestamp 123 --sign-method hmacmd5 --version default'],
    },
    make(p, io) {
      const c = 'sign devicename';
      const { productKey, deviceName, deviceSecret, clientId, method } = deviceInputs(p, io, c, { clientId: dotted, method: 'hmacsha256' });
      const timestamp = timestampOf(p, io, c, true);
      const resources = (str(p, 'resources', c, true) ?? 'mqtt').split(',').filter((r) => r !== '');
      const version = str(p, 'version', c, true);
      const req = deviceNameAuthRequest({ productKey, deviceName, deviceSecret, clientId, timestamp, signMethod: method, resources, regionId: str(p, 'region', c, true), ...(version === undefined ? {} : { version }) });
      const sign = new URLSearchParams(req.body).get('sign')!;
      return hmacSigned(c, method, 'device secret', deviceSecret, signContent({ productKey, deviceName, clientId, timestamp }), sign,
        { method: req.method, url: `https://${req.host}${req.path}`, contentType: req.headers['Content-Type'], body: req.body });
    },
  },
  {
    spec: {
      name: 'sign https', summary: 'HTTPS transport auth: the /auth JSON body',
      usage: ['sign https --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['Device guide §3.4: POST /auth to iot-as-http.cn-shanghai.aliyuncs.com; the token in the reply goes in the password header of /topic/… requests.'],
      options: {
        'product-key': pk, 'device-name': dn, 'device-secret': ds, 'client-id': cid,
        'sign-method': { type: 'string', value: '<method>', description: 'hmacmd5 or hmacsha1 (hmacsha256 is also signed)', default: 'hmacsha1' },
        timestamp: ts,
        version: { type: 'string', value: '<v>', description: 'the version field (not signed)', default: 'default' },
      },
      examples: ['linkwire sign https --product-key pk --device-name device --device-secret secret --client-id 12345 --timestamp 1501668289957'],
    },
    make(p, io) {
      const c = 'sign https';
      const { productKey, deviceName, deviceSecret, clientId, method } = deviceInputs(p, io, c, { clientId: dotted, method: 'hmacsha1' });
      const timestamp = timestampOf(p, io, c, true);
      const req = httpAuthRequest({ productKey, deviceName, deviceSecret, clientId, timestamp, signMethod: method, version: str(p, 'version', c, true) ?? 'default' });
      const body = JSON.parse(req.body) as { sign: string };
      return hmacSigned(c, method, 'device secret', deviceSecret, signContent({ productKey, deviceName, clientId, timestamp }), body.sign,
        { method: req.method, url: `https://${req.host}${req.path}`, contentType: req.headers['Content-Type'], body: req.body });
    },
  },
  {
    spec: {
      name: 'sign coap', summary: 'CoAP auth: the /auth payload (JSON or CBOR)',
      usage: ['sign coap --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['Device guide §3.3: POST /auth over DTLS (port 5684) or, with --seq, the symmetric-encryption mode (port 5682). Without --sign-method the body carries no signmethod and is signed with hmacmd5, the platform default, exactly like the seed.'],
      options: {
        'product-key': pk, 'device-name': dn, 'device-secret': ds,
        'client-id': { type: 'string', value: '<id>', description: 'default {productKey}&{deviceName}' },
        'sign-method': { type: 'string', value: '<method>', description: 'hmacmd5, hmacsha1 or hmacsha256; sent only when given' },
        timestamp: { ...ts, default: 'none' },
        seq: { type: 'string', value: '<n>', description: 'the first sequence number (symmetric mode, port 5682); signed' },
        'ack-mode': { type: 'string', value: '<0|1>', description: 'result with the ACK (0) or after it (1); signed' },
        format: { type: 'string', value: '<json|cbor>', description: 'body encoding', default: 'json' },
      },
      examples: ['linkwire sign coap --product-key alNUjcVkHZS --device-name ffla11e7c08d4b3db2b1500d8e0e55 --device-secret deviceSecret --seq 10'],
    },
    make(p, io) {
      const c = 'sign coap';
      const productKey = str(p, 'product-key', c);
      const deviceName = str(p, 'device-name', c);
      const deviceSecret = secret(p, 'device-secret', c, io);
      const clientId = str(p, 'client-id', c, true) ?? `${productKey}&${deviceName}`;
      const method = str(p, 'sign-method', c, true);
      const timestamp = p.values['timestamp'] === undefined || p.values['timestamp'] === 'none' ? undefined : timestampOf(p, io, c, true);
      const seq = str(p, 'seq', c, true);
      const ackText = str(p, 'ack-mode', c, true);
      if (ackText !== undefined && ackText !== '0' && ackText !== '1') throw usageError('--ack-mode must be 0 or 1');
      const format = str(p, 'format', c, true) ?? 'json';
      if (format !== 'json' && format !== 'cbor') throw usageError(`--format ${format} is invalid`, 'use json or cbor');
      const ackMode = ackText === undefined ? undefined : (Number(ackText) as 0 | 1);
      const req = coapAuthRequest({
        productKey, deviceName, deviceSecret, clientId, timestamp, format,
        ...(method === undefined ? {} : { signMethod: method }), ...(seq === undefined ? {} : { seq }), ...(ackMode === undefined ? {} : { ackMode }),
      });
      const content = signContent({ productKey, deviceName, clientId, timestamp, seq, ackMode: ackText });
      const algorithm = signMethodAlgorithm(method ?? 'hmacmd5');
      const sign = hmacHex(algorithm, deviceSecret, content);
      const body = format === 'json' ? { body: utf8Decode(req.payload) } : { bodyHex: toHex(req.payload) };
      const s: Signed = {
        kind: c, signingString: content, how: `HMAC-${ALG_NAME[algorithm]} keyed with the device secret (signmethod ${method ?? 'absent: the platform default hmacmd5'})`, signature: sign,
        result: { method: req.method, path: req.path, port: req.port, contentFormat: req.contentFormat, ...body },
      };
      // The payload must carry the signature shown.
      return checked(s, format === 'json' ? (JSON.parse(utf8Decode(req.payload)) as { sign: string }).sign : sign);
    },
  },
  {
    spec: {
      name: 'sign register', summary: 'dynamic registration over HTTPS: the /auth/register/device body',
      usage: ['sign register --product-key <pk> --device-name <dn> --product-secret <secret> [--random <r>]'],
      description: ['Device guide §9.2: signed with the product secret over deviceName, productKey and random; the reply carries the new device secret.'],
      options: {
        'product-key': pk, 'device-name': dn, 'product-secret': ps,
        random: { type: 'string', value: '<r>', description: 'the random value (default: 16 random hex digits)' },
        'sign-method': { type: 'string', value: '<method>', description: 'sent exactly as given (the seed sends HmacMD5)', default: 'hmacsha256' },
        region: { type: 'string', value: '<regionId>', description: 'region for the auth host', default: 'cn-shanghai' },
      },
      examples: ['linkwire sign register --product-key 1234556554 --device-name deviceName1234 --product-secret productSecret --random 567345 --sign-method HmacMD5'],
    },
    make(p, io) {
      const c = 'sign register';
      const productKey = str(p, 'product-key', c);
      const deviceName = str(p, 'device-name', c);
      const productSecret = secret(p, 'product-secret', c, io);
      const random = str(p, 'random', c, true) ?? randomHex(16);
      const method = str(p, 'sign-method', c, true) ?? 'hmacsha256';
      const req = registerDeviceRequest({ productKey, deviceName, productSecret, random, signMethod: method, regionId: str(p, 'region', c, true) });
      const sign = new URLSearchParams(req.body).get('sign')!;
      return hmacSigned(c, method, 'product secret', productSecret, signContent({ productKey, deviceName, random }), sign,
        { method: req.method, url: `https://${req.host}${req.path}`, contentType: req.headers['Content-Type'], body: req.body });
    },
  },
  {
    spec: {
      name: 'sign mqtt-register', summary: 'dynamic registration over MQTT (authType register or regnwl)',
      usage: ['sign mqtt-register --product-key <pk> --device-name <dn> --product-secret <secret> [--random <r>] [--mode register|regnwl]'],
      options: {
        'product-key': pk, 'device-name': dn, 'product-secret': ps,
        random: { type: 'string', value: '<r>', description: 'the random value (default: 16 random hex digits)' },
        mode: { type: 'string', value: '<register|regnwl>', description: 'pre-registered (register) or not (regnwl)', default: 'register' },
        'sign-method': { type: 'string', value: '<method>', description: 'hmacmd5, hmacsha1 or hmacsha256', default: 'hmacsha256' },
        'instance-id': { type: 'string', value: '<id>', description: 'Enterprise instance id' },
      },
      examples: ['linkwire sign mqtt-register --product-key pk --device-name device --product-secret ps --random 123'],
    },
    make(p, io) {
      const c = 'sign mqtt-register';
      const productKey = str(p, 'product-key', c);
      const deviceName = str(p, 'device-name', c);
      const productSecret = secret(p, 'product-secret', c, io);
      const random = str(p, 'random', c, true) ?? randomHex(16);
      const method = str(p, 'sign-method', c, true) ?? 'hmacsha256';
      const mode = (str(p, 'mode', c, true) ?? 'register') as 'register' | 'regnwl';
      const instanceId = str(p, 'instance-id', c, true);
      const creds = mqttRegisterCredentials({ productKey, deviceName, productSecret, random, signMethod: method, mode, ...(instanceId === undefined ? {} : { instanceId }) });
      return hmacSigned(c, method.toLowerCase(), 'product secret', productSecret, signContent({ productKey, deviceName, random }), creds.password, { ...creds });
    },
  },
  {
    spec: {
      name: 'sign sub-login', summary: 'sub-device login params (combine.login) for a gateway',
      usage: ['sign sub-login --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['Device guide §9.4: the params a gateway sends on /ext/session/{gwPk}/{gwDn}/combine/login. The seed signs cleanSession (`cleanSessiontrue…`); the official SDKs send it unsigned or not at all: --clean-session-form picks.'],
      options: {
        ...subDeviceOptions,
        'clean-session': { type: 'string', value: '<true|false>', description: 'the cleanSession value', default: 'true' },
        'clean-session-form': { type: 'string', value: '<signed|unsigned|omitted>', description: 'how cleanSession takes part', default: 'signed' },
      },
      examples: ['linkwire sign sub-login --product-key 123 --device-name test --device-secret deviceSecret --client-id 123 --timestamp 123 --sign-method hmacmd5'],
    },
    make(p, io) {
      const c = 'sign sub-login';
      const { productKey, deviceName, deviceSecret, clientId, method } = deviceInputs(p, io, c, { clientId: dotted, method: 'hmacsha256' });
      const timestamp = timestampOf(p, io, c, false)!;
      const csText = str(p, 'clean-session', c, true) ?? 'true';
      if (csText !== 'true' && csText !== 'false') throw usageError('--clean-session must be true or false');
      const form = (str(p, 'clean-session-form', c, true) ?? 'signed') as CleanSessionForm;
      const params = combineLoginParams({ productKey, deviceName, deviceSecret, clientId, timestamp, signMethod: method, cleanSession: csText === 'true', cleanSessionForm: form });
      const content = signContent({ productKey, deviceName, clientId, timestamp, cleanSession: form === 'signed' ? csText : undefined });
      return hmacSigned(c, method, 'sub-device secret', deviceSecret, content, params.sign, { ...params });
    },
  },
  {
    spec: {
      name: 'sign topo-add', summary: 'a sub-device entry of thing.topo.add',
      usage: ['sign topo-add --product-key <pk> --device-name <dn> --device-secret <secret> [options]'],
      description: ['Device guide §9.3: one entry of the params of /sys/{gwPk}/{gwDn}/thing/topo/add, in the seed\'s key order.'],
      options: subDeviceOptions,
      examples: ['linkwire sign topo-add --product-key 123 --device-name test --device-secret deviceSecret --client-id 123 --timestamp 1524448722000 --sign-method hmacMd5'],
    },
    make(p, io) {
      const c = 'sign topo-add';
      const { productKey, deviceName, deviceSecret, clientId, method } = deviceInputs(p, io, c, { clientId: dotted, method: 'hmacsha256' });
      const timestamp = timestampOf(p, io, c, false)!;
      const entry = topoAddEntry({ productKey, deviceName, deviceSecret, clientId, timestamp, signMethod: method });
      return hmacSigned(c, method, 'sub-device secret', deviceSecret, signContent({ productKey, deviceName, clientId, timestamp }), entry.sign, { ...entry });
    },
  },
  {
    spec: {
      name: 'sign enos-mqtt', summary: 'EnOS CONNECT credentials, secure modes 2, 3 and 4',
      usage: ['sign enos-mqtt --product-key <pk> --device-key <dk> --device-secret <secret> [options]', 'sign enos-mqtt --secure-mode 3 --product-key <pk> --device-key <dk> --product-secret <secret>', 'sign enos-mqtt --secure-mode 4 --product-key <pk> --product-secret <secret>'],
      description: ['EnOS signs a plain digest of the sorted content with the secret appended, uppercase hex (not an HMAC, whatever signmethod says). Mode 2: the device secret; mode 3 (dynamic activation): the product secret; mode 4 (integration channel): the product secret, deviceKey %channel%, clientId = productKey.'],
      options: {
        'product-key': pk, 'device-key': { type: 'string', value: '<deviceKey>', description: 'the device key (modes 2 and 3)' }, 'device-secret': ds, 'product-secret': ps,
        'client-id': { type: 'string', value: '<id>', description: 'default the deviceKey (mode 4: the productKey)' },
        'secure-mode': { type: 'string', value: '<2|3|4>', description: 'which secret signs', default: '2' },
        'sign-method': { type: 'string', value: '<method>', description: 'sha256, sha1 or md5', default: 'sha256' },
        timestamp: ts,
        lowercase: { type: 'boolean', description: 'lowercase hex instead of the documented uppercase' },
      },
      examples: ['linkwire sign enos-mqtt --product-key 654321 --device-key test --device-secret abcdefg --client-id 123456 --timestamp 1548753362502'],
    },
    make(p, io) {
      const c = 'sign enos-mqtt';
      const modeText = str(p, 'secure-mode', c, true) ?? '2';
      if (!['2', '3', '4'].includes(modeText)) throw usageError(`--secure-mode ${modeText} is invalid`, 'use 2 (device secret), 3 (product secret, activation) or 4 (integration channel)');
      const mode = Number(modeText) as EnosSecureMode;
      const productKey = str(p, 'product-key', c);
      const deviceKey = mode === 4 ? '%channel%' : str(p, 'device-key', c);
      const secretName = mode === 2 ? 'device-secret' : 'product-secret';
      const other = mode === 2 ? 'product-secret' : 'device-secret';
      if (p.values[other] !== undefined) throw usageError(`--${other} does not sign in secure mode ${mode}`, `mode ${mode} signs with --${secretName}`);
      const s = secret(p, secretName, c, io);
      const clientId = str(p, 'client-id', c, true) ?? (mode === 4 ? productKey : deviceKey);
      const method = str(p, 'sign-method', c, true) ?? 'sha256';
      const timestamp = timestampOf(p, io, c, true);
      const lowercase = p.values['lowercase'] === true;
      const creds = enosMqttCredentials({
        productKey, secureMode: mode, clientId, signMethod: method, timestamp, lowercase,
        ...(mode === 4 ? {} : { deviceKey }), ...(mode === 2 ? { deviceSecret: s } : { productSecret: s }),
      });
      const content = signContent({ clientId, deviceKey, productKey, timestamp });
      const algorithm = enosDigestAlgorithm(method);
      return checked({
        kind: c, signingString: content, how: `${ALG_NAME[algorithm]} of the signing string + the ${secretName.replace('-', ' ')}, ${lowercase ? 'lowercase' : 'uppercase'} hex`,
        signature: creds.password, result: { ...creds },
      }, hashHex(algorithm, content + s, !lowercase));
    },
  },
  {
    spec: {
      name: 'sign enos-login', summary: 'EnOS sub-device login info (combine.login, topo add)',
      usage: ['sign enos-login --product-key <pk> --device-key <dk> (--device-secret <s> | --product-secret <s>) [options]'],
      options: {
        'product-key': pk, 'device-key': { type: 'string', value: '<deviceKey>', description: 'the sub-device key' }, 'device-secret': ds, 'product-secret': ps,
        'client-id': { type: 'string', value: '<id>', description: 'default the deviceKey' },
        'sign-method': { type: 'string', value: '<method>', description: 'sha256, sha1 or md5', default: 'sha256' },
        timestamp: tsRequired,
        'clean-session': { type: 'string', value: '<true|false>', description: 'sent when given; not signed' },
        lowercase: { type: 'boolean', description: 'lowercase hex' },
      },
      examples: ['linkwire sign enos-login --product-key 654321 --device-key test --device-secret abcdefg --client-id 123456 --timestamp 1548753362502'],
    },
    make(p, io) {
      const c = 'sign enos-login';
      const productKey = str(p, 'product-key', c);
      const deviceKey = str(p, 'device-key', c);
      const hasDevice = p.values['device-secret'] !== undefined;
      if (hasDevice === (p.values['product-secret'] !== undefined)) throw usageError('give exactly one of --device-secret and --product-secret');
      const s = secret(p, hasDevice ? 'device-secret' : 'product-secret', c, io);
      const clientId = str(p, 'client-id', c, true) ?? deviceKey;
      const method = str(p, 'sign-method', c, true) ?? 'sha256';
      const timestamp = timestampOf(p, io, c, false)!;
      const cs = str(p, 'clean-session', c, true);
      const lowercase = p.values['lowercase'] === true;
      const info = enosLoginInfo({
        productKey, deviceKey, clientId, timestamp, signMethod: method, lowercase,
        ...(hasDevice ? { deviceSecret: s } : { productSecret: s }), ...(cs === undefined ? {} : { cleanSession: cs === 'true' }),
      });
      const content = signContent({ clientId, deviceKey, productKey, timestamp });
      const algorithm = enosDigestAlgorithm(method);
      return checked({
        kind: c, signingString: content, how: `${ALG_NAME[algorithm]} of the signing string + the ${hasDevice ? 'device' : 'product'} secret`,
        signature: info.sign, result: { ...info },
      }, hashHex(algorithm, content + s, !lowercase));
    },
  },
  {
    spec: {
      name: 'sign enos-apim', summary: 'EnOS REST API: the apim-signature headers of one call',
      usage: ['sign enos-apim --access-token <t> --app-secret <s> [--query <q>] [--body <json>] [--timestamp <ms>]'],
      description: ['enos-rest-invoke-service.txt: apim-signature = SHA-256 of accessToken + the query parameters sorted by name (name followed by its decoded value) + the exact body + timestamp + appSecret.'],
      options: {
        'access-token': { type: 'string', value: '<token>', description: 'the access token from the token request' },
        'app-secret': { type: 'string', value: '<secret>', description: `the application secret: ${SECRET_HELP}` },
        query: { type: 'string', value: '<a=1&b=2>', description: 'the query string of the call (a leading ? is fine)' },
        body: { type: 'string', value: '<text>', description: 'the exact request body' },
        timestamp: tsRequired,
      },
      examples: ["linkwire sign enos-apim --access-token token1 --app-secret appSecret --timestamp 1700000000000 --query 'action=invokeService&orgId=yourOrgId' --body '{}'"],
    },
    make(p, io) {
      const c = 'sign enos-apim';
      const accessToken = str(p, 'access-token', c);
      const appSecret = secret(p, 'app-secret', c, io);
      const query = str(p, 'query', c, true) ?? '';
      const body = str(p, 'body', c, true) ?? '';
      const timestamp = timestampOf(p, io, c, false)!;
      const headers = enosApimHeaders({ accessToken, appSecret, timestamp, query, body });
      const pairs = (query.startsWith('?') ? query.slice(1) : query).split('&').filter((x) => x !== '').map((part) => {
        const eq = part.indexOf('=');
        const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
        return [dec(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : dec(part.slice(eq + 1))] as const;
      });
      pairs.sort((a, b) => compareCodePoints(a[0], b[0]));
      const content = accessToken + pairs.map(([k, v]) => k + v).join('') + body + timestamp;
      return checked({ kind: c, signingString: content, how: 'SHA-256 of the signing string + the app secret, lowercase hex', signature: headers['apim-signature'], result: { headers } },
        hashHex('sha256', content + appSecret));
    },
  },
  {
    spec: {
      name: 'sign enos-token', summary: 'EnOS REST API: the token request body',
      usage: ['sign enos-token --app-key <k> --app-secret <s> [--timestamp <ms>]'],
      options: {
        'app-key': { type: 'string', value: '<key>', description: 'the application key' },
        'app-secret': { type: 'string', value: '<secret>', description: `the application secret: ${SECRET_HELP}` },
        timestamp: tsRequired,
      },
      examples: ['linkwire sign enos-token --app-key appKey --app-secret appSecret --timestamp 1700000000000'],
    },
    make(p, io) {
      const c = 'sign enos-token';
      const appKey = str(p, 'app-key', c);
      const appSecret = secret(p, 'app-secret', c, io);
      const timestamp = timestampOf(p, io, c, false)!;
      const req = enosTokenRequest({ appKey, appSecret, timestamp: Number(timestamp) });
      const body = JSON.parse(req.body) as { encryption: string };
      return checked({ kind: c, signingString: appKey + timestamp, how: 'SHA-256 of the signing string + the app secret, lowercase hex', signature: body.encryption,
        result: { method: req.method, path: req.path, body: req.body } }, hashHex('sha256', appKey + timestamp + appSecret));
    },
  },
  {
    spec: {
      name: 'sign edge-basic', summary: 'Link IoT Edge HTTP API: the Basic header of CreateAuthCookie, and the cookie that follows',
      usage: ['sign edge-basic --username <u> --password <p> [--host <gateway:port>] [--token <cookie token>]'],
      description: ['Edge developer guide §3.3: POST /2019-09-30/auth/cookies with Authorization: Basic base64(username:password) creates the cookie (Set-Cookie: token=…) that authorizes every other call; DELETE /2019-09-30/auth/cookies/{token} ends it. With --token the Cookie header and the delete call are printed too.'],
      options: {
        username: { type: 'string', value: '<u>', description: 'the edge console user' },
        password: { type: 'string', value: '<p>', description: `the password: ${SECRET_HELP}` },
        host: { type: 'string', value: '<host:port>', description: 'the gateway\'s API address, for the curl lines', default: '127.0.0.1:9999' },
        token: { type: 'string', value: '<token>', description: 'the token CreateAuthCookie returned' },
      },
      examples: ['linkwire sign edge-basic --username admin --password admin1234', 'linkwire sign edge-basic --username admin --password env:EDGE_PASSWORD --token 57e22d4f9fb2…'],
    },
    make(p, io) {
      const c = 'sign edge-basic';
      const username = str(p, 'username', c);
      const password = secret(p, 'password', c, io);
      const host = str(p, 'host', c, true) ?? '127.0.0.1:9999';
      const token = str(p, 'token', c, true);
      if (token !== undefined && !/^[A-Za-z0-9._~*-]+$/.test(token)) throw usageError('--token has characters a cookie token does not', 'pass the value after token= in Set-Cookie');
      const header = edgeBasicAuthorization(username, password);
      const content = `${username}:${password}`;
      const result: Record<string, string> = { Authorization: header, createAuthCookie: `POST https://${host}/2019-09-30/auth/cookies` };
      if (token !== undefined) {
        result['Cookie'] = `token=${token}`;
        result['deleteAuthCookie'] = `DELETE https://${host}/2019-09-30/auth/cookies/${token}`;
      }
      return checked({ kind: c, signingString: content, how: 'base64 of the UTF-8 text (an encoding, not a signature)', signature: header.slice(6), result }, toBase64(utf8Encode(content)));
    },
  },
];

function randomHex(n: number): string {
  const b = new Uint8Array(Math.ceil(n / 2));
  crypto.getRandomValues(b);
  return toHex(b).slice(0, n);
}

/** Prints a signed credential as aligned `name  value` lines, or as JSON. */
export function printSigned(io: CliIo, json: boolean, s: Signed): void {
  if (json) {
    printJson(io, { ok: true, kind: s.kind.replace(/^sign /, ''), signingString: s.signingString, how: s.how, signature: s.signature, result: s.result, ...(s.notes ? { notes: s.notes } : {}) });
    return;
  }
  const rows: [string, string][] = [['signing string', s.signingString], ['signed with', s.how], ['signature', s.signature]];
  for (const [k, v] of Object.entries(s.result)) {
    if (v !== null && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) rows.push([`${k}.${k2}`, String(v2)]);
    else rows.push([k, String(v)]);
  }
  for (const [k, v] of Object.entries(s.notes ?? {})) rows.push([k, String(v)]);
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, v] of rows) io.out(`${k.padEnd(w)}${v}`);
}

export const signKinds = kinds;

export const signCommands: Command[] = kinds.map((k) => ({
  spec: k.spec,
  async run(p, io) {
    printSigned(io, p.json, k.make(p, io));
    return EXIT.ok;
  },
}));
