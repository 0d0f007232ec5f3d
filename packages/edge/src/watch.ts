import { describe, integerOption, isRecord, optionsRecord, parseJson, utf8Encode, type JsonValue } from '@linkwire/base';
import { EdgeError } from './errors.ts';

/** A line longer than this is refused by default (64 KiB): a Watch message is a few hundred bytes. */
export const DEFAULT_MAX_WATCH_LINE = 64 * 1024;

/** One message of the BulkActions Watch stream (edge developer guide §3.4.5, "Watch"). */
export type WatchMessage =
  | {
      readonly kind: 'event';
      readonly productKey: string;
      readonly deviceName: string;
      /** `propertiesChanged` for a property report, otherwise the event's identifier. */
      readonly event: string;
      readonly args: { readonly [key: string]: JsonValue } | undefined;
      readonly timestamp: number;
    }
  | { readonly kind: 'heartbeat'; readonly timestamp: number }
  /** A line whose `Code` is not 200: the gateway reports a failure inside the stream. */
  | { readonly kind: 'error'; readonly code: number; readonly message: string };

/** The event name a property report carries in the Watch stream (the seed's example). */
export const PROPERTIES_CHANGED = 'propertiesChanged';

/**
 * Decodes one Watch line (without its newline). Throws {@link EdgeError} `invalid_watch_message`
 * for anything that is not one of the seed's two message shapes.
 */
