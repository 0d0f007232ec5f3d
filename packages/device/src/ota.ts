import { completeCatalogue, stringifyReply, type ParsedTopic } from '@linkwire/alink';
import { concatBytes } from '@linkwire/base';
import {
  OtaError, activateFirmware, createFirmwareVerifier, createProgressReporter, decodeConfigGetReply, decodeConfigPush, decodeFirmwareGetReply, decodeModelConfigPush,
  decodeUpgradePush, encodeConfigPushReply, encodeModelConfigPushReply, encodeProgress, encodeVersionInform, otaTopics,
  type ConfigFile, type FailureStep, type FirmwareUpgrade, type ModelConfigTarget, type VerificationTarget, type VerifiedFirmware,
} from '@linkwire/ota';
import type { DeviceCore } from './device.ts';
import { DeviceError, asError } from './errors.ts';
import type { RequestOptions } from './thing.ts';

/** The part of a `fetch` Response the downloads read. */
export interface FetchResponse {
  readonly status: number;
  readonly body?: { getReader(): { read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array }>; cancel?(reason?: unknown): Promise<void> } } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** A `fetch`-shaped function: `globalThis.fetch` fits; tests and embedded hosts bring their own. */
export type FetchLike = (url: string, init?: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string | Uint8Array }) => Promise<FetchResponse>;

export interface OtaOptions {
  /** The running firmware version, informed on every connect (`/ota/device/inform`). */
  readonly version?: string;
  /** Versions of further modules, informed on every connect as well. */
  readonly modules?: Readonly<Record<string, string>>;
  /** Accept `http://` download URLs (the local emulator). Default false. */
  readonly allowHttp?: boolean;
  /** Download attempts, each resuming with a Range request where the last one stopped. Default 5. */
  readonly maxAttempts?: number;
  /** Progress report pacing (see @linkwire/ota's reporter). Defaults 10 % and 1000 ms. */
  readonly everyPercent?: number;
  readonly minIntervalMs?: number;
  /** Largest image when the push states no size. Default 16 MiB. */
  readonly maxSize?: number;
}

export interface DownloadOptions {
  /** Sees every chunk in order as it is verified; with it, the image is not kept in memory. */
  readonly onData?: (chunk: Uint8Array, received: number) => void | Promise<void>;
  /** Report download progress on the OTA progress topic (default true for firmware). */
  readonly reportProgress?: boolean;
}

export interface Download {
  /** The verified image's identity: the only thing {@link Ota.activate} accepts. */
  readonly firmware: VerifiedFirmware;
  /** The image, unless `onData` consumed it. */
  readonly image: Uint8Array | undefined;
  /** How many requests the download took (1 without drops). */
  readonly attempts: number;
}

/**
 * Firmware updates and remote configuration (seed §5, §9.10, §9.11; PROTOCOL-NOTES OTA pull).
 * Activation takes only what the streaming verifier accepted.
 */
export interface Ota {
  /** Reports a running version (sent on every connect for the configured ones). */
  inform(version: string, module?: string): Promise<void>;
  /** Upgrade pushes on `/ota/device/upgrade`, decoded and checked. Returns the remover. */
  onUpgrade(handler: (upgrade: FirmwareUpgrade) => void | Promise<void>): () => void;
  /** Asks for the pending firmware (`thing.ota.firmware.get`); undefined when there is none. */
  pull(module?: string, options?: RequestOptions): Promise<FirmwareUpgrade | undefined>;
  /**
   * Downloads through the injected fetch, verifying as the bytes arrive; a dropped transfer
   * resumes with `Range: bytes=<received>-`. Progress goes to the platform; a size or digest
   * failure reports step −2 / −3 and rejects with the {@link OtaError}.
   */
  download(target: FirmwareUpgrade | ConfigFile, options?: DownloadOptions): Promise<Download>;
  /**
   * Runs `install` with a verified image only (anything else is refused, step −3), then reports
   * step 100; a throwing install reports −4 (flashing failed).
   */
  activate<T>(firmware: VerifiedFirmware, install: (firmware: VerifiedFirmware) => T | Promise<T>): Promise<T>;
  /** Sends a progress step (0-100, or −1…−4 with a description). */
  progress(step: number, desc?: string, module?: string): Promise<void>;
  /** `thing.config.get`: the product's configuration file, or undefined when none is set (6710). */
  getConfig(options?: RequestOptions): Promise<ConfigFile | undefined>;
  /** `thing.config.push`: answered 200 after the handler returns, its code from a thrown error otherwise. */
  onConfigPush(handler: (config: ConfigFile) => void | Promise<void>): () => void;
  /** `thing.model.config.push` (gateways): the model configuration to download. */
  onModelConfigPush(handler: (config: ModelConfigTarget) => void | Promise<void>): () => void;
}

