import { codeInfo, topicFilterProblem, topicNameProblem } from '@linkwire/alink';
import { describe, integerOption, OptionError, optionsRecord, stringOption } from '@linkwire/base';
import { topicMatches } from '@linkwire/mqtt';

/**
 * How the platform answers a device's request that a fault matches:
 * - `'silent'`: not at all, and the request is not processed (lost on the way);
 * - `{ code, message?, data? }`: with this reply instead of its own (the request is not
 *   processed); `message` defaults to the seed's meaning of the code. Alink requests only;
 * - `{ delayMs }` and/or `{ topic }` alone: its own answer, later and/or on another topic
 *   (also NTP, raw and shadow answers); with `code` they apply to the chosen reply.
 */
export type FaultReply =
  | 'silent'
  | {
    readonly code?: number;
    readonly message?: string;
    /** The reply's `data` (JSON); `{}` by default. */
    readonly data?: unknown;
    /** Publish the reply on this topic instead of the request's reply topic. */
    readonly topic?: string;
    /** Send the reply this many milliseconds later (at most 10 minutes). */
    readonly delayMs?: number;
  };

/** Which requests of which devices a fault catches, and what it does to them. */
export interface FaultSpec {
  readonly productKey: string;
  /** One device of the product; all of them when absent. */
  readonly deviceName?: string;
  /** The request's Alink method (`thing.event.property.post`, `thing.deviceinfo.update`, …). */
  readonly method?: string;
  /** An MQTT topic filter over the request's topic (`/sys/+/+/thing/event/+/post`). */
  readonly topic?: string;
  readonly reply: FaultReply;
  /** Catch this many requests, then remove itself; every one while present when absent. */
  readonly times?: number;
}

/** A fault in force. */
export interface Fault {
  readonly id: string;
  readonly spec: FaultSpec;
  /** Requests it caught so far. */
  readonly hits: number;
  /** Removes it; false when it was already gone (removed, or its `times` used up). */
  remove(): boolean;
}

/** What a matching fault does to one request (the table's `match`). */
export type FaultAction = { readonly id: string } & (
  | { readonly kind: 'silent' }
  | { readonly kind: 'reply'; readonly code: number; readonly message: string | undefined; readonly data: unknown; readonly topic: string | undefined; readonly delayMs: number }
  | { readonly kind: 'reroute'; readonly topic: string | undefined; readonly delayMs: number });

/** One request the platform is about to answer, as faults see it. */
export interface FaultRequest {
  readonly productKey: string;
  readonly deviceName: string;
  readonly topic: string;
  /** The topic's Alink method; undefined for NTP, raw and shadow messages. */
  readonly method: string | undefined;
}

export interface FaultTable {
  /** Faults in force now. */
  readonly size: number;
  add(spec: FaultSpec): Fault;
  list(): Fault[];
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  /** The first fault (in the order added) that catches this request, counted as a hit; undefined when none does. */
  match(request: FaultRequest): FaultAction | undefined;
}

/** Faults in force at once: each is looked at for every answered request. */
export const MAX_FAULTS = 1000;
/** Longest delay of a reply. */
export const MAX_FAULT_DELAY_MS = 10 * 60 * 1000;
const MAX_TEXT = 1024;
const MAX_DATA_BYTES = 64 * 1024;

/**
 * The emulator's fault-injection table (`emulator.faults`, `/api/faults`): rules that change how
 * the platform answers a device's own requests, so that device code can be tested against a
 * chosen error code, a reply that never comes, one that comes late or on the wrong topic. Pure:
 * the emulator applies the actions (and runs the delays).
 *
 * @example
 * const faults = createFaults();
 * faults.add({ productKey: 'a1B2c3D4e5F', method: 'thing.event.property.post', reply: { code: 6106 }, times: 1 });
 * faults.match({ productKey: 'a1B2c3D4e5F', deviceName: 'd1', topic: '/sys/a1B2c3D4e5F/d1/thing/event/property/post', method: 'thing.event.property.post' });
 * // { kind: 'reply', code: 6106, message: 'map size must less than 200', … }
 */
export function createFaults(): FaultTable {
  const faults = new Map<string, { spec: FaultSpec; hits: number; fault: Fault }>();
  let next = 1;
  const table: FaultTable = {
    get size() {
      return faults.size;
    },
    add(spec) {
      const checked = checkFaultSpec(spec);
      if (faults.size >= MAX_FAULTS) throw new OptionError('faults', `at most ${MAX_FAULTS} at once (remove some first)`, faults.size + 1);
      const id = String(next++);
      const entry = {
        spec: checked, hits: 0,
        fault: {
          id, spec: checked,
          get hits() {
            return entry.hits;
          },
          remove: () => faults.delete(id),
        },
      };
      faults.set(id, entry);
      return entry.fault;
    },
    list: () => [...faults.values()].map((e) => e.fault),
    remove: (id) => typeof id === 'string' && faults.delete(id),
    clear() {
      const n = faults.size;
      faults.clear();
      return n;
    },
    match(request) {
      if (typeof request !== 'object' || request === null) throw new OptionError('request', 'an object {productKey, deviceName, topic, method}', request);
      for (const [id, e] of faults) {
        const s = e.spec;
        if (s.productKey !== request.productKey || (s.deviceName !== undefined && s.deviceName !== request.deviceName)) continue;
        if (s.method !== undefined && s.method !== request.method) continue;
        if (s.topic !== undefined && !topicMatches(s.topic, request.topic)) continue;
        const r = s.reply;
        // A chosen code is an Alink reply: NTP, raw and shadow answers have no such envelope.
        if (r !== 'silent' && r.code !== undefined && request.method === undefined) continue;
        e.hits++;
        if (s.times !== undefined && e.hits >= s.times) faults.delete(id);
        if (r === 'silent') return { id, kind: 'silent' };
        const delayMs = r.delayMs ?? 0;
        if (r.code === undefined) return { id, kind: 'reroute', topic: r.topic, delayMs };
        return { id, kind: 'reply', code: r.code, message: r.message ?? defaultMessage(r.code, request.topic), data: r.data === undefined ? {} : r.data, topic: r.topic, delayMs };
      }
      return undefined;
    },
  };
  return table;
}

