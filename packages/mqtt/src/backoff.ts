import { MqttError } from './errors.ts';
import { integerOption, optionsRecord, requiredFunction, type Random } from '@linkwire/base';

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export interface BackoffOptions {
  /** The cap of the first delay, ms. Default 1000. */
  readonly minMs?: number;
  /** The largest delay, ms. Default 120 000 (two minutes, as the AWS IoT SDKs). */
  readonly maxMs?: number;
  /** How much the cap grows per failed attempt. Default 2. */
  readonly factor?: number;
}

/**
 * The delay before reconnect attempt `attempt` (1 for the first retry): uniform in
 * [0, min(maxMs, minMs · factor^(attempt−1))]. Full jitter spreads a fleet that lost its broker
 * at the same instant over the whole window instead of sending it back in synchronized waves.
 *
 * @example
 * backoffDelay(3, { minMs: 1000, maxMs: 60_000 }, random) // somewhere in 0..4000
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: Random): number {
  integerOption('attempt', attempt, 0, 0);
  options = optionsRecord('options', options) as BackoffOptions;
  requiredFunction('random', random);
  const problem = checkBackoff(options);
  if (problem !== undefined) throw new MqttError('invalid_option', problem);
  const min = options.minMs ?? 1000;
  const max = options.maxMs ?? 120_000;
  const factor = options.factor ?? 2;
  // Exponent capped so a long outage never overflows to Infinity and then NaN.
  const cap = Math.min(max, min * factor ** Math.min(Math.max(0, attempt - 1), 64));
  const b = random(4);
  if (!(b instanceof Uint8Array) || b.length < 4) throw new MqttError('invalid_option', 'random(4) must return 4 bytes');
  const unit = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return Math.floor((unit / 0x1_0000_0000) * (cap + 1));
}

/** Checks backoff options once, at construction, so a typo fails early and loudly. */
export function checkBackoff(options: BackoffOptions): string | undefined {
  const { minMs = 1000, maxMs = 120_000, factor = 2 } = options;
  if (!(Number.isFinite(minMs) && minMs >= 0)) return 'backoff.minMs must be a finite number ≥ 0';
  if (!(Number.isFinite(maxMs) && maxMs >= minMs)) return 'backoff.maxMs must be a finite number ≥ minMs';
  if (!(Number.isFinite(factor) && factor >= 1)) return 'backoff.factor must be a finite number ≥ 1';
  return undefined;
}