export interface OtaInternals {
  route(topic: ParsedTopic, payload: Uint8Array): boolean;
  connected(first: boolean): void;
}

export function createOta(core: DeviceCore, options: OtaOptions | undefined): Ota & { readonly internals: OtaInternals } {
  // The client's first chunk knows the device's own topics: these join now (with every other area).
  completeCatalogue();
  const { productKey, deviceName } = core.identity;
  const topics = otaTopics(productKey, deviceName);
  const allowHttp = options?.allowHttp ?? false;
  let onUpgrade: ((u: FirmwareUpgrade) => void | Promise<void>) | undefined;
  let onConfig: ((c: ConfigFile) => void | Promise<void>) | undefined;
  let onModel: ((c: ModelConfigTarget) => void | Promise<void>) | undefined;
  const error = (e: unknown): void => core.emit({ type: 'error', error: asError(e) });
  let filtersAdded = false;
  const filters = (): void => {
    if (filtersAdded) return;
    filtersAdded = true;
    void core.subscribe([topics.upgrade, topics.firmwareGetReply, topics.configGetReply, topics.configPush, topics.modelConfigPush]).catch(error);
  };
  filters();

  const progress = (step: number, desc?: string, module?: string): Promise<void> => {
    let payload: Uint8Array;
    try {
      payload = encodeProgress({ id: core.ids.next(), step, ...(desc === undefined ? {} : { desc }), ...(module === undefined ? {} : { module }) });
    } catch (e) {
      return Promise.reject(e);
    }
    return core.link.publish(topics.progress, payload, 1);
  };

  const inform = (version: string, module?: string): Promise<void> => {
    let payload: Uint8Array;
    try {
      payload = encodeVersionInform({ id: core.ids.next(), version, ...(module === undefined ? {} : { module }) });
    } catch (e) {
      return Promise.reject(e);
    }
    return core.link.publish(topics.inform, payload, 1);
  };

  async function download(target: FirmwareUpgrade | ConfigFile, o?: DownloadOptions): Promise<Download> {
    const httpFetch = core.fetch;
    if (httpFetch === undefined) throw new DeviceError('invalid_option', 'downloads need the fetch option');
    const isFirmware = !('configId' in target) || (target as { version?: string }).version !== undefined;
    const report = o?.reportProgress ?? isFirmware;
    const module = (target as FirmwareUpgrade).module;
    const verifier = createFirmwareVerifier(target as VerificationTarget, { allowHttp, ...(options?.maxSize === undefined ? {} : { maxSize: options.maxSize }) });
    const reporter = createProgressReporter({ clock: core.clock, everyPercent: options?.everyPercent ?? 10, minIntervalMs: options?.minIntervalMs ?? 1000 });
    const maxAttempts = options?.maxAttempts ?? 5;
    const kept: Uint8Array[] = [];
    const fail = async (step: FailureStep, e: unknown): Promise<never> => {
      const r = reporter.fail(step, asError(e).message.slice(0, 128));
      if (report && r !== undefined) await progress(r.step, r.desc, module).catch(error);
      throw e;
    };
    let attempts = 0;
    let lastError: unknown;
    while (attempts < maxAttempts) {
      attempts++;
      const received = verifier.received;
      let res: FetchResponse;
      try {
        res = await httpFetch(target.url, received > 0 ? { headers: { range: verifier.rangeHeader() } } : {});
      } catch (e) {
        lastError = e;
        continue;
      }
      if (res.status !== 200 && res.status !== 206) {
        lastError = new DeviceError('download_failed', `GET ${target.url}: HTTP ${res.status}`);
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
        continue;
      }
      // A server that ignored the Range header sends the whole image again: skip what we have.
      let skip = res.status === 200 ? received : 0;
      const take = async (chunk: Uint8Array): Promise<void> => {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) return;
        }
        try {
          verifier.update(chunk);
        } catch (e) {
          await fail((e as OtaError).step ?? -2, e);
        }
        if (o?.onData !== undefined) await o.onData(chunk, verifier.received);
        else kept.push(chunk.slice());
        const percent = verifier.percent;
        if (report && percent !== undefined) {
          const r = reporter.progress(Math.min(percent, 99));
          if (r !== undefined) await progress(r.step, r.desc, module).catch(error);
        }
      };
      try {
        const reader = res.body?.getReader();
        if (reader === undefined) await take(new Uint8Array(await res.arrayBuffer()));
        else {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (value !== undefined) await take(value);
          }
        }
      } catch (e) {
        if (e instanceof OtaError) throw e;
        lastError = e; // the transfer dropped: resume from verifier.received
        continue;
      }
      let firmware: VerifiedFirmware;
      try {
        firmware = verifier.finish();
      } catch (e) {
        if (e instanceof OtaError && e.code === 'size_short') {
          lastError = e;
          continue;
        }
        return fail((e as OtaError).step ?? -3, e);
      }
      return { firmware, image: o?.onData !== undefined ? undefined : concatBytes(...kept), attempts };
    }
    return fail(-2, new DeviceError('download_failed', `${target.url}: gave up after ${attempts} attempts: ${asError(lastError).message}`));
  }

  const ota: Ota & { readonly internals: OtaInternals } = {
    inform,
    onUpgrade(handler) {
      onUpgrade = handler;
      return () => onUpgrade === handler && (onUpgrade = undefined);
    },
    pull(module, o) {
      return core.link.request('otaFirmwareGet', core.identity, (id) => ({ id, params: module === undefined ? {} : { module } }), o).then((reply) => {
        if (reply.data === null || typeof reply.data !== 'object' || Object.keys(reply.data).length === 0) return undefined;
        return decodeFirmwareGetReply(stringifyReply(reply), { allowHttp }).data;
      });
    },
    download,
    async activate(firmware, install) {
      let result: Awaited<ReturnType<typeof install>>;
      try {
        result = await activateFirmware(firmware, install);
      } catch (e) {
        await progress(e instanceof OtaError && e.code === 'not_verified' ? -3 : -4, asError(e).message.slice(0, 128), firmware.module).catch(error);
        throw e;
      }
      await progress(100, undefined, firmware.module).catch(error);
      return result;
    },
    progress,
    getConfig(o) {
      return core.link.request('configGet', core.identity, (id) => ({ id, params: { configScope: 'product', getType: 'file' } }), o).then(
        (reply) => decodeConfigGetReply(stringifyReply(reply), { allowHttp }).data,
        (e: unknown) => {
          if (e instanceof DeviceError && e.replyCode === 6710) return undefined;
          throw e;
        },
      );
    },
    onConfigPush(handler) {
      onConfig = handler;
      return () => onConfig === handler && (onConfig = undefined);
    },
    onModelConfigPush(handler) {
      onModel = handler;
      return () => onModel === handler && (onModel = undefined);
    },
    internals: {
      connected() {
        if (options?.version !== undefined) inform(options.version).catch(error);
        for (const [module, version] of Object.entries(options?.modules ?? {})) inform(version, module).catch(error);
      },
      route(topic, payload) {
        const name = topic.name;
        if (name !== 'otaUpgrade' && name !== 'configPush' && name !== 'modelConfigPush') return false;
        if (topic.ids['productKey'] !== productKey || topic.ids['deviceName'] !== deviceName) return false;
        try {
          if (name === 'otaUpgrade') {
            const push = decodeUpgradePush(payload, { allowHttp });
            if (onUpgrade === undefined) core.emit({ type: 'error', error: new DeviceError('unhandled_message', `an upgrade to ${push.upgrade.version} arrived and no onUpgrade handler is set`, { topic: topics.upgrade }) });
            else Promise.resolve().then(() => onUpgrade!(push.upgrade)).catch(error);
          } else if (name === 'configPush') {
            const push = decodeConfigPush(payload, { allowHttp });
            const answer = (code: number): Promise<void> => core.link.publish(topics.configPushReply, encodeConfigPushReply(push.id, code), 0);
            Promise.resolve()
              .then(() => {
                if (onConfig === undefined) throw new DeviceError('unhandled_message', 'no onConfigPush handler');
                return onConfig(push.config);
              })
              .then(() => answer(200), (e: unknown) => (error(e), answer((e as DeviceError).replyCode ?? 400)))
              .catch(error);
          } else {
            const push = decodeModelConfigPush(payload, { allowHttp });
            const answer = (code: number): Promise<void> =>
              core.link.publish(topics.modelConfigPushReply, encodeModelConfigPushReply({ id: push.id, code }), 0);
            Promise.resolve()
              .then(() => {
                if (onModel === undefined) throw new DeviceError('unhandled_message', 'no onModelConfigPush handler');
                return onModel(push.config);
              })
              .then(() => answer(200), (e: unknown) => (error(e), answer((e as DeviceError).replyCode ?? 400)))
              .catch(error);
          }
        } catch (e) {
          core.emit({ type: 'error', error: new DeviceError('invalid_message', `${name}: ${asError(e).message}`) });
        }
        return true;
      },
    },
  };
  return ota;
}
