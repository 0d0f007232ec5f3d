import { decodeReply, encodeMessage, formatTopic } from '@linkwire/alink';
import { hmacHex } from '@linkwire/hash';
import { combineLoginParams, mqttCredentials, topoAddEntry } from '@linkwire/sign';
import { createHistogram, percentile, record, type Histogram } from './histogram.ts';
import { linkwireStack, type DeviceLink, type LinkStack } from './link.ts';

export type FleetDevice = { readonly productKey: string; readonly deviceName: string; readonly deviceSecret: string };

/**
 * The devices of a generated fleet: `{prefix}{index}` (six digits) in one product, each secret
 * the HMAC-SHA256 of its name under the fleet key (32 hex digits). The platform process derives
 * the same, so neither side needs a device file; shards name disjoint index ranges.
 */
export function fleetDevice(index: number, o: { productKey: string; prefix: string; fleetKey: string }): FleetDevice {
  const deviceName = `${o.prefix}${String(index).padStart(6, '0')}`;
  return { productKey: o.productKey, deviceName, deviceSecret: hmacHex('sha256', o.fleetKey, deviceName).slice(0, 32) };
}

/**
 * A generated gateway and its sub-devices: gateway `{prefix}gw{index, six digits}` in the fleet's
 * product, sub-devices `{prefix}sub{gateway index}-{j, three digits}` in `subProductKey`, secrets
 * by the same rule as {@link fleetDevice}.
 */
export function fleetGateway(index: number, subDevices: number, o: { productKey: string; subProductKey: string; prefix: string; fleetKey: string }): FleetGateway {
  const gw = `${o.prefix}gw${String(index).padStart(6, '0')}`;
  const secret = (name: string) => hmacHex('sha256', o.fleetKey, name).slice(0, 32);
  const subs: FleetDevice[] = [];
  for (let j = 0; j < subDevices; j++) {
    const deviceName = `${o.prefix}sub${String(index).padStart(6, '0')}-${String(j).padStart(3, '0')}`;
    subs.push({ productKey: o.subProductKey, deviceName, deviceSecret: secret(deviceName) });
  }
  return { gateway: { productKey: o.productKey, deviceName: gw, deviceSecret: secret(gw) }, subDevices: subs };
}

export type FleetGateway = { readonly gateway: FleetDevice; readonly subDevices: readonly FleetDevice[] };

/** Shard i of n (0-based) of `total` devices: a contiguous, disjoint index range. */
export function shardRange(total: number, shard: number, shards: number): { start: number; end: number } {
  return { start: Math.floor((total * shard) / shards), end: Math.floor((total * (shard + 1)) / shards) };
}

export interface FleetOptions {
  readonly host: string;
  readonly port: number;
  readonly devices: readonly FleetDevice[];
  /** Gateways: each connects, logs its sub-devices in (combine.login) and posts for them too. */
  readonly gateways?: readonly FleetGateway[];
  /** The MQTT client stack (default linkwire's; the benchmark swaps in MQTT.js). */
  readonly stack?: LinkStack;
  /** New connections per second during the ramp. */
  readonly rampPerSecond: number;
  /** Property posts per second per device. */
  readonly ratePerDevice: number;
  readonly qos: 0 | 1;
  /** Bytes of each property post payload (the JSON is padded to this size). */
  readonly payloadSize: number;
  /** How long to send after the ramp. */
  readonly durationMs: number;
  readonly keepalive?: number;
  /** A reply later than this counts as an error. Default 10 s. */
  readonly replyTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called about once a second with the live numbers. */
  readonly onTick?: (s: FleetSnapshot) => void;
  /** Labels for the report. */
  readonly shard?: { readonly index: number; readonly count: number };
}

export interface FleetCounters {
  sent: number;
  acked: number;
  replies: number;
  errors: number;
  refused: number;
  reconnects: number;
  replyTimeouts: number;
  rejectedReplies: number;
  publishFailures: number;
  /** Sub-device logins answered 200, refused (another code), or not answered in time. */
  subLogins: number;
  subLoginsRefused: number;
  subLoginTimeouts: number;
  /** Gateways' thing.topo.add refused or not answered in time. */
  topoRefused: number;
  topoTimeouts: number;
}

