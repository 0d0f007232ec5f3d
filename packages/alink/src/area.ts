import type { Check, RequestCheck } from './schema.ts';

/** Who publishes: `up` the device (or gateway), `down` the platform, `cloud` only platform-side rules see it. */
export type TopicDirection = 'up' | 'down' | 'cloud';
/** What the payload is: an Alink request, an Alink reply, raw bytes, or another JSON document. */
export type PayloadKind = 'request' | 'reply' | 'raw' | 'json';
export type Platform = 'alibaba' | 'enos' | 'both';

export interface TopicSpec {
  readonly name: string;
  readonly template: string;
  readonly direction: TopicDirection;
  readonly payload: PayloadKind;
  /** The `method` a request on this topic carries; `{id}` parts come from the topic. */
  readonly method?: string;
  readonly platform: Platform;
  /** The payload carries a signature or a digest: duplicate JSON keys are rejected. */
  readonly signed?: boolean;
  /** For a reply topic: the request topic it answers. */
  readonly replyTo?: string;
  /** Where the topic is specified. */
  readonly source: string;
}

/**
 * One area of the catalogue (the device's thing model, gateways, OTA, shadow, EnOS,
 * registration): its topics. The areas are files of their own so that a bundle can carry the
 * device's area alone and load the rest with the parts that use them (`registry.ts`); the
 * checks of their messages are files of their own too (`*-checks.ts`), so that formatting or
 * parsing topics does not bring the validators along.
 */
export interface TopicArea {
  /** Request and push topics, each followed by its reply topic when the platform answers it. */
  readonly specs: readonly TopicSpec[];
}

/** The shape checks of an area's messages, by topic name (`validate.ts`). */
export interface AreaChecks {
  /** Params checks of requests and pushes; a topic not listed accepts any params. */
  readonly requests?: Readonly<Record<string, RequestCheck>>;
  /** Data checks of successful replies (code 200), by reply topic name. */
  readonly replies?: Readonly<Record<string, Check>>;
  /** Checks of JSON documents on topics that carry no Alink envelope. */
  readonly documents?: Readonly<Record<string, Check>>;
}

/** A topic as an area lists it; `reply` says whether the platform (or device) answers on `{template}_reply`. */
export interface TopicDef {
  readonly template: string;
  readonly direction: TopicDirection;
  readonly payload: PayloadKind;
  readonly method?: string;
  readonly platform: Platform;
  readonly reply: boolean;
  readonly signed?: boolean;
  readonly source: string;
}

export const SYS = '/sys/{productKey}/{deviceName}';
export const SESSION = '/ext/session/{productKey}/{deviceName}';
/** Where topics are specified: the device guide, the protocol notes, the EnOS SDK (seeds). */
export const GUIDE = 'aliyun-iot-platform-device-guide.txt';
export const NOTES = 'PROTOCOL-NOTES.md';
export const ENOS = 'enos-device-sdk-nodejs-api.txt + PROTOCOL-NOTES.md';

type Options = { signed?: boolean; reply?: boolean; payload?: PayloadKind };
/** The def's `reply` flag as a type, so that the catalogue's name lists are checked against the areas. */
export type Replied<O> = TopicDef & { reply: O extends { reply: false } ? false : true };

export const def = <O extends Options>(direction: TopicDirection, template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  ({ template, direction, payload: o?.payload ?? 'request', method, platform, reply: o?.reply ?? true, signed: o?.signed, source }) as Replied<O>;
export const up = <O extends Options = Options>(template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  def('up', template, method, platform, source, o);
export const down = <O extends Options = Options>(template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  def('down', template, method, platform, source, o);

/** Builds an area: each def becomes a frozen spec, and a replied def also its reply topic (`name + 'Reply'`). */
export function topicArea(defs: Readonly<Record<string, TopicDef>>): TopicArea {
  const specs: TopicSpec[] = [];
  const spec = (s: { -readonly [K in keyof TopicSpec]: TopicSpec[K] | undefined }): TopicSpec => {
    for (const k of Object.keys(s) as (keyof TopicSpec)[]) if (s[k] === undefined) delete s[k];
    return Object.freeze(s as TopicSpec);
  };
  for (const [name, d] of Object.entries(defs)) {
    specs.push(spec({ name, template: d.template, direction: d.direction, payload: d.payload, method: d.method, platform: d.platform, signed: d.signed, replyTo: undefined, source: d.source }));
    if (d.reply) {
      specs.push(spec({
        name: `${name}Reply`,
        template: `${d.template}_reply`,
        direction: d.direction === 'up' ? 'down' : 'up',
        payload: d.payload === 'raw' ? 'raw' : 'reply',
        method: undefined,
        platform: d.platform,
        signed: d.signed,
        replyTo: name,
        source: d.source,
      }));
    }
  }
  return { specs };
}