export function decodeWatchMessage(line: string | Uint8Array, maxBytes = DEFAULT_MAX_WATCH_LINE): WatchMessage {
  let v: JsonValue;
  try {
    v = parseJson(line, { maxBytes, maxDepth: 32 });
  } catch (e) {
    throw new EdgeError('invalid_watch_message', `a Watch line is not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(v)) throw new EdgeError('invalid_watch_message', 'a Watch line must be a JSON object');
  const code = v['Code'];
  const message = v['Message'];
  if (typeof code !== 'number' || !Number.isInteger(code)) throw new EdgeError('invalid_watch_message', 'a Watch message needs an integer Code');
  if (code !== 200) return { kind: 'error', code, message: typeof message === 'string' ? message : '' };
  const data = v['Data'];
  if (!isRecord(data)) throw new EdgeError('invalid_watch_message', 'a Watch message needs a Data object');
  const ts = data['Timestamp'];
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new EdgeError('invalid_watch_message', 'Data.Timestamp must be a number');
  if (message === 'heartbeat' && data['Event'] === undefined) return { kind: 'heartbeat', timestamp: ts };
  const pk = data['ProductKey'];
  const dn = data['DeviceName'];
  const ev = data['Event'];
  const args = data['Args'];
  if (typeof pk !== 'string' || typeof dn !== 'string' || typeof ev !== 'string') {
    throw new EdgeError('invalid_watch_message', 'an event needs ProductKey, DeviceName and Event strings');
  }
  if (args !== undefined && !isRecord(args)) throw new EdgeError('invalid_watch_message', 'Data.Args must be an object');
  return { kind: 'event', productKey: pk, deviceName: dn, event: ev, args: args as { [key: string]: JsonValue } | undefined, timestamp: ts };
}

/**
 * One Watch message as the gateway writes it: the JSON object and a newline, members in the
 * order of the seed's example.
 *
 * @example
 * encodeWatchMessage({ kind: 'heartbeat', timestamp: 1572510706117 })
 * // bytes of {"Data":{"Timestamp":1572510706117},"Code":200,"Message":"heartbeat"}\n
 */
export function encodeWatchMessage(m: WatchMessage): Uint8Array {
  let text: string;
  if (m.kind === 'heartbeat') text = JSON.stringify({ Data: { Timestamp: m.timestamp }, Code: 200, Message: 'heartbeat' });
  else if (m.kind === 'error') text = JSON.stringify({ Code: m.code, Message: m.message });
  else {
    const data: Record<string, unknown> = { Timestamp: m.timestamp, Event: m.event, ProductKey: m.productKey };
    if (m.args !== undefined) data['Args'] = m.args;
    data['DeviceName'] = m.deviceName;
    text = JSON.stringify({ Data: data, Code: 200, Message: 'success' });
  }
  return utf8Encode(`${text}\n`);
}

export interface WatchReaderOptions {
  /** Longest accepted line in bytes, default {@link DEFAULT_MAX_WATCH_LINE}. */
  readonly maxLineBytes?: number;
}

/**
 * The incremental reader of a Watch stream: bytes in as they arrive, in chunks of any size,
 * messages out. Lines end at `\n` (a `\r` before it is dropped; blank lines are skipped).
 *
 * Cost is linear in the bytes however they are split: each byte is searched for the newline
 * once (only the new chunk is scanned), and a line's pieces are joined once, when it ends.
 * Buffering is bounded: a line that grows past `maxLineBytes` is an error at once
 * (`watch_line_too_long`), not after the whole of it has been held.
 */
export interface WatchReader {
  /** Feeds received bytes; returns the messages they completed. Throws {@link EdgeError} on a bad line. */
  push(chunk: Uint8Array): WatchMessage[];
  /** The stream ended: throws `watch_truncated` if it stopped inside a message. */
  end(): void;
  /** Bytes held of an unfinished line. */
  readonly buffered: number;
}

const NONE: WatchMessage[] = [];
Object.freeze(NONE);

export function createWatchReader(options?: WatchReaderOptions): WatchReader {
  const max = integerOption('maxLineBytes', optionsRecord('createWatchReader options', options)['maxLineBytes'], DEFAULT_MAX_WATCH_LINE, 1);
  // The unfinished line, copied into one buffer that doubles as it fills: amortised O(1) per
  // byte and no allocation per chunk, however small the chunks are.
  let buf = new Uint8Array(0);
  let held = 0;

  const hold = (chunk: Uint8Array, start: number, end: number): void => {
    const rest = end - start;
    if (held + rest > max) throw new EdgeError('watch_line_too_long', `a Watch line exceeds ${max} bytes`);
    if (held + rest > buf.length) {
      const grown = new Uint8Array(Math.min(max, Math.max(256, buf.length * 2, held + rest)));
      grown.set(buf.subarray(0, held));
      buf = grown;
    }
    if (rest === 1) buf[held] = chunk[start]!;
    else buf.set(chunk.subarray(start, end), held);
    held += rest;
  };

  const finish = (chunk: Uint8Array, start: number, end: number, out: WatchMessage[]): void => {
    let line: Uint8Array;
    if (held === 0) line = chunk.subarray(start, end);
    else {
      // The line's tail joins its head in the buffer: no new array per line.
      hold(chunk, start, end);
      line = buf.subarray(0, held);
      held = 0;
    }
    let n = line.length;
    if (n > 0 && line[n - 1] === 13) n--;
    if (n === 0) return;
    out.push(decodeWatchMessage(n === line.length ? line : line.subarray(0, n), max));
    // A long line's buffer is not kept for the short ones after it.
    if (buf.length > 4096) buf = new Uint8Array(0);
  };

  return {
    get buffered() {
      return held;
    },
    push(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new EdgeError('invalid_input', `a Watch reader takes bytes (a Uint8Array), got ${describe(chunk)}`);
      let nl = chunk.indexOf(10);
      if (nl < 0) {
        // The common case of a small chunk: nothing completes, nothing is allocated but the copy.
        if (chunk.length > 0) hold(chunk, 0, chunk.length);
        return NONE;
      }
      const out: WatchMessage[] = [];
      let start = 0;
      for (; nl >= 0; nl = chunk.indexOf(10, start)) {
        if (held + (nl - start) > max) throw new EdgeError('watch_line_too_long', `a Watch line exceeds ${max} bytes`);
        finish(chunk, start, nl, out);
        start = nl + 1;
      }
      if (start < chunk.length) hold(chunk, start, chunk.length);
      return out;
    },
    end() {
      if (held > 0) {
        const kept = held;
        held = 0;
        throw new EdgeError('watch_truncated', `the Watch stream ended inside a message (${kept} bytes without a newline)`);
      }
    },
  };
}
