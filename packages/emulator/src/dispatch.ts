import { expectedMethod, parseTopic, type TopicName } from '@linkwire/alink';
import { utf8Decode } from '@linkwire/base';
import type { PlatformContext, RequestResponder, Upstream } from './context.ts';
import type { DeviceRecord } from './devices.ts';
import type { FaultAction, FaultTable } from './faults.ts';
import * as gateway from './gateway.ts';
import { readRequest, replyBytes } from './replies.ts';
import type { ShadowOutput } from './shadow.ts';
import * as thing from './thing.ts';

/** The responder of each upstream request topic that the platform answers on `{topic}_reply`. */
const REQUESTS: Partial<Record<TopicName, RequestResponder>> = {
  propertyPost: thing.propertyPost,
  eventPost: thing.eventPost,
  propertyPackPost: thing.packPost,
  propertyHistoryPost: thing.historyPost,
  deviceinfoUpdate: thing.tagsUpdate,
  deviceinfoDelete: thing.tagsDelete,
  dsltemplateGet: thing.dslTemplateGet,
  configGet: thing.configGet,
  otaFirmwareGet: thing.firmwareGet,
  topoAdd: gateway.topoAdd,
  topoDelete: gateway.topoDelete,
  topoGet: gateway.topoGet,
  listFound: gateway.listFound,
  subRegister: gateway.subRegister,
  proxyProvisioning: gateway.proxyProvisioning,
  combineLogin: gateway.combineLogin,
  combineLogout: gateway.combineLogout,
  combineBatchLogin: gateway.combineBatchLogin,
  combineBatchLogout: gateway.combineBatchLogout,
};

/** Replies the devices send to the platform's commands: they settle the pending command. */
const COMMAND_REPLIES = new Set<string>([
  'propertySetReply', 'propertyGetReply', 'serviceCallReply', 'rawDownReply', 'configPushReply', 'modelConfigPushReply',
  'thingDisableReply', 'thingEnableReply', 'thingDeleteReply', 'topoChangeReply', 'topoAddNotifyReply', 'rrpcResponse', 'extRrpc',
]);

export interface DispatchHooks {
  /** Every upstream message, for observers (`onEvent` `request`). */
  readonly observe: (up: Upstream) => void;
  /** Raw uplink (`thing/model/up_raw`): the product's answer on `up_raw_reply`, if any. */
  readonly rawReply?: (device: { productKey: string; deviceName: string }, payload: Uint8Array) => Uint8Array | undefined;
  /** Faults the application injected (`emulator.faults`): looked at for every request the platform answers. */
  readonly faults?: FaultTable;
  /** A fault changed how a request is answered (`onEvent` `fault`). */
  readonly onFault?: (fault: FaultAction, up: Upstream) => void;
  /** Runs `fn` after `ms` (a delayed reply), on a timer the emulator cancels when it closes. */
  readonly later?: (ms: number, fn: () => void) => void;
}

/**
 * Handles one message a device published (over MQTT, HTTPS or CoAP), already authorised:
 * answers requests, records what the platform keeps, settles the commands it answers, and
 * delivers user-topic messages to their subscribers. Synchronous: the reply is on its way
 * before the PUBACK of the request.
 */
