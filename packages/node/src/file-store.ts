import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { utf8Decode, utf8Encode } from '@linkwire/base';
import type { OutgoingStore, StoredPublish } from '@linkwire/mqtt';

export interface FileStoreOptions {
  /** Rewrite the log once it is this large and mostly deleted records. Default 1 MiB. */
  readonly compactAboveBytes?: number;
}

export interface FileStore extends OutgoingStore {
  /** Messages put and not deleted. */
  readonly size: number;
  /** Bytes in the log file now. */
  readonly fileBytes: number;
  /** Reads the log (synchronously) and cuts off a torn tail. */
  load(): readonly StoredPublish[];
  /** Resolves once the record is fsync'd. */
  put(message: StoredPublish): Promise<void>;
  delete(seq: number): Promise<void>;
  /** Writes what is pending, fsyncs and closes the file. */
  close(): void;
}

// Record: kind (1 byte: P put, D delete), body length (u32), CRC-32 of the body (u32), body.
// Put body: seq (f64), retain (u8), topic length (u16), topic, payload. Delete body: seq (f64).
const PUT = 0x50;
const DELETE = 0x44;
const HEADER = 9;

/**
 * An append-only, fsync'd, compacting {@link OutgoingStore} for the MQTT client: unacknowledged
 * QoS 1 messages survive a process restart. Writes made in one event-loop turn go out as one
 * `write` + `fsync` (group commit); a put's promise resolves once it is on disk. A torn record
 * at the tail (the process died mid-write) or a record whose CRC fails ends the log there: it
 * is cut off at load, and everything before it is kept. When the log grows past
 * `compactAboveBytes` with more dead bytes than live ones, it is rewritten to a temporary file,
 * fsync'd and renamed over the old one, so a crash during compaction leaves one whole log.
 *
 * @example
 * const client = createMqttClient({ …, store: fileStore('/var/lib/device/outgoing.log') });
 */
export function fileStore(path: string, options: FileStoreOptions = {}): FileStore {
  const compactAbove = options.compactAboveBytes ?? 1 << 20;
  const live = new Map<number, Uint8Array>(); // seq → its encoded put record
  let fd: number | undefined;
  let fileBytes = 0;
  let liveBytes = 0;
  let pending: Uint8Array[] = [];
  let flush: Promise<void> | undefined;
  let closed = false;

  const open = (): number => {
    if (closed) throw new Error(`file store ${path} is closed`);
    fd ??= openSync(path, 'a');
    return fd;
  };

  function writeNow(): void {
    flush = undefined;
    if (pending.length === 0) return;
    const batch = join(pending);
    pending = [];
    const f = open();
    for (let o = 0; o < batch.length; ) o += writeSync(f, batch, o);
    fsyncSync(f);
    fileBytes += batch.length;
    if (fileBytes > compactAbove && fileBytes - liveBytes > liveBytes) compact();
  }

  function compact(): void {
    const tmp = `${path}.compact`;
    const t = openSync(tmp, 'w');
    try {
      const all = join(live.values());
      for (let o = 0; o < all.length; ) o += writeSync(t, all, o);
      fsyncSync(t);
    } finally {
      closeSync(t);
    }
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    syncDirectory(dirname(path));
    fileBytes = liveBytes;
  }

  function append(record: Uint8Array): Promise<void> {
    if (closed) return Promise.reject(new Error(`file store ${path} is closed`));
    pending.push(record);
    flush ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        try {
          writeNow();
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
    return flush;
  }

  return {
    get size() {
      return live.size;
    },
    get fileBytes() {
      return fileBytes;
    },
    load() {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
        bytes = new Uint8Array(0);
      }
      const found = new Map<number, StoredPublish>();
      let o = 0;
      while (o + HEADER <= bytes.length) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + o);
        const kind = bytes[o]!;
        const length = view.getUint32(1);
        if ((kind !== PUT && kind !== DELETE) || o + HEADER + length > bytes.length) break;
        const body = bytes.subarray(o + HEADER, o + HEADER + length);
        if (crc32(body) !== view.getUint32(5)) break;
        const b = new DataView(body.buffer, body.byteOffset, body.length);
        if (kind === DELETE) {
          if (length !== 8) break;
          const seq = b.getFloat64(0);
          found.delete(seq);
          const r = live.get(seq);
          if (r !== undefined) liveBytes -= r.length;
          live.delete(seq);
        } else {
          if (length < 11) break;
          const seq = b.getFloat64(0);
          const topicLength = b.getUint16(9);
          if (11 + topicLength > length) break;
          const m: StoredPublish = {
            seq, retain: body[8] === 1,
            topic: utf8Decode(body.subarray(11, 11 + topicLength)),
            payload: body.slice(11 + topicLength),
          };
          found.set(seq, m);
          const record = bytes.slice(o, o + HEADER + length);
          live.set(seq, record);
          liveBytes += record.length;
        }
        o += HEADER + length;
      }
      fileBytes = o;
      if (o < bytes.length) {
        // A torn or corrupt tail: keep the whole records before it, cut the rest off for good.
        const f = open();
        ftruncateSync(f, o);
        fsyncSync(f);
      }
      if (fileBytes > compactAbove && fileBytes - liveBytes > liveBytes) compact();
      return [...found.values()].sort((a, b) => a.seq - b.seq);
    },
    put(m) {
      const topic = utf8Encode(m.topic);
      const record = new Uint8Array(HEADER + 11 + topic.length + m.payload.length);
      const body = record.subarray(HEADER);
      const b = new DataView(body.buffer, body.byteOffset, body.length);
      b.setFloat64(0, m.seq);
      body[8] = m.retain ? 1 : 0;
      b.setUint16(9, topic.length);
      body.set(topic, 11);
      body.set(m.payload, 11 + topic.length);
      frame(record, PUT);
      live.set(m.seq, record);
      liveBytes += record.length;
      return append(record);
    },
    delete(seq) {
      const r = live.get(seq);
      if (r === undefined) return Promise.resolve();
      live.delete(seq);
      liveBytes -= r.length;
      const record = new Uint8Array(HEADER + 8);
      new DataView(record.buffer).setFloat64(HEADER, seq);
      frame(record, DELETE);
      return append(record);
    },
    close() {
      if (closed) return;
      writeNow();
      closed = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function frame(record: Uint8Array, kind: number): void {
  const body = record.subarray(HEADER);
  const v = new DataView(record.buffer, record.byteOffset);
  record[0] = kind;
  v.setUint32(1, body.length);
  v.setUint32(5, crc32(body));
}

/** One buffer from many records (base's concatBytes takes arguments, and a batch can hold more than a call may pass). */
function join(parts: Iterable<Uint8Array>): Uint8Array {
  const list = [...parts];
  if (list.length === 1) return list[0]!;
  let n = 0;
  for (const p of list) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of list) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A rename is durable only once its directory is synced. Some filesystems refuse: then it is as durable as they allow. */
function syncDirectory(dir: string): void {
  let d: number | undefined;
  try {
    d = openSync(dir, 'r');
    fsyncSync(d);
  } catch {
    // EISDIR/EPERM on platforms that cannot fsync a directory.
  } finally {
    if (d !== undefined) closeSync(d);
  }
}
