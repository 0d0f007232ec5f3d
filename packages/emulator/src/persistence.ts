import { fromBase64, isRecord, toBase64, type JsonValue } from '@linkwire/base';
import { parseShadowDocument, type ShadowDocument } from '@linkwire/shadow';
import type { DeviceRecord, DeviceRegistry, EmulatorDevice } from './devices.ts';
import { deviceKey } from './devices.ts';
import type { DeviceOtaState, OtaJob, OtaService } from './ota.ts';
import type { ShadowService } from './shadow.ts';
import { PlatformStoreError, type PlatformStore } from './store.ts';

/**
 * The emulator's state in a {@link PlatformStore}: read back once at start, then written
 * behind, every `intervalMs` and on `flush()` / `close()`. Marking every mutation in the
 * responders would touch every file of the platform, and serialising every record to compare it
 * costs too much at 10 000 devices (0.5 s of CPU a pass, measured); instead a device is compared
 * by a fingerprint of the fields its record holds (no string at all for a device as its
 * configuration made it), a shadow is written when `apply` changed it, an OTA job when its JSON
 * changed (jobs are few). An idle pass over 10 000 devices and 10 000 shadows costs about 10 ms
 * of CPU on the shared 2-core machine (load average 17).
 *
 * A crash (SIGKILL, power) loses at most the last interval; SIGINT/SIGTERM through the CLI
 * close the emulator, and `close()` writes everything first.
 */
export interface Persistence {
  /** Puts back the OTA jobs once the HTTP listener is up: their download URLs move to `baseUrl`. */
  restoreJobs(baseUrl: string | undefined): void;
  /** Writes every change made so far; resolves when the store has it. */
  flush(): Promise<void>;
  /** The last flush, then the store's close. */
  close(): Promise<void>;
}

export interface PersistedState {
  readonly devices: DeviceRegistry;
  readonly shadows: ShadowService;
  readonly ota: OtaService;
  /** The devices the emulator was started with: a secret given there wins over a stored one. */
  readonly configured: readonly EmulatorDevice[];
}

export interface PersistenceOptions {
  /** Default 1000 ms. */
  readonly intervalMs?: number;
  /** A failed background write (the next interval tries again). */
  readonly onError?: (error: PlatformStoreError) => void;
}

/** Collection names (see {@link PlatformStore}). */
export const COLLECTIONS: { readonly devices: 'devices'; readonly shadows: 'shadows'; readonly otaJobs: 'ota-jobs'; readonly firmware: 'firmware' } = Object.freeze({
  devices: 'devices', shadows: 'shadows', otaJobs: 'ota-jobs', firmware: 'firmware',
});

/** How many writes are in flight at once (each is a file written, synced and renamed). */
const WRITE_CONCURRENCY = 32;

/**
 * Reads the store into the platform's registries and starts writing behind. Rejects with a
 * {@link PlatformStoreError} (`corrupt_record`, `invalid_record`, `io`, `locked`) when the stored
 * state cannot be read: the emulator does not start on half of it.
 */
export async function openPersistence(store: PlatformStore, state: PersistedState, options: PersistenceOptions = {}): Promise<Persistence> {
  try {
    return await load(store, state, options);
  } catch (e) {
    // Not started: the store (and a directory's lock) is released for the next attempt.
    await store.close().catch(() => undefined);
    throw e;
  }
}

