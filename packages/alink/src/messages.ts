import { checkJsonTree, describe, OptionError, utf8Encode, type Issue } from '@linkwire/base';
import type { TopicSpec } from './area.ts';
import type { TopicName } from './catalogue.ts';
import { readRequest, requestFromJson, requestText, replyFromJson, stringifyReply, type AlinkReply, type AlinkRequest } from './envelope.ts';
import { AlinkError } from './errors.ts';
import { decodeJson, decodeJsonWalking, forbiddenProto, stringifyJson, type AlinkJson, type JsonDecodeOptions } from './json.ts';
import { formatTopic, parseTopic, type ParsedTopic, type TopicIds } from './topics.ts';
import type { BodyOf } from './types.ts';
import { topicSpec } from './registry.ts';
import { checkProperties } from './schema.ts';
import { PROPERTY_TOPICS, validateDocument, validateReply, validateRequest } from './validate.ts';

/** A message on a catalogue topic, by what its payload is. */
export type AlinkMessage =
  | { readonly kind: 'request'; readonly topic: ParsedTopic; readonly request: AlinkRequest }
  | { readonly kind: 'reply'; readonly topic: ParsedTopic; readonly reply: AlinkReply<AlinkJson> }
  | { readonly kind: 'raw'; readonly topic: ParsedTopic; readonly bytes: Uint8Array }
  | { readonly kind: 'json'; readonly topic: ParsedTopic; readonly value: AlinkJson };

export interface DecodeMessageOptions extends JsonDecodeOptions {
  /** Check params against the topic's shape and throw `invalid_params` with the issues. Default true. */
  readonly validate?: boolean;
}

/**
 * The `method` a request on this topic must carry, with the topic's identifiers filled in
 * (`thing.event.{eventId}.post` → `thing.event.Error.post`), or `undefined` where the topic
 * does not fix one (OTA, RRPC, EnOS combine pushes).
 */
export function expectedMethod(spec: TopicSpec, ids: TopicIds): string | undefined {
  if (typeof spec !== 'object' || spec === null || typeof ids !== 'object' || ids === null) throw new AlinkError('unknown_topic', `expectedMethod needs a catalogue spec and identifiers, got ${describe(spec)} and ${describe(ids)}`);
  const m = spec.method;
  if (typeof m !== 'string') return undefined;
  if (m === undefined) return undefined;
  const open = m.indexOf('{');
  if (open === -1) return m;
  const close = m.indexOf('}', open);
  const id = ids[m.slice(open + 1, close)];
  return m.slice(0, open) + (typeof id === 'string' ? id : '') + m.slice(close + 1);
}

/**
 * Decodes the payload of a message received on `topic` (the topic string, or what
 * {@link parseTopic} made of it when the caller has already routed on it): finds the topic in
 * the catalogue, decodes the envelope its payload kind calls for, checks that a request's
 * `method` agrees with the topic (EnOS answers a mismatch with code 1260) and, unless
 * `validate: false`, checks the params' shape. Signed documents (login, topo add, OTA and config pushes) refuse duplicate
 * JSON keys. Throws only {@link AlinkError}.
 *
 * @example
 * const m = decodeMessage('/sys/pk/dn/thing/service/property/set', '{"id":"123","version":"1.0","params":{"temperature":"30.5"},"method":"thing.service.property.set"}');
 * if (m.kind === 'request') m.request.params // { temperature: '30.5' }
 */
export function decodeMessage(topic: string | ParsedTopic, payload: Uint8Array | string, options?: DecodeMessageOptions): AlinkMessage {
  const parsed = typeof topic === 'string' ? parseTopic(topic) : isParsedTopic(topic) ? topic : undefined;
  if (parsed === undefined) throw new AlinkError('unknown_topic', `${describe(topic)} is not an Alink topic`);
  const spec = parsed.spec;
  if (spec.payload === 'raw') {
    if (typeof payload === 'string') throw new AlinkError('invalid_message', `${spec.name} carries raw bytes, not text`);
    return { kind: 'raw', topic: parsed, bytes: payload };
  }
  const validate = options?.validate !== false;
  if (validate && PROPERTY_TOPICS.has(parsed.name)) return decodePropertyMessage(parsed, payload, options);
  const json = decodeJson(payload, spec.signed === true && options?.duplicateKeys === undefined ? { ...options, duplicateKeys: 'reject' } : options);
  if (spec.payload === 'reply') {
    const reply = replyFromJson(json);
    if (validate) throwIssues(spec, validateReply(parsed.name, reply));
    return { kind: 'reply', topic: parsed, reply };
  }
  if (spec.payload === 'json') {
    if (validate) throwIssues(spec, validateDocument(parsed.name, json));
    return { kind: 'json', topic: parsed, value: json };
  }
  const request = requestFromJson(json);
  checkMethod(spec, parsed.ids, request.method);
  if (validate) throwIssues(spec, validateRequest(parsed.name, request));
  return { kind: 'request', topic: parsed, request };
}

// A ParsedTopic handed in by the caller: its spec must be the catalogue's own entry.
function isParsedTopic(t: unknown): t is ParsedTopic {
  if (typeof t !== 'object' || t === null) return false;
  const { name, spec, ids } = t as { name?: unknown; spec?: unknown; ids?: unknown };
  return typeof name === 'string' && topicSpec(name) === spec && spec !== undefined && typeof ids === 'object' && ids !== null;
}

