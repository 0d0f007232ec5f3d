import { describe, utf8Encode } from '@linkwire/base';
import { stringifyRequest } from './envelope.ts';
import { AlinkError } from './errors.ts';
import type { AlinkJson } from './json.ts';

export interface PropertyPost {
  /** Message id: a decimal string of at most 10 digits, unique per device (seed §4). */
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly version?: string;
  /** The `sys.ack` flag: 0 asks the platform not to reply. */
  readonly ack?: 0 | 1;
}

/**
 * Encodes a `thing.event.property.post` request as the UTF-8 bytes a device publishes.
 *
 * @example
 * encodePropertyPost({ id: '123', params: { PowerSwitch: 1 } })
 * // {"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}
 */
export function encodePropertyPost(post: PropertyPost): Uint8Array {
  if (typeof post !== 'object' || post === null) throw new AlinkError('invalid_message', `a property post must be an object, got ${describe(post)}`);
  if (post.ack !== undefined && post.ack !== 0 && post.ack !== 1) throw new AlinkError('invalid_message', `ack must be 0 or 1, got ${describe(post.ack)}`);
  if (typeof post.id !== 'string' || !/^\d{1,10}$/.test(post.id)) throw new AlinkError('invalid_id', `message id ${describe(post.id)} must be 1-10 decimal digits`);
  return utf8Encode(stringifyRequest({
    id: post.id,
    version: post.version ?? '1.0',
    sys: post.ack === undefined ? undefined : { ack: post.ack },
    params: post.params,
    method: 'thing.event.property.post',
  }));
}

/** One property of a post or set, whichever form it came in. */
export interface PropertyEntry {
  readonly id: string;
  readonly value: AlinkJson;
  /** Milliseconds since the epoch, when the timed form `{value, time}` was used. */
  readonly time?: number;
}

/**
 * Reads property params in both forms the seeds show: `{"Power": "on"}` and
 * `{"Power": {"value": "on", "time": 1524448722000}}` (seed §9.5). An object with exactly the
 * members `value` and an integer `time` is the timed form; any other object is a struct value.
 *
 * @example
 * readProperties({ Power: { value: 'on', time: 1524448722000 }, WF: 23.6 })
 * // [{ id: 'Power', value: 'on', time: 1524448722000 }, { id: 'WF', value: 23.6 }]
 */
export function readProperties(params: { readonly [id: string]: AlinkJson }): PropertyEntry[] {
  if (typeof params !== 'object' || params === null) throw new AlinkError('invalid_params', `property params must be an object, got ${describe(params)}`);
  const out: PropertyEntry[] = [];
  for (const id of Object.keys(params)) {
    const v = params[id]!;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'value' in v && typeof v['time'] === 'number' && Number.isInteger(v['time']) && Object.keys(v).length === 2) {
      out.push({ id, value: v['value']!, time: v['time'] });
    } else out.push({ id, value: v });
  }
  return out;
}

/**
 * Writes properties in the timed form, each with its own time or `time` for all.
 *
 * @example
 * timedProperties({ Power: 'on' }, 1524448722000) // { Power: { value: 'on', time: 1524448722000 } }
 */
export function timedProperties(values: { readonly [id: string]: AlinkJson }, time: number): { [id: string]: { value: AlinkJson; time: number } } {
  if (typeof values !== 'object' || values === null) throw new AlinkError('invalid_value', `property values must be an object, got ${describe(values)}`);
  if (!Number.isInteger(time) || time < 0) throw new AlinkError('invalid_value', `time ${describe(time)} must be a non-negative integer of milliseconds`);
  const out: { [id: string]: { value: AlinkJson; time: number } } = {};
  for (const id of Object.keys(values)) out[id] = { value: values[id]!, time };
  return out;
}
