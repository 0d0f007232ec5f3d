import { describe, type Issue } from '@linkwire/base';
import type { TopicName } from './catalogue.ts';
import type { AlinkRequest } from './envelope.ts';
import { AlinkError } from './errors.ts';
import type { AlinkJson } from './json.ts';
import type { AreaChecks } from './area.ts';
import { DEVICE_CHECKS } from './areas/device-checks.ts';
import { topicSpec } from './registry.ts';
import type { Check, RequestCheck } from './schema.ts';

// The checks known so far, by topic name: the device area's from the start, the other areas'
// once the complete catalogue loads (complete.ts), as with the topics (registry.ts). The checks
// themselves sit beside their topics, area by area (areas/*-checks.ts); the combinators in schema.ts.
const REQUEST_CHECKS: Record<string, RequestCheck> = Object.create(null) as Record<string, RequestCheck>;
const REPLY_CHECKS: Record<string, Check> = Object.create(null) as Record<string, Check>;
const DOCUMENT_CHECKS: Record<string, Check> = Object.create(null) as Record<string, Check>;

/** Adds an area's checks (the same area again changes nothing). */
export function useChecks(checks: AreaChecks): void {
  Object.assign(REQUEST_CHECKS, checks.requests);
  Object.assign(REPLY_CHECKS, checks.replies);
  Object.assign(DOCUMENT_CHECKS, checks.documents);
}

/** Topics whose params are a property map: their decode walks and validates in one pass. */
export const PROPERTY_TOPICS: ReadonlySet<TopicName> = new Set<TopicName>(['propertyPost', 'propertySet']);

// A table lookup by a caller's topic name: only known names, never a key such as "constructor"
// from the prototype (the tables have none), and a name of the wrong type is an unknown topic.
function lookup<C>(table: Readonly<Record<string, C>>, name: unknown): C | undefined {
  if (topicSpec(name) === undefined) throw new AlinkError('unknown_topic', `no topic named ${describe(name)}`);
  return table[name as string];
}

/**
 * Checks the data of a successful reply (code 200) on a catalogue reply topic: the secrets of a
 * sub-device registration, a firmware or configuration download, EnOS batch login results.
 *
 * @example
 * validateReply('subRegisterReply', { id: '1', code: 200, data: [{ productKey: 'pk' }] })[0]?.path // 'data[0].deviceName'
 */
export function validateReply(name: TopicName, reply: { readonly code: number; readonly data: unknown }): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(REPLY_CHECKS, name);
  if (typeof reply !== 'object' || reply === null) throw new AlinkError('invalid_reply', `a reply must be an object, got ${describe(reply)}`);
  if (check !== undefined && reply.code === 200) check(reply.data, 'data', issues);
  return issues;
}

/**
 * Checks the params of a request on a catalogue topic (and the top-level members that sit
 * beside them). Returns the issues; an empty list means the shape is what the platform accepts.
 *
 * @example
 * validateRequest('otaProgress', { id: '1', params: { step: '101' } })
 * // [{ path: 'params.step', code: 'out_of_range', message: 'params.step must be an integer from -5 to 100' }]
 */
export function validateRequest(name: TopicName, request: AlinkRequest): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(REQUEST_CHECKS, name);
  if (typeof request !== 'object' || request === null) throw new AlinkError('invalid_message', `a request must be an object, got ${describe(request)}`);
  check?.(request, issues);
  return issues;
}

/** Checks a JSON document on a topic whose payload is not an Alink envelope (OTA upgrade, NTP, registration, shadow). */
export function validateDocument(name: TopicName, value: AlinkJson): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(DOCUMENT_CHECKS, name);
  if (check !== undefined) check(value, '$', issues);
  return issues;
}

useChecks(DEVICE_CHECKS);
