import type { Redis as RedisClient } from 'ioredis';
import { fromBase64, toBase64, toHex } from '@linkwire/base';
import { applyShadowRequest, emptyShadow, encodeShadow, parseShadowDocument, type ShadowDocument, type ShadowRequest } from '@linkwire/shadow';
import type { PendingCommands } from './cloud.ts';
import type { DeviceRecord, DeviceRegistry } from './devices.ts';
import type { DeviceOtaState, OtaJob, OtaService } from './ota.ts';
import type { StoredDevice } from './persistence.ts';
import type { ShadowOutput, ShadowService } from './shadow.ts';
import { PlatformStoreError } from './store.ts';

/**
 * Cluster mode: several emulator processes on one Redis act as one platform.
 *
 * - Delivery. Each process records the devices connected to it in the hash `{prefix}:presence`
 *   (device key → node id) and announces every change; all processes mirror it in memory, so
 *   a platform message for a device connected elsewhere is sent at once (no round trip) to the
 *   channel of the node that holds it, which delivers it to its own broker. A device connecting
 *   to one node while connected to another takes over there too (seed §3.1).
 * - Replies. A device's answer to a command (`…_reply`, RRPC responses) that no command of its
 *   own node waits for is broadcast; the node that sent the command settles it. Command ids start
 *   at a random offset per node, so two nodes' commands to one device do not share ids.
 * - Device state (secrets issued, activation, enabled, token, topology, sub-device logins, tags,
 *   property values, firmware versions) and OTA jobs: each node keeps the working copy in memory
 *   and, every `syncIntervalMs`, writes the records that changed to Redis and publishes them in
 *   one atomic step; every node (the writer too) applies the records in the channel's order,
 *   so all copies converge to the last write. A node starting later reads them all first.
 * - Shadows: a write (from a device or an application, on any node) is a compare-and-set on the
 *   document's revision in Redis, retried on conflict, so writes through any node are ordered
 *   by version and none is lost; the result is published to every node's copy.
 */
export interface ClusterOptions {
  /** `redis://host:port/db` */
  readonly url: string;
  /** Prefix of every key and channel: several platforms can share a Redis. Default `linkwire`. */
  readonly prefix?: string;
  /** How often changed device records and OTA jobs are written and published. Default 100 ms. */
  readonly syncIntervalMs?: number;
}

export interface ClusterDeps {
  readonly devices: DeviceRegistry;
  readonly shadows: ShadowService;
  readonly ota: OtaService;
  /** Delivers a message to this node's broker only; returns how many sessions took it. */
  readonly deliverLocal: (topic: string, payload: Uint8Array) => number;
  /** Whether the device is connected to this node. */
  readonly isLocal: (key: string) => boolean;
  /** Ends the device's local connection (it connected to another node, or was disabled or deleted there). */
  readonly kick: (key: string, reason: string, forget: boolean) => void;
  /** Settles a command of this node; false when none waits for it. */
  readonly settleLocal: PendingCommands['settle'];
  readonly random: (n: number) => Uint8Array;
  readonly onError: (message: string) => void;
}

