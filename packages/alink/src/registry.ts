import type { TopicArea, TopicSpec } from './area.ts';
import { DEVICE_AREA } from './areas/device.ts';
import type { ReplyTopicName, TopicName } from './catalogue.ts';

/**
 * The topics known so far. It starts with the device's own area: that is what
 * `@linkwire/alink/core` knows, so a browser device's first download carries no gateway, OTA,
 * shadow, EnOS or registration topics. The complete catalogue (`catalogue.ts`, which the main
 * entry and the device client's on-demand parts use) adds every other area when it loads; the
 * checks of their messages join the same way (`validate.ts`, `complete.ts`). Areas only ever
 * join, each once; a parse or format knows whatever has joined by then.
 */
const KNOWN: Record<string, TopicSpec> = Object.create(null) as Record<string, TopicSpec>;
const areas = new Set<TopicArea>();
const listeners: ((specs: readonly TopicSpec[]) => void)[] = [];

/** Adds an area's topics (once; a name two areas define is a programming error). */
export function useTopicArea(area: TopicArea): void {
  if (areas.has(area)) return;
  for (const spec of area.specs) if (spec.name in KNOWN) throw new Error(`catalogue: ${spec.name} is defined twice`);
  areas.add(area);
  for (const spec of area.specs) KNOWN[spec.name] = spec;
  for (const l of listeners) l(area.specs);
}

/** Calls `listener` with the specs known now and with every area's specs as it joins (the topic trie). */
export function onTopicsAdded(listener: (specs: readonly TopicSpec[]) => void): void {
  listeners.push(listener);
  listener(Object.values(KNOWN));
}

/** The spec of a known topic name; `undefined` for anything else (never a prototype member). */
export function topicSpec(name: unknown): TopicSpec | undefined {
  return typeof name === 'string' ? KNOWN[name] : undefined;
}

/** The reply topic name of a request topic, or `undefined` if the platform does not answer it. */
export function replyTopicName(name: TopicName): ReplyTopicName | undefined {
  if (typeof name !== 'string') return undefined;
  const r = `${name}Reply`;
  return r in KNOWN ? (r as ReplyTopicName) : undefined;
}

useTopicArea(DEVICE_AREA);
