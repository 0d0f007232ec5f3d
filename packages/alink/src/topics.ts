import { describe } from '@linkwire/base';
import { AlinkError } from './errors.ts';
import type { TopicSpec } from './area.ts';
import type { TopicName } from './catalogue.ts';
import { onTopicsAdded } from './registry.ts';

/** Identifiers that fill a template's braces, e.g. `{productKey, deviceName, eventId}`. */
export type TopicIds = Readonly<Record<string, string>>;

/** A topic recognised by {@link parseTopic}. */
export interface ParsedTopic {
  readonly name: TopicName;
  readonly spec: TopicSpec;
  readonly ids: TopicIds;
}

type Part =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string; readonly suffix: string }
  | { readonly kind: 'rest'; readonly name: string };

interface Compiled {
  readonly spec: TopicSpec;
  readonly name: TopicName;
  readonly parts: readonly Part[];
  readonly params: readonly string[];
  /** Builds the ids object; the common shapes get object literals, which V8 builds fastest. */
  readonly ids: (values: readonly string[]) => TopicIds;
  /** The last topic formatted from this template and the (valid) ids it was made of. */
  last: { readonly values: readonly string[]; readonly topic: string } | undefined;
}

interface Literal {
  readonly text: string;
  /** The first char code, compared before anything else. */
  readonly first: number;
  readonly node: Node;
}

interface Node {
  /** Literal children; a node has at most a few dozen, so comparing lengths first beats hashing a sliced segment. */
  literals: Literal[];
  /** Whole-segment and suffixed parameters (`{serviceId}_reply`), longest suffix first. */
  params: { suffix: string; node: Node }[];
  /** The suffixes of the suffixed parameters: a whole-segment id may not end in one. */
  suffixes: string[];
  rest: Compiled | undefined;
  leaf: Compiled | undefined;
  /**
   * Under a node reached through an id: the templates whose remaining parts are all literals,
   * indexed by the remainder's length (`thing/event/property/post`, 25). A compare or two
   * replaces a walk of several literal levels, and finds what the walk would (literals are tried
   * first there).
   */
  tails: ({ readonly text: string; readonly found: Compiled }[] | undefined)[] | undefined;
}

const newNode = (): Node => ({ literals: [], params: [], suffixes: [], rest: undefined, leaf: undefined, tails: undefined });

function compile(spec: TopicSpec): Compiled {
  const params: string[] = [];
  const parts = spec.template.slice(1).split('/').map((seg): Part => {
    const m = /^\{(\w+)(\*?)\}(\w*)$/.exec(seg);
    if (m === null) return { kind: 'literal', text: seg };
    params.push(m[1]!);
    return m[2] === '*' ? { kind: 'rest', name: m[1]! } : { kind: 'param', name: m[1]!, suffix: m[3]! };
  });
  return { spec, name: spec.name as TopicName, parts, params, ids: idsBuilder(params), last: undefined };
}

function idsBuilder(params: readonly string[]): (values: readonly string[]) => TopicIds {
  const [a, b, c] = params;
  if (a === 'productKey' && b === 'deviceName') {
    if (params.length === 2) return (v) => ({ productKey: v[0]!, deviceName: v[1]! });
    if (params.length === 3 && c === 'eventId') return (v) => ({ productKey: v[0]!, deviceName: v[1]!, eventId: v[2]! });
    if (params.length === 3 && c === 'serviceId') return (v) => ({ productKey: v[0]!, deviceName: v[1]!, serviceId: v[2]! });
    if (params.length === 3 && c === 'messageId') return (v) => ({ productKey: v[0]!, deviceName: v[1]!, messageId: v[2]! });
  }
  return (v) => {
    const ids: Record<string, string> = {};
    for (let i = 0; i < params.length; i++) ids[params[i]!] = v[i]!;
    return ids;
  };
}

const COMPILED = new Map<TopicName, Compiled>();
const ROOT = newNode();

