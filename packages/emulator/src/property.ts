import { parseJson, utf8Decode, utf8Encode, type JsonValue } from '@linkwire/base';

/** The reply the platform sends on `…/property/post_reply` (seed §9, "Response message"). */
export function propertyPostReply(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) return reply(undefined, 460, 'request parameter error');
  let msg: JsonValue;
  try {
    msg = parseJson(payload, { maxBytes: 256 * 1024, maxDepth: 32 });
  } catch {
    return reply(salvageId(payload), 460, 'request parameter error');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return reply(undefined, 460, 'request parameter error');
  const id = typeof msg['id'] === 'string' ? msg['id'] : undefined;
  const params = msg['params'];
  if (id === undefined || !/^\d{1,10}$/.test(id) || msg['method'] !== 'thing.event.property.post' || typeof params !== 'object' || params === null || Array.isArray(params)) {
    return reply(id, 460, 'request parameter error');
  }
  if (Object.keys(params).length > 200) return reply(id, 6106, 'map size must less than 200');
  return reply(id, 200);
}

// A request that does not parse still deserves a reply the device can correlate: take the id
// from the raw text when it is recognisable, else answer with id "0" (never a real message id).
function salvageId(payload: Uint8Array): string | undefined {
  const head = utf8Decode(payload.subarray(0, 256));
  return /"id"\s*:\s*"(\d{1,10})"/.exec(head)?.[1];
}

function reply(id: string | undefined, code: number, message?: string): Uint8Array {
  return utf8Encode(JSON.stringify({ id: id ?? '0', code, data: {}, ...(message === undefined ? {} : { message }) }));
}
