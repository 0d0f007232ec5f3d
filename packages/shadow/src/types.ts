import type { JsonValue } from '@linkwire/base';
import type { ShadowErrorCode } from './errors.ts';

/** A section of the state: attribute name → JSON value. */
export type ShadowAttributes = { [name: string]: JsonValue };

/** The metadata of a section: one entry per top-level attribute, its last write time. */
export type ShadowAttributeTimes = { [name: string]: { timestamp: number } };

/** The two sections a shadow holds. An empty section is omitted. */
export interface ShadowState {
  desired?: ShadowAttributes;
  reported?: ShadowAttributes;
}

export interface ShadowMetadata {
  desired?: ShadowAttributeTimes;
  reported?: ShadowAttributeTimes;
}

/**
 * The shadow document of seed §7.1. Timestamps are epoch seconds, as in the seed;
 * `version` is the version of the last accepted write (0 for a shadow never written).
 */
export interface ShadowDocument {
  state: ShadowState;
  metadata: ShadowMetadata;
  timestamp: number;
  version: number;
}

/** A section as a write carries it: attributes, or `"null"` / `null` for the whole section. */
export type ShadowSectionWrite = ShadowAttributes | 'null' | null;

/** `update` (seed §7.2): merge attributes; a `null` value deletes, a `"null"` section clears. */
export interface ShadowUpdateRequest {
  method: 'update';
  state: { reported?: ShadowSectionWrite; desired?: ShadowSectionWrite };
  version: number;
}

/** `delete` (seed §7.2): every listed attribute is `"null"` or `null`; a `"null"` section deletes all. */
export interface ShadowDeleteRequest {
  method: 'delete';
  state: { reported?: ShadowSectionWrite; desired?: ShadowSectionWrite };
  version: number;
}

/** `get` (seed §7.2): answered with the whole document. */
export interface ShadowGetRequest {
  method: 'get';
}

/** What devices and applications publish on `/shadow/update/{pk}/{dn}`. */
export type ShadowRequest = ShadowUpdateRequest | ShadowDeleteRequest | ShadowGetRequest;
export type ShadowWriteRequest = ShadowUpdateRequest | ShadowDeleteRequest;

/** The full state as a `get` reply and a `control` push carry it. */
export interface ShadowStatePayload {
  status: 'success';
  state: ShadowState;
  metadata: ShadowMetadata;
  version: number;
  timestamp: number;
}

export interface ShadowErrorPayload {
  status: 'error';
  content: { errorcode: `${ShadowErrorCode}`; errormessage: string };
}

/** The reply to an accepted write: the version it produced. */
export interface ShadowAckPayload {
  status: 'success';
  version: number;
}

export interface ShadowReply {
  method: 'reply';
  payload: ShadowAckPayload | ShadowStatePayload | ShadowErrorPayload;
  timestamp: number;
}

/** Pushed to the device when an update changed desired attributes. */
export interface ShadowControl {
  method: 'control';
  payload: ShadowStatePayload;
  timestamp: number;
}

/** What the shadow publishes on `/shadow/get/{pk}/{dn}`. */
export type ShadowMessage = ShadowReply | ShadowControl;

/**
 * Bounds on what one request may do. The defaults follow the seed where it has a number
 * (128 reported attributes, Table 7-3 code 408) and are documented choices elsewhere.
 */
export interface ShadowLimits {
  /** Most attributes `state.reported` may hold. Default 128 (seed, code 408). */
  readonly maxReportedAttributes?: number;
  /** Most attributes `state.desired` may hold. Default 128 (not in the seed; see README). */
  readonly maxDesiredAttributes?: number;
  /** Largest request, in UTF-8 bytes of its JSON. Default 16384. */
  readonly maxRequestBytes?: number;
  /** Deepest nesting of a request's JSON, the request object itself counting 1. Default 16. */
  readonly maxDepth?: number;
}