async function load(store: PlatformStore, state: PersistedState, options: PersistenceOptions): Promise<Persistence> {
  const { devices, shadows, ota } = state;
  const configuredSecret = new Map(state.configured.map((d) => [deviceKey(d.productKey, d.deviceName), d.deviceSecret]));
  const [deviceRecords, shadowRecords, jobRecords, firmwareRecords] = await Promise.all(
    [COLLECTIONS.devices, COLLECTIONS.shadows, COLLECTIONS.otaJobs, COLLECTIONS.firmware].map((c) => store.list(c)),
  );

  // What the store holds now, per collection and key: the JSON last written (or read).
  const written = new Map<string, Map<string, string>>(Object.values(COLLECTIONS).map((c) => [c, new Map()]));
  const remember = (collection: string, key: string, value: JsonValue) => written.get(collection)!.set(key, JSON.stringify(value));

  const gateways: [DeviceRecord, string][] = [];
  for (const { key, value } of deviceRecords!) {
    const r = readDevice(value, key);
    const record = devices.get(r.productKey, r.deviceName) ?? devices.add({ productKey: r.productKey, deviceName: r.deviceName });
    record.secret = configuredSecret.get(record.key) ?? r.secret ?? record.secret;
    record.activated = r.activated;
    record.enabled = r.enabled;
    record.deviceToken = r.deviceToken;
    record.tags.clear();
    for (const [k, v] of Object.entries(r.tags)) record.tags.set(k, v);
    if (r.gateway !== undefined) gateways.push([record, r.gateway]);
    if (Object.keys(r.firmware).length > 0) ota.restoreVersions(record.key, r.firmware);
    remember(COLLECTIONS.devices, key, value);
  }
  for (const [sub, gatewayKey] of gateways) {
    const gw = devices.byKey(gatewayKey);
    if (gw === undefined) continue;
    sub.gateway = gw.key;
    gw.subDevices.add(sub.key);
  }
  for (const { key, value } of shadowRecords!) {
    const r = readShadow(value, key);
    shadows.restore(r.productKey, r.deviceName, r.document);
    remember(COLLECTIONS.shadows, key, value);
  }
  for (const { key, value } of firmwareRecords!) {
    const f = readFirmware(value, key);
    ota.restoreFile(f.path, f.bytes);
    written.get(COLLECTIONS.firmware)!.set(f.path, '');
  }
  const jobs = jobRecords!.map(({ key, value }) => {
    remember(COLLECTIONS.otaJobs, key, value);
    return readJob(value, key);
  });

  // What changed is found without serialising everything: a device by a short fingerprint of
  // the fields its record holds (compared with the one last written), a shadow because
  // `apply` names it, an OTA job by its JSON (jobs are few).
  const storedDevices = written.get(COLLECTIONS.devices)!;
  const fingerprints = new Map<string, string>();
  for (const d of devices.values()) if (storedDevices.has(d.key)) fingerprints.set(d.key, fingerprint(d, ota.versions(d), configuredSecret));
  const pendingShadows = new Map<string, { productKey: string; deviceName: string }>();

  let running: Promise<void> | undefined;
  let again = false;
  const writeChanges = async (): Promise<void> => {
    const work: (() => Promise<unknown>)[] = [];
    // Images first: a job record must never name a file the store does not have.
    const files = written.get(COLLECTIONS.firmware)!;
    for (const [path, bytes] of ota.files()) {
      if (files.has(path)) continue;
      work.push(async () => {
        await store.put(COLLECTIONS.firmware, firmwareKey(path), { path, bytes: toBase64(bytes) });
        files.set(path, '');
      });
    }
    await pool(work.splice(0), WRITE_CONCURRENCY);

    for (const d of devices.values()) {
      const versions = ota.versions(d);
      const print = fingerprint(d, versions, configuredSecret);
      if ((fingerprints.get(d.key) ?? FRESH) === print) continue;
      const record = deviceRecord(d, versions, configuredSecret);
      work.push(async () => {
        if (record === undefined) {
          if (storedDevices.has(d.key)) await store.delete(COLLECTIONS.devices, d.key);
          storedDevices.delete(d.key);
        } else {
          await store.put(COLLECTIONS.devices, d.key, record);
          storedDevices.set(d.key, '');
        }
        if (print === FRESH) fingerprints.delete(d.key);
        else fingerprints.set(d.key, print);
      });
    }
    // Devices deleted from the platform: their records go too.
    for (const key of new Set([...storedDevices.keys(), ...fingerprints.keys()])) {
      if (devices.byKey(key) !== undefined) continue;
      fingerprints.delete(key);
      if (!storedDevices.has(key)) continue;
      work.push(async () => {
        await store.delete(COLLECTIONS.devices, key);
        storedDevices.delete(key);
      });
    }

    for (const x of shadows.takeChanged()) pendingShadows.set(deviceKey(x.productKey, x.deviceName), x);
    for (const [key, x] of pendingShadows) {
      work.push(async () => {
        await store.put(COLLECTIONS.shadows, key, shadowRecord(x.productKey, x.deviceName, shadows.document(x.productKey, x.deviceName)));
        pendingShadows.delete(key);
      });
    }

    const storedJobs = written.get(COLLECTIONS.otaJobs)!;
    for (const j of ota.jobs()) {
      const value = jobRecord(j);
      const text = JSON.stringify(value);
      if (storedJobs.get(j.jobId) === text) continue;
      work.push(async () => {
        await store.put(COLLECTIONS.otaJobs, j.jobId, value);
        storedJobs.set(j.jobId, text);
      });
    }
    await pool(work, WRITE_CONCURRENCY);
  };
  // One flush at a time; a flush asked for meanwhile runs once more after it, so it sees every change made before it was asked.
  const flush = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await writeChanges();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const onError = (e: unknown) => {
    const error = e instanceof PlatformStoreError ? e : new PlatformStoreError('io', `state store: ${(e as Error)?.message ?? String(e)}`, {}, { cause: e });
    try {
      options.onError?.(error);
    } catch {
      // An observer's failure is not the store's.
    }
  };
  const timer = setInterval(() => void flush().catch(onError), options.intervalMs ?? 1000);
  timer.unref?.();
  let closed = false;

  return {
    restoreJobs(baseUrl) {
      for (const job of jobs) {
        let upgrade = job.upgrade;
        // The image is served at the same path; the listener's port may have changed.
        if (baseUrl !== undefined && job.path !== undefined && ota.download(job.path) !== undefined) upgrade = { ...upgrade, url: `${baseUrl}${job.path}` };
        ota.restoreJob({ jobId: job.jobId, upgrade, devices: job.devices });
      }
      jobs.length = 0;
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        await flush();
      } finally {
        await store.close();
      }
    },
  };
}