/**
 * The property post hot path: the JSON walk skips `params`, which the property check walks
 * while it validates, so a 200-property object is iterated once.
 */
function decodePropertyMessage(parsed: ParsedTopic, payload: Uint8Array | string, options: DecodeMessageOptions | undefined): AlinkMessage {
  walkIssues = [];
  walked = false;
  extraMembers = false;
  const json = decodeJsonWalking(payload, options, walkPropertyMessage);
  let issues = walkIssues;
  const request = readRequest(json, !walked || extraMembers);
  checkMethod(parsed.spec, parsed.ids, request.method);
  // The walk's findings hold for the exact parser's result too (only integer precision differs);
  // without a walk (duplicate-key policy) or without params, validate the usual way.
  if (!walked || request.params === undefined) issues = validateRequest(parsed.name, request);
  throwIssues(parsed.spec, issues);
  return { kind: 'request', topic: parsed, request };
}

// What the walk below found, for the decode that ran it (decoding is synchronous). A function
// made once instead of a closure per message.
let walkIssues: Issue[] = [];
let walked = false;
let extraMembers = false;

function walkPropertyMessage(v: object, maxDepth: number): boolean {
  walked = true;
  if (Array.isArray(v)) return checkJsonTree(v, maxDepth, 1);
  let rounded = false;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (k === '__proto__') throw forbiddenProto();
    const x = o[k];
    if (k === 'params') {
      if (checkProperties(x, 'params', walkIssues, { maxDepth, depth: 2 })) rounded = true;
      continue;
    }
    if (k !== 'id' && k !== 'version' && k !== 'method' && k !== 'sys') extraMembers = true;
    if (typeof x === 'object') {
      if (x !== null && checkJsonTree(x, maxDepth, 2)) rounded = true;
    } else if (typeof x === 'number' && (x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER)) rounded = true;
  }
  return rounded;
}

function checkMethod(spec: TopicSpec, ids: TopicIds, method: string | undefined): void {
  if (method === undefined) return;
  const expected = expectedMethod(spec, ids);
  if (expected !== undefined && method !== expected) {
    throw new AlinkError('method_mismatch', `method ${describe(method)} does not belong on ${spec.name} (expected ${describe(expected)}; EnOS code 1260)`);
  }
}

function throwIssues(spec: TopicSpec, issues: readonly Issue[]): void {
  if (issues.length === 0) return;
  const first = issues[0]!;
  throw new AlinkError('invalid_params', `${spec.name}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, undefined, issues);
}

/** What {@link encodeMessage} takes for any topic; {@link BodyOf} narrows it per topic. */
export type MessageBody = AlinkRequest<unknown> | AlinkReply<unknown> | Uint8Array | AlinkJson;

/** A topic and the payload to publish on it. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/**
 * Encodes a message for a catalogue topic. A request gets the topic's method when it has none
 * (and then a `version` of `"1.0"` if it has none), and is checked like {@link decodeMessage}
 * checks it; a reply is written as `{id, code, data, message?}`; raw topics take bytes. To
 * write an envelope exactly as given, use {@link encodeRequest}.
 *
 * @example
 * encodeMessage('eventPost', { productKey: 'pk', deviceName: 'dn', eventId: 'alarm' },
 *   { id: '123', params: { value: { errorCode: 'error' }, time: 1524448722000 } })
 * // { topic: '/sys/pk/dn/thing/event/alarm/post', payload: …"method":"thing.event.alarm.post"… }
 */
export function encodeMessage<N extends TopicName>(name: N, ids: TopicIds, body: BodyOf<N>, options?: { readonly validate?: boolean }): OutgoingMessage {
  const topic = formatTopic(name, ids);
  const spec = topicSpec(name)!;
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new OptionError('options', 'an object', options);
  if (spec.payload !== 'raw' && spec.payload !== 'json' && (typeof body !== 'object' || body === null)) throw new AlinkError('invalid_message', `${name} needs an envelope object, got ${describe(body)}`);
  switch (spec.payload) {
    case 'raw':
      if (!(body instanceof Uint8Array)) throw new AlinkError('invalid_message', `${name} carries raw bytes`);
      return { topic, payload: body };
    case 'json':
      if (options?.validate !== false) throwIssues(spec, validateDocument(name, body as AlinkJson));
      return { topic, payload: utf8Encode(stringifyJson(body)) };
    case 'reply':
      if (body instanceof Uint8Array) throw new AlinkError('invalid_message', `${name} carries an Alink reply, not raw bytes`);
      if (options?.validate !== false) throwIssues(spec, validateReply(name, body as AlinkReply<unknown>));
      return { topic, payload: utf8Encode(stringifyReply(body as AlinkReply<unknown>)) };
    case 'request': {
      const r = body as AlinkRequest<unknown>;
      checkMethod(spec, ids, r.method);
      const method = r.method ?? expectedMethod(spec, ids);
      const version = r.method === undefined && method !== undefined ? r.version ?? '1.0' : r.version;
      if (options?.validate !== false) throwIssues(spec, validateRequest(name, r as AlinkRequest));
      return { topic, payload: utf8Encode(requestText(r, version, method)) };
    }
  }
}
