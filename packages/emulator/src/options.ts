/**
 * Option checks for the emulator's factories (OptionError, code `invalid_option`), run before
 * any socket opens: a start-up that fails on a bad option leaves nothing listening. Options
 * come from configuration files and plain JavaScript as often as from typed code.
 */
import { isIP } from 'node:net';
import { booleanOption, enumOption, integerOption, OptionError, optionsRecord, stringOption } from '@linkwire/base';

/** An array option of records, when given. */
function recordList(name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new OptionError(name, 'an array', value);
  // A loop, not forEach: forEach skips the holes of a sparse array (`[,]`), which then reached the registries.
  for (let i = 0; i < value.length; i++) optionsRecord(`${name}[${i}]`, value[i] ?? null);
}

/** In each record of a list option: `required` fields are strings, `optional` ones strings when given. */
function strings(name: string, list: unknown, required: readonly string[], optional: readonly string[]): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as Record<string, unknown>;
    for (const k of required) if (typeof r[k] !== 'string') throw new OptionError(`${name}[${i}].${k}`, 'a string', r[k]);
    for (const k of optional) stringOption(`${name}[${i}].${k}`, r[k]);
  }
}

function functions(o: Readonly<Record<string, unknown>>, names: readonly string[]): void {
  for (const n of names) if (o[n] !== undefined && typeof o[n] !== 'function') throw new OptionError(n, 'a function', o[n]);
}

function records(o: Readonly<Record<string, unknown>>, names: readonly string[]): void {
  for (const n of names) if (o[n] !== undefined) optionsRecord(n, o[n]);
}

const port = (name: string, v: unknown): void => void integerOption(name, v, 0, 0, 65535);

/**
 * The address to listen on: an IP literal or `localhost`. A local platform has no business
 * resolving names (a lookup may leave the machine, and fails late with a system error).
 */
function hostOption(v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || (v !== 'localhost' && isIP(v) === 0)) throw new OptionError('host', 'an IP address or localhost', v);
}

/** startEmulator's options (see EmulatorOptions). */
export function checkEmulatorOptions(options: unknown): void {
  const o = optionsRecord('startEmulator options', options);
  recordList('devices', o['devices']);
  recordList('products', o['products']);
  hostOption(o['host']);
  port('port', o['port']);
  for (const b of ['websocket', 'http', 'requireTimestamp'] as const) booleanOption(b, o[b], false);
  enumOption('coap', o['coap'], ['aes', 'dtls'] as const);
  if (o['tls'] !== undefined && o['tls'] !== true) optionsRecord('tls', o['tls']);
  stringOption('caFile', o['caFile']);
  integerOption('timestampWindowMs', o['timestampWindowMs'], 0, 0);
  records(o, ['limits']);
  functions(o, ['onEvent', 'now', 'rawReply']);
  checkBrokerLimits(o['limits']);
}

/** createBroker's limits (see BrokerLimits). */
export function checkBrokerLimits(limits: unknown): void {
  const l = optionsRecord('limits', limits);
  for (const [k, v] of Object.entries(l)) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new OptionError(`limits.${k}`, 'a finite number from 0', v);
  }
}

/** startEnosPlatform's options (see EnosPlatformOptions). */
export function checkEnosPlatformOptions(options: unknown): void {
  const o = optionsRecord('startEnosPlatform options', options);
  for (const l of ['products', 'devices', 'apps'] as const) recordList(l, o[l]);
  strings('products', o['products'], ['productKey', 'productSecret'], []);
  strings('devices', o['devices'], ['productKey', 'deviceKey'], ['deviceSecret', 'assetId']);
  hostOption(o['host']);
  port('port', o['port']);
  for (const b of ['websocket', 'http'] as const) booleanOption(b, o[b], false);
  integerOption('tokenTtlSeconds', o['tokenTtlSeconds'], 1, 1);
  functions(o, ['now', 'rawReply', 'onEvent', 'firmware']);
}

/** startEdgeGateway's options (see EdgeGatewayOptions). */
export function checkEdgeGatewayOptions(options: unknown): void {
  const o = optionsRecord('startEdgeGateway options', options ?? null);
  hostOption(o['host']);
  port('apiPort', o['apiPort']);
  port('driverPort', o['driverPort']);
  booleanOption('websocket', o['websocket'], false);
  const g = optionsRecord('gateway', o['gateway'] ?? null);
  for (const k of ['productKey', 'deviceName'] as const) if (typeof g[k] !== 'string') throw new OptionError(`gateway.${k}`, 'a string', g[k]);
  stringOption('gateway.deviceSecret', g['deviceSecret']);
  if (!Array.isArray(o['drivers'])) throw new OptionError('drivers', 'an array', o['drivers']);
  recordList('drivers', o['drivers']);
  records(o, ['tsl', 'tslExtInfo', 'functions', 'functionCredentials', 'upstream', 'clock']);
  recordList('users', o['users']);
  recordList('routes', o['routes']);
  for (const k of ['functionTimeoutMs', 'maxConnectionsPerAddress', 'replyTimeoutMs', 'heartbeatMs'] as const) integerOption(k, o[k], 1, 1);
  functions(o, ['onEvent']);
}
