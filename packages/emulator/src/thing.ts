import { MAX_PROPERTIES, readProperties, validateRequest, type AlinkJson, type TopicName } from '@linkwire/alink';
import { isRecord, utf8Encode } from '@linkwire/base';
import { alinkReplyCode, type TslLookup, type TslResult, type TslValidator } from '@linkwire/tsl';
import type { PlatformContext, RequestResponder } from './context.ts';
import type { DeviceRecord } from './devices.ts';
import { readRequest, replyBytes, type ReadRequest } from './replies.ts';

/**
 * Responders of a device's own thing model (seed §4, §9.5, §9.8, §9.9, §9.11 and
 * PROTOCOL-NOTES): property posts (single, pack, history), events, tags, the TSL template and
 * remote configuration. Posts are checked against the product's TSL model when it has one.
 */

const tslIssueMessage = (r: TslResult): string => r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('; ');

/** Shape issues from alink's validator, as one message, or undefined. */
function shapeProblem(name: TopicName, request: { id: string; method: unknown; params: unknown }): string | undefined {
  const issues = validateRequest(name as never, { id: request.id, method: request.method as string, params: request.params as AlinkJson } as never);
  return issues.length === 0 ? undefined : issues.map((i) => `${i.path} ${i.message}`).join('; ');
}

/** Why a property post's params are refused (without a model, or against one), or undefined. */
function propertyPostProblem(request: ReadRequest, tsl: TslValidator | undefined): { code: number; message: string } | undefined {
  const params = request.params;
  if (!isRecord(params)) return { code: 460, message: 'request parameter error' };
  if (Object.keys(params).length > MAX_PROPERTIES) return { code: 6106, message: 'map size must less than 200' };
  if (tsl !== undefined) {
    const r = tsl.propertyPost(params);
    return r.ok ? undefined : { code: alinkReplyCode(r), message: tslIssueMessage(r) };
  }
  const problem = shapeProblem('propertyPost', request);
  return problem === undefined ? undefined : { code: 460, message: problem };
}

export const propertyPost: RequestResponder = (ctx, up, request, reply) => {
  const problem = propertyPostProblem(request, ctx.products.get(up.owner.productKey)?.tsl);
  if (problem !== undefined) return reply(problem.code, {}, problem.message);
  const now = ctx.now();
  for (const p of readProperties(request.params as never)) up.owner.properties.set(p.id, { value: p.value, time: p.time ?? now });
  reply(200);
};

/**
 * The reply the platform sends on `…/property/post_reply` to a property post payload of a
 * product without a model (seed §9.5): 200 with the id echoed, 6106 over 200 properties, 460
 * for anything malformed (the id salvaged from the text when recognisable).
 */
export function propertyPostReply(payload: Uint8Array): Uint8Array {
  const r = readRequest(payload);
  if (!r.ok) return replyBytes(r.id, 460, {}, 'request parameter error');
  const request = r.request;
  if (request.method !== undefined && request.method !== 'thing.event.property.post') return replyBytes(request.id, 460, {}, 'request parameter error');
  const problem = propertyPostProblem(request, undefined);
  return problem === undefined ? replyBytes(request.id, 200) : replyBytes(request.id, problem.code, {}, problem.message);
}

export const eventPost: RequestResponder = (ctx, up, request, reply) => {
  const tsl = ctx.products.get(up.owner.productKey)?.tsl;
  if (tsl !== undefined) {
    const r = tsl.eventPost(up.ids['eventId']!, request.params);
    if (!r.ok) return reply(alinkReplyCode(r), {}, tslIssueMessage(r));
  } else if (!isRecord(request.params)) return reply(460, {}, 'request parameter error');
  reply(200);
};

export const packPost: RequestResponder = (ctx, up, request, reply) => {
  const p = request.params;
  const subs = isRecord(p) && Array.isArray(p['subDevices']) ? p['subDevices'] : [];
  const problem = foreignIdentity(ctx, up.owner, subs.map((d) => (isRecord(d) ? d['identity'] : undefined)));
  if (problem !== undefined) return reply(problem.code, {}, problem.message);
  multiPost(ctx, up.owner, 'propertyPackPost', request, reply);
};

