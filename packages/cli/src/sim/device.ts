import { decodeMessage, encodeMessage, encodeReply, formatTopic, requestIds, AlinkError, type AlinkMessage } from '@linkwire/alink';
import { utf8Decode } from '@linkwire/base';
import { createFirmwareVerifier, decodeUpgradePush, encodeProgress, encodeVersionInform, otaTopics, OtaError } from '@linkwire/ota';
import { deviceShadow, encodeShadow, receiveShadowMessage, shadowGetTopic, shadowUpdateTopic, type DeviceShadow } from '@linkwire/shadow';
import { alinkReplyCode, compileTsl, type TslModel, type TslValidator } from '@linkwire/tsl';
import type { DeviceLink, LinkEvents } from './link.ts';
import { randomParams, randomValue, type Uniform } from './values.ts';

export type SimIdentity = { readonly productKey: string; readonly deviceName: string };

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
  readonly identity: SimIdentity;
  readonly model: TslModel;
  /** Milliseconds between property posts; 0 posts once at start. */
  readonly intervalMs: number;
  readonly firmwareVersion?: string;
  readonly random?: Uniform;
  readonly now?: () => number;
  /** Accept http:// firmware URLs (the local emulator serves plain HTTP). */
  readonly allowHttpFirmware?: boolean;
  /** Fetch for OTA downloads (tests may pass one); default the global fetch. */
  readonly fetch?: typeof fetch;
  readonly onEvent?: (line: string) => void;
}

export interface Simulator {
  readonly stats: SimStats;
  /** The device's current property values. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Events for the link (connect it with these, then call `start`). */
  readonly events: LinkEvents;
  /** Topics the device subscribes to. */
  readonly subscriptions: readonly string[];
  start(link: DeviceLink): Promise<void>;
  /** Posts the current (or freshly drawn) property values now. */
  post(): Promise<void>;
  stop(): void;
}