// The seed's meaning of the code where the request's family gives one (sub-device sessions
// have their own table); none for 200 (a success carries no message) and unknown codes.
function defaultMessage(code: number, topic: string): string | undefined {
  if (code === 200) return undefined;
  const scope = topic.startsWith('/ext/session/') ? 'subdevice' : 'alink';
  return (codeInfo(code, scope) ?? codeInfo(code, 'alink'))?.message;
}

/** A fault's description, checked field by field (OptionError `invalid_option`), copied so later changes to the caller's object do nothing. */
export function checkFaultSpec(spec: unknown): FaultSpec {
  const o = optionsRecord('fault', spec ?? null);
  const productKey = stringOption('fault.productKey', o['productKey']);
  if (productKey === undefined || productKey === '' || productKey.length > 64) throw new OptionError('fault.productKey', 'a productKey (1 to 64 characters)', productKey);
  const deviceName = stringOption('fault.deviceName', o['deviceName']);
  if (deviceName !== undefined && (deviceName === '' || deviceName.length > 64)) throw new OptionError('fault.deviceName', 'a deviceName (1 to 64 characters)', deviceName);
  const method = stringOption('fault.method', o['method']);
  if (method !== undefined && (method === '' || method.length > 128)) throw new OptionError('fault.method', 'an Alink method (1 to 128 characters)', method);
  const topic = stringOption('fault.topic', o['topic']);
  if (topic !== undefined && (topic.length > MAX_TEXT || topicFilterProblem(topic) !== undefined)) throw new OptionError('fault.topic', 'an MQTT topic filter', topic);
  const times = o['times'] === undefined ? undefined : integerOption('fault.times', o['times'], 1, 1, 1_000_000);
  const reply = checkReply(o['reply']);
  return Object.freeze({
    productKey, reply,
    ...(deviceName === undefined ? {} : { deviceName }),
    ...(method === undefined ? {} : { method }),
    ...(topic === undefined ? {} : { topic }),
    ...(times === undefined ? {} : { times }),
  });
}

function checkReply(value: unknown): FaultReply {
  if (value === 'silent') return 'silent';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionError('fault.reply', `'silent' or an object {code?, message?, data?, topic?, delayMs?}`, value);
  const r = value as Record<string, unknown>;
  const code = r['code'] === undefined ? undefined : integerOption('fault.reply.code', r['code'], 0, 0, 2 ** 31 - 1);
  const message = stringOption('fault.reply.message', r['message']);
  if (message !== undefined && message.length > MAX_TEXT) throw new OptionError('fault.reply.message', `text of at most ${MAX_TEXT} characters`, message);
  const topic = stringOption('fault.reply.topic', r['topic']);
  if (topic !== undefined && (topic.length > MAX_TEXT || topicNameProblem(topic) !== undefined)) throw new OptionError('fault.reply.topic', 'a topic name (no wildcards)', topic);
  const delayMs = r['delayMs'] === undefined ? undefined : integerOption('fault.reply.delayMs', r['delayMs'], 0, 0, MAX_FAULT_DELAY_MS);
  const data = r['data'] === undefined ? undefined : jsonCopy(r['data']);
  if (code === undefined && (message !== undefined || data !== undefined)) throw new OptionError('fault.reply', 'a code with its message or data', value);
  if (code === undefined && topic === undefined && delayMs === undefined) throw new OptionError('fault.reply', `'silent', a code, a topic or a delayMs`, value);
  return Object.freeze({
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
    ...(data === undefined ? {} : { data }),
    ...(topic === undefined ? {} : { topic }),
    ...(delayMs === undefined ? {} : { delayMs }),
  });
}

// The reply's data goes out as JSON: a copy through JSON (cycles, bigints, throwing getters and
// oversized values refused here, not when a device's request arrives).
function jsonCopy(data: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    throw new OptionError('fault.reply.data', 'a JSON value', `${describe(data)} (${e instanceof Error ? e.message : 'not serialisable'})`);
  }
  if (text === undefined || text.length > MAX_DATA_BYTES) throw new OptionError('fault.reply.data', `a JSON value of at most ${MAX_DATA_BYTES} characters`, data);
  return JSON.parse(text) as unknown;
}
