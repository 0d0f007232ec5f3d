import { constantTimeEqualHex, utf8Decode } from '@linkwire/base';
import { hashHex, hmacHex, type HashAlgorithm } from '@linkwire/hash';
import { decodePacket, MqttDecodeError } from '@linkwire/mqtt';
import {
  compareCodePoints, decodeForm, DEFAULT_EXCLUDED_KEYS, enosDigestAlgorithm, parseMqttClientId, parseMqttUsername, signContent, timestampMillis,
} from '@linkwire/sign';
import { duration, EXIT, inputError, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import { decodeCapture, readArgText } from '../input.ts';
import type { Command } from '../main.ts';
import { readSecret, SECRET_HELP } from '../secrets.ts';

/** One finding of a verification: which field, what was expected, what was found. */
export interface Finding {
  readonly field: string;
  readonly problem: string;
  readonly expected?: string;
  readonly found?: string;
}

interface Verdict {
  readonly ok: boolean;
  readonly kind: string;
  readonly signingString?: string;
  readonly expectedSignature?: string;
  readonly findings: readonly Finding[];
  /** What the captured signature does match, when a near miss explains the failure. */
  readonly diagnosis?: string;
  readonly fields?: Readonly<Record<string, string>>;
}

const HEX_LENGTH: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
const ALIBABA_METHODS: Record<string, HashAlgorithm> = { hmacmd5: 'md5', hmacsha1: 'sha1', hmacsha256: 'sha256' };

function windowCheck(p: Parsed, io: CliIo, command: string, timestamp: string | undefined, findings: Finding[]): void {
  const nowText = str(p, 'now', command, true);
  if (nowText === undefined) return;
  const now = nowText === 'now' ? io.now() : Number(nowText);
  if (!Number.isFinite(now)) throw usageError(`--now ${nowText} is not milliseconds or now`);
  const windowMs = duration(p, 'window', command) ?? 15 * 60_000;
  if (timestamp === undefined) return;
  const t = timestampMillis(timestamp);
  if (Math.abs(now - t) > windowMs) {
    findings.push({ field: 'timestamp', problem: `${timestamp} is ${Math.round(Math.abs(now - t) / 1000)} s from now, outside the ${windowMs / 1000} s window`, expected: `within ${windowMs / 1000} s of ${now}`, found: timestamp });
  }
}

/** Near misses people actually make, tried in order when a signature does not verify. */
function diagnose(candidates: readonly { readonly label: string; readonly signature: () => string }[], presented: string): string | undefined {
  for (const c of candidates) {
    try {
      if (constantTimeEqualHex(c.signature(), presented)) return c.label;
    } catch {
      // a candidate that cannot be computed simply does not match
    }
  }
  return undefined;
}

async function connectFields(p: Parsed, io: CliIo, command: string): Promise<{ clientId: string; username: string; password: string; source: string }> {
  const packet = str(p, 'packet', command, true);
  if (packet !== undefined) {
    const { bytes, encoding } = decodeCapture(await readArgText(packet, 'the packet', io), 'the packet');
    let decoded;
    try {
      decoded = decodePacket(bytes);
    } catch (e) {
      if (e instanceof MqttDecodeError) throw inputError(`the packet is not a complete MQTT packet: ${e.message} (offset ${e.offset})`, 'paste the whole CONNECT, from its first byte 0x10');
      throw e;
    }
    if (decoded.type !== 'connect') throw inputError(`the packet is an MQTT ${decoded.type.toUpperCase()}, not a CONNECT`, 'capture the first packet the device sends (it starts with 0x10)');
    if (decoded.username === undefined || decoded.password === undefined) throw inputError('the CONNECT carries no username or password', 'a Link platform device always sends both');
    let password;
    try {
      password = utf8Decode(decoded.password);
    } catch {
      throw inputError('the CONNECT password is not text');
    }
    return { clientId: decoded.clientId, username: decoded.username, password, source: `CONNECT packet (${encoding}, ${bytes.length} bytes)` };
  }
  return { clientId: str(p, 'client-id', command), username: str(p, 'username', command), password: str(p, 'password', command), source: 'fields' };
}

function verifyAlibabaConnect(f: { clientId: string; username: string; password: string }, p: Parsed, io: CliIo, command: string): Verdict {
  const findings: Finding[] = [];
  const kind = 'alibaba mqtt';
  const parsed = parseMqttClientId(f.clientId);
  if (parsed === undefined) {
    const problem = !f.clientId.includes('|') ? 'has no |…| parameter block: expected {id}|securemode=…,signmethod=…|'
      : f.clientId.startsWith('|') ? 'has an empty id before the first |'
        : !f.clientId.endsWith('|') ? 'does not end with |' : 'has a malformed parameter block (each entry is key=value, separated by commas, no key twice)';
    return { ok: false, kind, findings: [{ field: 'clientId', problem, found: f.clientId }] };
  }
  const user = parseMqttUsername(f.username);
  if (user === undefined) return { ok: false, kind, findings: [{ field: 'username', problem: 'is not {deviceName}&{productKey}', found: f.username }] };
  const { deviceName, productKey } = user;
  const expectPk = str(p, 'product-key', command, true);
  const expectDn = str(p, 'device-name', command, true);
  if (expectPk !== undefined && expectPk !== productKey) findings.push({ field: 'username (productKey)', problem: 'names another product', expected: expectPk, found: productKey });
  if (expectDn !== undefined && expectDn !== deviceName) findings.push({ field: 'username (deviceName)', problem: 'names another device', expected: expectDn, found: deviceName });
  const params = parsed.params;
  const authType = params['authType'];
  const productSecretText = str(p, 'product-secret', command, true);
  const register = authType === 'register' || authType === 'regnwl';
  if (authType !== undefined && !register) {
    findings.push({ field: 'clientId.authType', problem: `${authType} is not checked by this command`, expected: 'absent, register or regnwl', found: authType });
    return { ok: false, kind, findings };
  }
  const secretOption = register ? 'product-secret' : 'device-secret';
  const secretText = register ? productSecretText : str(p, 'device-secret', command, true);
  if (secretText === undefined) throw usageError(`--${secretOption} is required for this CONNECT${register ? ` (authType=${authType} signs with the product secret)` : ''}`);
  const secret = readSecret(secretText, secretOption, io);
  const method = params['signmethod'];
  const securemode = params['securemode'];
  if (securemode === undefined) findings.push({ field: 'clientId.securemode', problem: 'is missing', expected: '2 (TLS/wss) or 3 (TCP/ws)' });
  else if (!['2', '3', '-2'].includes(securemode)) findings.push({ field: 'clientId.securemode', problem: 'is not 2, 3 or -2', found: securemode });
  const algorithm = method === undefined ? 'md5' : ALIBABA_METHODS[method.toLowerCase()];
  if (algorithm === undefined) {
    findings.push({ field: 'clientId.signmethod', problem: 'is not hmacmd5, hmacsha1 or hmacsha256', found: method });
    return { ok: false, kind, findings };
  }
  const timestamp = params['timestamp'];
  if (timestamp !== undefined && !/^\d{1,16}$/.test(timestamp)) findings.push({ field: 'clientId.timestamp', problem: 'is not a number of milliseconds', found: timestamp });
  windowCheck(p, io, command, timestamp, findings);
  const fields = register
    ? { deviceName, productKey, random: params['random'] }
    : { clientId: parsed.clientId, deviceName, productKey, timestamp };
  const content = signContent(fields);
  const expected = hmacHex(algorithm, secret, content);
  const passwordOk = constantTimeEqualHex(expected, f.password);
  let diagnosis: string | undefined;
  if (!passwordOk) {
    const lengthAlg = HEX_LENGTH[f.password.length];
    findings.push({
      field: 'password', problem: lengthAlg !== undefined && lengthAlg !== algorithm
        ? `has ${f.password.length} hex digits, the length of ${lengthAlg}, but the clientId advertises ${method ?? 'no signmethod (hmacmd5)'}`
        : /^[0-9a-fA-F]+$/.test(f.password) ? 'does not match the signature of these fields under this secret' : 'is not hex',
      expected, found: f.password,
    });
    const hmac = (alg: HashAlgorithm, s: string, c: string) => () => hmacHex(alg, s, c);
    const alt: { label: string; signature: () => string }[] = [];
    for (const [name, alg] of Object.entries(ALIBABA_METHODS)) {
      if (alg !== algorithm) alt.push({ label: `the password is ${name} of the same fields: the device signs with ${name} but advertises signmethod=${method ?? '(none, meaning hmacmd5)'}`, signature: hmac(alg, secret, content) });
    }
    if (!register) {
      if (timestamp !== undefined) alt.push({ label: 'the password was signed without the timestamp the clientId carries: sign timestamp too (or leave it out of the clientId)', signature: hmac(algorithm, secret, signContent({ ...fields, timestamp: undefined })) });
      alt.push({ label: 'the password signs the whole clientId field with its |…| block: sign only the id before the first |', signature: hmac(algorithm, secret, signContent({ ...fields, clientId: f.clientId })) });
      alt.push({ label: 'productKey and deviceName are swapped in the signing string', signature: hmac(algorithm, secret, signContent({ ...fields, deviceName: productKey, productKey: deviceName })) });
      if (productSecretText !== undefined) alt.push({ label: 'the password was signed with the product secret, not the device secret', signature: hmac(algorithm, readSecret(productSecretText, 'product-secret', io), content) });
    }
    if (secret !== secret.trim()) alt.push({ label: 'the secret given here has surrounding whitespace: the device signs with the trimmed secret', signature: hmac(algorithm, secret.trim(), content) });
    diagnosis = diagnose(alt, f.password);
  }
  return { ok: findings.length === 0, kind: register ? `alibaba mqtt ${authType}` : kind, signingString: content, expectedSignature: expected, findings, ...(diagnosis ? { diagnosis } : {}),
    fields: { clientId: parsed.clientId, ...params, deviceName, productKey } };
}

function verifyEnosConnect(f: { clientId: string; username: string; password: string }, p: Parsed, io: CliIo, command: string): Verdict {
  const findings: Finding[] = [];
  const kind = 'enos mqtt';
  const parsed = parseMqttClientId(f.clientId);
  if (parsed === undefined) return { ok: false, kind, findings: [{ field: 'clientId', problem: 'is not {id}|securemode=…,signmethod=…|', found: f.clientId }] };
  const user = parseMqttUsername(f.username);
  if (user === undefined) return { ok: false, kind, findings: [{ field: 'username', problem: 'is not {deviceKey}&{productKey}', found: f.username }] };
  const mode = parsed.params['securemode'] ?? '2';
  if (!['2', '3', '4'].includes(mode)) return { ok: false, kind, findings: [{ field: 'clientId.securemode', problem: 'is not 2, 3 or 4', found: mode }] };
  const option = mode === '2' ? 'device-secret' : 'product-secret';
  const secret = readSecret(str(p, option, command), option, io);
  const method = parsed.params['signmethod'] ?? 'sha256';
  let algorithm: HashAlgorithm;
  try {
    algorithm = enosDigestAlgorithm(method);
  } catch {
    return { ok: false, kind, findings: [{ field: 'clientId.signmethod', problem: 'is not sha256, sha1 or md5', found: method }] };
  }
  if (mode === '4' && user.deviceName !== '%channel%') findings.push({ field: 'username', problem: 'an integration channel (securemode 4) logs in as %channel%&{productKey}', found: f.username });
  const timestamp = parsed.params['timestamp'];
  windowCheck(p, io, command, timestamp, findings);
  const content = signContent({ clientId: parsed.clientId, deviceKey: user.deviceName, productKey: user.productKey, timestamp });
  const expected = hashHex(algorithm, content + secret, true);
  let diagnosis: string | undefined;
  if (!constantTimeEqualHex(expected, f.password)) {
    findings.push({ field: 'password', problem: 'does not match the digest of these fields and this secret', expected, found: f.password });
    diagnosis = diagnose([
      { label: `the password is an HMAC-${algorithm.toUpperCase()} keyed with the secret: EnOS signs a plain digest of content + secret`, signature: () => hmacHex(algorithm, secret, content) },
      { label: 'the password signs without the timestamp the clientId carries', signature: () => hashHex(algorithm, signContent({ clientId: parsed.clientId, deviceKey: user.deviceName, productKey: user.productKey }) + secret) },
      { label: 'the password uses deviceName instead of deviceKey in the signing string (the Alibaba rule)', signature: () => hashHex(algorithm, signContent({ clientId: parsed.clientId, deviceName: user.deviceName, productKey: user.productKey, timestamp }) + secret) },
    ], f.password);
  }
  return { ok: findings.length === 0, kind, signingString: content, expectedSignature: expected, findings, ...(diagnosis ? { diagnosis } : {}), fields: { clientId: parsed.clientId, ...parsed.params, deviceKey: user.deviceName, productKey: user.productKey } };
}

/** A signed body (form or JSON) under the generic Alibaba rule. */
async function verifyBody(p: Parsed, io: CliIo, command: string): Promise<Verdict> {
  const text = (await readArgText(p.positionals[0]!, 'the body', io)).trim();
  let fields: Record<string, unknown>;
  if (text.startsWith('{')) {
    try {
      fields = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw inputError(`the body is not JSON: ${(e as Error).message}`);
    }
    // An Alink request (combine.login) carries the signed fields in params.
    if (typeof fields['params'] === 'object' && fields['params'] !== null && !Array.isArray(fields['params'])) fields = fields['params'] as Record<string, unknown>;
  } else fields = { ...decodeForm(text) };
  const findings: Finding[] = [];
  const sign = fields['sign'];
  if (typeof sign !== 'string') return { ok: false, kind: 'body', findings: [{ field: 'sign', problem: 'is missing' }] };
  const methodField = ['signmethod', 'signMethod'].find((k) => typeof fields[k] === 'string');
  const method = methodField === undefined ? 'hmacmd5' : String(fields[methodField]);
  const algorithm = ALIBABA_METHODS[method.toLowerCase()];
  if (algorithm === undefined) return { ok: false, kind: 'body', findings: [{ field: methodField!, problem: 'is not hmacmd5, hmacsha1 or hmacsha256', found: method }] };
  const signable: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (!DEFAULT_EXCLUDED_KEYS.includes(k) && v !== undefined && v !== null) signable[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const secretOption = p.values['product-secret'] !== undefined ? 'product-secret' : 'device-secret';
  const secret = readSecret(str(p, secretOption, command), secretOption, io);
  windowCheck(p, io, command, signable['timestamp'], findings);
  const content = signContent(signable);
  const expected = hmacHex(algorithm, secret, content);
  let diagnosis: string | undefined;
  if (!constantTimeEqualHex(expected, sign)) {
    findings.push({ field: 'sign', problem: 'does not match the signature of the body\'s fields under this secret', expected, found: sign });
    const alt = Object.entries(ALIBABA_METHODS).filter(([, a]) => a !== algorithm).map(([name, a]) => ({ label: `the sign is ${name} of the same fields, but the body says ${method}`, signature: () => hmacHex(a, secret, content) }));
    for (const k of Object.keys(signable)) {
      alt.push({ label: `the sign leaves out the field ${k}: every field but sign, signmethod, version and resources is signed`, signature: () => hmacHex(algorithm, secret, signContent({ ...signable, [k]: undefined })) });
    }
    diagnosis = diagnose(alt, sign);
  }
  return { ok: findings.length === 0, kind: 'body', signingString: content, expectedSignature: expected, findings, ...(diagnosis ? { diagnosis } : {}), fields: signable };
}

/** An EnOS REST call: the apim headers against the query, the body and the app secret. */
async function verifyApim(p: Parsed, io: CliIo, command: string): Promise<Verdict> {
  const headers: Record<string, string> = {};
  for (const h of (p.values['header'] as string[] | undefined) ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw usageError(`--header ${JSON.stringify(h)} is not name: value`, "for example --header 'apim-signature: 8356…'");
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const token = headers['apim-accesstoken'];
  const timestamp = headers['apim-timestamp'];
  const signature = headers['apim-signature'];
  const findings: Finding[] = [];
  for (const [name, v] of [['apim-accesstoken', token], ['apim-timestamp', timestamp], ['apim-signature', signature]] as const) {
    if (v === undefined || v === '') findings.push({ field: name, problem: 'header is missing' });
  }
  if (findings.length > 0) return { ok: false, kind: 'enos apim', findings };
  const secret = readSecret(str(p, 'app-secret', command), 'app-secret', io);
  const query = str(p, 'query', command, true) ?? '';
  const bodyArg = str(p, 'body', command, true);
  const body = bodyArg === undefined ? '' : await readArgText(bodyArg, 'the body', io);
  windowCheck(p, io, command, timestamp, findings);
  const dec = (x: string) => {
    try {
      return decodeURIComponent(x.replace(/\+/g, ' '));
    } catch {
      throw inputError(`the query has a broken percent escape: ${x}`);
    }
  };
  const pairs = (query.startsWith('?') ? query.slice(1) : query).split('&').filter((x) => x !== '').map((part) => {
    const eq = part.indexOf('=');
    return [dec(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : dec(part.slice(eq + 1))] as [string, string];
  });
  const sorted = [...pairs].sort((a, b) => compareCodePoints(a[0], b[0]));
  const content = token! + sorted.map(([k, v]) => k + v).join('') + body + timestamp!;
  const expected = hashHex('sha256', content + secret);
  let diagnosis: string | undefined;
  if (!constantTimeEqualHex(expected, signature!)) {
    findings.push({ field: 'apim-signature', problem: 'does not match SHA-256 of accessToken + sorted query + body + timestamp + appSecret', expected, found: signature! });
    diagnosis = diagnose([
      { label: 'the signature was made over the query in request order, not sorted by name', signature: () => hashHex('sha256', token! + pairs.map(([k, v]) => k + v).join('') + body + timestamp! + secret) },
      { label: 'the signature leaves out the body', signature: () => hashHex('sha256', token! + sorted.map(([k, v]) => k + v).join('') + timestamp! + secret) },
      { label: 'the signature leaves out the query', signature: () => hashHex('sha256', token! + body + timestamp! + secret) },
      { label: 'the signature covers the query still percent-encoded: decode names and values first', signature: () => hashHex('sha256', token! + [...(query.startsWith('?') ? query.slice(1) : query).split('&').filter((x) => x !== '')].map((x) => x.split('=')).sort((a, b) => compareCodePoints(a[0]!, b[0]!)).map(([k, v]) => `${k}${v ?? ''}`).join('') + body + timestamp! + secret) },
      { label: 'the signature is an HMAC keyed with the app secret: EnOS signs a plain SHA-256 with the secret appended', signature: () => hmacHex('sha256', secret, content) },
    ], signature!);
  }
  return { ok: findings.length === 0, kind: 'enos apim', signingString: content, expectedSignature: expected, findings, ...(diagnosis ? { diagnosis } : {}), fields: { accessToken: token!, timestamp: timestamp! } };
}

function printVerdict(io: CliIo, json: boolean, v: Verdict, source?: string): number {
  if (json) printJson(io, { ...v, ...(source ? { source } : {}) });
  else {
    io.out(`${v.ok ? 'OK' : 'FAILED'}  ${v.kind}${source ? ` from ${source}` : ''}`);
    if (v.fields) for (const [k, val] of Object.entries(v.fields)) if (val !== undefined) io.out(`  ${k.padEnd(16)}${val}`);
    if (v.signingString !== undefined) io.out(`  ${'signing string'.padEnd(16)}${v.signingString}`);
    if (v.expectedSignature !== undefined) io.out(`  ${'expected'.padEnd(16)}${v.expectedSignature}`);
    for (const f of v.findings) {
      io.out(`✗ ${f.field} ${f.problem}`);
      if (f.expected !== undefined) io.out(`    expected ${f.expected}`);
      if (f.found !== undefined) io.out(`    found    ${f.found}`);
    }
    if (v.diagnosis) io.out(`→ ${v.diagnosis}`);
  }
  return v.ok ? EXIT.ok : EXIT.failed;
}

const windowOptions = {
  now: { type: 'string', value: '<ms|now>', description: 'check the timestamp against this time (leave out to skip the window check)' },
  window: { type: 'string', value: '<duration>', description: 'the allowed distance from --now', default: '15m' },
} as const;

export const verifyCommands: Command[] = [
  {
    spec: {
      name: 'verify mqtt', summary: 'check a captured CONNECT (Alibaba or EnOS) against a secret',
      usage: ['verify mqtt --client-id <id> --username <u> --password <p> --device-secret <s>', 'verify mqtt --packet <hex|base64|@file|-> --device-secret <s>'],
      description: [
        'Recomputes the password from the clientId, username and secret and says exactly which field differs. A register/regnwl CONNECT is checked with --product-secret. When the password does not match, near misses are tried (another sign method, the timestamp left out, the whole clientId signed, swapped names, the product secret, an HMAC where EnOS wants a digest) and the one that matches is named.',
        'The dialect is Alibaba unless --platform enos (or a signmethod without hmac, such as sha256, in the clientId).',
      ],
      options: {
        'client-id': { type: 'string', value: '<id>', description: 'the CONNECT clientId, |…| block included' },
        username: { type: 'string', value: '<u>', description: 'the CONNECT username' },
        password: { type: 'string', value: '<p>', description: 'the CONNECT password' },
        packet: { type: 'string', value: '<capture>', description: 'a captured CONNECT packet as hex or base64 (or @file, - for stdin) instead of the three fields' },
        'device-secret': { type: 'string', value: '<secret>', description: `the device secret: ${SECRET_HELP}` },
        'product-secret': { type: 'string', value: '<secret>', description: 'the product secret (registration, EnOS modes 3/4; also tried as a near miss)' },
        'product-key': { type: 'string', value: '<pk>', description: 'the product the CONNECT should name' },
        'device-name': { type: 'string', value: '<dn>', description: 'the device the CONNECT should name' },
        platform: { type: 'string', value: '<alibaba|enos>', description: 'the signing rule (default: from the clientId\'s signmethod)' },
        ...windowOptions,
      },
      examples: [
        "linkwire verify mqtt --client-id '12345|securemode=3,signmethod=hmacsha1,timestamp=789|' --username 'device&pk' --password fafd82a3d602b37fb0fa8b7892f24a477f851a14 --device-secret secret",
        'linkwire verify mqtt --packet @connect.hex --device-secret env:DEVICE_SECRET --json',
      ],
    },
    async run(p, io) {
      const c = 'verify mqtt';
      const f = await connectFields(p, io, c);
      const platform = str(p, 'platform', c, true);
      if (platform !== undefined && platform !== 'alibaba' && platform !== 'enos') throw usageError(`--platform ${platform} is invalid`, 'use alibaba or enos');
      const method = parseMqttClientId(f.clientId)?.params['signmethod']?.toLowerCase();
      const enos = platform === 'enos' || (platform === undefined && method !== undefined && !method.startsWith('hmac'));
      const v = enos ? verifyEnosConnect(f, p, io, c) : verifyAlibabaConnect(f, p, io, c);
      return printVerdict(io, p.json, v, f.source === 'fields' ? undefined : f.source);
    },
  },
  {
    spec: {
      name: 'verify apim', summary: 'check an EnOS REST call\'s apim-signature against the app secret',
      usage: ["verify apim --header 'apim-accesstoken: …' --header 'apim-timestamp: …' --header 'apim-signature: …' --app-secret <s> [--query <q>] [--body <text|@file>]"],
      description: ['Recomputes SHA-256 of accessToken + the query parameters sorted by name (decoded) + the exact body + timestamp + appSecret, and names the near miss when it differs: the query in request order, the body or the query left out, the query signed still encoded, an HMAC instead of the plain digest.'],
      options: {
        header: { type: 'string', multiple: true, value: '<name: value>', description: 'a request header (apim-accesstoken, apim-timestamp, apim-signature)' },
        'app-secret': { type: 'string', value: '<secret>', description: `the application secret: ${SECRET_HELP}` },
        query: { type: 'string', value: '<a=1&b=2>', description: 'the query string as sent' },
        body: { type: 'string', value: '<text|@file|->', description: 'the exact request body' },
        ...windowOptions,
      },
      examples: ["linkwire verify apim --header 'apim-accesstoken: token1' --header 'apim-timestamp: 1700000000000' --header 'apim-signature: 835664eb…' --app-secret appSecret --query 'action=invokeService&orgId=o1' --body @body.json"],
    },
    async run(p, io) {
      return printVerdict(io, p.json, await verifyApim(p, io, 'verify apim'));
    },
  },
  {
    spec: {
      name: 'verify body', summary: 'check a signed form or JSON body (HTTPS auth, registration, CoAP auth, sub-device login)',
      usage: ['verify body <body|@file|-> --device-secret <s>', 'verify body <body> --product-secret <s>'],
      description: ['The generic Alibaba rule: every field except sign, signmethod/signMethod, version and resources, sorted by name, each name followed by its value, HMAC with the method the body names (hmacmd5 when it names none). A JSON request with params (combine.login) is checked on its params.'],
      options: {
        'device-secret': { type: 'string', value: '<secret>', description: `the device secret: ${SECRET_HELP}` },
        'product-secret': { type: 'string', value: '<secret>', description: 'the product secret (dynamic registration)' },
        ...windowOptions,
      },
      positionals: [1, 1],
      examples: [
        "linkwire verify body 'productKey=123&deviceName=test&clientId=123&timestamp=123&signmethod=hmacmd5&sign=7f9c0941a986fe6d3ad883eda7efda9c' --device-secret secret",
        "linkwire verify body @register.txt --product-secret productSecret",
      ],
    },
    async run(p, io) {
      return printVerdict(io, p.json, await verifyBody(p, io, 'verify body'));
    },
  },
];