export const historyPost: RequestResponder = (ctx, up, request, reply) => {
  const list = Array.isArray(request.params) ? request.params : [];
  const problem = foreignIdentity(ctx, up.owner, list.map((d) => (isRecord(d) ? d['identity'] : undefined)));
  if (problem !== undefined) return reply(problem.code, {}, problem.message);
  multiPost(ctx, up.owner, 'propertyHistoryPost', request, reply);
};

/**
 * A multi-device post may speak only for the poster and the sub-devices logged in through it
 * (seed §6: 6401 not in the topology, 520 without a session): the topic ACL, inside the payload.
 */
function foreignIdentity(ctx: PlatformContext, poster: DeviceRecord, identities: unknown[]): { code: number; message: string } | undefined {
  for (const id of identities) {
    if (id === undefined) continue;
    if (!isRecord(id) || typeof id['productKey'] !== 'string' || typeof id['deviceName'] !== 'string') return { code: 460, message: 'identity must name productKey and deviceName' };
    const d = ctx.devices.get(id['productKey'], id['deviceName']);
    if (d === poster) continue;
    if (d === undefined || d.gateway !== poster.key) return { code: 6401, message: 'topo relation not exist' };
    if (!d.online) return { code: 520, message: 'device no session' };
  }
  return undefined;
}

function multiPost(
  ctx: PlatformContext,
  poster: DeviceRecord,
  name: 'propertyPackPost' | 'propertyHistoryPost',
  request: ReadRequest,
  reply: (code: number, data?: unknown, message?: string) => void,
): void {
  const parts = batchParts(name, request.params, poster);
  if (parts.some((x) => ctx.products.get(x.productKey)?.tsl !== undefined)) {
    // Each device a batch names is checked against its own product's model.
    const tsl = ctx.products.batchValidator(poster.productKey);
    const lookup: TslLookup = (pk) => ctx.products.batchValidator(pk);
    const r = name === 'propertyPackPost' ? tsl.propertyPackPost(request.params, lookup) : tsl.propertyHistoryPost(request.params, lookup);
    if (!r.ok) return reply(alinkReplyCode(r), {}, tslIssueMessage(r));
  } else {
    // No model anywhere in the batch: its shape alone, as for a single property post (an empty
    // model would refuse every identifier, where a property post keeps them).
    const problem = shapeProblem(name, request);
    if (problem !== undefined) return reply(460, {}, problem);
    if (parts.reduce((n, x) => n + x.properties.length, 0) > MAX_PROPERTIES) return reply(6106, {}, 'map size must less than 200');
  }
  // The values are kept, per device, as a property post's are; a history entry only when it is
  // newer than what the platform holds.
  const now = ctx.now();
  for (const part of parts) {
    const d = ctx.devices.get(part.productKey, part.deviceName);
    for (const p of part.properties) {
      const held = d?.properties.get(p.id);
      if (name === 'propertyHistoryPost' && held !== undefined && (p.time === undefined || p.time <= held.time)) continue;
      d?.properties.set(p.id, { value: p.value, time: p.time ?? now });
    }
  }
  reply(200);
}

interface BatchPart {
  readonly productKey: string;
  readonly deviceName: string;
  readonly properties: readonly { readonly id: string; readonly value: unknown; readonly time?: number | undefined }[];
}

/**
 * The devices a pack or history post speaks for and their property values: the poster's own
 * part (pack: `properties`), each `subDevices[]` entry (pack) or list entry (history) by its
 * identity; history values are lists, of which the newest entry counts. Lenient: the checks
 * above decide what is accepted.
 */