export interface Cluster {
  readonly nodeId: string;
  /** Where the device is connected, when on another node. */
  remoteNode(key: string): string | undefined;
  /** Sends a platform message to the node the topic's device (or its gateway) is connected to; 1 when sent. */
  forward(ownerKey: string, topic: string, payload: Uint8Array): number;
  /** Ends the device's connection on the process that holds it (disabled or deleted through this one). */
  kickRemote(key: string, reason: string, forget: boolean): void;
  /** The broker's connected / disconnected events. */
  connected(key: string): void;
  disconnected(key: string): void;
  /** A device's message that settled nothing here: the node that sent the command may settle it. */
  shareReply(topic: string, id: string | undefined, payload: Uint8Array): void;
  /** A fresh command id, distinct across nodes in practice. */
  nextId(): string;
  /** A shadow write ordered through Redis. */
  applyShadow(productKey: string, deviceName: string, request: ShadowRequest | Uint8Array | string, now: number): Promise<ShadowOutput>;
  /** Writes and publishes what changed now (tests; close does it too). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

type Event =
  | { readonly k: 'presence'; readonly key: string; readonly node: string | null }
  | { readonly k: 'reply'; readonly from: string; readonly topic: string; readonly id: string | null; readonly p: string }
  | { readonly k: 'device' | 'job'; readonly from: string; readonly seq: number; readonly key: string; readonly r: string }
  | { readonly k: 'shadow'; readonly key: string; readonly rev: number; readonly doc: string };

/**
 * HSET a record and PUBLISH it with a sequence number in one step: every node applies a
 * record only over an older one, so concurrent writes from two nodes end the same everywhere.
 * ARGV[3] is the event's JSON without its closing brace, completed with the sequence here. An
 * empty record is a deletion (the sequence stays, so an older write cannot bring it back).
 */
const WRITE_AND_PUBLISH = `
local seq = redis.call('INCR', KEYS[3])
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('HSET', KEYS[4], ARGV[1], seq)
redis.call('PUBLISH', KEYS[2], ARGV[3] .. ',"seq":' .. seq .. '}')
return seq`;
/** Presence: set the node, or remove it only when it is still ours (the device may have moved). */
const PRESENCE = `
if ARGV[2] == '' then
  if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then return 0 end
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('PUBLISH', KEYS[2], ARGV[4])
return 1`;
/** Shadow compare-and-set: written only if the stored revision is still the one read. */
const SHADOW_CAS = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if cur ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] + 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[4])
return 1`;

const SHADOW_RETRIES = 100;

export async function joinCluster(options: ClusterOptions, deps: ClusterDeps): Promise<Cluster> {
  const prefix = options.prefix ?? 'linkwire';
  const nodeId = toHex(deps.random(8));
  const k = {
    presence: `${prefix}:presence`, devices: `${prefix}:devices`, jobs: `${prefix}:ota-jobs`,
    shadows: `${prefix}:shadows`, shadowRevs: `${prefix}:shadow-revs`, seq: `${prefix}:seq`,
    deviceSeqs: `${prefix}:device-seqs`, jobSeqs: `${prefix}:ota-job-seqs`,
    events: `${prefix}:events`, node: (id: string) => `${prefix}:node:${id}`,
  };
  const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true } as const;
  // Loaded only in cluster mode: a single-process emulator does not pay for the client.
  const { Redis } = await import('ioredis');
  const cmd: RedisClient = new Redis(options.url, redisOptions);
  const sub: RedisClient = new Redis(options.url, redisOptions);
  for (const r of [cmd, sub]) r.on('error', (e: Error) => deps.onError(`redis: ${e.message}`));
  try {
    await Promise.all([cmd.connect(), sub.connect()]);
  } catch (e) {
    cmd.disconnect();
    sub.disconnect();
    throw new PlatformStoreError('io', `cluster mode: cannot reach Redis at ${options.url}: ${(e as Error).message}`, {}, { cause: e });
  }

  const where = new Map<string, string>();
  /** The devices connected to this process. */
  const local = new Set<string>();
  const revs = new Map<string, number>();
  let counter = new DataView(deps.random(4).buffer).getUint32(0) % 2_000_000_000;

  /**
   * Device records and OTA jobs, replicated: the JSON last written or applied per key (what
   * `sync` compares with), the Redis sequence of the newest write seen, and how many foreign
   * writes were applied (a write of ours racing one of theirs is redone so every node ends equal).
   */
  const replicated = (hash: string, seqs: string, kind: 'device' | 'job', apply: (key: string, text: string) => void, remove: (key: string) => void) => {
    const last = new Map<string, string>();
    const seqOf = new Map<string, number>();
    const foreign = new Map<string, number>();
    return {
      last,
      /** After Redis came back (perhaps empty): what it holds is read again and compared afresh. */
      reset(): void {
        last.clear();
        seqOf.clear();
      },
      seen(key: string, text: string, seq: number, from: string): void {
        if (from === nodeId || (seqOf.get(key) ?? 0) >= seq) return;
        seqOf.set(key, seq);
        foreign.set(key, (foreign.get(key) ?? 0) + 1);
        if (text === '') {
          last.delete(key);
          remove(key);
        } else {
          last.set(key, text);
          apply(key, text);
        }
      },
      /** Keys written or applied that are no longer here: deleted on this node. */
      *gone(present: (key: string) => boolean): IterableIterator<string> {
        for (const key of last.keys()) if (!present(key)) yield key;
      },
      write(key: string, text: string): Promise<unknown> {
        if (last.get(key) === text) return Promise.resolve();
        if (text === '') last.delete(key);
        else last.set(key, text);
        const before = foreign.get(key) ?? 0;
        const head = JSON.stringify({ k: kind, from: nodeId, key, r: text }).slice(0, -1);
        return cmd.eval(WRITE_AND_PUBLISH, 4, hash, k.events, k.seq, seqs, key, text, head).then((seq) => {
          if ((seqOf.get(key) ?? 0) > Number(seq)) {
            // A newer foreign write is already applied here: ours is older everywhere; nothing to do.
            return;
          }
          seqOf.set(key, Number(seq));
          // A foreign write was applied while ours was on its way, and ours is the newer: other
          // nodes hold ours and this one theirs. Written again from what this node has now.
          if ((foreign.get(key) ?? 0) !== before) last.delete(key);
        });
      },
      async load(): Promise<void> {
        const [records, sequences] = await Promise.all([cmd.hgetall(hash), cmd.hgetall(seqs)]);
        for (const [key, text] of Object.entries(records)) this.seen(key, text, Number(sequences[key] ?? 1), '');
        // Deleted records keep their sequence: a device configured here but deleted by the cluster stays deleted.
        for (const [key, seq] of Object.entries(sequences)) if (records[key] === undefined) this.seen(key, '', Number(seq), '');
      },
    };
  };

  const applyDevice = (key: string, text: string): void => {
    const r = JSON.parse(text) as SyncedDevice;
    const d = deps.devices.byKey(key) ?? deps.devices.add({ productKey: r.productKey, deviceName: r.deviceName, ...(r.secret === undefined ? {} : { deviceSecret: r.secret }) });
    d.secret = r.secret;
    d.activated = r.activated;
    d.enabled = r.enabled;
    d.deviceToken = r.deviceToken;
    d.gateway = r.gateway;
    d.online = r.online;
    d.subDevices.clear();
    for (const s of r.subDevices) d.subDevices.add(s);
    d.tags.clear();
    for (const [t, v] of Object.entries(r.tags)) d.tags.set(t, v);
    d.properties.clear();
    for (const [p, v] of Object.entries(r.properties)) d.properties.set(p, v);
    deps.ota.restoreVersions(key, r.firmware);
  };
  const removeDevice = (key: string): void => {
    const d = deps.devices.byKey(key);
    if (d === undefined) return;
    if (d.gateway !== undefined) deps.devices.byKey(d.gateway)?.subDevices.delete(key);
    deps.devices.delete(d.productKey, d.deviceName);
    deps.kick(key, 'device deleted', true);
  };
  const applyJob = (_key: string, text: string): void => {
    const j = JSON.parse(text) as { jobId: string; upgrade: OtaJob['upgrade']; devices: Record<string, DeviceOtaState> };
    deps.ota.restoreJob({ jobId: j.jobId, upgrade: j.upgrade, devices: new Map(Object.entries(j.devices)) });
  };
  const deviceRecords = replicated(k.devices, k.deviceSeqs, 'device', applyDevice, removeDevice);
  // OTA jobs are never deleted.
  const jobRecords = replicated(k.jobs, k.jobSeqs, 'job', applyJob, () => undefined);
  const applyShadowDoc = (key: string, rev: number, doc: string): void => {
    if ((revs.get(key) ?? 0) >= rev) return;
    revs.set(key, rev);
    const i = key.indexOf('&');
    deps.shadows.restore(key.slice(0, i), key.slice(i + 1), parseShadowDocument(JSON.parse(doc)));
  };

  sub.on('message', (channel: string, message: string) => {
    try {
      if (channel === k.node(nodeId)) {
        const m = JSON.parse(message) as { t: string; p: string } | { kick: string; reason: string; forget: boolean };
        if ('kick' in m) deps.kick(m.kick, m.reason, m.forget);
        else deps.deliverLocal(m.t, fromBase64(m.p));
        return;
      }
      const e = JSON.parse(message) as Event;
      switch (e.k) {
        case 'presence':
          if (e.node === null) where.delete(e.key);
          else {
            where.set(e.key, e.node);
            // Seed §3.1: a second connection of the device, here on another node, ends this one.
            if (e.node !== nodeId && deps.isLocal(e.key)) deps.kick(e.key, 'another connection of the same device (on another process)', false);
          }
          return;
        case 'reply':
          if (e.from !== nodeId) deps.settleLocal(e.topic, e.id ?? undefined, fromBase64(e.p));
          return;
        case 'device':
          return deviceRecords.seen(e.key, e.r, e.seq, e.from);
        case 'job':
          return jobRecords.seen(e.key, e.r, e.seq, e.from);
        case 'shadow':
          return applyShadowDoc(e.key, e.rev, e.doc);
      }
    } catch (err) {
      deps.onError(`cluster message on ${channel}: ${(err as Error).message}`);
    }
  });
  // Subscribed before reading the state: nothing written meanwhile is missed (applying twice is harmless).
  await sub.subscribe(k.events, k.node(nodeId));
  /** Reads what Redis holds: at start, and again after the connection to Redis was lost. */
  const catchUp = async (): Promise<void> => {
    const [presence, shadows, shadowRevs] = await Promise.all([cmd.hgetall(k.presence), cmd.hgetall(k.shadows), cmd.hgetall(k.shadowRevs)]);
    where.clear();
    for (const [key, node] of Object.entries(presence)) where.set(key, node);
    // The devices connected here are announced again (a restarted Redis may have lost them).
    for (const key of local) if (presence[key] !== nodeId) publishPresence(key, nodeId);
    for (const key of local) where.set(key, nodeId);
    await deviceRecords.load();
    await jobRecords.load();
    for (const [key, doc] of Object.entries(shadows)) applyShadowDoc(key, Number(shadowRevs[key] ?? 0), doc);
  };
  await catchUp();
  // ioredis reconnects and subscribes again by itself; what was published meanwhile is read here.
  // Records and shadows are compared afresh, so a Redis that came back empty is filled again.
  sub.on('ready', () => {
    deviceRecords.reset();
    jobRecords.reset();
    revs.clear();
    void catchUp().then(sync).catch((e: Error) => deps.onError(`catching up after a Redis reconnect: ${e.message}`));
  });

  const publishPresence = (key: string, node: string | null): void => {
    const event: Event = { k: 'presence', key, node };
    void cmd.eval(PRESENCE, 2, k.presence, k.events, key, node ?? '', nodeId, JSON.stringify(event)).catch((e: Error) => deps.onError(`presence: ${e.message}`));
  };

  let syncing: Promise<void> | undefined;
  let closed = false;
  const syncOnce = async (): Promise<void> => {
    const writes: Promise<unknown>[] = [];
    for (const d of deps.devices.values()) writes.push(deviceRecords.write(d.key, JSON.stringify(syncedDevice(d, deps.ota.versions(d)))));
    for (const key of [...deviceRecords.gone((key) => deps.devices.byKey(key) !== undefined)]) writes.push(deviceRecords.write(key, ''));
    for (const j of deps.ota.jobs()) writes.push(jobRecords.write(j.jobId, JSON.stringify({ jobId: j.jobId, upgrade: j.upgrade, devices: Object.fromEntries(j.devices) })));
    await Promise.all(writes);
  };
  const sync = (): Promise<void> => {
    syncing ??= syncOnce().finally(() => (syncing = undefined));
    return syncing;
  };
  // A scan compares every device's record: with many devices it waits longer, so that scanning
  // takes at most a twentieth of the time (≈ 5 % of a core) whatever the fleet's size.
  const interval = options.syncIntervalMs ?? 100;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (delay: number): void => {
    timer = setTimeout(() => {
      // The scan is the synchronous part of sync(); the writes it starts are Redis's time.
      const t0 = performance.now();
      const done = sync();
      const scanMs = performance.now() - t0;
      done
        .catch((e: Error) => deps.onError(`sync: ${e.message}`))
        .finally(() => {
          if (!closed) schedule(Math.max(interval, 20 * scanMs));
        });
    }, delay);
    timer.unref();
  };

  // Shadow writes of this node run one at a time per device: they would only conflict with each other.
  const shadowChains = new Map<string, Promise<unknown>>();
  const casShadow = async (pk: string, dn: string, request: ShadowRequest | Uint8Array | string, now: number): Promise<ShadowOutput> => {
    const key = `${pk}&${dn}`;
    for (let attempt = 0; attempt < SHADOW_RETRIES; attempt++) {
      const [rev, doc] = await cmd.multi().hget(k.shadowRevs, key).hget(k.shadows, key).exec().then((r) => r!.map(([, v]) => v as string | null));
      const current: ShadowDocument = doc === null || doc === undefined ? emptyShadow() : parseShadowDocument(JSON.parse(doc));
      const r = applyShadowRequest(current, request, now);
      const revision = Number(rev ?? 0);
      const text = JSON.stringify(current);
      const event: Event = { k: 'shadow', key, rev: revision + 1, doc: text };
      const ok = await cmd.eval(SHADOW_CAS, 3, k.shadowRevs, k.shadows, k.events, key, String(revision), text, JSON.stringify(event));
      if (ok === 1) {
        applyShadowDoc(key, revision + 1, text);
        return r.control === undefined ? { reply: encodeShadow(r.reply) } : { reply: encodeShadow(r.reply), control: encodeShadow(r.control) };
      }
    }
    throw new Error(`shadow of ${key}: ${SHADOW_RETRIES} conflicting writes in a row`);
  };

  schedule(interval);
  return {
    nodeId,
    remoteNode(key) {
      const node = where.get(key);
      return node === undefined || node === nodeId ? undefined : node;
    },
    forward(ownerKey, topic, payload) {
      const owner = deps.devices.byKey(ownerKey);
      // A sub-device logged in through its gateway is reached on the gateway's node.
      const via = owner?.gateway !== undefined && owner.online ? owner.gateway : ownerKey;
      const node = where.get(via);
      if (node === undefined || node === nodeId || closed) return 0;
      void cmd.publish(k.node(node), JSON.stringify({ t: topic, p: toBase64(payload) })).catch((e: Error) => deps.onError(`forward: ${e.message}`));
      return 1;
    },
    kickRemote(key, reason, forget) {
      const node = where.get(key);
      if (node === undefined || node === nodeId || closed) return;
      void cmd.publish(k.node(node), JSON.stringify({ kick: key, reason, forget })).catch((e: Error) => deps.onError(`kick: ${e.message}`));
    },
    connected(key) {
      local.add(key);
      where.set(key, nodeId);
      publishPresence(key, nodeId);
    },
    disconnected(key) {
      local.delete(key);
      if (where.get(key) === nodeId) where.delete(key);
      publishPresence(key, null);
    },
    shareReply(topic, id, payload) {
      const event: Event = { k: 'reply', from: nodeId, topic, id: id ?? null, p: toBase64(payload) };
      void cmd.publish(k.events, JSON.stringify(event)).catch((e: Error) => deps.onError(`reply: ${e.message}`));
    },
    nextId: () => String((counter = counter >= 4294967295 ? 1 : counter + 1)),
    applyShadow(pk, dn, request, now) {
      const key = `${pk}&${dn}`;
      const run = (shadowChains.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => casShadow(pk, dn, request, now));
      shadowChains.set(key, run);
      void run.finally(() => {
        if (shadowChains.get(key) === run) shadowChains.delete(key);
      }).catch(() => undefined);
      return run;
    },
    sync,
    async close() {
      if (closed) return;
      clearTimeout(timer);
      await sync().catch((e: Error) => deps.onError(`sync: ${e.message}`));
      closed = true;
      // The devices connected here are no longer: other nodes stop forwarding to this one.
      await Promise.all([...where].filter(([, n]) => n === nodeId).map(([key]) =>
        cmd.eval(PRESENCE, 2, k.presence, k.events, key, '', nodeId, JSON.stringify({ k: 'presence', key, node: null } satisfies Event)).catch(() => undefined)));
      sub.disconnect();
      await cmd.quit().catch(() => undefined);
    },
  };
}

/** What a process shares of a device: what the state store keeps, and what lives only while processes run. */
interface SyncedDevice extends StoredDevice {
  readonly online: boolean;
  readonly subDevices: readonly string[];
  readonly properties: Readonly<Record<string, { value: unknown; time: number }>>;
}

function syncedDevice(d: DeviceRecord, versions: ReadonlyMap<string, string>): SyncedDevice {
  return {
    productKey: d.productKey, deviceName: d.deviceName, secret: d.secret, activated: d.activated, enabled: d.enabled,
    deviceToken: d.deviceToken, gateway: d.gateway, online: d.online, subDevices: [...d.subDevices],
    tags: Object.fromEntries(d.tags), properties: Object.fromEntries(d.properties), firmware: Object.fromEntries(versions),
  };
}

/**
 * The platform's pending commands, shared in cluster mode: a device's reply that no command of
 * this process waits for is offered to the others, and ids come from the cluster's counter.
 */
export function sharedPending(local: PendingCommands, cluster: () => Cluster | undefined): PendingCommands & { settleHere: PendingCommands['settle'] } {
  return {
    ...local,
    nextId: () => cluster()?.nextId() ?? local.nextId(),
    settle(topic, id, payload) {
      if (local.settle(topic, id, payload)) return true;
      cluster()?.shareReply(topic, id, payload.slice());
      return false;
    },
    settleHere: (topic, id, payload) => local.settle(topic, id, payload),
  };
}
