/**
 * Every topic a device, gateway or sub-device exchanges with the platform, as data.
 *
 * Templates name their identifiers in braces. `{productKey}` and `{deviceName}` are the
 * device's triple (on EnOS `deviceName` carries the deviceKey: the topics are the same shape);
 * `{name*}` captures the rest of the topic, slashes included. A request that the platform
 * answers has `reply: true`, and its reply topic (`name + 'Reply'`) is the request topic with
 * `_reply` appended, as every seed shows.
 */

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

interface Def {
  readonly template: string;
  readonly direction: TopicDirection;
  readonly payload: PayloadKind;
  readonly method?: string;
  readonly platform: Platform;
  readonly reply: boolean;
  readonly signed?: boolean;
  readonly source: string;
}

const SYS = '/sys/{productKey}/{deviceName}';
const SESSION = '/ext/session/{productKey}/{deviceName}';
const G = 'aliyun-iot-platform-device-guide.txt';
const N = 'PROTOCOL-NOTES.md';
const E = 'enos-device-sdk-nodejs-api.txt + PROTOCOL-NOTES.md';

type Opt = { signed?: boolean; reply?: boolean; payload?: PayloadKind };
type Replied<O> = Def & { reply: O extends { reply: false } ? false : true };
const def = <O extends Opt>(direction: TopicDirection, template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  ({ template, direction, payload: o?.payload ?? 'request', method, platform, reply: o?.reply ?? true, signed: o?.signed, source }) as Replied<O>;
const up = <O extends Opt = Opt>(template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  def('up', template, method, platform, source, o);
const down = <O extends Opt = Opt>(template: string, method: string | undefined, platform: Platform, source: string, o?: O): Replied<O> =>
  def('down', template, method, platform, source, o);

// The names are listed as well as defined below so that the public types are explicit (JSR
// publishes no inferred types); the compiler checks the two agree, reply flag included.
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

const DEFS: { readonly [K in Answered]: Def & { readonly reply: true } } & { readonly [K in Unanswered]: Def & { readonly reply: false } } = {
  // Thing model (seed §4, §9.5)
  propertyPost: up(`${SYS}/thing/event/property/post`, 'thing.event.property.post', 'alibaba', `${G} §4, §9.5`),
  propertySet: down(`${SYS}/thing/service/property/set`, 'thing.service.property.set', 'alibaba', `${G} §4, §9.5`),
  propertyGet: down(`${SYS}/thing/service/property/get`, 'thing.service.property.get', 'alibaba', `${G} §4`),
  eventPost: up(`${SYS}/thing/event/{eventId}/post`, 'thing.event.{eventId}.post', 'both', `${G} §4, §9.5; ${E}`),
  serviceCall: down(`${SYS}/thing/service/{serviceId}`, 'thing.service.{serviceId}', 'both', `${G} §4, §9.5; ${E}`),
  rawUp: up(`${SYS}/thing/model/up_raw`, undefined, 'both', `${G} §9.5`, { payload: 'raw' }),
  rawDown: down(`${SYS}/thing/model/down_raw`, undefined, 'both', `${G} §9.5`, { payload: 'raw' }),
  propertyPackPost: up(`${SYS}/thing/event/property/pack/post`, 'thing.event.property.pack.post', 'alibaba', N),
  propertyHistoryPost: up(`${SYS}/thing/event/property/history/post`, 'thing.event.property.history.post', 'alibaba', N),
  deviceinfoUpdate: up(`${SYS}/thing/deviceinfo/update`, 'thing.deviceinfo.update', 'alibaba', `${G} §9.8`),
  deviceinfoDelete: up(`${SYS}/thing/deviceinfo/delete`, 'thing.deviceinfo.delete', 'alibaba', `${G} §9.8`),
  dsltemplateGet: up(`${SYS}/thing/dsltemplate/get`, 'thing.dsltemplate.get', 'alibaba', `${G} §9.9`),
  configGet: up(`${SYS}/thing/config/get`, 'thing.config.get', 'alibaba', `${G} §9.11`),
  configPush: down(`${SYS}/thing/config/push`, 'thing.config.push', 'alibaba', `${G} §9.11`, { signed: true }),
  modelConfigPush: down(`${SYS}/thing/model/config/push`, 'thing.model.config.push', 'alibaba', `${G} §9.6`, { signed: true }),
  otaFirmwareGet: up(`${SYS}/thing/ota/firmware/get`, 'thing.ota.firmware.get', 'alibaba', N),
  // Gateways and sub-devices (seed §9.2, §9.3, §9.4, §9.7)
  topoAdd: up(`${SYS}/thing/topo/add`, 'thing.topo.add', 'both', `${G} §9.3; ${E}`, { signed: true }),
  topoDelete: up(`${SYS}/thing/topo/delete`, 'thing.topo.delete', 'both', `${G} §9.3; ${E}`),
  topoGet: up(`${SYS}/thing/topo/get`, 'thing.topo.get', 'both', `${G} §9.3; ${E}`),
  topoChange: down(`${SYS}/thing/topo/change`, 'thing.topo.change', 'alibaba', N),
  listFound: up(`${SYS}/thing/list/found`, 'thing.list.found', 'alibaba', `${G} §9.3`),
  topoAddNotify: down(`${SYS}/thing/topo/add/notify`, 'thing.topo.add.notify', 'alibaba', `${G} §9.3`),
  subRegister: up(`${SYS}/thing/sub/register`, 'thing.sub.register', 'alibaba', `${G} §9.2`),
  proxyProvisioning: up(`${SYS}/thing/proxy/provisioning/product_register`, 'thing.proxy.provisioning.product_register', 'alibaba', N, { signed: true }),
  thingDisable: down(`${SYS}/thing/disable`, 'thing.disable', 'alibaba', `${G} §9.7`),
  thingEnable: down(`${SYS}/thing/enable`, 'thing.enable', 'alibaba', `${G} §9.7`),
  thingDelete: down(`${SYS}/thing/delete`, 'thing.delete', 'alibaba', `${G} §9.7`),
  downlinkReplyMessage: def('cloud', `${SYS}/thing/downlink/reply/message`, undefined, 'alibaba', `${G} §9.1, §9.5`, { payload: 'reply', reply: false }),
  combineLogin: up(`${SESSION}/combine/login`, 'combine.login', 'both', `${G} §9.4, §6; ${E}`, { signed: true }),
  combineLogout: up(`${SESSION}/combine/logout`, 'combine.logout', 'both', `${G} §9.4, §6; ${E}`),
  combineBatchLogin: up(`${SESSION}/combine/batch_login`, 'combine.batch_login', 'alibaba', N, { signed: true }),
  combineBatchLogout: up(`${SESSION}/combine/batch_logout`, 'combine.batch_logout', 'alibaba', N),
  subDeviceError: down('/ext/error/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §6`, { payload: 'reply', reply: false }),
  // Sync calls, time, registration (seed 002 RRPC; PROTOCOL-NOTES)
  rrpcRequest: down(`${SYS}/rrpc/request/{messageId}`, undefined, 'alibaba', N, { reply: false }),
  rrpcResponse: up(`${SYS}/rrpc/response/{messageId}`, undefined, 'alibaba', N, { payload: 'reply', reply: false }),
  extRrpc: down('/ext/rrpc/{messageId}/{topic*}', undefined, 'alibaba', 'aliyun-linkkit-python-sdk-zh.txt RRPC', { payload: 'raw', reply: false }),
  ntpRequest: up('/ext/ntp/{productKey}/{deviceName}/request', undefined, 'alibaba', N, { payload: 'json', reply: false }),
  ntpResponse: down('/ext/ntp/{productKey}/{deviceName}/response', undefined, 'alibaba', N, { payload: 'json', reply: false }),
  register: down('/ext/register', undefined, 'alibaba', N, { payload: 'json', reply: false }),
  regnwl: down('/ext/regnwl', undefined, 'alibaba', N, { payload: 'json', reply: false }),
  // OTA (seed §5, §9.10)
  otaInform: up('/ota/device/inform/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §5, §9.10`, { reply: false }),
  otaUpgrade: down('/ota/device/upgrade/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §5, §9.10`, { payload: 'json', reply: false, signed: true }),
  otaProgress: up('/ota/device/progress/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §5, §9.10`, { reply: false }),
  otaRequest: up('/ota/device/request/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §9.10`, { reply: false }),
  // Shadow (seed §7): the documents are @linkwire/shadow's; here only the topics
  shadowUpdate: up('/shadow/update/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §7.2`, { payload: 'json', reply: false }),
  shadowGet: down('/shadow/get/{productKey}/{deviceName}', undefined, 'alibaba', `${G} §7.2`, { payload: 'json', reply: false }),
  // User topics (seed §3, Python SDK "自定义MQTT Topic通信")
  userTopic: up('/{productKey}/{deviceName}/user/{path*}', undefined, 'alibaba', 'aliyun-linkkit-python-sdk-zh.txt', { payload: 'raw', reply: false }),
  // EnOS
  measurepointPost: up(`${SYS}/thing/measurepoint/post`, 'thing.measurepoint.post', 'enos', E),
  measurepointResume: up(`${SYS}/thing/measurepoint/resume`, 'thing.measurepoint.resume', 'enos', E),
  measurepointPostBatch: up(`${SYS}/thing/measurepoint/post/batch`, 'thing.measurepoint.post.batch', 'enos', E),
  measurepointResumeBatch: up(`${SYS}/thing/measurepoint/resume/batch`, 'thing.measurepoint.resume.batch', 'enos', E),
  tagQuery: up(`${SYS}/thing/tag/query`, 'thing.tag.query', 'enos', E),
  tagUpdate: up(`${SYS}/thing/tag/update`, 'thing.tag.update', 'enos', E),
  tagDelete: up(`${SYS}/thing/tag/delete`, 'thing.tag.delete', 'enos', E),
  attributeQuery: up(`${SYS}/thing/attribute/query`, 'thing.attribute.query', 'enos', E),
  attributeUpdate: up(`${SYS}/thing/attribute/update`, 'thing.attribute.update', 'enos', E),
  attributeDelete: up(`${SYS}/thing/attribute/delete`, 'thing.attribute.delete', 'enos', E),
  measurepointSet: down(`${SYS}/thing/service/measurepoint/set`, 'thing.service.measurepoint.set', 'enos', E),
  measurepointGet: down(`${SYS}/thing/service/measurepoint/get`, 'thing.service.measurepoint.get', 'enos', E),
  deviceRegister: up(`${SYS}/thing/device/register`, 'thing.device.register', 'enos', E),
  combineLoginBatch: up(`${SESSION}/combine/login/batch`, 'combine.login.batch', 'enos', E, { signed: true }),
  combineEnable: down(`${SESSION}/combine/enable`, undefined, 'enos', E),
  combineDisable: down(`${SESSION}/combine/disable`, undefined, 'enos', E),
  combineDelete: down(`${SESSION}/combine/delete`, undefined, 'enos', E),
  activateInfo: down(`${SESSION}/thing/activate/info`, 'thing.activate.info', 'enos', N),
  enosOtaInform: up(`${SYS}/ota/device/inform`, 'ota.device.inform', 'enos', N),
  enosOtaUpgrade: down(`${SYS}/ota/device/upgrade`, 'ota.device.upgrade', 'enos', N, { signed: true }),
  enosOtaProgress: up(`${SYS}/ota/device/progress`, 'ota.device.progress', 'enos', N),
  enosOtaGetVersion: up(`${SYS}/ota/device/getversion`, 'ota.device.getversion', 'enos', N),
  tslTemplateGet: up(`${SYS}/thing/tsltemplate/get`, 'thing.tsltemplate.get', 'enos', N),
};

/** The name of a request (or push) topic. */
export type RequestTopicName = Answered | Unanswered;
/** The name of a reply topic: the request's name + `Reply`. */
export type ReplyTopicName = `${Answered}Reply`;
/** Every topic in the catalogue. */
export type TopicName = RequestTopicName | ReplyTopicName;

function build(): Readonly<Record<TopicName, TopicSpec>> {
  const out: Record<string, TopicSpec> = Object.create(null) as Record<string, TopicSpec>;
  const spec = (s: { -readonly [K in keyof TopicSpec]: TopicSpec[K] | undefined }): TopicSpec => {
    for (const k of Object.keys(s) as (keyof TopicSpec)[]) if (s[k] === undefined) delete s[k];
    return Object.freeze(s as TopicSpec);
  };
  for (const [name, d] of Object.entries(DEFS) as [string, Def][]) {
    out[name] = spec({ name, template: d.template, direction: d.direction, payload: d.payload, method: d.method, platform: d.platform, signed: d.signed, replyTo: undefined, source: d.source });
    if (d.reply) {
      out[`${name}Reply`] = spec({
        name: `${name}Reply`,
        template: `${d.template}_reply`,
        direction: d.direction === 'up' ? 'down' : 'up',
        payload: d.payload === 'raw' ? 'raw' : 'reply',
        method: undefined,
        platform: d.platform,
        signed: d.signed,
        replyTo: name,
        source: d.source,
      });
    }
  }
  return Object.freeze(out) as Readonly<Record<TopicName, TopicSpec>>;
}

/**
 * The catalogue: topic name → {@link TopicSpec}.
 *
 * @example
 * TOPICS.propertyPostReply.template // '/sys/{productKey}/{deviceName}/thing/event/property/post_reply'
 */
export const TOPICS: Readonly<Record<TopicName, TopicSpec>> = build();

/** The reply topic name of a request topic, or `undefined` if the platform does not answer it. */
export function replyTopicName(name: TopicName): ReplyTopicName | undefined {
  if (typeof name !== 'string') return undefined;
  const r = `${name}Reply`;
  return r in TOPICS ? (r as ReplyTopicName) : undefined;
}
