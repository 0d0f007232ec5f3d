import {
  AlinkError, decodeRequest, encodeMessage, formatTopic, type AlinkJson, type AlinkReply, type AlinkRequest, type EventParams, type PropertyParams,
  type RequestTopicName, type TopicIds,
} from '@linkwire/alink/core';
import type { Issue } from '@linkwire/base';
import type { TslResult, TslValidator } from '@linkwire/tsl';
import { CommandError, DeviceError, asError } from './errors.ts';

/** A device's identity on the platform: its product key and device name. */
export interface DeviceIdentity {
  readonly productKey: string;
  readonly deviceName: string;
}

/** What every thing (the device itself, or a sub-device through its gateway) sends through. */
export interface ThingLink {
  /** Publishes a request and resolves with its reply when the code is 200; rejects with a {@link DeviceError} otherwise. */
  request(name: RequestTopicName, ids: TopicIds, body: (id: string) => AlinkRequest<unknown>, options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** Publishes raw bytes and resolves with the raw reply on `{topic}_reply`. */
  requestRaw(topic: string, replyTopic: string, payload: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void>;
}

export interface RequestOptions {
  /** Reply timeout for this request; default the client's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface PostOptions extends RequestOptions {
  /**
   * `false` sends `"sys": {"ack": 0}`: the platform does not reply and the promise resolves once
   * the message is written (QoS 1: acknowledged by the broker). Default true.
   */
  readonly ack?: boolean;
  /** Check against the thing model first (when the client has one). Default true. */
  readonly validate?: boolean;
}

/** The context a command handler gets beside the params. */
export interface CommandContext {
  /** The message id the reply carries. */
  readonly id: string;
  readonly productKey: string;
  readonly deviceName: string;
  /** True for a synchronous call over RRPC (`/sys/…/rrpc/request/{messageId}`). */
  readonly sync: boolean;
}

export type PropertySetHandler = (properties: PropertyParams, context: CommandContext) => unknown;
export type PropertyGetHandler = (identifiers: readonly string[], context: CommandContext) => { readonly [id: string]: unknown } | Promise<{ readonly [id: string]: unknown }>;
export type ServiceHandler = (params: { readonly [input: string]: AlinkJson }, context: CommandContext & { readonly serviceId: string }) => unknown;
export type RawDownHandler = (payload: Uint8Array, context: { readonly productKey: string; readonly deviceName: string }) => Uint8Array | undefined | void | Promise<Uint8Array | undefined | void>;

/**
 * The thing-model API (seed §4, §9.5; Link Kit's `thing_*` calls), the same for the device and
 * for each sub-device handle of a gateway.
 */
export interface Thing extends DeviceIdentity {
  /**
   * `thing.event.property.post` (Link Kit `thing_post_property`). Values may be plain or
   * `{value, time}`. With a thing model the params are validated (and coerced) first, and a
   * failure rejects with `invalid_params` without sending.
   */
  postProperties(properties: PropertyParams, options?: PostOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.event.{eventId}.post` (Link Kit `thing_trigger_event`); `time` defaults to none. */
  postEvent(eventId: string, value: { readonly [output: string]: AlinkJson }, options?: PostOptions & { readonly time?: number }): Promise<AlinkReply<AlinkJson>>;
  /** `thing.event.property.pack.post`: a gateway's own and its sub-devices' properties and events at once. */
  postPack(params: AlinkJson, options?: PostOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.event.property.history.post`: properties and events recorded while offline. */
  postHistory(params: readonly AlinkJson[], options?: PostOptions): Promise<AlinkReply<AlinkJson>>;
  /** Raw bytes on `thing/model/up_raw` (Link Kit `thing_raw_post_data`); resolves with the `up_raw_reply` bytes. */
  postRaw(payload: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** `thing.deviceinfo.update` (Link Kit `thing_update_tags`). */
  updateTags(tags: { readonly [key: string]: string }, options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.deviceinfo.delete` (Link Kit `thing_remove_tags`). */
  deleteTags(keys: readonly string[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>>;
  /** `thing.dsltemplate.get`: the product's thing model document. */
  getDslTemplate(options?: RequestOptions): Promise<AlinkJson>;
  /**
   * Answers `thing.service.property.set` (Link Kit `on_thing_prop_changed`). The handler's result
   * (an object, or nothing) becomes the `set_reply` data; a thrown {@link CommandError} its code.
   * The reply is always sent. Returns a function that removes the handler.
   */
  onPropertySet(handler: PropertySetHandler): () => void;
  /** Answers `thing.service.property.get` with the values the handler returns. */
  onPropertyGet(handler: PropertyGetHandler): () => void;
  /**
   * Answers `thing.service.{serviceId}` calls, asynchronous and synchronous (RRPC) alike (Link Kit
   * `on_thing_call_service` + `thing_answer_service`): the handler's result is the reply's data.
   * `'*'` catches every service without its own handler.
   */
  onService(serviceId: string, handler: ServiceHandler): () => void;
  /** Answers `thing/model/down_raw` (Link Kit `on_thing_raw_data_arrived` + `thing_raw_data_reply`); returned bytes go on `down_raw_reply`. */
  onRawDown(handler: RawDownHandler): () => void;
}

/** Ask for a reply code 460 with these validation issues. */
function invalid(what: string, issues: readonly Issue[]): DeviceError {
  const first = issues[0];
  return new DeviceError('invalid_params', `${what}: ${first === undefined ? 'invalid' : `${first.path} ${first.message}`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`);
}

function checked(result: TslResult | undefined, what: string, input: unknown): unknown {
  if (result === undefined) return input;
  if (!result.ok) throw invalid(what, result.issues);
  return result.value ?? input;
}

const ACK_OFF = { ack: 0 } as const;

/** What the router hands a thing: a decoded downstream command, answered with the returned reply. */
export interface ThingInternals {
  /** Answers a command; the reply to publish, or undefined when there is nothing to publish. */
  command(name: 'propertySet' | 'propertyGet' | 'serviceCall', request: AlinkRequest, serviceId: string | undefined, sync: boolean): Promise<AlinkReply<unknown>>;
  rawDown(payload: Uint8Array): Promise<Uint8Array | undefined>;
}

const reject = (e: unknown): Promise<never> => Promise.reject(e);

/**
 * @internal The thing-model API of one identity over a link: a class, so that a fleet of
 * devices shares its methods (a closure per method per device cost 1.5 KB each).
 */
export class ThingModel implements Thing, ThingInternals {
  readonly productKey: string;
  readonly deviceName: string;
  readonly #ids: TopicIds;
  readonly #link: ThingLink;
  readonly #tsl: TslValidator | undefined;
  #onSet: PropertySetHandler | undefined;
  #onGet: PropertyGetHandler | undefined;
  #onRaw: RawDownHandler | undefined;
  #services: Map<string, ServiceHandler> | undefined;
  #noAck = 0;

  constructor(identity: DeviceIdentity, link: ThingLink, tsl: TslValidator | undefined) {
    this.productKey = identity.productKey;
    this.deviceName = identity.deviceName;
    this.#ids = { productKey: identity.productKey, deviceName: identity.deviceName };
    this.#link = link;
    this.#tsl = tsl;
  }

  /** This thing's internals for the router (the same object: the fields stay private). */
  get internals(): ThingInternals {
    return this;
  }

  #post(name: RequestTopicName, topicIds: TopicIds, params: unknown, options: PostOptions | undefined): Promise<AlinkReply<AlinkJson>> {
    if (options?.ack === false) {
      const id = `noack-${++this.#noAck}`;
      // Without a reply there is no id to correlate: the written message is the outcome.
      const message = encodeMessage(name, topicIds, { id, params, sys: ACK_OFF } as never);
      return this.#link.publish(message.topic, message.payload, 1).then(() => ({ id, code: 200, data: {} }));
    }
    return this.#link.request(name, topicIds, (id) => ({ id, params: params as AlinkJson }), options);
  }

  #check(options: PostOptions | undefined, result: (tsl: TslValidator) => TslResult, what: string, input: unknown): unknown {
    return options?.validate === false || this.#tsl === undefined ? input : checked(result(this.#tsl), what, input);
  }

  postProperties(properties: PropertyParams, options?: PostOptions): Promise<AlinkReply<AlinkJson>> {
    try {
      return this.#post('propertyPost', this.#ids, this.#check(options, (t) => t.propertyPost(properties), 'property post', properties), options);
    } catch (e) {
      return reject(e);
    }
  }

  postEvent(eventId: string, value: { readonly [output: string]: AlinkJson }, options?: PostOptions & { readonly time?: number }): Promise<AlinkReply<AlinkJson>> {
    try {
      const params: EventParams = options?.time === undefined ? { value } : { value, time: options.time };
      const p = this.#check(options, (t) => t.eventPost(eventId, params), `event ${eventId}`, params);
      return this.#post('eventPost', { productKey: this.productKey, deviceName: this.deviceName, eventId }, p, options);
    } catch (e) {
      return reject(e);
    }
  }

  postPack(params: AlinkJson, options?: PostOptions): Promise<AlinkReply<AlinkJson>> {
    try {
      return this.#post('propertyPackPost', this.#ids, this.#check(options, (t) => t.propertyPackPost(params), 'pack post', params), options);
    } catch (e) {
      return reject(e);
    }
  }

  postHistory(params: readonly AlinkJson[], options?: PostOptions): Promise<AlinkReply<AlinkJson>> {
    try {
      return this.#post('propertyHistoryPost', this.#ids, this.#check(options, (t) => t.propertyHistoryPost(params), 'history post', params), options);
    } catch (e) {
      return reject(e);
    }
  }

  postRaw(payload: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    const topic = formatTopic('rawUp', this.#ids);
    return this.#link.requestRaw(topic, `${topic}_reply`, payload, options);
  }

  updateTags(tags: { readonly [key: string]: string }, options?: RequestOptions): Promise<AlinkReply<AlinkJson>> {
    const params = Object.keys(tags).map((attrKey) => ({ attrKey, attrValue: tags[attrKey]! }));
    return this.#link.request('deviceinfoUpdate', this.#ids, (id) => ({ id, params }), options);
  }

  deleteTags(keys: readonly string[], options?: RequestOptions): Promise<AlinkReply<AlinkJson>> {
    return this.#link.request('deviceinfoDelete', this.#ids, (id) => ({ id, params: keys.map((attrKey) => ({ attrKey })) }), options);
  }

  getDslTemplate(options?: RequestOptions): Promise<AlinkJson> {
    return this.#link.request('dsltemplateGet', this.#ids, (id) => ({ id, params: {} }), options).then((r) => r.data);
  }

  onPropertySet(handler: PropertySetHandler): () => void {
    this.#onSet = handler;
    return () => void (this.#onSet === handler && (this.#onSet = undefined));
  }

  onPropertyGet(handler: PropertyGetHandler): () => void {
    this.#onGet = handler;
    return () => void (this.#onGet === handler && (this.#onGet = undefined));
  }

  onService(serviceId: string, handler: ServiceHandler): () => void {
    const services = (this.#services ??= new Map());
    services.set(serviceId, handler);
    return () => void (services.get(serviceId) === handler && services.delete(serviceId));
  }

  onRawDown(handler: RawDownHandler): () => void {
    this.#onRaw = handler;
    return () => void (this.#onRaw === handler && (this.#onRaw = undefined));
  }

  async command(name: 'propertySet' | 'propertyGet' | 'serviceCall', request: AlinkRequest, serviceId: string | undefined, sync: boolean): Promise<AlinkReply<unknown>> {
    const context: CommandContext = { id: request.id, productKey: this.productKey, deviceName: this.deviceName, sync };
    const answer = (code: number, data: unknown, message?: string): AlinkReply<unknown> => ({
      id: request.id, code, data, ...(message === undefined ? {} : { message }), ...(request.numericId === true ? { numericId: true } : {}),
    });
    const tsl = this.#tsl;
    try {
      let data: unknown;
      if (name === 'propertySet') {
        const onSet = this.#onSet;
        if (onSet === undefined) return answer(460, {}, 'no property set handler on this device');
        const params = checked(tsl?.propertySet(request.params), 'property set', request.params) as PropertyParams;
        data = await onSet(params, context);
      } else if (name === 'propertyGet') {
        const onGet = this.#onGet;
        if (onGet === undefined) return answer(460, {}, 'no property get handler on this device');
        const list = checked(tsl?.propertyGet(request.params), 'property get', request.params);
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return answer(460, {}, 'property get params must be a list of identifiers');
        data = await onGet(list as string[], context);
      } else {
        const id = serviceId!;
        const handler = this.#services?.get(id) ?? this.#services?.get('*');
        if (handler === undefined) return answer(460, {}, `no handler for service ${id}`);
        const params = checked(tsl?.serviceCall(id, request.params ?? {}), `service ${id}`, request.params ?? {}) as { readonly [input: string]: AlinkJson };
        data = await handler(params, { ...context, serviceId: id });
        if (tsl !== undefined && data !== undefined) checked(tsl.serviceReply(id, data), `service ${id} reply`, data);
      }
      return answer(200, data === undefined || data === null ? {} : data);
    } catch (e) {
      if (e instanceof CommandError) return answer(e.replyCode ?? 400, e.data ?? {}, e.message);
      if (e instanceof DeviceError && e.code === 'invalid_params') return answer(460, {}, e.message);
      return answer(400, {}, asError(e).message);
    }
  }

  async rawDown(payload: Uint8Array): Promise<Uint8Array | undefined> {
    const onRaw = this.#onRaw;
    if (onRaw === undefined) return undefined;
    const r = await onRaw(payload, { productKey: this.productKey, deviceName: this.deviceName });
    return r instanceof Uint8Array ? r : undefined;
  }
}

/** The id of an Alink request that failed to decode fully, to answer it with 460 (never 200). */
export function requestIdOf(payload: Uint8Array): { id: string; numericId: boolean } | undefined {
  try {
    const r = decodeRequest(payload, { maxBytes: 256 * 1024 });
    return { id: r.id, numericId: r.numericId === true };
  } catch (e) {
    if (e instanceof AlinkError) return undefined;
    throw e;
  }
}
