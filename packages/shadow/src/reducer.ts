import { describe, isRecord, numberOption, type JsonValue } from '@linkwire/base';
import { SHADOW_ERROR_MESSAGES, ShadowError, type ShadowErrorCode } from './errors.ts';
import { mergeAttribute } from './merge.ts';
import { planRequest, withDefaults, type SectionWrite } from './request.ts';
import type {
  ShadowAttributes,
  ShadowControl,
  ShadowDocument,
  ShadowLimits,
  ShadowReply,
  ShadowRequest,
  ShadowStatePayload,
} from './types.ts';

/** What {@link applyShadowRequest} returns. */
export interface ShadowResult {
  /** The document after the request: the same object that was passed in. */
  readonly document: ShadowDocument;
  /** The answer on `/shadow/get/{pk}/{dn}`: an ack, the full state (get; shares the document's objects) or an error. */
  readonly reply: ShadowReply;
  /** The push on `/shadow/get/{pk}/{dn}` when an update wrote desired attributes; shares the document's objects. */
  readonly control?: ShadowControl;
}

type Section = 'reported' | 'desired';

/**
 * Attribute counts of the sections this module has seen, so that the 128-attribute check and
 * "is the section empty now" cost O(request), not O(section). A count is only trusted
 * downwards to zero after a real emptiness check, so a stale count never drops attributes.
 */
const counts = new WeakMap<object, number>();

function countOf(section: object): number {
  let n = counts.get(section);
  if (n === undefined) {
    n = Object.keys(section).length;
    counts.set(section, n);
  }
  return n;
}

function isEmpty(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
}

/**
 * A shadow that was never written: no sections, version 0.
 *
 * @example
 * ```ts
 * let doc = emptyShadow(); // { state: {}, metadata: {}, timestamp: 0, version: 0 }
 * ```
 */
export function emptyShadow(): ShadowDocument {
  return { state: {}, metadata: {}, timestamp: 0, version: 0 };
}

function seconds(now: number): number {
  // A finite number goes straight through (this runs on every request); anything else gets numberOption's answer (undefined reads 0, the rest is invalid_option).
  if (typeof now === 'number' && now >= -Number.MAX_VALUE && now <= Number.MAX_VALUE) return Math.floor(now / 1000);
  return Math.floor(numberOption('now', now, 0, -Number.MAX_VALUE, Number.MAX_VALUE) / 1000);
}

/**
 * The shape every function taking a document relies on, checked at its entry (the reducer's
 * own documents always pass): an object with `state` and `metadata` objects, sections that
 * are objects when present, and a non-negative integer `version`. Anything else is
 * `ShadowError('invalid_document')`, never a TypeError from deep inside.
 */
export function checkDocument(document: unknown): asserts document is ShadowDocument {
  // On every reducer call: no closure, array or destructuring allocated (they cost the
  // one-attribute update a third of its time, measured against the commit before the checks).
  if (!isRecord(document)) return notADocument(describe(document));
  const state = document.state;
  const metadata = document.metadata;
  if (!isRecord(state)) return notADocument(`state is ${describe(state)}`);
  if (!isRecord(metadata)) return notADocument(`metadata is ${describe(metadata)}`);
  const sr = state.reported;
  if (sr !== undefined && !isRecord(sr)) notADocument(`state.reported is ${describe(sr)}`);
  const sd = state.desired;
  if (sd !== undefined && !isRecord(sd)) notADocument(`state.desired is ${describe(sd)}`);
  const mr = metadata.reported;
  if (mr !== undefined && !isRecord(mr)) notADocument(`metadata.reported is ${describe(mr)}`);
  const md = metadata.desired;
  if (md !== undefined && !isRecord(md)) notADocument(`metadata.desired is ${describe(md)}`);
  const version = document.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) notADocument(`version is ${describe(version)}`);
  const timestamp = document.timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) notADocument(`timestamp is ${describe(timestamp)}`);
}

function notADocument(what: string): never {
  throw new ShadowError('invalid_document', `not a shadow document: ${what}`);
}

/** The reply carrying the whole document (a `get` answer); it shares the document's objects. */
export function statePayload(document: ShadowDocument): ShadowStatePayload {
  return { status: 'success', state: document.state, metadata: document.metadata, version: document.version, timestamp: document.timestamp };
}

/**
 * The error reply for a Table 7-3 code. `errorcode` is a string, as in the seed's template
 * (`"errorcode": "${errorcode}"`).
 *
 * @example
 * ```ts
 * shadowErrorReply(409, 1469564576000);
 * // { method: 'reply', payload: { status: 'error', content: { errorcode: '409', errormessage: 'Version conflict.' } }, timestamp: 1469564576 }
 * ```
 */
export function shadowErrorReply(errorcode: ShadowErrorCode, now: number): ShadowReply {
  if (typeof errorcode !== 'number' || !Object.hasOwn(SHADOW_ERROR_MESSAGES, errorcode)) throw new ShadowError('invalid_message', `${describe(errorcode)} is not a shadow error code`);
  return {
    method: 'reply',
    payload: { status: 'error', content: { errorcode: `${errorcode}`, errormessage: SHADOW_ERROR_MESSAGES[errorcode] } },
    timestamp: seconds(now),
  };
}

