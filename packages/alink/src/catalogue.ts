/**
 * The complete catalogue: every topic a device, gateway or sub-device exchanges with the
 * platform, as data, from all areas (`areas/`): the device's thing model, gateways, OTA and
 * configuration, shadow, registration, EnOS.
 *
 * Templates name their identifiers in braces. `{productKey}` and `{deviceName}` are the
 * device's triple (on EnOS `deviceName` carries the deviceKey: the topics are the same shape);
 * `{name*}` captures the rest of the topic, slashes included. A request that the platform
 * answers has `reply: true`, and its reply topic (`name + 'Reply'`) is the request topic with
 * `_reply` appended, as every seed shows.
 *
 * `@linkwire/alink/core` knows the device's area alone until this module loads (registry.ts).
 * The package's main entry takes its topic functions from here (and its message functions from
 * complete.ts), so that whoever uses one of them — in a bundle too, where unused modules are
 * dropped — has every area.
 */
import type { TopicDef, TopicSpec } from './area.ts';
import { DEVICE_AREA, DEVICE_DEFS } from './areas/device.ts';
import { ENOS_AREA, ENOS_DEFS } from './areas/enos.ts';
import { GATEWAY_AREA, GATEWAY_DEFS } from './areas/gateway.ts';
import { OTA_AREA, OTA_DEFS } from './areas/ota.ts';
import { REGISTRATION_AREA, REGISTRATION_DEFS } from './areas/registration.ts';
import { SHADOW_AREA, SHADOW_DEFS } from './areas/shadow.ts';
import { replyTopicName as knownReplyTopicName, useTopicArea } from './registry.ts';
import { formatTopic as formatKnownTopic, formatTopicFilter as formatKnownTopicFilter, parseTopic as parseKnownTopic } from './topics.ts';
import { replyTracker as knownReplyTracker } from './tracker.ts';

export type { PayloadKind, Platform, TopicDirection, TopicSpec } from './area.ts';

// The names are listed as well as defined in the areas so that the public types are explicit
// (JSR publishes no inferred types); the compiler checks the two agree, reply flag included.
/** Requests the platform (or the device) answers on `{template}_reply`. */
const ANSWERED = [
  'propertyPost', 'propertySet', 'propertyGet', 'eventPost', 'serviceCall', 'rawUp', 'rawDown',
  'propertyPackPost', 'propertyHistoryPost', 'deviceinfoUpdate', 'deviceinfoDelete',
  'dsltemplateGet', 'configGet', 'configPush', 'modelConfigPush', 'otaFirmwareGet', 'topoAdd',
  'topoDelete', 'topoGet', 'topoChange', 'listFound', 'topoAddNotify', 'subRegister',
  'proxyProvisioning', 'thingDisable', 'thingEnable', 'thingDelete', 'combineLogin',
  'combineLogout', 'combineBatchLogin', 'combineBatchLogout', 'measurepointPost',
  'measurepointResume', 'measurepointPostBatch', 'measurepointResumeBatch', 'tagQuery',
  'tagUpdate', 'tagDelete', 'attributeQuery', 'attributeUpdate', 'attributeDelete',
  'measurepointSet', 'measurepointGet', 'deviceRegister', 'combineLoginBatch', 'combineEnable',
  'combineDisable', 'combineDelete', 'activateInfo', 'enosOtaInform', 'enosOtaUpgrade',
  'enosOtaProgress', 'enosOtaGetVersion', 'tslTemplateGet',
] as const;
/** Pushes, replies and documents that have no reply topic of their own. */
const UNANSWERED = [
  'downlinkReplyMessage', 'subDeviceError', 'rrpcRequest', 'rrpcResponse', 'extRrpc', 'ntpRequest',
  'ntpResponse', 'register', 'regnwl', 'otaInform', 'otaUpgrade', 'otaProgress', 'otaRequest',
  'shadowUpdate', 'shadowGet', 'userTopic',
] as const;
type Answered = (typeof ANSWERED)[number];
type Unanswered = (typeof UNANSWERED)[number];

/** The name of a request (or push) topic. */
export type RequestTopicName = Answered | Unanswered;
/** The name of a reply topic: the request's name + `Reply`. */
export type ReplyTopicName = `${Answered}Reply`;
/** Every topic in the catalogue. */
export type TopicName = RequestTopicName | ReplyTopicName;

// Compile-time only: every listed name is defined in exactly the areas' defs, with its reply flag.
type Defs = typeof DEVICE_DEFS & typeof GATEWAY_DEFS & typeof OTA_DEFS & typeof SHADOW_DEFS & typeof REGISTRATION_DEFS & typeof ENOS_DEFS;
type Listed = { readonly [K in Answered]: TopicDef & { readonly reply: true } } & { readonly [K in Unanswered]: TopicDef & { readonly reply: false } };
type Agree<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesAgree: Agree<keyof Defs, RequestTopicName> = true;
const flagsAgree: Defs extends Listed ? true : false = true;
void namesAgree;
void flagsAgree;

const OTHER_AREAS = [GATEWAY_AREA, OTA_AREA, SHADOW_AREA, REGISTRATION_AREA, ENOS_AREA];
for (const area of OTHER_AREAS) useTopicArea(area);

/**
 * The catalogue: topic name → {@link TopicSpec}.
 *
 * @example
 * TOPICS.propertyPostReply.template // '/sys/{productKey}/{deviceName}/thing/event/property/post_reply'
 */
export const TOPICS: Readonly<Record<TopicName, TopicSpec>> = Object.freeze(
  Object.fromEntries([DEVICE_AREA, ...OTHER_AREAS].flatMap((area) => area.specs.map((spec) => [spec.name, spec]))),
) as Readonly<Record<TopicName, TopicSpec>>;

// The topic functions over the complete catalogue (the same functions as the core's; bound
// here so that using one brings the registration above along).

/** The reply topic name of a request topic, or `undefined` if the platform does not answer it. */
export const replyTopicName: typeof knownReplyTopicName = knownReplyTopicName;

/**
 * Recognises a topic: its catalogue name and identifiers, or `undefined` (topics.ts).
 *
 * @example
 * parseTopic('/sys/a1B2c3/lamp/thing/service/Reboot_reply')
 * // { name: 'serviceCallReply', ids: { productKey: 'a1B2c3', deviceName: 'lamp', serviceId: 'Reboot' }, spec }
 */
export const parseTopic: typeof parseKnownTopic = parseKnownTopic;

/**
 * Fills a template with validated identifiers (topics.ts).
 *
 * @example
 * formatTopic('eventPost', { productKey: 'a1B2c3', deviceName: 'lamp', eventId: 'Error' })
 * // '/sys/a1B2c3/lamp/thing/event/Error/post'
 */
export const formatTopic: typeof formatKnownTopic = formatKnownTopic;

/**
 * A subscription filter for a catalogue topic: identifiers given are filled in, the others become `+` (or `#`).
 *
 * @example
 * formatTopicFilter('serviceCall', { productKey: 'pk', deviceName: 'dn' }) // '/sys/pk/dn/thing/service/+'
 */
export const formatTopicFilter: typeof formatKnownTopicFilter = formatKnownTopicFilter;

/** A bounded table of requests awaiting replies, matched by reply topic and id (tracker.ts). */
export const replyTracker: typeof knownReplyTracker = knownReplyTracker;
