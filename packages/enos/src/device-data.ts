import type { TopicName } from '@linkwire/alink';
import type { TslResult } from '@linkwire/tsl';
import type { CommonParams, DeviceClient, Replied, UpstreamResponse } from './client.ts';
import { EnosError } from './errors.ts';

type Points = { readonly [id: string]: unknown };

function check(result: TslResult | undefined, what: string): void {
  if (result === undefined || result.ok) return;
  const issues = result.issues.filter((i) => i.severity === 'error');
  const e = new EnosError('model_invalid', `${what} does not match the thing model: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  Object.defineProperty(e, 'issues', { value: issues, enumerable: true });
  throw e;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnosError('invalid_option', `${field} must be an object`);
  return value as Record<string, unknown>;
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new EnosError('invalid_option', `${field} must be a list of strings`);
  return value as string[];
}

/**
 * The seed's `client.deviceData`: the device (or, with `deviceInfo`, a sub-device) reports data.
 * Each method takes the seed's argument object and common parameters (`deviceInfo`, `qos`,
 * `needReply`) and resolves with the platform's `UpstreamResponse` (a code other than 200
 * resolves too, as in the seed; only no reply, a closed client or bad arguments reject).
 */
export class DeviceData {
  readonly #client: DeviceClient;

  constructor(client: DeviceClient) {
    this.#client = client;
  }

  #send(name: TopicName, o: CommonParams, params: unknown, validate?: (v: NonNullable<ReturnType<DeviceClient['validator']>>) => TslResult, extra?: Record<string, boolean>): Promise<UpstreamResponse | undefined> {
    const ids = this.#client.idsOf(o.deviceInfo);
    const model = validate === undefined ? undefined : this.#client.validator(ids);
    if (model !== undefined) check(validate!(model), name);
    return this.#client.request(name, ids, params, o, extra);
  }

  /** `thing.tag.query` `{tags: [keys]}`; data `{key: value}`. */
  async queryTag<P extends CommonParams & { readonly tagKeys?: readonly string[] }>(queryParams?: P): Promise<Replied<P, Record<string, string>>> {
    const o = queryParams ?? ({} as P);
    return this.#send('tagQuery', o, { tags: strings(o.tagKeys, 'tagKeys') }) as Promise<Replied<P, Record<string, string>>>;
  }

  /** `thing.tag.update` `[{tagKey, tagValue}]`. */
  async updateTag<P extends CommonParams & { readonly tags: readonly { readonly tagKey: string; readonly tagValue: string }[] }>(updateParams: P): Promise<Replied<P, unknown>> {
    const tags = updateParams?.tags;
    if (!Array.isArray(tags) || tags.some((t) => typeof t?.tagKey !== 'string' || typeof t?.tagValue !== 'string')) throw new EnosError('invalid_option', 'tags must be a list of {tagKey, tagValue} strings');
    return this.#send('tagUpdate', updateParams, tags.map((t) => ({ tagKey: t.tagKey, tagValue: t.tagValue }))) as Promise<Replied<P, unknown>>;
  }

  /** `thing.tag.delete` `{tags: [keys]}`. */
  async deleteTag<P extends CommonParams & { readonly tagKeys: readonly string[] }>(deleteParams: P): Promise<Replied<P, unknown>> {
    return this.#send('tagDelete', deleteParams, { tags: strings(deleteParams?.tagKeys, 'tagKeys') }) as Promise<Replied<P, unknown>>;
  }

  /** `thing.attribute.query` `{attributes: [ids]}` (empty: all); data `{id: value}`. */
  async queryAttribute<P extends CommonParams & { readonly attributeIds?: readonly string[] }>(queryParams?: P): Promise<Replied<P, Record<string, unknown>>> {
    const o = queryParams ?? ({} as P);
    const params = { attributes: strings(o.attributeIds, 'attributeIds') };
    return this.#send('attributeQuery', o, params, (m) => m.attributeQuery(params)) as Promise<Replied<P, Record<string, unknown>>>;
  }

  /** `thing.attribute.update` `{attributes: {id: value}}`. */
  async updateAttribute<P extends CommonParams & { readonly attributeMap: Points }>(updateParams: P): Promise<Replied<P, unknown>> {
    const params = { attributes: object(updateParams?.attributeMap, 'attributeMap') };
    return this.#send('attributeUpdate', updateParams, params, (m) => m.attributeUpdate(params)) as Promise<Replied<P, unknown>>;
  }

  /** `thing.attribute.delete` `{attributes: [ids]}`. */
  async deleteAttribute<P extends CommonParams & { readonly attributeIds: readonly string[] }>(deleteParams: P): Promise<Replied<P, unknown>> {
    const params = { attributes: strings(deleteParams?.attributeIds, 'attributeIds') };
    return this.#send('attributeDelete', deleteParams, params, (m) => m.attributeDelete(params)) as Promise<Replied<P, unknown>>;
  }

  /** `thing.measurepoint.post` `{measurepoints, time?}`. */
  async postMeasurepoint<P extends CommonParams & { readonly point: { readonly measurepoints: Points; readonly time?: number } }>(postParams: P): Promise<Replied<P, unknown>> {
    return this.#point('measurepointPost', postParams) as Promise<Replied<P, unknown>>;
  }

  /** `thing.measurepoint.resume`: offline data, same shape as postMeasurepoint. */
  async resumeMeasurepoint<P extends CommonParams & { readonly point: { readonly measurepoints: Points; readonly time?: number } }>(resumeParams: P): Promise<Replied<P, unknown>> {
    return this.#point('measurepointResume', resumeParams) as Promise<Replied<P, unknown>>;
  }

  #point(name: 'measurepointPost' | 'measurepointResume', o: CommonParams & { readonly point: { readonly measurepoints: Points; readonly time?: number } }): Promise<UpstreamResponse | undefined> {
    const point = object(o?.point, 'point');
    const params: Record<string, unknown> = { measurepoints: object(point['measurepoints'], 'point.measurepoints') };
    if (point['time'] !== undefined) params['time'] = point['time'];
    return this.#send(name, o, params, (m) => m.measurepointPost(params));
  }

  /** `thing.measurepoint.post.batch`: points of this device and its sub-devices, with `allowOfflineSubDevice` / `skipInvalidMeasurepoints`. */
  async batchPostMeasurepoint<P extends BatchParams>(postParams: P): Promise<Replied<P, unknown>> {
    return this.#batch('measurepointPostBatch', postParams) as Promise<Replied<P, unknown>>;
  }

  /** `thing.measurepoint.resume.batch`: the offline form of batchPostMeasurepoint. */
  async batchResumeMeasurepoint<P extends BatchParams>(resumeParams: P): Promise<Replied<P, unknown>> {
    return this.#batch('measurepointResumeBatch', resumeParams) as Promise<Replied<P, unknown>>;
  }

  #batch(name: 'measurepointPostBatch' | 'measurepointResumeBatch', o: BatchParams): Promise<UpstreamResponse | undefined> {
    if (!Array.isArray(o?.points) || o.points.length === 0) throw new EnosError('invalid_option', 'points must be a non-empty list');
    const params = o.points.map((p, i) => {
      const point = object(p, `points[${i}]`);
      const out: Record<string, unknown> = {};
      if (point['productKey'] !== undefined) out['productKey'] = point['productKey'];
      if (point['deviceKey'] !== undefined) out['deviceKey'] = point['deviceKey'];
      out['measurepoints'] = object(point['measurepoints'], `points[${i}].measurepoints`);
      if (point['time'] !== undefined) out['time'] = point['time'];
      return out;
    });
    const extra: Record<string, boolean> = {};
    if (o.allowOfflineSubDevice !== undefined) extra['allowOfflineSubDevice'] = o.allowOfflineSubDevice === true;
    if (o.skipInvalidMeasurepoints !== undefined) extra['skipInvalidMeasurepoints'] = o.skipInvalidMeasurepoints === true;
    const client = this.#client;
    const ids = client.idsOf(o.deviceInfo);
    const own = client.validator(ids);
    const lookup = (pk: string, dk: string) => (pk === ids.productKey && (dk === '' || dk === ids.deviceName) ? own : client.validator({ productKey: pk, deviceName: dk }));
    return this.#send(name, o, params, (m) => m.measurepointPostBatch(params, lookup, { params, ...extra }), extra);
  }

  /** `thing.event.{eventName}.post` `{events: eventParams}`. */
  async postEvent<P extends CommonParams & { readonly eventName: string; readonly eventParams: unknown; readonly time?: number }>(postEventParams: P): Promise<Replied<P, unknown>> {
    const name = postEventParams?.eventName;
    if (typeof name !== 'string' || name === '') throw new EnosError('invalid_option', 'eventName is required');
    const ids = { ...this.#client.idsOf(postEventParams.deviceInfo), eventId: name };
    const params: Record<string, unknown> = { events: postEventParams.eventParams };
    if (postEventParams.time !== undefined) params['time'] = postEventParams.time;
    const model = this.#client.validator(ids);
    if (model !== undefined) check(model.eventPost(name, params), `event ${name}`);
    return this.#client.request('eventPost', ids, params, postEventParams) as Promise<Replied<P, unknown>>;
  }

  /** `thing/model/up_raw`: raw bytes up, the reply's raw bytes back (the seed's `Promise<Buffer>`). */
  async upRawModel<P extends CommonParams & { readonly rawData: Uint8Array }>(rawDataParams: P): Promise<P extends { readonly needReply: false } ? void : Uint8Array> {
    const raw = rawDataParams?.rawData;
    if (!(raw instanceof Uint8Array)) throw new EnosError('invalid_option', 'rawData must be bytes (a Buffer or Uint8Array)');
    return this.#client.requestRaw(this.#client.idsOf(rawDataParams.deviceInfo), raw, rawDataParams) as Promise<P extends { readonly needReply: false } ? void : Uint8Array>;
  }
}

export interface BatchParams extends CommonParams {
  readonly points: readonly { readonly productKey?: string; readonly deviceKey?: string; readonly measurepoints: Points; readonly time?: number }[];
  readonly allowOfflineSubDevice?: boolean;
  readonly skipInvalidMeasurepoints?: boolean;
}