/**
 * The cloud side of a device shadow (seed §7): applies one request from
 * `/shadow/update/{pk}/{dn}` and says what to publish on `/shadow/get/{pk}/{dn}`.
 *
 * - `now` is milliseconds since the epoch (a `Clock.now()`); the document stores seconds, as
 *   the seed does. Versions, not times, order writes.
 * - A write is accepted only if its `version` is greater than the document's (else 409) and
 *   it passes every check of Table 7-3; a rejected request changes nothing.
 * - Cost is proportional to the request, not to the document: the document is updated in
 *   place and returned. Keep the old state with {@link cloneShadow} first if you need it.
 *   `get` replies and `control` pushes share the document's objects: encode them before the
 *   next request.
 * - Never throws for a well-formed document: a malformed request becomes an error reply.
 *
 * @example
 * ```ts
 * const doc = emptyShadow();
 * const r = applyShadowRequest(doc, '{"method":"update","state":{"reported":{"color":"red"}},"version":1}', 1469564492000);
 * // r.reply → { method: 'reply', payload: { status: 'success', version: 1 }, timestamp: 1469564492 }
 * // doc.state.reported → { color: 'red' }
 * ```
 */
export function applyShadowRequest(
  document: ShadowDocument,
  request: ShadowRequest | string | Uint8Array,
  now: number,
  limits?: ShadowLimits,
): ShadowResult {
  checkDocument(document);
  const ts = seconds(now);
  const max = withDefaults(limits);
  let plan;
  try {
    plan = planRequest(request, max);
  } catch (e) {
    return { document, reply: shadowErrorReply(e instanceof ShadowError && e.errorcode !== undefined ? e.errorcode : 500, now) };
  }
  if (plan.method === 'get') return { document, reply: { method: 'reply', payload: statePayload(document), timestamp: ts } };
  const del = plan.method === 'delete';
  if (
    overLimit(document.state.reported, plan.reported, del, max.maxReportedAttributes) ||
    overLimit(document.state.desired, plan.desired, del, max.maxDesiredAttributes)
  ) {
    return { document, reply: shadowErrorReply(408, now) };
  }
  if (plan.version <= document.version) return { document, reply: shadowErrorReply(409, now) };

  // The reducer writes into the document in place: a frozen or sealed one (plain JavaScript
  // can hand one over) is refused before any write, never a TypeError halfway through.
  const { state, metadata } = document;
  if (!Object.isExtensible(document) || !Object.isExtensible(state) || !Object.isExtensible(metadata) || !writable(state, metadata, 'reported', plan.reported) || !writable(state, metadata, 'desired', plan.desired)) {
    throw new ShadowError('invalid_document', 'not a shadow document: it is frozen or sealed, and the reducer writes in place');
  }
  // Every check has passed: from here on nothing can fail, so a request is all or nothing.
  if (plan.reported) writeSection(document, 'reported', plan.reported, del, ts);
  if (plan.desired) writeSection(document, 'desired', plan.desired, del, ts);
  document.version = plan.version;
  document.timestamp = ts;

  const reply: ShadowReply = { method: 'reply', payload: { status: 'success', version: plan.version }, timestamp: ts };
  const wroteDesired = !del && plan.desired !== undefined && plan.desired.values.some((v) => v !== null);
  if (!wroteDesired) return { document, reply };
  return { document, reply, control: { method: 'control', payload: statePayload(document), timestamp: ts } };
}

/** Would this write leave the section with more than `max` attributes? */
function overLimit(current: ShadowAttributes | undefined, write: SectionWrite | undefined, del: boolean, max: number): boolean {
  if (write === undefined || write.clear || del || max === Number.POSITIVE_INFINITY) return false;
  let added = 0;
  let removed = 0;
  for (let i = 0; i < write.names.length; i++) {
    const present = current !== undefined && Object.hasOwn(current, write.names[i]!);
    if (write.values[i] === null) removed += present ? 1 : 0;
    else added += present ? 0 : 1;
  }
  if (added === 0) return false;
  return (current === undefined ? 0 : countOf(current)) + added - removed > max;
}

function writable(state: ShadowDocument['state'], metadata: ShadowDocument['metadata'], name: Section, write: SectionWrite | undefined): boolean {
  if (write === undefined) return true;
  const s = state[name];
  const m = metadata[name];
  return (s === undefined || Object.isExtensible(s)) && (m === undefined || Object.isExtensible(m));
}

function writeSection(document: ShadowDocument, name: Section, write: SectionWrite, del: boolean, ts: number): void {
  const { state, metadata } = document;
  if (write.clear) {
    delete state[name];
    delete metadata[name];
    return;
  }
  let section = state[name];
  if (section === undefined) {
    if (del) return;
    section = state[name] = {};
    counts.set(section, 0);
  }
  const known = counts.get(section);
  let delta = 0;
  for (let i = 0; i < write.names.length; i++) {
    const attr = write.names[i]!;
    const before = Object.hasOwn(section, attr);
    mergeAttribute(section, attr, write.values[i] as JsonValue, del);
    const after = Object.hasOwn(section, attr);
    delta += (after ? 1 : 0) - (before ? 1 : 0);
    const times = metadata[name];
    if (after) (times ?? (metadata[name] = {}))[attr] = { timestamp: ts };
    else if (times !== undefined && Object.hasOwn(times, attr)) delete times[attr];
  }
  if (known !== undefined) counts.set(section, known + delta);
  else if (delta >= 0) return;
  if (countOf(section) <= 0 && isEmpty(section)) {
    delete state[name];
    delete metadata[name];
  }
}

/**
 * A deep copy of a document, for keeping a version while the reducer moves on.
 *
 * @example
 * ```ts
 * const before = cloneShadow(doc);
 * applyShadowRequest(doc, request, now);
 * ```
 */
export function cloneShadow(document: ShadowDocument): ShadowDocument {
  checkDocument(document);
  try {
    return JSON.parse(JSON.stringify(document)) as ShadowDocument;
  } catch (e) {
    // A bigint, a cycle or nesting beyond the engine's stack: not a document the reducer wrote.
    throw new ShadowError('invalid_document', `the document cannot be copied as JSON: ${describe(e instanceof Error ? e.message : e)}`);
  }
}