export interface FleetSnapshot extends FleetCounters {
  readonly elapsedMs: number;
  readonly phase: 'ramp' | 'steady' | 'drain';
  readonly devices: number;
  readonly connected: number;
  readonly reconnecting: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  /** Rates over the last tick. */
  readonly sentPerSecond: number;
  readonly ackedPerSecond: number;
  readonly repliesPerSecond: number;
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

export interface FleetReport {
  readonly format: 'linkwire-fleet-report/1';
  readonly engine: string;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly target: string;
  readonly devices: number;
  /** Of `devices`: gateways and their sub-devices (the rest connect directly). */
  readonly gateways: number;
  readonly subDevices: number;
  readonly firstDevice: string | null;
  readonly lastDevice: string | null;
  readonly settings: { readonly rampPerSecond: number; readonly ratePerDevice: number; readonly qos: number; readonly payloadSize: number; readonly durationMs: number };
  readonly startedAt: string;
  readonly rampMs: number;
  /** The measured window: after the ramp, before the drain. */
  readonly steadyMs: number;
  readonly connectedAtEnd: number;
  readonly maxConnected: number;
  readonly totals: FleetCounters;
  /** Counted inside the steady window only. */
  readonly steady: { readonly sent: number; readonly acked: number; readonly replies: number };
  readonly rates: { readonly sentPerSecond: number; readonly ackedPerSecond: number; readonly repliesPerSecond: number };
  readonly latencyMs: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null; readonly max: number | null; readonly mean: number | null; readonly count: number; readonly histogram: { readonly counts: readonly number[]; readonly count: number; readonly sum: number; readonly max: number } };
  /** The whole run, and the steady window alone (posting, no connects). */
  readonly cpu: { readonly userMs: number; readonly systemMs: number; readonly percentOfOneCore: number; readonly rampMs: number; readonly steadyMs: number; readonly steadyPercentOfOneCore: number };
  readonly memory: {
    readonly baselineRssBytes: number; readonly peakRssBytes: number; readonly baselineHeapUsedBytes: number; readonly peakHeapUsedBytes: number;
    readonly rssPerDeviceBytes: number | null; readonly heapPerDeviceBytes: number | null;
  };
}

interface Member {
  readonly device: FleetDevice;
  readonly postTopic: string;
  link: DeviceLink | undefined;
  /** Connected (a sub-device: its gateway connected and its login answered 200). */
  connected: boolean;
  nextId: number;
  readonly pending: Map<string, number>;
  /** A sub-device's gateway: it publishes through the gateway's link. */
  readonly via?: Member;
  /** A gateway's sub-devices and its logins awaiting a reply (id → sub-device, sent at). */
  readonly subs?: Member[];
  readonly logins?: Map<string, { readonly sub: Member; readonly at: number }>;
  /** A gateway's thing.topo.add awaiting its reply. */
  topo?: { readonly id: string; readonly at: number } | undefined;
}

const TICK_MS = 20;

/**
 * Runs a fleet: connects the devices at the ramp rate (every CONNECT signed, each device
 * subscribed to its reply topic); once all have been tried, posts properties round-robin at the total rate for the
 * duration, counting PUBACKs, replies (matched by id per device) and their latency; drains the
 * replies still in flight and disconnects. One scheduler timer for the whole fleet, not one per
 * device, so 10 000 devices cost 10 000 sessions and nothing more.
 */
