import { completeCatalogue, type ParsedTopic } from '@linkwire/alink';
import {
  deviceShadow, encodeShadow, parseShadowMessage, receiveShadowMessage, reportShadow, shadowGetTopic, shadowUpdateTopic,
  type DeviceShadow, type DeviceShadowOptions, type ShadowAttributes, type ShadowDeleteRequest, type ShadowDocument, type ShadowRequest, type ShadowSectionWrite,
} from '@linkwire/shadow';
import type { DeviceCore } from './device.ts';
import { DeviceError, asError } from './errors.ts';

/**
 * The device shadow (seed §7; Link Kit `thing_update_shadow`, `thing_get_shadow`,
 * `local_get_latest_shadow`, `on_thing_shadow_get`). Versions come from the document, never
 * from a clock.
 */
export interface DeviceShadowApi {
  /** The local cached copy: the latest document seen, kept current with the device's acknowledged writes. */
  readonly document: ShadowDocument | undefined;
  /** Asks for the document; resolves with it (and caches it). */
  get(): Promise<ShadowDocument>;
  /**
   * Reports attributes with the version after the cached document's (fetched first when nothing
   * is cached); resolves with the version the shadow accepted, rejects with `reply_error` and the
   * shadow's code (409 on a version conflict, after which the cache is refreshed).
   */
  update(reported: ShadowAttributes, version?: number): Promise<number>;
  /** Deletes reported attributes (`'null'` deletes them all). */
  delete(reported: readonly string[] | 'null', version?: number): Promise<number>;
  /**
   * Handles desired state the cloud pushes (`control`): the handler applies it; the client then
   * reports it and clears desired, as the seed's flow has it. Returns the remover.
   */
  onDelta(handler: (desired: ShadowAttributes, document: ShadowDocument) => void | Promise<void>): () => void;
}

export interface ShadowInternals {
  route(topic: ParsedTopic, payload: Uint8Array): boolean;
  disconnected(): void;
}

interface Waiting {
  readonly version: number;
  resolve(version: number): void;
  reject(e: Error): void;
}