export function dispatchUpstream(platform: PlatformContext, hooks: DispatchHooks, from: DeviceRecord, topic: string, payload: Uint8Array): void {
  const parsed = parseTopic(topic);
  if (parsed === undefined) return;
  let ctx = platform;
  const owner = parsed.name === 'extRrpc' ? from : ownerRecord(ctx, parsed.ids) ?? from;
  const up: Upstream = { from, owner, topic, name: parsed.name, ids: parsed.ids, payload };
  hooks.observe(up);
  const received = ctx.now();
  // Faults are looked at only while there are any: the common path pays one comparison.
  const answer = hooks.faults !== undefined && hooks.faults.size > 0 ? answerTopic(parsed.name, topic, owner) : undefined;
  if (answer !== undefined && hooks.faults !== undefined) {
    const method = REQUESTS[parsed.name] === undefined ? undefined : expectedMethod(parsed.spec, parsed.ids);
    const fault = hooks.faults.match({ productKey: owner.productKey, deviceName: owner.deviceName, topic, method });
    if (fault !== undefined) {
      hooks.onFault?.(fault, up);
      const faulted = applyFault(ctx, hooks, fault, answer, payload);
      if (faulted === undefined) return;
      ctx = faulted;
    }
  }

  const responder = REQUESTS[parsed.name];
  if (responder !== undefined) {
    const r = readRequest(payload);
    const replyTopic = `${topic}_reply`;
    if (!r.ok) {
      ctx.send(replyTopic, replyBytes(r.id, 460, {}, 'request parameter error'));
      return;
    }
    const request = r.request;
    const reply = (code: number, data: unknown = {}, message?: string): void => {
      if (request.noReply) return;
      ctx.send(replyTopic, replyBytes(request.id, code, data, code === 200 ? message : message ?? 'request parameter error'));
    };
    const method = expectedMethod(parsed.spec, parsed.ids);
    // A request whose method is not its topic's (seed §9.1: the method names the topic's operation).
    if (method !== undefined && request.method !== undefined && request.method !== method) return reply(460, {}, `method must be ${method}`);
    responder(ctx, up, request, reply);
    return;
  }
  if (COMMAND_REPLIES.has(parsed.name)) {
    let id: string | undefined;
    if (parsed.name !== 'extRrpc' && parsed.name !== 'rawDownReply') {
      const r = readRequest(payload);
      id = r.ok ? r.request.id : r.id;
    }
    // Raw answers (`/ext/rrpc/{id}/{topic}`, `down_raw_reply`) carry no id of their own: the
    // topic's message id, or the one raw command pending on the topic, settles them.
    ctx.pending.settle(topic, parsed.name === 'extRrpc' ? parsed.ids['messageId'] : id, payload);
    return;
  }
  switch (parsed.name) {
    case 'shadowUpdate': {
      const publish = (out: ShadowOutput): void => {
        ctx.send(`/shadow/get/${owner.productKey}/${owner.deviceName}`, out.reply);
        if (out.control !== undefined) ctx.send(`/shadow/get/${owner.productKey}/${owner.deviceName}`, out.control);
      };
      if (ctx.sharedShadow === undefined) return publish(ctx.shadows.apply(owner.productKey, owner.deviceName, payload, received));
      // Cluster mode: ordered through Redis; the payload is a view into the received chunk.
      ctx.sharedShadow(owner.productKey, owner.deviceName, payload.slice(), received).then(publish, (e: Error) => ctx.emit({ type: 'invalid', topic, reason: e.message }));
      return;
    }
    case 'ntpRequest':
      return thing.ntpResponse(ctx, owner.productKey, owner.deviceName, payload, received);
    case 'otaInform':
    case 'otaRequest': {
      const problem = ctx.ota.onInform(owner, payload);
      if (problem !== undefined) ctx.emit({ type: 'invalid', topic, reason: problem });
      return;
    }
    case 'otaProgress': {
      const problem = ctx.ota.onProgress(owner, payload);
      if (problem !== undefined) ctx.emit({ type: 'invalid', topic, reason: problem });
      return;
    }
    case 'rawUp': {
      const answer = hooks.rawReply?.(owner, payload);
      if (answer !== undefined) ctx.send(`${topic}_reply`, answer);
      return;
    }
    case 'userTopic':
      // A custom topic class with publish and subscribe permission: its subscribers get it.
      ctx.broker.deliver(topic, payload.slice(), 1);
      return;
    default:
      return;
  }
}

/** Where the platform answers an upstream message it answers (requests, NTP, raw, shadow); undefined for the rest. */
function answerTopic(name: TopicName, topic: string, owner: DeviceRecord): string | undefined {
  if (REQUESTS[name] !== undefined || name === 'rawUp') return `${topic}_reply`;
  if (name === 'ntpRequest') return `/ext/ntp/${owner.productKey}/${owner.deviceName}/response`;
  if (name === 'shadowUpdate') return `/shadow/get/${owner.productKey}/${owner.deviceName}`;
  return undefined;
}

/**
 * A fault's effect on one request: silence and a chosen reply take the request's place (it is not
 * processed: undefined is returned); a delay or another topic changes only how the platform's own
 * answer leaves, through a context whose `send` reroutes what goes to the answer topic.
 */
function applyFault(ctx: PlatformContext, hooks: DispatchHooks, fault: FaultAction, answer: string, payload: Uint8Array): PlatformContext | undefined {
  const deliver = (topic: string, bytes: Uint8Array, delayMs: number): void => {
    if (delayMs > 0 && hooks.later !== undefined) hooks.later(delayMs, () => void ctx.send(topic, bytes));
    else ctx.send(topic, bytes);
  };
  switch (fault.kind) {
    case 'silent':
      return undefined;
    case 'reply': {
      const r = readRequest(payload);
      if (r.ok && r.request.noReply) return undefined;
      deliver(fault.topic ?? answer, replyBytes(r.ok ? r.request.id : r.id, fault.code, fault.data, fault.message), fault.delayMs);
      return undefined;
    }
    case 'reroute': {
      const rerouted: PlatformContext = Object.create(ctx, {
        send: { value: (topic: string, bytes: Uint8Array): number => (topic === answer ? (deliver(fault.topic ?? answer, bytes, fault.delayMs), 1) : ctx.send(topic, bytes)) },
      });
      return rerouted;
    }
  }
}

function ownerRecord(ctx: PlatformContext, ids: Readonly<Record<string, string>>): DeviceRecord | undefined {
  const pk = ids['productKey'];
  const dn = ids['deviceName'];
  return pk === undefined || dn === undefined ? undefined : ctx.devices.get(pk, dn);
}

/** Text of a payload for events: the UTF-8 text, or `<n bytes>` when it is not UTF-8. */
export function payloadText(payload: Uint8Array): string {
  try {
    return utf8Decode(payload);
  } catch {
    return `<${payload.length} bytes>`;
  }
}