async function pool(work: readonly (() => Promise<unknown>)[], width: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < work.length && failure === undefined) {
      const job = work[next++]!;
      await job().catch((e: unknown) => void (failure ??= e));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, work.length) }, lane));
  if (failure !== undefined) throw failure;
}

// ---- record shapes -------------------------------------------------------------------------

export interface StoredDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly secret: string | undefined;
  readonly activated: boolean;
  readonly enabled: boolean;
  readonly deviceToken: string | undefined;
  readonly gateway: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly firmware: Readonly<Record<string, string>>;
}

/** The fingerprint of a device nothing happened to yet: no write needed until it changes. */
const FRESH = '';

/**
 * Everything a device record holds, as one string: compared with the last written one, it says
 * whether the record changed without building or serialising it. Each text is prefixed with its
 * length, so no secret or tag can make two different records read the same.
 */
function fingerprint(d: DeviceRecord, versions: ReadonlyMap<string, string>, configured: ReadonlyMap<string, string | undefined>): string {
  // The common case first, without building anything: a device as its configuration made it.
  if (!d.activated && d.enabled && d.deviceToken === undefined && d.gateway === undefined && d.tags.size === 0 && versions.size === 0 && d.secret === configured.get(d.key)) return FRESH;
  const t = (x: string | undefined) => (x === undefined ? '-' : `${x.length}:${x}`);
  let f = `${t(d.secret)}${d.activated ? 1 : 0}${d.enabled ? 1 : 0}${t(d.deviceToken)}${t(d.gateway)}${d.tags.size}`;
  for (const [k, v] of d.tags) f += t(k) + t(v);
  for (const [k, v] of versions) f += t(k) + t(v);
  return f;
}

/** The record of a device, or undefined when it holds nothing its configuration does not (a fresh configured device). */
function deviceRecord(d: DeviceRecord, versions: ReadonlyMap<string, string>, configured: ReadonlyMap<string, string | undefined>): JsonValue | undefined {
  const isConfigured = configured.has(d.key);
  const fresh = isConfigured && !d.activated && d.enabled && d.deviceToken === undefined && d.gateway === undefined && d.tags.size === 0 && versions.size === 0 && d.secret === configured.get(d.key);
  if (fresh) return undefined;
  return {
    productKey: d.productKey, deviceName: d.deviceName,
    ...(d.secret === undefined ? {} : { secret: d.secret }),
    activated: d.activated, enabled: d.enabled,
    ...(d.deviceToken === undefined ? {} : { deviceToken: d.deviceToken }),
    ...(d.gateway === undefined ? {} : { gateway: d.gateway }),
    tags: Object.fromEntries(d.tags), firmware: Object.fromEntries(versions),
  };
}

function shadowRecord(productKey: string, deviceName: string, document: ShadowDocument): JsonValue {
  return { productKey, deviceName, document: document as unknown as JsonValue };
}

function jobRecord(j: OtaJob): JsonValue {
  let path: string | undefined;
  try {
    path = new URL(j.upgrade.url).pathname;
  } catch {
    path = undefined;
  }
  return { jobId: j.jobId, upgrade: j.upgrade as unknown as JsonValue, ...(path === undefined ? {} : { path }), devices: Object.fromEntries(j.devices) as unknown as JsonValue };
}

const invalid = (collection: string, key: string, what: string) =>
  new PlatformStoreError('invalid_record', `stored ${collection} record ${JSON.stringify(key)}: ${what}`, { collection, key });

