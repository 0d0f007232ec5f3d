import { createHash } from 'node:crypto';
import { decodeProgress, decodeVersionInform, encodeUpgradePush, type FirmwareUpgrade } from '@linkwire/ota';
import type { DeviceRecord } from './devices.ts';

/**
 * OTA jobs (seed §5, §9.10): firmware held in memory and served by the emulator's HTTP
 * listener, a job that pushes the upgrade to chosen devices, records each device's progress
 * reports, and marks success only when the device informs the new version.
 */

export interface Firmware {
  readonly version: string;
  /** The image; without it one of `size` bytes (default 64 KiB) is generated from the version. */
  readonly bytes?: Uint8Array;
  readonly size?: number;
  /** The firmware module; absent for the default module. */
  readonly module?: string;
  /** Default sha256. */
  readonly digestMethod?: 'md5' | 'sha256';
  readonly extData?: Readonly<Record<string, string | number | boolean>>;
}

export type DeviceOtaState =
  | { readonly status: 'pushed' }
  | { readonly status: 'in_progress'; readonly step: number; readonly desc?: string }
  | { readonly status: 'failed'; readonly step: number; readonly desc?: string }
  | { readonly status: 'succeeded' }
  | { readonly status: 'offline' };

export interface OtaJob {
  readonly jobId: string;
  readonly upgrade: FirmwareUpgrade;
  /** Per device (`{pk}&{dn}`), what it reported. */
  readonly devices: ReadonlyMap<string, DeviceOtaState>;
}

/** Stored firmware as devices are told about it, and where the HTTP listener serves it. */
export type FirmwareOffer = FirmwareUpgrade & { readonly path: string };

export interface OtaService {
  /** Stores firmware for download and returns the upgrade the devices are told about. */
  addFirmware(firmware: Firmware, baseUrl: string): FirmwareOffer;
  /** The bytes behind a download path (`/ota/{id}/{file}`), if any. */
  download(path: string): Uint8Array | undefined;
  /** Creates a job for the devices and returns it with the push message for each. */
  createJob(upgrade: FirmwareUpgrade, targets: readonly DeviceRecord[], nextId: () => string): { job: OtaJob; pushes: { device: DeviceRecord; topic: string; payload: Uint8Array }[] };
  setState(jobId: string, key: string, state: DeviceOtaState): void;
  job(jobId: string): OtaJob | undefined;
  /** Every job, oldest first. */
  jobs(): IterableIterator<OtaJob>;
  /** The pending upgrade for a device (of a module), as `thing.ota.firmware.get` answers it. */
  offerFor(device: DeviceRecord, module: string | undefined): Record<string, unknown> | undefined;
  /** A version inform: the device's running version; completes its job when it matches. */
  onInform(device: DeviceRecord, payload: Uint8Array): string | undefined;
  onProgress(device: DeviceRecord, payload: Uint8Array): string | undefined;
  /** The version each device last informed, per module (`default` for none). */
  versions(device: DeviceRecord): ReadonlyMap<string, string>;
  /** For the state store: every stored image by download path. */
  files(): IterableIterator<[path: string, bytes: Uint8Array]>;
  /** Puts back what the state store kept; job ids given later continue after the largest. */
  restoreJob(job: OtaJob): void;
  restoreFile(path: string, bytes: Uint8Array): void;
  restoreVersions(deviceKey: string, versions: Readonly<Record<string, string>>): void;
}

