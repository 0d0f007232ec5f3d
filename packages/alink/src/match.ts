import { describe } from '@linkwire/base';
import { AlinkError } from './errors.ts';

/**
 * Why a string is not a valid MQTT topic filter (MQTT 3.1.1 §4.7), or `undefined`. `#` must be
 * the last level and alone in it, `+` alone in its level; empty filters and NUL are invalid.
 */
export function topicFilterProblem(filter: string): string | undefined {
  if (typeof filter !== 'string' || filter.length === 0) return 'is empty';
  const n = filter.length;
  for (let i = 0; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c === 0) return 'contains NUL';
    if (c === 43 || c === 35) {
      if (i > 0 && filter.charCodeAt(i - 1) !== 47) return `has "${filter[i]}" inside a level`;
      if (i + 1 < n && filter.charCodeAt(i + 1) !== 47) return `has "${filter[i]}" inside a level`;
      if (c === 35 && i !== n - 1) return 'has "#" before the last level';
    }
  }
  return undefined;
}

/** Why a string is not a valid MQTT topic name (no wildcards, no NUL, not empty), or `undefined`. */
export function topicNameProblem(topic: string): string | undefined {
  if (typeof topic !== 'string' || topic.length === 0) return 'is empty';
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0) return 'contains NUL';
    if (c === 43 || c === 35) return `contains the wildcard "${topic[i]}"`;
  }
  return undefined;
}

/**
 * Whether a subscription filter matches a topic name, exactly as an MQTT 3.1.1 broker decides:
 * `+` matches one level (also an empty one), `#` the parent level and everything below it, and
 * a filter that starts with a wildcard never matches a topic that starts with `$`. An invalid
 * filter or topic name is an `AlinkError` (`invalid_topic_filter`, `invalid_topic`).
 *
 * @example
 * matchTopic('/sys/+/+/thing/service/#', '/sys/pk/dn/thing/service/property/set') // true
 * matchTopic('#', '$SYS/broker/uptime') // false
 */
export function matchTopic(filter: string, topic: string): boolean {
  const fp = topicFilterProblem(filter);
  if (fp !== undefined) throw new AlinkError('invalid_topic_filter', `topic filter ${describe(filter)} ${fp}`);
  const tp = topicNameProblem(topic);
  if (tp !== undefined) throw new AlinkError('invalid_topic', `topic ${describe(topic)} ${tp}`);
  const f0 = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === 36 && (f0 === 43 || f0 === 35)) return false;
  let f = 0;
  let t = 0;
  const fn = filter.length;
  const tn = topic.length;
  for (;;) {
    // f and t are at the start of a level in each string.
    const fc = filter.charCodeAt(f);
    if (fc === 35) return true;
    let tEnd = topic.indexOf('/', t);
    if (tEnd === -1) tEnd = tn;
    let fEnd = filter.indexOf('/', f);
    if (fEnd === -1) fEnd = fn;
    if (fc !== 43) {
      if (fEnd - f !== tEnd - t || !filter.startsWith(topic.slice(t, tEnd), f)) return false;
    }
    const fLast = fEnd === fn;
    const tLast = tEnd === tn;
    if (tLast) {
      // "a/#" also matches "a": the filter may end with one more level that is "#".
      return fLast || (fEnd + 2 === fn && filter.charCodeAt(fEnd + 1) === 35);
    }
    if (fLast) return false;
    f = fEnd + 1;
    t = tEnd + 1;
  }
}
