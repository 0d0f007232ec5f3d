import { CommandError, type DeviceClient } from '@linkwire/device';
import type { TslModel, TslValidator } from '@linkwire/tsl';
import { randomParams, randomValue, type Uniform } from './values.ts';

/** Counters a status line and the tests read. */
export interface SimStats {
  state: string;
  posts: number;
  postReplies: number;
  postRejected: number;
  lastReplyMs: number | undefined;
  sets: number;
  calls: number;
  gets: number;
  shadowVersion: number | undefined;
  shadowApplied: number;
  firmware: string;
  otaState: string;
  errors: number;
  lastError: string | undefined;
}

export interface SimulatorOptions {
  readonly model: TslModel;
  /**
   * The validator the device client was built with (its `tsl` option): the client checks what
   * the device posts and what the cloud sets or calls (460 with the issues); the simulator uses
   * it for shadow desired state, which the client hands over unchecked.
   */
  readonly tsl: TslValidator;
  /** Milliseconds between property posts; 0 posts once at start. */
  readonly intervalMs: number;
  /** The version the client informs on connect (its `ota.version` option). */
  readonly firmwareVersion: string;
  readonly random?: Uniform;
  readonly now?: () => number;
  readonly onEvent?: (line: string) => void;
}

export interface Simulator {
  readonly stats: SimStats;
  /** The device's current property values. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** After `device.connect()`: asks for the shadow, posts, and keeps posting on the interval. */
  start(): Promise<void>;
  /** Posts the current (or freshly drawn) property values now. */
  post(): Promise<void>;
  stop(): void;
}

/**
 * One simulated device from a TSL model, on the device client: posts valid random property
 * values on an interval; answers property sets (the changed values are then posted, as the
 * seed's flow expects), property gets and service calls (random valid outputData); applies shadow
 * control pushes, which the client reports back; takes OTA upgrades (streamed download, verify,
 * activate, new version). The client validates against the model and answers what fails with 460.
 */
export function createSimulator(device: DeviceClient, options: SimulatorOptions): Simulator {
  const { model, tsl } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const say = options.onEvent ?? (() => {});
  const properties: Record<string, unknown> = {};
  for (const p of model.properties) properties[p.identifier] = randomValue(p.dataType, random, now());
  const stats: SimStats = {
    state: 'starting', posts: 0, postReplies: 0, postRejected: 0, lastReplyMs: undefined, sets: 0, calls: 0, gets: 0,
    shadowVersion: undefined, shadowApplied: 0, firmware: options.firmwareVersion, otaState: 'idle', errors: 0, lastError: undefined,
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = false;
  let stopped = false;

  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const fail = (what: string, e: unknown): void => {
    // Requests still waiting when the run ends reject with `closed`: that is the stop, not an error.
    if (stopped) return;
    stats.errors++;
    stats.lastError = `${what}: ${message(e)}`;
    say(`error     ${stats.lastError}`);
  };

  async function post(params?: Record<string, unknown>): Promise<void> {
    if (stopped) return;
    const values = params ?? drawProperties();
    const sent = performance.now();
    stats.posts++;
    try {
      const reply = await device.postProperties(values as never);
      stats.lastReplyMs = performance.now() - sent;
      if (reply.code === 200) stats.postReplies++;
    } catch (e) {
      // A reply with an error code rejects (`reply_error`); anything else is the device's own failure.
      if (e instanceof Error && (e as { code?: unknown }).code === 'reply_error') {
        stats.postRejected++;
        say(`platform  rejected post: ${e.message}`);
      } else fail('post', e);
    }
  }

  function drawProperties(): Record<string, unknown> {
    // Read-only properties are sensors: they move. Writable ones keep what was set.
    for (const p of model.properties) if (p.accessMode === 'r') properties[p.identifier] = randomValue(p.dataType, random, now());
    return { ...properties };
  }

  device.onPropertySet((changed) => {
    stats.sets++;
    Object.assign(properties, changed);
    say(`cloud     set ${JSON.stringify(changed)} → 200`);
    // Reported after the set_reply the client sends when this handler returns.
    setTimeout(() => void post({ ...changed }), 0);
    return {};
  });

  device.onPropertyGet((identifiers) => {
    stats.gets++;
    const wanted = identifiers.length > 0 ? identifiers : Object.keys(properties);
    const data: Record<string, unknown> = {};
    for (const k of wanted) if (k in properties) data[k] = properties[k];
    return data;
  });

  device.onService('*', (params, { serviceId }) => {
    stats.calls++;
    const service = model.services.find((s) => s.identifier === serviceId);
    // The client's validator already answers 460 for a service the model lacks; this is the fallback without one.
    if (service === undefined) throw new CommandError(460, `the model has no service ${serviceId}`);
    const out = randomParams(service.outputData, random, now());
    say(`cloud     call ${serviceId}(${JSON.stringify(params)}) → 200 ${JSON.stringify(out)}`);
    return out;
  });

  device.shadow.onDelta((desired, document) => {
    const r = tsl.propertySet(desired);
    const accepted = (r.ok ? (r.value ?? desired) : {}) as Record<string, unknown>;
    Object.assign(properties, accepted);
    stats.shadowApplied++;
    stats.shadowVersion = document.version;
    say(`shadow    applied desired ${JSON.stringify(desired)}${r.ok ? '' : ` (refused by the model: ${r.issues.map((i) => i.message).join('; ')})`}`);
  });

  device.ota.onUpgrade(async (upgrade) => {
    stats.otaState = `downloading ${upgrade.version}`;
    say(`ota       upgrade to ${upgrade.version}: ${upgrade.size} bytes from ${upgrade.url}`);
    try {
      // The image streams through the verifier and is not kept: a simulator has nothing to flash.
      const { firmware } = await device.ota.download(upgrade, { onData: () => undefined });
      await device.ota.activate(firmware, () => {
        stats.firmware = upgrade.version;
      });
      await device.ota.inform(upgrade.version, upgrade.module);
      stats.otaState = `upgraded to ${upgrade.version}`;
      say(`ota       verified and installed ${upgrade.version}`);
    } catch (e) {
      // The client has reported the failing step (−2 download, −3 verification) to the platform.
      stats.otaState = `failed (${message(e)})`;
      fail('ota', e);
    }
  });

  device.on((e) => {
    switch (e.type) {
      case 'connected':
        stats.state = 'connected';
        return;
      case 'disconnected':
        stats.state = 'reconnecting';
        // Before start() the command reports a failed first connection itself.
        if (started && !stopped) say(`link      reconnecting: ${e.reason.message}`);
        return;
      case 'closed':
        stats.state = 'closed';
        return;
      case 'error':
        fail('platform', e.error);
        return;
      default:
        return;
    }
  });

  return {
    stats,
    properties,
    async start() {
      started = true;
      stats.state = 'connected';
      // Neither waits: against a plain broker (no platform) nothing ever replies, and the
      // interval must run regardless. The shadow's document orders control pushes by version.
      device.shadow.get().then((d) => void (stats.shadowVersion = d.version), (e: unknown) => fail('shadow get', e));
      void post();
      if (options.intervalMs > 0) timer = setInterval(() => void post(), options.intervalMs);
    },
    post: () => post(),
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
