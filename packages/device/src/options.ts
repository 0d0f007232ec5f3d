/**
 * Option checks shared by the device entry points (OptionError, code `invalid_option`): each
 * entry point checks what it reads once, at entry, so nothing after it meets a value of the
 * wrong type. Options come from configuration files and plain JavaScript as often as from
 * typed code.
 */
import { integerOption, OptionError, optionsRecord, requiredFunction, stringOption, type Clock, type Random } from '@linkwire/base';
import { DeviceError } from './errors.ts';

/** The options object, with the identity strings every entry point reads checked. */
export function identityOptions(name: string, options: unknown): Readonly<Record<string, unknown>> {
  const o = optionsRecord(name, options ?? null);
  requiredString('productKey', o['productKey']);
  requiredString('deviceName', o['deviceName']);
  return o;
}

export function requiredString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new OptionError(name, 'a non-empty string', value);
  return value;
}

/** A Clock: `now` and `setTimer` functions (what they return is checked where it is used). */
export function clockOption(value: unknown): Clock {
  const c = value as Clock;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimer !== 'function') throw new OptionError('clock', 'a Clock (now, setTimer)', value);
  return c;
}

/** A record option (an object, not null or an array), when given. */
export function recordOption(name: string, value: unknown): void {
  if (value !== undefined) optionsRecord(name, value);
}

/** Checks the options of createDeviceClient (see DeviceClientOptions) before anything is built. */
export function checkDeviceClientOptions(options: unknown): void {
  const o = identityOptions('createDeviceClient options', options);
  clockOption(o['clock']);
  requiredFunction('random', o['random']);
  requiredFunction('dial', o['dial']);
  if (o['endpoint'] === undefined) throw new OptionError('endpoint', 'given', undefined);
  const transport = o['transport'];
  if (transport !== 'tcp' && transport !== 'tls' && transport !== 'ws' && transport !== 'wss') throw new OptionError('transport', 'tcp, tls, ws or wss', transport);
  if (o['deviceSecret'] === undefined && o['credentials'] === undefined) throw new OptionError('deviceSecret', 'a deviceSecret or a credentials function', undefined);
  if (o['deviceSecret'] !== undefined) requiredString('deviceSecret', o['deviceSecret']);
  if (o['credentials'] !== undefined) requiredFunction('credentials', o['credentials']);
  for (const k of ['signMethod', 'clientId'] as const) stringOption(k, o[k]);
  recordOption('clientIdExtra', o['clientIdExtra']);
  integerOption('keepalive', o['keepalive'], 60, 0, 65535);
  integerOption('requestTimeoutMs', o['requestTimeoutMs'], 10_000, 1, 2 ** 31 - 1);
  integerOption('maxPendingRequests', o['maxPendingRequests'], 1000, 1);
  integerOption('maxMessageBytes', o['maxMessageBytes'], 1, 1);
  for (const k of ['tsl', 'ota', 'shadow', 'gateway', 'mqtt'] as const) recordOption(k, o[k]);
  for (const k of ['fetch', 'onEvent'] as const) if (o[k] !== undefined) requiredFunction(k, o[k]);
}

/** `n` bytes from the injected random source, or a typed error if it answers anything else. */
export function randomBytes(random: Random, n: number): Uint8Array {
  const b = random(n) as unknown;
  if (!(b instanceof Uint8Array) || b.length < n) throw new DeviceError('invalid_random', `the random source answered ${b instanceof Uint8Array ? `${b.length} bytes` : 'no bytes'} for ${n}`);
  return b;
}

/** The text of a fetch response, or `invalid_reply` if the fetch answered something that is not a response. */
export async function responseText(res: unknown, what: string): Promise<string> {
  const text = typeof res === 'object' && res !== null && typeof (res as { text?: unknown }).text === 'function' ? await (res as { text(): unknown }).text() : undefined;
  if (typeof text !== 'string') throw new DeviceError('invalid_reply', `${what}: the fetch did not answer with a response whose text() gives a string`);
  return text;
}

