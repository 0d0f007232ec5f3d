import { describe } from '@linkwire/base';
import { MqttError } from './errors.ts';

/** Topic names (PUBLISH) are non-empty and carry no wildcard (§4.7.1.1, §4.7.3). */
export function checkTopicName(topic: string, what = 'topic'): void {
  if (typeof what !== 'string') what = 'topic';
  if (typeof topic !== 'string' || topic.length === 0) throw new MqttError('invalid_topic', `${what} must be a non-empty string`);
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x23 || c === 0x2b) throw new MqttError('invalid_topic', `${what} ${describe(topic)} must not contain + or #`);
  }
}

/** True when `filter` is a valid topic filter: `+` fills a whole level, `#` only ends it (§4.7.1). */
export function isValidTopicFilter(filter: string): boolean {
  if (typeof filter !== 'string' || filter.length === 0) return false;
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charCodeAt(i);
    if (c === 0x2b || c === 0x23) {
      if (i > 0 && filter.charCodeAt(i - 1) !== 0x2f) return false;
      if (c === 0x23 && i !== filter.length - 1) return false;
      if (c === 0x2b && i + 1 < filter.length && filter.charCodeAt(i + 1) !== 0x2f) return false;
    }
  }
  return true;
}

export function checkTopicFilter(filter: string, what = 'topic filter'): void {
  if (typeof what !== 'string') what = 'topic filter';
  if (!isValidTopicFilter(filter)) throw new MqttError('invalid_topic_filter', `${what} ${describe(filter)} is not a valid MQTT topic filter`);
}

/**
 * Whether `topic` matches `filter` under MQTT 3.1.1 rules, including the two edge cases
 * clients get wrong: `#` also matches the parent level (`a/#` matches `a`), and wildcards at
 * the first level never match topics that start with `$` (§4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (typeof filter !== 'string' || typeof topic !== 'string') return false;
  if (topic.charCodeAt(0) === 0x24 && (filter.charCodeAt(0) === 0x2b || filter.charCodeAt(0) === 0x23)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = indexOrEnd(filter, f);
    const level = filter.slice(f, fEnd);
    if (level === '#') return true;
    const tEnd = t <= topic.length ? indexOrEnd(topic, t) : -1;
    if (tEnd < 0) return false;
    if (level !== '+' && level !== topic.slice(t, tEnd)) return false;
    const fDone = fEnd === filter.length;
    const tDone = tEnd === topic.length;
    if (fDone || tDone) {
      if (fDone && tDone) return true;
      // "a/#" matches "a": the filter has exactly one more level and it is "#".
      return tDone && filter.slice(fEnd + 1) === '#';
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

function indexOrEnd(s: string, from: number): number {
  const i = s.indexOf('/', from);
  return i < 0 ? s.length : i;
}