function batchParts(name: 'propertyPackPost' | 'propertyHistoryPost', params: unknown, poster: DeviceRecord): BatchPart[] {
  const read = (productKey: string, deviceName: string, props: unknown): BatchPart => {
    const properties: BatchPart['properties'][number][] = [];
    if (isRecord(props)) {
      for (const [id, v] of Object.entries(props)) {
        const entries = name === 'propertyHistoryPost' ? (Array.isArray(v) ? v : []) : [v];
        let newest: { id: string; value: unknown; time?: number } | undefined;
        for (const e of entries) {
          const p: { id: string; value: unknown; time?: number } = isRecord(e) && 'value' in e ? { id, value: e['value'], ...(Number.isSafeInteger(e['time']) ? { time: e['time'] as number } : {}) } : { id, value: e };
          if (newest === undefined || (p.time ?? 0) >= (newest.time ?? 0)) newest = p;
        }
        if (newest !== undefined) properties.push(newest);
      }
    }
    return { productKey, deviceName, properties };
  };
  const identityOf = (entry: unknown): { productKey: string; deviceName: string } | undefined => {
    const id = isRecord(entry) ? entry['identity'] : undefined;
    return isRecord(id) && typeof id['productKey'] === 'string' && typeof id['deviceName'] === 'string' ? { productKey: id['productKey'], deviceName: id['deviceName'] } : undefined;
  };
  const parts: BatchPart[] = [];
  const entries = name === 'propertyPackPost' ? (isRecord(params) && Array.isArray(params['subDevices']) ? params['subDevices'] : []) : (Array.isArray(params) ? params : []);
  if (name === 'propertyPackPost') parts.push(read(poster.productKey, poster.deviceName, isRecord(params) ? params['properties'] : undefined));
  for (const e of entries) {
    const who = identityOf(e);
    if (who !== undefined) parts.push(read(who.productKey, who.deviceName, (e as Record<string, unknown>)['properties']));
  }
  return parts;
}

// Seed §9.8: tags are `[{attrKey, attrValue}]` on update, `[{attrKey}]` on delete.
export const tagsUpdate: RequestResponder = (_ctx, up, request, reply) => {
  const problem = shapeProblem('deviceinfoUpdate', request);
  if (problem !== undefined) return reply(460, {}, problem);
  for (const t of request.params as { attrKey: string; attrValue: string }[]) up.owner.tags.set(t.attrKey, t.attrValue);
  reply(200);
};

export const tagsDelete: RequestResponder = (_ctx, up, request, reply) => {
  const problem = shapeProblem('deviceinfoDelete', request);
  if (problem !== undefined) return reply(460, {}, problem);
  for (const t of request.params as { attrKey: string }[]) up.owner.tags.delete(t.attrKey);
  reply(200);
};

// Seed §9.9: the reply's data is the product's TSL document.
export const dslTemplateGet: RequestResponder = (ctx, up, _request, reply) => {
  const doc = ctx.products.get(up.owner.productKey)?.tslDocument;
  if (doc === undefined) return reply(6321, {}, 'tsl: device not exist in product');
  reply(200, doc);
};

// Seed §9.11: the configuration the application set, else 6710 "no data".
export const configGet: RequestResponder = (ctx, up, _request, reply) => {
  const config = ctx.configs.get(up.owner.productKey);
  if (config === undefined) return reply(6710, {}, 'no data');
  reply(200, config);
};

export const firmwareGet: RequestResponder = (ctx, up, request, reply) => {
  const module = isRecord(request.params) && typeof request.params['module'] === 'string' ? request.params['module'] : undefined;
  const offer = ctx.ota.offerFor(up.owner, module);
  if (offer === undefined) return reply(200, {});
  reply(200, offer);
};

/** NTP (PROTOCOL-NOTES): `{deviceSendTime}` in, the three times out on `/ext/ntp/{pk}/{dn}/response`. */
export function ntpResponse(ctx: PlatformContext, productKey: string, deviceName: string, payload: Uint8Array, received: number): void {
  let deviceSendTime: unknown;
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(0, 1024))) as unknown;
    deviceSendTime = isRecord(v) ? v['deviceSendTime'] : undefined;
  } catch {
    deviceSendTime = undefined;
  }
  if (typeof deviceSendTime !== 'string' && typeof deviceSendTime !== 'number') {
    ctx.emit({ type: 'invalid', topic: `/ext/ntp/${productKey}/${deviceName}/request`, reason: 'deviceSendTime is required' });
    return;
  }
  const body = { deviceSendTime: String(deviceSendTime), serverRecvTime: String(received), serverSendTime: String(ctx.now()) };
  ctx.send(`/ext/ntp/${productKey}/${deviceName}/response`, utf8Encode(JSON.stringify(body)));
}
