import { formatTopic } from '@linkwire/alink';
import { describe } from '@linkwire/base';
import {
  OtaError, activateFirmware, createFirmwareVerifier, decodeEnosGetVersionReply, decodeEnosUpgrade,
  type FirmwareUpgrade, type FirmwareVerifier, type VerifiedFirmware, type VerifierOptions,
} from '@linkwire/ota';
import type { CommonParams, DeviceClient, UpstreamResponse } from './client.ts';
import { EnosError } from './errors.ts';

type Who = CommonParams['deviceInfo'];

/** What an upgrade handler gets besides the firmware: the streaming verifier and the activation gate. */
export interface UpgradeContext {
  /** Feed it every downloaded chunk; `finish()` returns the only kind of image `activate` takes. */
  readonly verifier: FirmwareVerifier;
  /** Reports download progress (0..100) to the platform; failures are reported by the client. */
  progress(percent: number, desc?: string): Promise<void>;
  /**
   * The activation gate: installs only an image the verifier accepted (@linkwire/ota's
   * `activateFirmware`), then reports 100 and the new version.
   */
  activate<T>(firmware: VerifiedFirmware, install: (firmware: VerifiedFirmware) => T | Promise<T>): Promise<T>;
}

export type UpgradeHandler = (upgrade: FirmwareUpgrade, context: UpgradeContext) => unknown;

/**
 * EnOS OTA (`ota.device.*`, PROTOCOL-NOTES.md), linkwire's addition to the seed's API: report
 * the version, receive upgrade commands, stream the image through @linkwire/ota's verifier and
 * activate it only once verified; a failure is reported with its progress step (−1 update,
 * −2 download, −3 verification, −4 flashing, −5 other).
 */
export class DeviceOta {
  readonly #client: DeviceClient;

  constructor(client: DeviceClient) {
    this.#client = client;
  }

  /** `ota.device.inform`: the firmware version now running. */
  async reportVersion(version: string, options: CommonParams = {}): Promise<UpstreamResponse | undefined> {
    if (typeof version !== 'string' || version === '' || version.length > 64) throw new EnosError('invalid_option', 'version must be 1-64 characters');
    return this.#client.request('enosOtaInform', this.#client.idsOf(options.deviceInfo), { version }, options);
  }

  /** `ota.device.progress`: 0..100, or a failure step −1..−5 with `desc`. */
  async reportProgress(step: number, desc?: string, options: CommonParams = {}): Promise<UpstreamResponse | undefined> {
    if (!Number.isInteger(step) || step < -5 || step > 100) throw new EnosError('invalid_option', 'step must be an integer from -5 to 100');
    const params: Record<string, unknown> = { step: String(step) };
    if (desc !== undefined) params['desc'] = desc;
    return this.#client.request('enosOtaProgress', this.#client.idsOf(options.deviceInfo), params, options);
  }

  /** `ota.device.getversion`: the firmware the platform offers this device, each validated. */
  async requestFirmware(options: Omit<CommonParams, 'needReply'> = {}): Promise<FirmwareUpgrade[]> {
    const r = await this.#client.request('enosOtaGetVersion', this.#client.idsOf(options.deviceInfo), {}, options);
    if (r === undefined || r.code !== 200) throw new EnosError('ota_refused', `getversion answered ${r?.code}: ${r?.message ?? ''}`);
    const reply = decodeEnosGetVersionReply(JSON.stringify({ id: r.id, code: r.code, data: r.data }), { allowHttp: true });
    return reply.data ?? [];
  }

  /**
   * Handles `ota.device.upgrade`: the command is acknowledged (200, or 1220 when it does not
   * decode), then `handler(upgrade, { verifier, progress, activate })` runs.
   */
  onUpgrade(deviceInfoOrHandler: Who | UpgradeHandler, handlerOrOptions?: UpgradeHandler | VerifierOptions, maybeOptions?: VerifierOptions): Promise<void> {
    const [who, handler, verifierOptions] = typeof deviceInfoOrHandler === 'function'
      ? [undefined, deviceInfoOrHandler, handlerOrOptions as VerifierOptions | undefined]
      : [deviceInfoOrHandler, handlerOrOptions as UpgradeHandler, maybeOptions];
    if (typeof handler !== 'function') throw new EnosError('invalid_option', 'an upgrade handler is required');
    const client = this.#client;
    const ids = client.idsOf(who);
    const topic = formatTopic('enosOtaUpgrade', ids);
    client.handle(topic, (request, response) => {
      let upgrade: FirmwareUpgrade;
      try {
        upgrade = decodeEnosUpgrade(JSON.stringify({ id: request.messageId, version: request.version, method: request.method, params: request.params }), { allowHttp: verifierOptions?.allowHttp }).upgrade;
      } catch (e) {
        client.error(new EnosError('invalid_command', `an upgrade command that does not decode: ${(e as Error).message}`));
        return response.send(1220, {});
      }
      void response.send(200).catch(() => {});
      void this.#run(upgrade, handler, who, verifierOptions);
      return undefined;
    });
    return client.want(topic).catch((e: unknown) => client.error(e));
  }

  async #run(upgrade: FirmwareUpgrade, handler: UpgradeHandler, who: Who, verifierOptions: VerifierOptions | undefined): Promise<void> {
    const client = this.#client;
    const opts: CommonParams = who === undefined ? {} : { deviceInfo: who };
    const report = (step: number, desc?: string): Promise<void> => this.reportProgress(step, desc, opts).then(() => {}, (e: unknown) => client.error(e));
    let activated = false;
    let installing = false;
    try {
      const verifier = createFirmwareVerifier(upgrade, verifierOptions);
      const context: UpgradeContext = {
        verifier,
        progress: (percent, desc) => report(Math.max(0, Math.min(99, Math.floor(percent))), desc),
        activate: async (firmware, install) => {
          const out = await activateFirmware(firmware, (f) => {
            installing = true;
            return install(f);
          });
          activated = true;
          await report(100);
          await this.reportVersion(upgrade.version, opts).catch((e: unknown) => client.error(e));
          return out;
        },
      };
      await handler(upgrade, context);
      if (!activated) await report(-5, 'the handler returned without activating the firmware');
    } catch (e) {
      const step = e instanceof OtaError && e.step !== undefined ? e.step : installing && !activated ? -4 : -5;
      client.error(e instanceof Error ? e : new EnosError('ota_failed', describe(e)));
      await report(step, e instanceof Error ? e.message.slice(0, 200) : 'failed');
    }
  }
}
