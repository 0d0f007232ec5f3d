import { booleanOption, describe, isRecord, numberOption, optionsRecord, type JsonValue } from '@linkwire/base';
import { ShadowError } from './errors.ts';
import { documentOf, parseShadowMessage } from './messages.ts';
import { applyShadowRequest, checkDocument, cloneShadow } from './reducer.ts';
import type { ShadowAttributes, ShadowDocument, ShadowGetRequest, ShadowMessage, ShadowUpdateRequest, ShadowWriteRequest } from './types.ts';

/**
 * The device's side of its shadow, as a small immutable value: each function returns a new
 * one. Nothing here publishes or waits; the returned actions say what to do.
 */
export interface DeviceShadow {
  /**
   * The local cached copy (the Python SDK's `local_get_latest_shadow`): the latest full
   * document seen on `/shadow/get`, kept current with the device's own accepted writes.
   */
  readonly document: ShadowDocument | undefined;
  /** Writes published and not answered yet, oldest first. */
  readonly inFlight: readonly ShadowWriteRequest[];
  /** The write to publish once the report it follows succeeds (clearing desired). */
  readonly next: ShadowUpdateRequest | undefined;
}

/** What the device does next, in order. */
export type DeviceShadowAction =
  /** Change the device to these desired attributes (seed §7.2, step 4). */
  | { readonly type: 'apply'; readonly desired: ShadowAttributes }
  /** Publish this request on `/shadow/update/{pk}/{dn}`. */
  | { readonly type: 'publish'; readonly request: ShadowWriteRequest | ShadowGetRequest }
  /** A control push was dropped: older than `maxAgeMs`, or a version the device already has. */
  | { readonly type: 'discard'; readonly reason: 'expired' | 'stale'; readonly version: number }
  /** The shadow refused a write; a version conflict is followed by a `get` to resynchronise. */
  | { readonly type: 'rejected'; readonly request: ShadowWriteRequest | undefined; readonly errorcode: string; readonly errormessage: string };

export interface DeviceShadowStep {
  readonly device: DeviceShadow;
  readonly actions: readonly DeviceShadowAction[];
}

export interface DeviceShadowOptions {
  /** Drop a control push whose timestamp is older than this, in milliseconds. Default: never. */
  readonly maxAgeMs?: number;
  /**
   * Treat desired attributes in a `get` reply like a control push (apply, report, clear), so
   * a device that was offline, or lost a version race, catches up. Default false: the seed
   * only has control pushes start the flow.
   */
  readonly actOnGet?: boolean;
}

/**
 * A device shadow with nothing cached yet (or with a document restored from storage).
 *
 * @example
 * ```ts
 * let device = deviceShadow();
 * ```
 */
export function deviceShadow(document?: ShadowDocument): DeviceShadow {
  if (document !== undefined) checkDocument(document);
  return { document, inFlight: [], next: undefined };
}

// A DeviceShadow comes back from the caller on every step: its shape is checked at each entry
// (a few comparisons), so a wrong one is a ShadowError rather than a TypeError later.
function checkDevice(device: unknown): asserts device is DeviceShadow {
  if (!isRecord(device) || !Array.isArray(device['inFlight'])) throw new ShadowError('invalid_document', `not a device shadow: ${describe(device)}`);
  for (const w of device['inFlight'] as unknown[]) {
    if (!isRecord(w) || typeof w['version'] !== 'number') throw new ShadowError('invalid_document', `a write in flight is ${describe(w)}`);
  }
  if (device['document'] !== undefined) checkDocument(device['document']);
  const next = device['next'];
  if (next !== undefined && (!isRecord(next) || typeof next['version'] !== 'number')) throw new ShadowError('invalid_document', `next is ${describe(next)}`);
}

function nextVersion(device: DeviceShadow): number {
  let v = device.document?.version ?? 0;
  for (const w of device.inFlight) v = Math.max(v, w.version);
  return v + 1;
}

/**
 * Reports attributes (the Python SDK's `thing_update_shadow`), with the version after the
 * latest one the device knows of unless one is given.
 *
 * @example
 * ```ts
 * const { device: d, request } = reportShadow(deviceShadow(), { color: 'red' });
 * // request → { method: 'update', state: { reported: { color: 'red' } }, version: 1 }
 * ```
 */
export function reportShadow(device: DeviceShadow, reported: ShadowAttributes, version?: number): { device: DeviceShadow; request: ShadowUpdateRequest } {
  checkDevice(device);
  if (!isRecord(reported)) throw new ShadowError('invalid_message', `reported attributes must be an object, got ${describe(reported)}`);
  if (version !== undefined && (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)) throw new ShadowError('invalid_message', `version ${describe(version)} must be a positive integer`);
  const request: ShadowUpdateRequest = { method: 'update', state: { reported }, version: version ?? nextVersion(device) };
  return { device: { ...device, inFlight: [...device.inFlight, request] }, request };
}