/**
 * One simulated device from a TSL model: posts valid random property values on an interval,
 * answers property sets (validated against the model: 200 or 460 with the issues), property
 * gets and service calls (random valid outputData), applies shadow control pushes and reports
 * them back, and takes OTA upgrades (download, verify while streaming, progress, new version).
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const { identity, model } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const say = options.onEvent ?? (() => {});
  const tsl: TslValidator = compileTsl(model, { policy: 'platform' });
  const ids = requestIds();
  const properties: Record<string, unknown> = {};
  for (const p of model.properties) properties[p.identifier] = randomValue(p.dataType, random, now());
  const stats: SimStats = {
    state: 'starting', posts: 0, postReplies: 0, postRejected: 0, lastReplyMs: undefined, sets: 0, calls: 0, gets: 0,
    shadowVersion: undefined, shadowApplied: 0, firmware: options.firmwareVersion ?? '1.0.0', otaState: 'idle', errors: 0, lastError: undefined,
  };
  const sent = new Map<string, number>();
  let shadow: DeviceShadow = deviceShadow();
  let link: DeviceLink | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const ota = otaTopics(identity.productKey, identity.deviceName);
  const topic = {
    post: formatTopic('propertyPost', identity),
    postReply: formatTopic('propertyPostReply', identity),
    // `+` is one level: property/set and property/get need their own filters.
    services: `/sys/${identity.productKey}/${identity.deviceName}/thing/service/+`,
    propertySet: formatTopic('propertySet', identity),
    propertyGet: formatTopic('propertyGet', identity),
    shadowGet: shadowGetTopic(identity.productKey, identity.deviceName),
    shadowUpdate: shadowUpdateTopic(identity.productKey, identity.deviceName),
  };

  const fail = (what: string, e: unknown) => {
    stats.errors++;
    stats.lastError = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    say(`error     ${stats.lastError}`);
  };
  const send = (t: string, payload: Uint8Array | string, qos: 0 | 1 = 1) => {
    if (!link) return Promise.resolve();
    return link.publish(t, payload, qos).catch((e: unknown) => fail(`publish ${t}`, e));
  };

  async function post(params?: Record<string, unknown>): Promise<void> {
    const values = params ?? drawProperties();
    const check = tsl.propertyPost(values);
    if (!check.ok) {
      fail('own post', new Error(check.issues.map((i) => `${i.path}: ${i.message}`).join('; ')));
      return;
    }
    const id = ids.next();
    const m = encodeMessage('propertyPost', identity, { id, params: values as never });
    sent.set(id, performance.now());
    if (sent.size > 1000) sent.delete(sent.keys().next().value!);
    stats.posts++;
    await send(m.topic, m.payload, 1);
  }

  function drawProperties(): Record<string, unknown> {
    // Read-only properties are sensors: they move. Writable ones keep what was set.
    for (const p of model.properties) if (p.accessMode === 'r') properties[p.identifier] = randomValue(p.dataType, random, now());
    return { ...properties };
  }

  function reply(requestTopic: string, id: string, code: number, data: unknown, message?: string) {
    return send(`${requestTopic}_reply`, encodeReply({ id, code, data: data ?? {}, ...(message ? { message } : {}) } as never), 0);
  }

  async function onAlink(m: AlinkMessage, t: string): Promise<void> {
    if (m.kind === 'reply' && m.topic.name === 'propertyPostReply') {
      const at = sent.get(m.reply.id);
      if (at !== undefined) {
        sent.delete(m.reply.id);
        stats.lastReplyMs = performance.now() - at;
      }
      if (m.reply.code === 200) stats.postReplies++;
      else {
        stats.postRejected++;
        say(`platform  rejected post ${m.reply.id}: code ${m.reply.code} ${m.reply.message ?? ''}`);
      }
      return;
    }
    if (m.kind !== 'request') return;
    const req = m.request;
    switch (m.topic.name) {
      case 'propertySet': {
        stats.sets++;
        const r = tsl.propertySet(req.params);
        if (r.ok) {
          const changed = (r.value ?? req.params) as Record<string, unknown>;
          Object.assign(properties, changed);
          say(`cloud     set ${JSON.stringify(changed)} → 200`);
          await reply(t, req.id, 200, {});
          // Devices report what changed, as the seed's flow expects.
          await post({ ...changed });
        } else {
          const message = r.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
          say(`cloud     set ${JSON.stringify(req.params)} → ${alinkReplyCode(r)} (${message})`);
          await reply(t, req.id, alinkReplyCode(r), {}, message);
        }
        return;
      }
      case 'propertyGet': {
        stats.gets++;
        const wanted = Array.isArray(req.params) ? (req.params as string[]) : Object.keys(properties);
        const data: Record<string, unknown> = {};
        for (const k of wanted) if (k in properties) data[k] = properties[k];
        await reply(t, req.id, 200, data);
        return;
      }
      case 'serviceCall': {
        stats.calls++;
        const serviceId = m.topic.ids['serviceId']!;
        const service = model.services.find((s) => s.identifier === serviceId);
        const r = tsl.serviceCall(serviceId, req.params);
        if (service === undefined || !r.ok) {
          const message = service === undefined ? `the model has no service ${serviceId}` : r.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
          say(`cloud     call ${serviceId} → 460 (${message})`);
          await reply(t, req.id, 460, {}, message);
          return;
        }
        const out = randomParams(service.outputData, random, now());
        say(`cloud     call ${serviceId}(${JSON.stringify(req.params)}) → 200 ${JSON.stringify(out)}`);
        await reply(t, req.id, 200, out);
        return;
      }
      default:
        return;
    }
  }

  async function onShadow(payload: Uint8Array): Promise<void> {
    const step = receiveShadowMessage(shadow, payload, now());
    shadow = step.device;
    stats.shadowVersion = shadow.document?.version ?? stats.shadowVersion;
    for (const a of step.actions) {
      if (a.type === 'apply') {
        const r = tsl.propertySet(a.desired);
        const accepted = (r.ok ? (r.value ?? a.desired) : {}) as Record<string, unknown>;
        Object.assign(properties, accepted);
        stats.shadowApplied++;
        say(`shadow    applied desired ${JSON.stringify(a.desired)}${r.ok ? '' : ` (refused by the model: ${r.issues.map((i) => i.message).join('; ')})`}`);
      } else if (a.type === 'publish') {
        await send(topic.shadowUpdate, encodeShadow(a.request), 1);
      } else if (a.type === 'rejected') {
        fail('shadow', new Error(`${a.errorcode} ${a.errormessage}`));
      }
    }
  }

  async function onUpgrade(payload: Uint8Array): Promise<void> {
    let push;
    try {
      push = decodeUpgradePush(payload, { allowHttp: options.allowHttpFirmware === true });
    } catch (e) {
      fail('upgrade push', e);
      return;
    }
    const up = push.upgrade;
    const progress = (step: number, desc: string) => send(ota.progress, encodeProgress({ id: ids.next(), step, desc, ...(up.module ? { module: up.module } : {}) }), 0);
    stats.otaState = `downloading ${up.version}`;
    say(`ota       upgrade to ${up.version}: ${up.size} bytes from ${up.url}`);
    try {
      const verifier = createFirmwareVerifier(up, { allowHttp: options.allowHttpFirmware === true });
      const res = await (options.fetch ?? fetch)(up.url);
      if (!res.ok || res.body === null) throw new OtaError('download_failed', `HTTP ${res.status}`, { step: -2 });
      let lastPct = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        verifier.update(chunk);
        const pct = verifier.percent ?? 0;
        if (pct >= lastPct + 25 && pct < 100) {
          lastPct = pct;
          await progress(pct, 'downloading');
        }
      }
      verifier.finish();
      stats.firmware = up.version;
      stats.otaState = `upgraded to ${up.version}`;
      await progress(100, 'upgraded');
      await send(ota.inform, encodeVersionInform({ id: ids.next(), version: up.version, ...(up.module ? { module: up.module } : {}) }), 1);
      say(`ota       verified and installed ${up.version}`);
    } catch (e) {
      const step = e instanceof OtaError && e.step !== undefined ? e.step : -2;
      stats.otaState = `failed (${e instanceof Error ? e.message : String(e)})`;
      await progress(step, e instanceof Error ? e.message.slice(0, 128) : 'failed');
      fail('ota', e);
    }
  }

  const events: LinkEvents = {
    onMessage(t, payload) {
      if (stopped) return;
      if (t === topic.shadowGet) {
        onShadow(payload).catch((e: unknown) => fail('shadow', e));
        return;
      }
      if (t === ota.upgrade) {
        onUpgrade(payload).catch((e: unknown) => fail('ota', e));
        return;
      }
      let m: AlinkMessage;
      try {
        m = decodeMessage(t, payload);
      } catch (e) {
        // A malformed request still gets an answer when its id can be read.
        if (e instanceof AlinkError && /\/thing\/service\/[^/]+$/.test(t)) {
          const id = /"id"\s*:\s*"?(\d+)/.exec(safeText(payload))?.[1];
          if (id !== undefined) void reply(t, id, 460, {}, e.message);
        }
        fail(`message on ${t}`, e);
        return;
      }
      onAlink(m, t).catch((e: unknown) => fail(`answer on ${t}`, e));
    },
    onState(state, detail) {
      stats.state = state;
      if (state !== 'connected' && detail) say(`link      ${state}: ${detail}`);
    },
  };

  return {
    stats,
    properties,
    events,
    subscriptions: [topic.postReply, topic.services, topic.propertySet, topic.propertyGet, topic.shadowGet, ota.upgrade],
    async start(l) {
      link = l;
      stats.state = 'connected';
      await send(ota.inform, encodeVersionInform({ id: ids.next(), version: stats.firmware }), 1);
      // The shadow's current document, so control pushes can be ordered against it.
      await send(topic.shadowUpdate, encodeShadow({ method: 'get' }), 1);
      await post();
      if (options.intervalMs > 0) {
        timer = setInterval(() => void post(), options.intervalMs);
      }
    },
    post: () => post(),
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

function safeText(b: Uint8Array): string {
  try {
    return utf8Decode(b.subarray(0, 256));
  } catch {
    return '';
  }
}
