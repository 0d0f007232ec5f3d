import { decodeJson, type AlinkJson } from '@linkwire/alink';
import { isRecord, utf8Decode, utf8Encode } from '@linkwire/base';

/** The platform's limits on what it reads from a device (seed: 256 KB messages; ids are text). */
export const MAX_PAYLOAD = 256 * 1024;
/**
 * Seed §9: `id` is a String; the platform echoes it. The official Node SDK sends
 * `{n}|exp-topic|{topic}`, up to ~130 characters with 32-character names, so the bound is 256;
 * longer ids are refused with 460.
 */
export const MAX_ID_LENGTH = 256;

/** An Alink request as the platform reads it: lenient on ids (any text up to 256 characters), strict on shape. */
export interface ReadRequest {
  readonly id: string;
  readonly method: unknown;
  readonly params: unknown;
  /** `sys.ack: 0`: the device asked for no reply. */
  readonly noReply: boolean;
}

/** Reads an Alink request; on failure the id it could salvage (or undefined) and the reason. */
export function readRequest(payload: Uint8Array): { ok: true; request: ReadRequest } | { ok: false; id: string | undefined; reason: string } {
  let v: AlinkJson;
  try {
    v = decodeJson(payload, { maxBytes: MAX_PAYLOAD, maxDepth: 32 });
  } catch (e) {
    return { ok: false, id: salvageId(payload), reason: (e as Error).message };
  }
  if (!isRecord(v)) return { ok: false, id: undefined, reason: 'request is not a JSON object' };
  const rawId = v['id'];
  const id = typeof rawId === 'string' ? rawId : typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? String(rawId) : undefined;
  if (id === undefined || id === '' || id.length > MAX_ID_LENGTH) return { ok: false, id: id?.slice(0, MAX_ID_LENGTH), reason: `id must be text of 1-${MAX_ID_LENGTH} characters` };
  const sys = v['sys'];
  return { ok: true, request: { id, method: v['method'], params: v['params'], noReply: isRecord(sys) && sys['ack'] === 0 } };
}

const SALVAGE_ID = new RegExp(`"id"\\s*:\\s*"([^"\\\\]{1,${MAX_ID_LENGTH}})"`);

// A request that does not parse still deserves a reply the device can correlate: take the id
// from the raw text when it is recognisable (a string of 1-256 characters without quotes).
function salvageId(payload: Uint8Array): string | undefined {
  let head: string;
  try {
    head = utf8Decode(payload.subarray(0, 1024));
  } catch {
    return undefined;
  }
  return SALVAGE_ID.exec(head)?.[1];
}

/** The reply envelope `{id, code, data, message?}` (seed §9.5 and every `_reply` example). */
export function replyBytes(id: string | undefined, code: number, data: unknown = {}, message?: string): Uint8Array {
  return utf8Encode(JSON.stringify(message === undefined ? { id: id ?? '0', code, data } : { id: id ?? '0', code, data, message }));
}

/** A platform request `{id, version: "1.0", params, method}`. */
export function requestBytes(id: string, method: string, params: unknown): Uint8Array {
  return utf8Encode(JSON.stringify({ id, version: '1.0', params, method }));
}