/** Puts a topic into the trie; a shape that collides with one already there is a programming error. */
function insert(spec: TopicSpec): void {
  const c = compile(spec);
  COMPILED.set(spec.name as TopicName, c);
  let node = ROOT;
  let afterId = false;
  for (let i = 0; i < c.parts.length; i++) {
    const p = c.parts[i]!;
    const remaining = c.parts.slice(i);
    if (afterId && remaining.every((q) => q.kind === 'literal')) {
      const text = remaining.map((q) => (q as { text: string }).text).join('/');
      ((node.tails ??= [])[text.length] ??= []).push({ text, found: c });
    }
    afterId = p.kind !== 'literal';
    if (p.kind === 'rest') {
      if (node.rest !== undefined) throw new Error(`catalogue: ${spec.name} collides with ${node.rest.spec.name}`);
      node.rest = c;
      node = undefined as unknown as Node;
      break;
    }
    if (p.kind === 'literal') {
      let next = node.literals.find((l) => l.text === p.text)?.node;
      if (next === undefined) node.literals.push({ text: p.text, first: p.text.charCodeAt(0), node: (next = newNode()) });
      node = next;
    } else {
      let slot = node.params.find((s) => s.suffix === p.suffix);
      if (slot === undefined) {
        slot = { suffix: p.suffix, node: newNode() };
        node.params.push(slot);
        node.params.sort((a, b) => b.suffix.length - a.suffix.length);
        if (p.suffix !== '') node.suffixes.push(p.suffix);
      }
      node = slot.node;
    }
  }
  if (node !== undefined) {
    if (node.leaf !== undefined) throw new Error(`catalogue: ${spec.name} has the same shape as ${node.leaf.spec.name}`);
    node.leaf = c;
  }
}

/**
 * Why an identifier cannot be a topic segment, or `undefined` if it can. Rejected: the empty
 * string, `/`, the MQTT wildcards `+` and `#`, NUL and other control characters, and lone
 * surrogates (a topic must be well-formed UTF-8).
 */
export function segmentProblem(value: unknown, allowSlash = false): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value.length === 0) return 'is empty';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 47 && !allowSlash) return 'contains "/"';
    if (c === 43 || c === 35) return `contains the MQTT wildcard "${value[i]}"`;
    if (c < 32 || c === 127) return 'contains a control character';
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      else return 'contains a lone surrogate';
    }
  }
  return undefined;
}

function checkId(spec: TopicSpec, name: string, value: unknown, rest: boolean, suffix: string): string {
  const problem = segmentProblem(value, rest);
  if (problem !== undefined) throw new AlinkError('invalid_topic_segment', `${spec.name}: ${name} ${describe(value)} ${problem}`);
  const v = value as string;
  // Shapes that would parse back as a different topic are refused where they are made.
  if (spec.name.startsWith('eventPost') && name === 'eventId' && v === 'property') {
    throw new AlinkError('invalid_topic_segment', `${spec.name}: eventId "property" is the property post topic`);
  }
  if (name === 'serviceId' && suffix === '' && v.endsWith('_reply')) {
    throw new AlinkError('invalid_topic_segment', `${spec.name}: serviceId ${describe(v)} would read as a service reply topic`);
  }
  return v;
}

/**
 * Fills a template with validated identifiers.
 *
 * @example
 * formatTopic('eventPost', { productKey: 'a1B2c3', deviceName: 'lamp', eventId: 'Error' })
 * // '/sys/a1B2c3/lamp/thing/event/Error/post'
 */