/**
 * Handles one message from `/shadow/get/{pk}/{dn}` the way the seed's flow (§7.2) has a
 * device do it:
 * - `control` with desired attributes: apply them, report them with the next version, and
 *   once that report succeeds, clear desired with the version after it. A push older than
 *   `maxAgeMs` ("the command has expired") or not newer than the cached copy is discarded.
 * - a `get` reply or a `control` push replaces the cached copy (with `actOnGet`, a `get` reply
 *   holding desired attributes also starts the flow above, aged by their metadata times).
 * - an ack applies the acknowledged write to the cached copy and releases the next step.
 * - an error rejects the oldest write in flight; on 409 the device asks for the document.
 *
 * `now` is milliseconds since the epoch. Malformed input throws `ShadowError`
 * (`invalid_message`) and leaves `device` as it was.
 *
 * @example
 * ```ts
 * const step = receiveShadowMessage(device, payloadBytes, clock.now(), { maxAgeMs: 60_000 });
 * for (const action of step.actions) perform(action);
 * device = step.device;
 * ```
 */
export function receiveShadowMessage(
  device: DeviceShadow,
  input: ShadowMessage | string | Uint8Array,
  now: number,
  options?: DeviceShadowOptions,
): DeviceShadowStep {
  checkDevice(device);
  numberOption('now', now, 0, -Number.MAX_VALUE, Number.MAX_VALUE);
  const o = optionsRecord('options', options);
  numberOption('maxAgeMs', o.maxAgeMs, Infinity, 0, Infinity);
  booleanOption('actOnGet', o.actOnGet, false);
  const message = parseShadowMessage(input as string | Uint8Array | JsonValue);
  const payload = message.payload;
  if (payload.status === 'error') {
    const [request, ...rest] = device.inFlight;
    const { errorcode, errormessage } = payload.content;
    const actions: DeviceShadowAction[] = [{ type: 'rejected', request, errorcode, errormessage }];
    if (errorcode === '409') actions.push({ type: 'publish', request: { method: 'get' } });
    // The clear that was to follow the rejected report must not go out; a later one still may.
    const next = request !== undefined && device.next?.version === request.version + 1 ? undefined : device.next;
    return { device: { ...device, inFlight: rest, next }, actions };
  }
  if (!('state' in payload)) return acknowledge(device, payload.version, message.timestamp);

  const incoming = documentOf(payload);
  if (message.method === 'reply') {
    if (options?.actOnGet !== true || incoming.state.desired === undefined) return { device: { ...device, document: incoming }, actions: [] };
    // A get reply was asked for: never stale, and its desired attributes are as old as their last write.
    return follow(device, incoming, desiredSince(incoming), now, options);
  }
  if (device.document !== undefined && payload.version <= device.document.version) {
    return { device, actions: [{ type: 'discard', reason: 'stale', version: payload.version }] };
  }
  return follow(device, incoming, message.timestamp, now, options);
}

/** The newest write time among the desired attributes (seconds). */
function desiredSince(document: ShadowDocument): number {
  let t = 0;
  for (const m of Object.values(document.metadata.desired ?? {})) t = Math.max(t, m.timestamp);
  return t === 0 ? document.timestamp : t;
}

/** The seed's response to desired state issued at `issued` (seconds): apply, report, then clear. */
function follow(device: DeviceShadow, incoming: ShadowDocument, issued: number, now: number, options: DeviceShadowOptions | undefined): DeviceShadowStep {
  const maxAge = options?.maxAgeMs ?? Number.POSITIVE_INFINITY;
  if (now - issued * 1000 > maxAge) {
    return { device: { ...device, document: incoming }, actions: [{ type: 'discard', reason: 'expired', version: incoming.version }] };
  }
  const desired = incoming.state.desired;
  if (desired === undefined) return { device: { ...device, document: incoming }, actions: [] };
  const report: ShadowUpdateRequest = { method: 'update', state: { reported: desired }, version: incoming.version + 1 };
  const clear: ShadowUpdateRequest = { method: 'update', state: { desired: 'null' }, version: incoming.version + 2 };
  return {
    device: { document: incoming, inFlight: [...device.inFlight, report], next: clear },
    actions: [
      { type: 'apply', desired },
      { type: 'publish', request: report },
    ],
  };
}

function acknowledge(device: DeviceShadow, version: number, timestamp: number): DeviceShadowStep {
  const i = device.inFlight.findIndex((w) => w.version === version);
  if (i < 0) return { device, actions: [] };
  const write = device.inFlight[i]!;
  const inFlight = device.inFlight.filter((_, j) => j !== i);
  let document = device.document;
  if (document !== undefined) {
    // The cache is the device's own copy: update a clone so earlier snapshots stay as they were.
    document = applyShadowRequest(cloneShadow(document), write, timestamp * 1000, { maxReportedAttributes: Infinity, maxDesiredAttributes: Infinity }).document;
  }
  const next = device.next;
  if (next !== undefined && next.version === version + 1) {
    return { device: { document, inFlight: [...inFlight, next], next: undefined }, actions: [{ type: 'publish', request: next }] };
  }
  return { device: { document, inFlight, next }, actions: [] };
}
