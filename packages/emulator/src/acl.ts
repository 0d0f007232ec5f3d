import { parseTopic, type TopicName } from '@linkwire/alink';
import { deviceKey } from './devices.ts';

/**
 * The topic ACL of the platform: a device (or a gateway for the sub-devices it has logged in)
 * may use only the topics that name it in their fixed positions, in the direction the seed
 * gives. Names found anywhere else in a topic mean nothing.
 */

// Where the productKey (P) and deviceName (D) stand in each topic family, after the leading
// `/`. Literal segments must match exactly; everything after the pattern is the family's tail.
const P = 0;
const D = 1;
const OWNER_PATTERNS: readonly (readonly (string | typeof P | typeof D)[])[] = [
  ['sys', P, D],
  [P, D, 'user'],
  ['ext', 'session', P, D],
  ['ext', 'ntp', P, D],
  ['ext', 'error', P, D],
  ['shadow', 'update', P, D],
  ['shadow', 'get', P, D],
  ['ota', 'device', 'inform', P, D],
  ['ota', 'device', 'upgrade', P, D],
  ['ota', 'device', 'progress', P, D],
  ['ota', 'device', 'request', P, D],
];

const isWildcard = (s: string): boolean => s === '+' || s === '#';

/**
 * The device a topic or topic filter belongs to, by the fixed positions of its family, as a
 * registry key (`{pk}&{dn}`); undefined when the topic names no device there or a wildcard
 * stands in an owner position. `/ext/rrpc/{id}/{topic}` belongs to the owner of its inner topic.
 */
export function ownerOf(topicOrFilter: string): string | undefined {
  if (typeof topicOrFilter !== 'string' || topicOrFilter.charCodeAt(0) !== 47) return undefined;
  const levels = topicOrFilter.split('/');
  if (levels[1] === 'ext' && levels[2] === 'rrpc') {
    // `/ext/rrpc/{id}/{topic}`: the inner topic's own leading `/` may or may not be doubled.
    if (levels.length < 5 || levels[3] === '#') return undefined;
    return ownerOf(`/${levels.slice(levels[4] === '' ? 5 : 4).join('/')}`);
  }
  search: for (const pattern of OWNER_PATTERNS) {
    if (levels.length <= pattern.length) continue;
    let pk = '';
    let dn = '';
    for (let i = 0; i < pattern.length; i++) {
      const want = pattern[i]!;
      const got = levels[i + 1]!;
      if (want === P || want === D) {
        if (got === '' || isWildcard(got)) continue search;
        if (want === P) pk = got;
        else dn = got;
      } else if (got !== want) continue search;
    }
    return deviceKey(pk, dn);
  }
  return undefined;
}

export type Access = 'up' | 'down' | 'both';

/** A topic as the ACL sees it: its catalogue entry, its owner and which way it may flow. */
export interface TopicAccess {
  readonly name: TopicName;
  readonly owner: string;
  readonly direction: Access;
}

// Topics only the device itself may use, never a gateway on a sub-device's behalf: a
// sub-device has no session, topology or provisioning of its own (seed §9.3, §9.4).
const OWN_ONLY = new Set<string>([
  'combineLogin', 'combineLogout', 'combineBatchLogin', 'combineBatchLogout', 'topoAdd', 'topoDelete', 'topoGet', 'listFound',
  'subRegister', 'proxyProvisioning',
]);

/** The catalogue entry, owner and direction of a concrete topic; undefined for topics the platform does not carry. */
export function topicAccess(topic: string): TopicAccess | undefined {
  if (typeof topic !== 'string') return undefined;
  const parsed = parseTopic(topic);
  if (parsed === undefined) return undefined;
  const spec = parsed.spec;
  if (spec.platform === 'enos' || spec.direction === 'cloud') return undefined;
  const owner = ownerOf(topic);
  if (owner === undefined) return undefined;
  // The fixed-position owner must be the ids the catalogue read: a backtracking parse that put
  // the names elsewhere is not this family.
  if (parsed.name !== 'extRrpc' && owner !== deviceKey(parsed.ids['productKey'] ?? '', parsed.ids['deviceName'] ?? '')) return undefined;
  // User topics are custom topic classes, which may be published and subscribed (seed §3);
  // generic RRPC requests and answers travel on one topic.
  const direction: Access = parsed.name === 'userTopic' || parsed.name === 'extRrpc' ? 'both' : spec.direction === 'up' ? 'up' : 'down';
  return { name: parsed.name, owner, direction };
}

/** Who is asking: the connection's device and, for a gateway, the sub-devices it may act for. */
export interface Principal {
  readonly key: string;
  /** A sub-device key the principal may publish for right now (logged in through it). */
  readonly actsFor: (ownerKey: string) => boolean;
  /** A sub-device key in the principal's topology: its topics may be subscribed before login. */
  readonly manages: (ownerKey: string) => boolean;
}

// Predicates answer false (or undefined) for arguments of the wrong type instead of throwing.
const isPrincipal = (who: unknown): who is Principal =>
  typeof who === 'object' && who !== null && typeof (who as Principal).key === 'string' && typeof (who as Principal).actsFor === 'function' && typeof (who as Principal).manages === 'function';

/** Whether `who` may publish on `topic`; false for arguments of the wrong type. */
export function canPublish(who: Principal, topic: string): boolean {
  if (!isPrincipal(who)) return false;
  const access = topicAccess(topic);
  if (access === undefined || access.direction === 'down') return false;
  if (access.owner === who.key) return true;
  return !OWN_ONLY.has(access.name) && who.actsFor(access.owner);
}

/**
 * Whether `who` may subscribe to `filter`, and the owner its messages belong to. A filter
 * without wildcards must be a downstream topic of the catalogue; one with wildcards must fix
 * the owner positions (upstream messages are never delivered to devices, so `/sys/{pk}/{dn}/#`
 * only ever carries the device's own downstream traffic).
 */
export function subscriptionOwner(who: Principal, filter: string): string | undefined {
  if (!isPrincipal(who)) return undefined;
  const owner = ownerOf(filter);
  if (owner === undefined) return undefined;
  if (!filter.includes('+') && !filter.includes('#')) {
    const access = topicAccess(filter);
    if (access === undefined || access.direction === 'up') return undefined;
  }
  if (owner === who.key || who.manages(owner)) return owner;
  return undefined;
}