export async function runFleet(o: FleetOptions): Promise<FleetReport> {
  const stack = o.stack ?? linkwireStack;
  const keepalive = o.keepalive ?? 300;
  const replyTimeoutMs = o.replyTimeoutMs ?? 10_000;
  const totals: FleetCounters = {
    sent: 0, acked: 0, replies: 0, errors: 0, refused: 0, reconnects: 0, replyTimeouts: 0, rejectedReplies: 0, publishFailures: 0,
    subLogins: 0, subLoginsRefused: 0, subLoginTimeouts: 0, topoRefused: 0, topoTimeouts: 0,
  };
  const hist: Histogram = createHistogram();
  const member = (device: FleetDevice, extra?: Partial<Member>): Member => ({
    device, postTopic: formatTopic('propertyPost', device), link: undefined, connected: false, nextId: 1, pending: new Map(), ...extra,
  });
  const members: Member[] = o.devices.map((device) => member(device));
  // What connects: direct devices and gateways. Sub-devices only post, through their gateway.
  const connecting: Member[] = [...members];
  let subCount = 0;
  for (const g of o.gateways ?? []) {
    const gw = member(g.gateway, { subs: [], logins: new Map() });
    members.push(gw);
    connecting.push(gw);
    for (const d of g.subDevices) {
      const sub = member(d, { via: gw });
      gw.subs!.push(sub);
      members.push(sub);
      subCount++;
    }
  }
  let connected = 0;
  let reconnecting = 0;
  let maxConnected = 0;
  const startedAt = new Date();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const baselineHeap = process.memoryUsage().heapUsed;
  let peakHeap = baselineHeap;
  let cpuAtSteady = cpu0;
  let cpuAtSteadyEnd = cpu0;
  // The padding that brings the payload to the requested size: the JSON around it is ~90 bytes.
  const envelope = (id: string, pad: string) => `{"id":"${id}","version":"1.0","params":{"Payload":"${pad}"},"method":"thing.event.property.post"}`;
  // One padding per id length (ids grow a digit at a time), so every payload has the size asked for.
  const pads: string[] = [];
  const padFor = (id: string) => (pads[id.length] ??= 'x'.repeat(Math.max(0, o.payloadSize - envelope(id, '').length)));

  const onReply = (m: Member, payload: Uint8Array) => {
    let r;
    try {
      r = decodeReply(payload);
    } catch {
      totals.errors++;
      return;
    }
    const at = m.pending.get(r.id);
    if (at === undefined) return; // a late reply already counted as a timeout
    m.pending.delete(r.id);
    if (r.code === 200) {
      totals.replies++;
      record(hist, performance.now() - at);
    } else {
      totals.rejectedReplies++;
      totals.errors++;
    }
  };

  // Connecting, at the ramp rate, with at most 1000 CONNECTs outstanding.
  let nextToConnect = 0;
  let inFlightConnects = 0;
  let rampDone = connecting.length === 0;
  let rampEnd = t0;
  let loginsStarting = 0;
  const loginsPending = () => {
    let n = loginsStarting;
    for (const m of connecting) if (m.logins) n += m.logins.size + (m.topo ? 1 : 0);
    return n;
  };

  // A gateway (re)connected: it declares its sub-devices (thing.topo.add, signed per sub-device;
  // adding again is harmless) and, once that is answered, logs each one in.
  const addTopology = (gw: Member) => {
    const link = gw.link;
    if (link === undefined || !gw.connected) return;
    const id = String(gw.nextId++);
    const params = gw.subs!.map((sub) => topoAddEntry({ ...sub.device, timestamp: Date.now(), signMethod: 'hmacsha256' }));
    const m = encodeMessage('topoAdd', gw.device, { id, params });
    gw.topo = { id, at: performance.now() };
    link.publish(m.topic, m.payload, 1).catch(() => {
      if (gw.topo?.id === id) gw.topo = undefined;
    });
  };

  const onTopoReply = (gw: Member, payload: Uint8Array) => {
    let r;
    try {
      r = decodeReply(payload);
    } catch {
      totals.errors++;
      return;
    }
    if (gw.topo?.id !== r.id) return;
    gw.topo = undefined;
    if (r.code !== 200) {
      totals.topoRefused++;
      totals.errors++;
    }
    // Log in even after a refusal: a platform that keeps topology elsewhere may still accept.
    loginSubs(gw);
  };

  // Every sub-device logs in again after a reconnect: the platform forgets them with the session.
  const loginSubs = (gw: Member) => {
    const link = gw.link;
    if (link === undefined || !gw.connected) return;
    for (const sub of gw.subs!) {
      const id = String(gw.nextId++);
      const params = combineLoginParams({ ...sub.device, timestamp: Date.now(), signMethod: 'hmacsha256' });
      const m = encodeMessage('combineLogin', gw.device, { id, params });
      gw.logins!.set(id, { sub, at: performance.now() });
      link.publish(m.topic, m.payload, 1).catch(() => {
        if (gw.logins!.delete(id) && !closing) {
          totals.subLoginTimeouts++;
          totals.errors++;
        }
      });
    }
  };

  const onLoginReply = (gw: Member, payload: Uint8Array) => {
    let r;
    try {
      r = decodeReply(payload);
    } catch {
      totals.errors++;
      return;
    }
    const login = gw.logins!.get(r.id);
    if (login === undefined) return;
    gw.logins!.delete(r.id);
    if (r.code === 200 && gw.connected && gw.link) {
      totals.subLogins++;
      // A platform lets a gateway subscribe to a sub-device's topics only once it is logged in.
      const sub = login.sub;
      gw.link.subscribe([`${sub.postTopic}_reply`]).then((granted) => {
        if (granted[0] === 0x80) {
          totals.errors++;
          return;
        }
        if (!sub.connected && gw.connected) {
          sub.connected = true;
          connected++;
          if (connected > maxConnected) maxConnected = connected;
        }
      }, () => {
        totals.errors++;
      });
    } else {
      totals.subLoginsRefused++;
      totals.errors++;
    }
  };

  const dropSubs = (gw: Member) => {
    for (const sub of gw.subs ?? []) {
      if (sub.connected) {
        sub.connected = false;
        connected--;
      }
    }
  };

  const connectOne = (m: Member) => {
    inFlightConnects++;
    let wasConnected = false;
    // A gateway hears its sub-devices' replies and its login replies on the same connection
    // (it subscribes to each sub-device's reply topic after that sub-device's login).
    const byTopic = new Map<string, Member>([[`${m.postTopic}_reply`, m]]);
    const ownReply = `${m.postTopic}_reply`;
    for (const sub of m.subs ?? []) byTopic.set(`${sub.postTopic}_reply`, sub);
    const loginReplyTopic = m.subs ? `${formatTopic('combineLogin', m.device)}_reply` : undefined;
    const topoReplyTopic = m.subs ? `${formatTopic('topoAdd', m.device)}_reply` : undefined;
    stack.open({
      host: o.host, port: o.port, retryFirst: true, minBackoffMs: 1000, maxBackoffMs: 20_000,
      params: () => {
        const c = mqttCredentials({ ...m.device, signMethod: 'hmacsha256', secureMode: 3, timestamp: Date.now(), keepalive });
        return { clientId: c.clientId, username: c.username, password: c.password, keepalive };
      },
      subscriptions: [ownReply, ...(loginReplyTopic && topoReplyTopic ? [loginReplyTopic, topoReplyTopic] : [])],
    }, {
      onMessage: m.subs === undefined ? (_t, payload) => onReply(m, payload) : (t, payload) => {
        if (t === loginReplyTopic) onLoginReply(m, payload);
        else if (t === topoReplyTopic) onTopoReply(m, payload);
        else {
          const target = byTopic.get(t);
          if (target) onReply(target, payload);
        }
      },
      onState: (state) => {
        if (state === 'connected') {
          if (!m.connected) connected++;
          m.connected = true;
          // After the link is handed out (the first connect resolves after this callback).
          if (m.subs) {
            loginsStarting++;
            setTimeout(() => {
              loginsStarting--;
              addTopology(m);
            }, 0);
          }
          if (wasConnected) {
            totals.reconnects++;
            reconnecting--;
          }
          wasConnected = true;
          if (connected > maxConnected) maxConnected = connected;
        } else if (state === 'reconnecting') {
          if (m.connected) {
            connected--;
            m.connected = false;
            reconnecting++;
          }
          dropSubs(m);
        } else if (state === 'refused') {
          totals.refused++;
          totals.errors++;
        } else if (state === 'closed' && m.connected) {
          connected--;
          m.connected = false;
          dropSubs(m);
        }
      },
    }).then((link) => {
      m.link = link;
      inFlightConnects--;
    }, () => {
      inFlightConnects--;
      totals.errors++;
    });
  };

  let closing = false;
  let budget = 0;
  let cursor = 0;
  let last = performance.now();
  let phase: 'ramp' | 'steady' | 'drain' = 'ramp';
  let steadyStart = 0;
  let steadyBase = { sent: 0, acked: 0, replies: 0 };
  let steadyEndCounts = { sent: 0, acked: 0, replies: 0 };
  let steadyEnd = 0;
  const totalRate = o.ratePerDevice * members.length;

  const sendOne = (): boolean => {
    // Round-robin over connected devices; at most one full pass per message.
    for (let tries = 0; tries < members.length; tries++) {
      const m = members[cursor]!;
      cursor = cursor + 1 === members.length ? 0 : cursor + 1;
      const link = m.via ? m.via.link : m.link;
      if (!m.connected || link === undefined) continue;
      const id = String(m.nextId++);
      const payload = envelope(id, padFor(id));
      m.pending.set(id, performance.now());
      totals.sent++;
      link.publish(m.postTopic, payload, o.qos).then(() => {
        if (o.qos === 1) totals.acked++;
      }, () => {
        // Publishes cut off by the final DISCONNECT are not failures of the run.
        if (closing) return;
        totals.publishFailures++;
        totals.errors++;
        m.pending.delete(id);
      });
      return true;
    }
    return false;
  };

  const expire = (now: number) => {
    for (const gw of connecting) {
      if (gw.topo && now - gw.topo.at >= replyTimeoutMs) {
        // No answer to the topology: try the logins anyway (the platform may not need it).
        gw.topo = undefined;
        totals.topoTimeouts++;
        totals.errors++;
        loginSubs(gw);
      }
      if (!gw.logins || gw.logins.size === 0) continue;
      for (const [id, l] of gw.logins) {
        if (now - l.at < replyTimeoutMs) break;
        gw.logins.delete(id);
        totals.subLoginTimeouts++;
        totals.errors++;
      }
    }
    for (const m of members) {
      if (m.pending.size === 0) continue;
      for (const [id, at] of m.pending) {
        if (now - at < replyTimeoutMs) break; // insertion order is send order
        m.pending.delete(id);
        totals.replyTimeouts++;
        totals.errors++;
      }
    }
  };

  let lastTick = { t: t0, sent: 0, acked: 0, replies: 0, cpu: process.cpuUsage() };
  const snapshot = (now: number): FleetSnapshot => {
    const dt = Math.max(1, now - lastTick.t) / 1000;
    const cpu = process.cpuUsage(lastTick.cpu);
    const s: FleetSnapshot = {
      ...totals, elapsedMs: now - t0, phase, devices: members.length, connected, reconnecting,
      p50: percentile(hist, 0.5), p99: percentile(hist, 0.99),
      sentPerSecond: (totals.sent - lastTick.sent) / dt, ackedPerSecond: (totals.acked - lastTick.acked) / dt, repliesPerSecond: (totals.replies - lastTick.replies) / dt,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (dt * 1000)) * 100, rssBytes: process.memoryUsage().rss,
    };
    lastTick = { t: now, sent: totals.sent, acked: totals.acked, replies: totals.replies, cpu: process.cpuUsage() };
    return s;
  };

  await new Promise<void>((resolve) => {
    let lastExpire = t0;
    let lastReport = t0;
    let drainStart = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const dt = (now - last) / 1000;
      last = now;
      if (phase === 'ramp') {
        const due = Math.min(connecting.length, Math.ceil(((now - t0) / 1000) * o.rampPerSecond));
        while (nextToConnect < due && inFlightConnects < 1000) connectOne(connecting[nextToConnect++]!);
        if (nextToConnect === connecting.length && !rampDone) {
          rampDone = true;
        }
        // The ramp ends when every device has been tried, the CONNECTs have settled and the
        // sub-device logins have been answered (or timed out).
        if (rampDone && inFlightConnects === 0 && loginsPending() === 0) {
          phase = 'steady';
          rampEnd = now;
          steadyStart = now;
          steadyBase = { sent: totals.sent, acked: totals.acked, replies: totals.replies };
          cpuAtSteady = process.cpuUsage();
        }
      }
      // Posts start once every device has been tried: a measured steady state, and a platform
      // that is not answering a connection storm and a message stream at once.
      if (phase === 'steady' && connected > 0 && totalRate > 0) {
        budget += totalRate * dt;
        if (budget > totalRate) budget = totalRate; // never a burst of more than a second's worth
        while (budget >= 1) {
          if (!sendOne()) break;
          budget -= 1;
        }
      }
      if (phase === 'steady' && now - steadyStart >= o.durationMs) {
        phase = 'drain';
        drainStart = now;
        steadyEnd = now;
        steadyEndCounts = { sent: totals.sent, acked: totals.acked, replies: totals.replies };
        cpuAtSteadyEnd = process.cpuUsage();
      }
      if (now - lastExpire >= 250) {
        lastExpire = now;
        expire(now);
      }
      const u = process.memoryUsage();
      if (u.rss > peakRss) peakRss = u.rss;
      if (u.heapUsed > peakHeap) peakHeap = u.heapUsed;
      if (o.onTick && now - lastReport >= 1000) {
        lastReport = now;
        o.onTick(snapshot(now));
      }
      const outstanding = members.reduce((n, m) => n + m.pending.size, 0);
      if (phase === 'drain' && (outstanding === 0 || now - drainStart > Math.min(replyTimeoutMs, 5000))) {
        clearInterval(timer);
        resolve();
      }
      if (o.signal?.aborted && phase !== 'drain') {
        if (phase === 'ramp') {
          rampEnd = now;
          steadyStart = now;
          steadyBase = { sent: totals.sent, acked: totals.acked, replies: totals.replies };
          cpuAtSteady = process.cpuUsage();
        }
        phase = 'drain';
        drainStart = now;
        steadyEnd = now;
        steadyEndCounts = { sent: totals.sent, acked: totals.acked, replies: totals.replies };
        cpuAtSteadyEnd = process.cpuUsage();
      }
    }, TICK_MS);
  });
  // What is still pending after the drain did not get a reply in time.
  for (const m of members) {
    totals.replyTimeouts += m.pending.size;
    totals.errors += m.pending.size;
    m.pending.clear();
  }
  const connectedAtEnd = connected;
  closing = true;
  for (const m of connecting) m.link?.close();
  // Let DISCONNECTs reach the wire.
  await new Promise((r) => setTimeout(r, 100));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const steadyMs = Math.max(0, steadyEnd - steadyStart);
  const steady = { sent: steadyEndCounts.sent - steadyBase.sent, acked: steadyEndCounts.acked - steadyBase.acked, replies: steadyEndCounts.replies - steadyBase.replies };
  const per = (n: number) => (steadyMs > 0 ? Math.round((n / steadyMs) * 1000 * 10) / 10 : 0);
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 1000);
  return {
    format: 'linkwire-fleet-report/1',
    engine: stack.name,
    shard: o.shard ?? null,
    target: `${o.host}:${o.port}`,
    devices: members.length,
    gateways: o.gateways?.length ?? 0,
    subDevices: subCount,
    firstDevice: members[0]?.device.deviceName ?? null,
    lastDevice: members[members.length - 1]?.device.deviceName ?? null,
    settings: { rampPerSecond: o.rampPerSecond, ratePerDevice: o.ratePerDevice, qos: o.qos, payloadSize: o.payloadSize, durationMs: o.durationMs },
    startedAt: startedAt.toISOString(),
    rampMs: Math.round(rampEnd - t0),
    steadyMs: Math.round(steadyMs),
    connectedAtEnd,
    maxConnected,
    totals: { ...totals },
    steady,
    rates: { sentPerSecond: per(steady.sent), ackedPerSecond: per(steady.acked), repliesPerSecond: per(steady.replies) },
    latencyMs: {
      p50: round(percentile(hist, 0.5)), p90: round(percentile(hist, 0.9)), p99: round(percentile(hist, 0.99)), max: hist.count ? round(hist.max) : null,
      mean: hist.count ? round(hist.sum / hist.count) : null, count: hist.count, histogram: { counts: hist.counts, count: hist.count, sum: hist.sum, max: hist.max },
    },
    cpu: {
      userMs: Math.round(cpu.user / 1000), systemMs: Math.round(cpu.system / 1000), percentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      rampMs: Math.round(cpuMs(cpu0, cpuAtSteady)), steadyMs: Math.round(cpuMs(cpuAtSteady, cpuAtSteadyEnd)),
      steadyPercentOfOneCore: steadyMs > 0 ? Math.round((cpuMs(cpuAtSteady, cpuAtSteadyEnd) / steadyMs) * 1000) / 10 : 0,
    },
    memory: {
      baselineRssBytes: baselineRss, peakRssBytes: peakRss, baselineHeapUsedBytes: baselineHeap, peakHeapUsedBytes: peakHeap,
      rssPerDeviceBytes: maxConnected > 0 ? Math.round((peakRss - baselineRss) / maxConnected) : null,
      heapPerDeviceBytes: maxConnected > 0 ? Math.round((peakHeap - baselineHeap) / maxConnected) : null,
    },
  };
}

function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
  return Math.max(0, (to.user - from.user + to.system - from.system) / 1000);
}