export function formatTopic(name: TopicName, ids: TopicIds): string {
  const c = COMPILED.get(name);
  if (c === undefined) throw new AlinkError('unknown_topic', `no topic named ${describe(name)}`);
  if (typeof ids !== 'object' || ids === null) throw new AlinkError('invalid_topic_segment', `${name}: identifiers must be an object, got ${describe(ids)}`);
  // A device publishes on its own few topics again and again: the same ids as last time (the
  // same strings, compared as values) give the same, already validated, topic.
  const last = c.last;
  if (last !== undefined && sameIds(c.params, last.values, ids)) return last.topic;
  let out = '';
  for (const p of c.parts) {
    if (p.kind === 'literal') out += `/${p.text}`;
    else out += `/${checkId(c.spec, p.name, ids[p.name], p.kind === 'rest', p.kind === 'param' ? p.suffix : '')}${p.kind === 'param' ? p.suffix : ''}`;
  }
  c.last = { values: c.params.map((p) => ids[p]!), topic: out };
  return out;
}

function sameIds(params: readonly string[], values: readonly string[], ids: TopicIds): boolean {
  for (let i = 0; i < params.length; i++) if (ids[params[i]!] !== values[i]) return false;
  return true;
}

/**
 * A subscription filter for a catalogue topic: the identifiers given are filled in, the
 * others become `+` (or `#` for a rest part).
 *
 * @example
 * formatTopicFilter('serviceCall', { productKey: 'pk', deviceName: 'dn' }) // '/sys/pk/dn/thing/service/+'
 */
export function formatTopicFilter(name: TopicName, ids: Partial<TopicIds> = {}): string {
  const c = COMPILED.get(name);
  if (c === undefined) throw new AlinkError('unknown_topic', `no topic named ${describe(name)}`);
  if (typeof ids !== 'object' || ids === null) throw new AlinkError('invalid_topic_segment', `${name}: identifiers must be an object, got ${describe(ids)}`);
  let out = '';
  for (const p of c.parts) {
    if (p.kind === 'literal') out += `/${p.text}`;
    else if (ids[p.name] === undefined) {
      if (p.kind === 'param' && p.suffix !== '') throw new AlinkError('invalid_topic_segment', `${name}: ${p.name} is needed, a wildcard cannot carry the suffix ${p.suffix}`);
      out += p.kind === 'rest' ? '/#' : '/+';
    } else out += `/${checkId(c.spec, p.name, ids[p.name], p.kind === 'rest', p.kind === 'param' ? p.suffix : '')}${p.kind === 'param' ? p.suffix : ''}`;
  }
  return out;
}

/**
 * Recognises a topic: its catalogue name and identifiers, or `undefined` for a topic that is
 * not in the catalogue (or is not a valid topic name). A trie walk over the topic's segments —
 * no regular expressions and no scan of the catalogue — shortened by two bounded memories: of
 * recent topics, and of what follows a device's ids on the device path (`/sys/{pk}/{dn}/…`).
 * Each call returns new objects; `spec` is the catalogue's own, frozen entry.
 *
 * @example
 * parseTopic('/sys/a1B2c3/lamp/thing/service/Reboot_reply')
 * // { name: 'serviceCallReply', ids: { productKey: 'a1B2c3', deviceName: 'lamp', serviceId: 'Reboot' }, spec }
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (typeof topic !== 'string' || topic.charCodeAt(0) !== 47) return undefined;
  // A device or gateway routes every message on a handful of topics: remember the recent ones'
  // templates and ids, so a repeat skips the walk and the slices. Each call still returns new
  // objects, which the caller may keep or change.
  const slot = slotOf(topic);
  if (recentTopic[slot] === topic) {
    const known = recentFound[slot]!;
    return { name: known.name, spec: known.spec, ids: known.ids(recentValues[slot]!) };
  }
  count = 0;
  let found = devicePathNow === undefined ? undefined : devicePath(devicePathNow, topic);
  if (found === undefined) {
    count = 0;
    found = walk(ROOT, topic, 1);
    if (found === undefined) return undefined;
  }
  if (topic.length > REMEMBERED_LENGTH) return { name: found.name, spec: found.spec, ids: found.ids(values) };
  // Kept in place: a slot's array is made once and overwritten, so remembering allocates nothing.
  const kept = (recentValues[slot] ??= []);
  for (let i = 0; i < count; i++) kept[i] = values[i]!;
  recentTopic[slot] = topic;
  recentFound[slot] = found;
  return { name: found.name, spec: found.spec, ids: found.ids(kept) };
}

// The ids of the walk in progress (parseTopic is synchronous: one scratch array serves every
// call, and backtracking only moves `count`).
const values: string[] = [];
let count = 0;

// A direct-mapped memory: a new topic overwrites its slot, so a stream of distinct topics
// costs one store per parse and memory stays at RECENT_SLOTS entries.
const RECENT_SLOTS = 1024;
// Only texts this short are remembered (topics here, remainders below): real ones are, and a
// stream of 64 KiB topics must not pin 1024 of them.
const REMEMBERED_LENGTH = 256;
const recentTopic: (string | undefined)[] = new Array<string | undefined>(RECENT_SLOTS).fill(undefined);
const recentFound: (Compiled | undefined)[] = new Array<Compiled | undefined>(RECENT_SLOTS).fill(undefined);
const recentValues: (string[] | undefined)[] = new Array<string[] | undefined>(RECENT_SLOTS).fill(undefined);

/**
 * The device path: a root literal followed by whole-segment ids and nothing else
 * (`/sys/{productKey}/{deviceName}/…`), found in the trie whenever an area joins it. Its topics differ
 * per device in those ids, while what follows them (`thing/service/SetWeight`) repeats across
 * devices; so the ids are read directly and the rest is parsed once per distinct text and
 * remembered. What this finds is what the walk finds: the walk takes the same literal and the
 * same ids first, and the remainder is walked from the same node; a topic it cannot finish goes
 * to the full walk, which backtracks into the alternatives (user topics whose productKey is
 * `sys`).
 */