/** `unguessable()` names each file: download URLs are capabilities, as the platform's signed URLs are. */
export function createOtaService(unguessable: () => string): OtaService {
  const files = new Map<string, Uint8Array>();
  const jobs = new Map<string, { jobId: string; upgrade: FirmwareUpgrade; devices: Map<string, DeviceOtaState> }>();
  const versions = new Map<string, Map<string, string>>();
  let jobCounter = 0;

  /** The job of a device for a module that has not finished yet (the newest first). */
  const activeJob = (key: string, module: string | undefined) => {
    let found: { jobId: string; upgrade: FirmwareUpgrade; devices: Map<string, DeviceOtaState> } | undefined;
    for (const j of jobs.values()) {
      const s = j.devices.get(key);
      if (s === undefined || s.status === 'succeeded' || s.status === 'failed') continue;
      if (module !== undefined && (j.upgrade.module ?? 'default') !== module) continue;
      found = j;
    }
    return found;
  };

  return {
    addFirmware(fw, baseUrl) {
      const method = fw.digestMethod ?? 'sha256';
      const bytes = fw.bytes?.slice() ?? generatedImage(fw.version, fw.size ?? 64 * 1024);
      const digest = createHash(method).update(bytes).digest('hex');
      const path = `/ota/${unguessable()}/firmware-${encodeURIComponent(fw.version)}.bin`;
      files.set(path, bytes);
      return {
        version: fw.version, size: bytes.length, url: `${baseUrl}${path}`, digestMethod: method, digest, path,
        ...(fw.module === undefined ? {} : { module: fw.module }),
        ...(fw.extData === undefined ? {} : { extData: fw.extData }),
      };
    },
    download: (path) => files.get(path),
    createJob(upgrade, targets, nextId) {
      const jobId = String(++jobCounter);
      const devices = new Map<string, DeviceOtaState>();
      const pushes = targets.map((device) => {
        devices.set(device.key, { status: 'pushed' });
        const payload = encodeUpgradePush({ id: nextId(), upgrade: stripPath(upgrade) });
        return { device, topic: `/ota/device/upgrade/${device.productKey}/${device.deviceName}`, payload };
      });
      const job = { jobId, upgrade: stripPath(upgrade), devices };
      jobs.set(jobId, job);
      return { job, pushes };
    },
    setState(jobId, key, state) {
      jobs.get(jobId)?.devices.set(key, state);
    },
    job: (jobId) => jobs.get(jobId),
    jobs: () => jobs.values(),
    offerFor(device, module) {
      const j = activeJob(device.key, module);
      if (j === undefined) return undefined;
      const u = j.upgrade;
      return {
        size: u.size, version: u.version, url: u.url, sign: u.digest, signMethod: u.digestMethod === 'md5' ? 'Md5' : 'SHA256',
        ...(u.digestMethod === 'md5' ? { md5: u.digest } : {}), ...(u.module === undefined ? {} : { module: u.module }),
      };
    },
    onInform(device, payload) {
      let inform;
      try {
        inform = decodeVersionInform(payload);
      } catch (e) {
        return (e as Error).message;
      }
      const module = inform.module ?? 'default';
      let byModule = versions.get(device.key);
      if (byModule === undefined) versions.set(device.key, (byModule = new Map()));
      byModule.set(module, inform.version);
      for (const j of jobs.values()) {
        const s = j.devices.get(device.key);
        if (s === undefined || s.status === 'succeeded' || (j.upgrade.module ?? 'default') !== module) continue;
        if (j.upgrade.version === inform.version) j.devices.set(device.key, { status: 'succeeded' });
      }
      return undefined;
    },
    onProgress(device, payload) {
      let p;
      try {
        p = decodeProgress(payload);
      } catch (e) {
        return (e as Error).message;
      }
      const j = activeJob(device.key, p.module);
      if (j === undefined) return undefined;
      const desc = p.desc === undefined ? {} : { desc: p.desc };
      // A failure step (< 0) ends the device's part of the job; 100 is not success: only the
      // inform of the new version is (seed §5: the device reports the version after upgrading).
      j.devices.set(device.key, p.step < 0 ? { status: 'failed', step: p.step, ...desc } : { status: 'in_progress', step: p.step, ...desc });
      return undefined;
    },
    versions: (device) => versions.get(device.key) ?? NO_VERSIONS,
    files: () => files.entries(),
    restoreJob(job) {
      jobs.set(job.jobId, { jobId: job.jobId, upgrade: job.upgrade, devices: new Map(job.devices) });
      const n = Number(job.jobId);
      if (Number.isSafeInteger(n) && n > jobCounter) jobCounter = n;
    },
    restoreFile: (path, bytes) => void files.set(path, bytes),
    restoreVersions(key, byModule) {
      versions.set(key, new Map(Object.entries(byModule)));
    },
  };
}

const NO_VERSIONS: ReadonlyMap<string, string> = new Map();

/** A deterministic image: SHA-256 in counter mode over the version, so every run serves the same bytes. */
function generatedImage(version: string, size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > 64 * 1024 * 1024) throw new RangeError(`firmware size ${size} must be 0..64 MiB`);
  const out = new Uint8Array(size);
  for (let block = 0, at = 0; at < size; block++, at += 32) {
    out.set(createHash('sha256').update(`${version}/${block}`).digest().subarray(0, Math.min(32, size - at)), at);
  }
  return out;
}

function stripPath(u: FirmwareUpgrade & { path?: string }): FirmwareUpgrade {
  const { path: _path, ...rest } = u;
  return rest;
}