function text(o: Record<string, unknown>, field: string, collection: string, key: string, optional: true): string | undefined;
function text(o: Record<string, unknown>, field: string, collection: string, key: string): string;
function text(o: Record<string, unknown>, field: string, collection: string, key: string, optional?: true): string | undefined {
  const v = o[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw invalid(collection, key, `${field} must be text`);
  return v;
}

function flag(o: Record<string, unknown>, field: string, collection: string, key: string): boolean {
  if (typeof o[field] !== 'boolean') throw invalid(collection, key, `${field} must be true or false`);
  return o[field] as boolean;
}

function textMap(o: Record<string, unknown>, field: string, collection: string, key: string): Record<string, string> {
  const v = o[field] ?? {};
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(collection, key, `${field} must be an object of text values`);
  return v as Record<string, string>;
}

function readDevice(value: JsonValue, key: string): StoredDevice {
  const c = COLLECTIONS.devices;
  if (!isRecord(value)) throw invalid(c, key, 'not an object');
  const productKey = text(value, 'productKey', c, key);
  const deviceName = text(value, 'deviceName', c, key);
  if (deviceKey(productKey, deviceName) !== key) throw invalid(c, key, `names ${productKey}&${deviceName}, not its key`);
  return {
    productKey, deviceName,
    secret: text(value, 'secret', c, key, true),
    activated: flag(value, 'activated', c, key),
    enabled: flag(value, 'enabled', c, key),
    deviceToken: text(value, 'deviceToken', c, key, true),
    gateway: text(value, 'gateway', c, key, true),
    tags: textMap(value, 'tags', c, key),
    firmware: textMap(value, 'firmware', c, key),
  };
}

function readShadow(value: JsonValue, key: string): { productKey: string; deviceName: string; document: ShadowDocument } {
  const c = COLLECTIONS.shadows;
  if (!isRecord(value)) throw invalid(c, key, 'not an object');
  const productKey = text(value, 'productKey', c, key);
  const deviceName = text(value, 'deviceName', c, key);
  try {
    return { productKey, deviceName, document: parseShadowDocument(value['document'] as JsonValue) };
  } catch (e) {
    throw invalid(c, key, `document: ${(e as Error).message}`);
  }
}

const OTA_STATES = new Set(['pushed', 'in_progress', 'failed', 'succeeded', 'offline']);

function readJob(value: JsonValue, key: string): { jobId: string; upgrade: OtaJob['upgrade']; path: string | undefined; devices: Map<string, DeviceOtaState> } {
  const c = COLLECTIONS.otaJobs;
  if (!isRecord(value)) throw invalid(c, key, 'not an object');
  const jobId = text(value, 'jobId', c, key);
  if (jobId !== key) throw invalid(c, key, `jobId ${JSON.stringify(jobId)} is not its key`);
  const u = value['upgrade'];
  if (!isRecord(u) || typeof u['version'] !== 'string' || typeof u['url'] !== 'string' || typeof u['digest'] !== 'string' || !Number.isSafeInteger(u['size']) || (u['digestMethod'] !== 'md5' && u['digestMethod'] !== 'sha256')) {
    throw invalid(c, key, 'upgrade must have version, size, url, digestMethod (md5 or sha256) and digest');
  }
  const states = value['devices'];
  if (!isRecord(states)) throw invalid(c, key, 'devices must be an object');
  const devices = new Map<string, DeviceOtaState>();
  for (const [device, s] of Object.entries(states)) {
    if (!isRecord(s) || !OTA_STATES.has(s['status'] as string)) throw invalid(c, key, `devices[${JSON.stringify(device)}] has no known status`);
    devices.set(device, s as unknown as DeviceOtaState);
  }
  return { jobId, upgrade: u as unknown as OtaJob['upgrade'], path: text(value, 'path', c, key, true), devices };
}

/** Images are keyed by the random segment of their download path (`/ota/{id}/{file}`): short, and unique per image. */
function firmwareKey(path: string): string {
  return path.split('/')[2] ?? path;
}

function readFirmware(value: JsonValue, key: string): { path: string; bytes: Uint8Array } {
  const c = COLLECTIONS.firmware;
  if (!isRecord(value) || typeof value['bytes'] !== 'string') throw invalid(c, key, 'bytes must be base64 text');
  const path = text(value, 'path', c, key);
  if (!path.startsWith('/ota/') || firmwareKey(path) !== key) throw invalid(c, key, `path ${JSON.stringify(path)} is not /ota/${key}/…`);
  try {
    return { path, bytes: fromBase64(value['bytes']) };
  } catch (e) {
    throw invalid(c, key, `bytes: ${(e as Error).message}`);
  }
}