interface DevicePath {
  readonly prefix: string;
  readonly ids: number;
  readonly node: Node;
}

let devicePathNow: DevicePath | undefined;

function findDevicePath(): DevicePath | undefined {
  let best: DevicePath | undefined;
  for (const lit of ROOT.literals) {
    let node = lit.node;
    let ids = 0;
    while (node.literals.length === 0 && node.rest === undefined && node.leaf === undefined && node.tails === undefined && node.params.length === 1 && node.params[0]!.suffix === '') {
      node = node.params[0]!.node;
      ids++;
    }
    if (ids > 0 && (best === undefined || ids > best.ids)) best = { prefix: `/${lit.text}/`, ids, node };
  }
  return best;
}

// The remainders after the device path, parsed: template and ids, or NO_MATCH. Bounded: cleared
// whole when full, so hostile streams of distinct remainders cost memory of TAIL_LIMIT entries.
const TAIL_LIMIT = 4096;
const NO_MATCH = { found: undefined, values: [] as readonly string[] } as const;
const remainders = new Map<string, { readonly found: Compiled | undefined; readonly values: readonly string[] }>();

function devicePath(path: DevicePath, topic: string): Compiled | undefined {
  if (!topic.startsWith(path.prefix)) return undefined;
  let start = path.prefix.length;
  for (let d = 0; d < path.ids; d++) {
    const end = topic.indexOf('/', start);
    if (end <= start || !clean(topic, start, end)) return undefined;
    values[count++] = topic.slice(start, end);
    start = end + 1;
  }
  const rest = topic.slice(start);
  const known = remainders.get(rest);
  if (known === undefined) {
    const depth = count;
    const found = walk(path.node, topic, start);
    if (rest.length <= REMEMBERED_LENGTH) {
      if (remainders.size >= TAIL_LIMIT) remainders.clear();
      remainders.set(rest, found === undefined ? NO_MATCH : { found, values: values.slice(depth, count) });
    }
    return found;
  }
  for (let i = 0; i < known.values.length; i++) values[count++] = known.values[i]!;
  return known.found;
}

