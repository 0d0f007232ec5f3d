import { parseJson, utf8Encode, JsonError } from '@linkwire/base';
import { AlinkError } from './errors.ts';

export interface PropertyPost {
  /** Message id: a decimal string of at most 10 digits, unique per device (seed §4). */
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly version?: string;
  /** The `sys.ack` flag: 0 asks the platform not to reply. */
  readonly ack?: 0 | 1;
}

/** Encodes a `thing.event.property.post` request as the UTF-8 bytes a device publishes. */
export function encodePropertyPost(post: PropertyPost): Uint8Array {
  if (!/^\d{1,10}$/.test(post.id)) throw new AlinkError('invalid_id', `message id ${JSON.stringify(post.id)} must be 1-10 decimal digits`);
  const msg: Record<string, unknown> = { id: post.id, version: post.version ?? '1.0' };
  if (post.ack !== undefined) msg['sys'] = { ack: post.ack };
  msg['params'] = post.params;
  msg['method'] = 'thing.event.property.post';
  return utf8Encode(JSON.stringify(msg));
}

/** A reply envelope `{id, code, data, message?}`. */
export interface AlinkReply {
  readonly id: string;
  readonly code: number;
  readonly data: unknown;
  readonly message?: string;
}

/** Decodes a reply; malformed JSON or a missing id/code is an {@link AlinkError}. */
export function decodeReply(payload: Uint8Array | string): AlinkReply {
  let v: unknown;
  try {
    v = parseJson(payload);
  } catch (e) {
    throw new AlinkError('invalid_json', (e as JsonError).message);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AlinkError('invalid_reply', 'reply is not a JSON object');
  const o = v as Record<string, unknown>;
  const id = typeof o['id'] === 'number' ? String(o['id']) : o['id'];
  if (typeof id !== 'string') throw new AlinkError('invalid_reply', 'reply has no id');
  if (typeof o['code'] !== 'number') throw new AlinkError('invalid_reply', 'reply has no numeric code');
  const reply: { id: string; code: number; data: unknown; message?: string } = { id, code: o['code'], data: o['data'] ?? {} };
  if (typeof o['message'] === 'string') reply.message = o['message'];
  return reply;
}