export function createShadow(core: DeviceCore, options: DeviceShadowOptions | undefined): DeviceShadowApi & { readonly internals: ShadowInternals } {
  // The client's first chunk knows the device's own topics: these join now (with every other area).
  completeCatalogue();
  const { productKey, deviceName } = core.identity;
  const updateTopic = shadowUpdateTopic(productKey, deviceName);
  const getTopic = shadowGetTopic(productKey, deviceName);
  let state: DeviceShadow = deviceShadow();
  let onDelta: ((desired: ShadowAttributes, document: ShadowDocument) => void | Promise<void>) | undefined;
  let gets: { resolve(d: ShadowDocument): void; reject(e: Error): void }[] = [];
  let writes: Waiting[] = [];
  // Work on the shadow runs in order: an apply handler finishes before the report goes out.
  let chain: Promise<void> = Promise.resolve();
  let subscribed: Promise<unknown> | undefined;
  const subscribe = (): Promise<unknown> => {
    if (subscribed === undefined) {
      const p = core.subscribe([getTopic]);
      // A refused or dropped connection fails this subscribe: handled here, since onDelta's call
      // has no caller to tell (the refusal reaches connect()), and asked again on the next use.
      p.catch(() => {
        if (subscribed === p) subscribed = undefined;
      });
      subscribed = p;
    }
    return subscribed;
  };

  const send = (request: ShadowRequest): Promise<void> => core.link.publish(updateTopic, encodeShadow(request), 1);

  /** Waits for the shadow's answer, bounded by the client's reply timeout. */
  const bounded = <T>(what: string, register: (resolve: (v: T) => void, reject: (e: Error) => void) => () => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let unregister = (): void => undefined;
      const cancel = core.clock.setTimer(core.timeoutMs, () => {
        unregister();
        reject(new DeviceError('reply_timeout', `no shadow reply for ${what} within ${core.timeoutMs} ms`, { topic: getTopic }));
      });
      unregister = register(
        (v) => (cancel(), resolve(v)),
        (e) => (cancel(), reject(e)),
      );
    });

  const get = (): Promise<ShadowDocument> =>
    subscribe().then(() =>
      bounded<ShadowDocument>('get', (resolve, reject) => {
        const g = { resolve, reject };
        gets.push(g);
        send({ method: 'get' }).catch(reject);
        return () => void (gets = gets.filter((x) => x !== g));
      }),
    );

  const write = async (build: (s: DeviceShadow) => { device: DeviceShadow; version: number; request: ShadowRequest }): Promise<number> => {
    await subscribe();
    if (state.document === undefined) await get();
    const { device, version, request } = build(state);
    state = device;
    return bounded<number>(`version ${version}`, (resolve, reject) => {
      const w = { version, resolve, reject };
      writes.push(w);
      send(request).catch(reject);
      return () => void (writes = writes.filter((x) => x !== w));
    });
  };

  function receive(payload: Uint8Array): void {
    const before = state.inFlight.map((w) => w.version);
    let step;
    try {
      step = receiveShadowMessage(state, payload, core.clock.now(), options);
    } catch (e) {
      core.emit({ type: 'error', error: new DeviceError('invalid_message', `shadow: ${asError(e).message}`, { topic: getTopic }) });
      return;
    }
    state = step.device;
    const message = parseShadowMessage(payload);
    if (message.method === 'reply' && message.payload.status === 'success' && 'state' in message.payload && state.document !== undefined) {
      const document = state.document;
      for (const g of gets) g.resolve(document);
      gets = [];
    }
    const rejected = new Set<number>();
    for (const action of step.actions) {
      if (action.type === 'rejected') {
        const v = action.request?.version;
        if (v !== undefined) rejected.add(v);
        const error = new DeviceError('reply_error', `shadow: ${action.errorcode} ${action.errormessage}`, { replyCode: Number(action.errorcode), topic: updateTopic });
        if (action.request === undefined) {
          for (const g of gets) g.reject(error);
          gets = [];
        }
        writes = writes.filter((w) => (w.version === v ? (w.reject(error), false) : true));
      }
    }
    const still = new Set(state.inFlight.map((w) => w.version));
    for (const v of before) {
      if (still.has(v) || rejected.has(v)) continue;
      writes = writes.filter((w) => (w.version === v ? (w.resolve(v), false) : true));
    }
    for (const action of step.actions) {
      if (action.type === 'apply') {
        const document = state.document!;
        chain = chain.then(async () => {
          await onDelta?.(action.desired, document);
        });
      } else if (action.type === 'publish') {
        const request = action.request;
        chain = chain.then(() => send(request));
      }
    }
    chain = chain.catch((e: unknown) => core.emit({ type: 'error', error: asError(e) }));
  }

  return {
    get document() {
      return state.document;
    },
    get,
    update(reported, version) {
      return write((s) => {
        const { device, request } = reportShadow(s, reported, version);
        return { device, version: request.version, request };
      });
    },
    delete(reported, version) {
      return write((s) => {
        let v = version ?? s.document?.version ?? 0;
        if (version === undefined) for (const w of s.inFlight) v = Math.max(v, w.version);
        if (version === undefined) v += 1;
        const section: ShadowSectionWrite = reported === 'null' ? 'null' : Object.fromEntries(reported.map((k) => [k, 'null']));
        const request: ShadowDeleteRequest = { method: 'delete', state: { reported: section }, version: v };
        return { device: { ...s, inFlight: [...s.inFlight, request] }, version: v, request };
      });
    },
    onDelta(handler) {
      onDelta = handler;
      void subscribe();
      return () => {
        if (onDelta === handler) onDelta = undefined;
      };
    },
    internals: {
      disconnected() {
        // Answers to requests sent before the drop may never come: those waits end now.
        const e = new DeviceError('disconnected', 'the connection dropped while a shadow reply was awaited', { topic: getTopic });
        for (const g of gets) g.reject(e);
        for (const w of writes) w.reject(e);
        gets = [];
        writes = [];
      },
      route(topic, payload) {
        if (topic.name !== 'shadowGet') return false;
        receive(payload);
        return true;
      },
    },
  };
}