function slotOf(topic: string): number {
  // Eight characters spread over the topic, and its length: one device's topics differ in their
  // method paths, many devices' in their ids, and either shows up in the sample. Hashing every
  // character cost more than the walk it can save.
  const n = topic.length;
  let h = n;
  for (let j = 1; j < 8; j++) h = Math.imul(h ^ topic.charCodeAt((n * j) >> 3), 0x01000193);
  h ^= topic.charCodeAt(n - 2);
  return (h ^ (h >>> 15)) & (RECENT_SLOTS - 1);
}

/** True if topic[from, to) holds no wildcard, control character or lone surrogate (a literal match never does). */
function clean(topic: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = topic.charCodeAt(i);
    if (c < 32 || c === 43 || c === 35 || c === 127) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < to && (topic.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      else return false;
    }
  }
  return true;
}

function walk(node: Node, topic: string, start: number): Compiled | undefined {
  const n = topic.length;
  if (node.tails !== undefined) {
    const t = tailAt(node.tails, topic, start);
    if (t !== undefined) return t;
  }
  // Literal children first, matched in place: no segment is sliced and no '/' searched for.
  const literals = node.literals;
  const c0 = topic.charCodeAt(start);
  for (let i = 0; i < literals.length; i++) {
    const lit = literals[i]!;
    if (lit.first !== c0 || !topic.startsWith(lit.text, start)) continue;
    const end = start + lit.text.length;
    if (end === n) {
      if (lit.node.leaf !== undefined) return lit.node.leaf;
    } else if (topic.charCodeAt(end) === 47) {
      const r = walk(lit.node, topic, end + 1);
      if (r !== undefined) return r;
    }
  }
  const params = node.params;
  if (params.length > 0) {
    let end = topic.indexOf('/', start);
    const last = end === -1;
    if (last) end = n;
    const len = end - start;
    if (len > 0 && clean(topic, start, end)) {
      for (let i = 0; i < params.length; i++) {
        const slot = params[i]!;
        const suffix = slot.suffix;
        if (suffix.length === 0) {
          // A whole-segment id never ends in a sibling's suffix: `Reboot_reply` is a reply, `_reply` nothing.
          if (node.suffixes.length > 0 && endsWithAny(topic, end, node.suffixes)) continue;
        } else if (len <= suffix.length || !topic.startsWith(suffix, end - suffix.length)) continue;
        const depth = count;
        values[count++] = topic.slice(start, end - suffix.length);
        const r = last ? slot.node.leaf : walk(slot.node, topic, end + 1);
        if (r !== undefined) return r;
        count = depth;
      }
    }
  }
  if (node.rest !== undefined && start < n && clean(topic, start, n)) {
    values[count++] = topic.slice(start);
    return node.rest;
  }
  return undefined;
}

function tailAt(tails: NonNullable<Node['tails']>, topic: string, start: number): Compiled | undefined {
  const candidates = tails[topic.length - start];
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) if (topic.startsWith(candidates[i]!.text, start)) return candidates[i]!.found;
  }
  return undefined;
}

function endsWithAny(topic: string, end: number, suffixes: readonly string[]): boolean {
  for (let i = 0; i < suffixes.length; i++) if (topic.startsWith(suffixes[i]!, end - suffixes[i]!.length)) return true;
  return false;
}

// Every area that joins goes into the trie (the device's own at once, registry.ts); then the
// device path is found again and the memories start afresh: a new template may match a topic
// or a remainder that matched nothing before.
onTopicsAdded((specs) => {
  for (const spec of specs) insert(spec);
  devicePathNow = findDevicePath();
  recentTopic.fill(undefined);
  recentFound.fill(undefined);
  remainders.clear();
});

/** `/sys/{pk}/{dn}/thing/event/property/post` (seed §4). */
export function propertyPostTopic(productKey: string, deviceName: string): string {
  return formatTopic('propertyPost', { productKey, deviceName });
}

/** `/sys/{pk}/{dn}/thing/event/property/post_reply` (seed §4). */
export function propertyPostReplyTopic(productKey: string, deviceName: string): string {
  return formatTopic('propertyPostReply', { productKey, deviceName });
}
