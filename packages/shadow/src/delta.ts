import { JSON_DEPTH_CEILING, type JsonValue } from '@linkwire/base';
import { ShadowError } from './errors.ts';
import { checkDocument } from './reducer.ts';
import { cloneJson, jsonEqual } from './merge.ts';
import { isPlainObject } from './request.ts';
import type { ShadowAttributes, ShadowDocument } from './types.ts';

type JsonObject = { [k: string]: JsonValue };

/**
 * What `desired` still asks that `reported` does not show yet: every desired attribute whose
 * value differs from the reported one, descending into objects on both sides so that only
 * the differing nested keys appear. Arrays and scalars compare whole. `undefined` when the
 * device already shows everything desired. The result is a fresh copy.
 *
 * @example
 * ```ts
 * shadowDelta({ state: { desired: { color: 'green', on: true }, reported: { color: 'red', on: true } }, metadata: {}, timestamp: 0, version: 2 });
 * // → { color: 'green' }
 * ```
 */
export function shadowDelta(document: ShadowDocument): ShadowAttributes | undefined {
  checkDocument(document);
  const desired = document.state.desired;
  return desired === undefined ? undefined : diff(desired, document.state.reported, 0);
}

function diff(desired: JsonObject, reported: JsonObject | undefined, depth: number): JsonObject | undefined {
  if (depth > JSON_DEPTH_CEILING) throw new ShadowError('invalid_document', `the document nests deeper than ${JSON_DEPTH_CEILING}`);
  let out: JsonObject | undefined;
  for (const k of Object.keys(desired)) {
    const want = desired[k]!;
    const have = reported !== undefined && Object.hasOwn(reported, k) ? reported[k] : undefined;
    if (isPlainObject(want) && isPlainObject(have)) {
      const sub = diff(want as JsonObject, have as JsonObject, depth + 1);
      if (sub !== undefined) (out ??= {})[k] = sub;
    } else if (!jsonEqual(want, have)) {
      (out ??= {})[k] = cloneJson(want);
    }
  }
  return out;
}
