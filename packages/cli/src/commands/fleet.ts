import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CliError, duration, EXIT, inputError, int, num, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import { readArgText, readFileArg } from '../input.ts';
import type { Command } from '../main.ts';
import { formatBytes } from '../progress.ts';
import { readSecret, SECRET_HELP } from '../secrets.ts';
import { fleetDevice, fleetGateway, runFleet, shardRange, type FleetDevice, type FleetGateway, type FleetReport, type FleetSnapshot } from '../sim/fleet.ts';
import { mergeHistograms, percentile } from '../sim/histogram.ts';

const DEFAULTS = { productKey: 'a1LwFleet01', subProductKey: 'a1LwFleetSub', prefix: 'lw-fleet-', fleetKey: 'linkwire-fleet' };

function fmt(n: number | undefined | null, digits = 1): string {
  return n === undefined || n === null ? '-' : n.toFixed(digits);
}

/** The live table: a block of lines redrawn in place on a terminal. */
function table(s: FleetSnapshot): string[] {
  return [
    `fleet ${(s.elapsedMs / 1000).toFixed(0).padStart(4)} s  ${s.phase.padEnd(6)}  devices ${s.devices}  connected ${s.connected}  reconnecting ${s.reconnecting}  refused ${s.refused}`,
    `  sent ${s.sent} (${s.sentPerSecond.toFixed(0)}/s)  acked ${s.acked} (${s.ackedPerSecond.toFixed(0)}/s)  replies ${s.replies} (${s.repliesPerSecond.toFixed(0)}/s)  errors ${s.errors}`,
    `  reply latency p50 ${fmt(s.p50, 2)} ms  p99 ${fmt(s.p99, 2)} ms   cpu ${s.cpuPercent.toFixed(0)}%  rss ${formatBytes(s.rssBytes)}`,
  ];
}

function plainLine(s: FleetSnapshot): string {
  return `fleet ${(s.elapsedMs / 1000).toFixed(0)}s ${s.phase} connected=${s.connected}/${s.devices} reconnecting=${s.reconnecting} sent=${s.sent} acked=${s.acked} replies=${s.replies} errors=${s.errors} p50=${fmt(s.p50, 2)}ms p99=${fmt(s.p99, 2)}ms rate=${s.repliesPerSecond.toFixed(0)}/s cpu=${s.cpuPercent.toFixed(0)}%`;
}

export function summary(r: FleetReport): string[] {
  return [
    `devices     ${r.devices}${r.gateways ? ` (${r.gateways} gateways with ${r.subDevices} sub-devices)` : ''}${r.shard ? ` (shard ${r.shard.index}/${r.shard.count}: ${r.firstDevice} … ${r.lastDevice})` : ''} against ${r.target} (${r.engine})`,
    `connected   ${r.maxConnected} at most, ${r.connectedAtEnd} at the end; ${r.totals.reconnects} reconnects, ${r.totals.refused} refused; ramp ${(r.rampMs / 1000).toFixed(1)} s`,
    `steady      ${(r.steadyMs / 1000).toFixed(1)} s: sent ${r.steady.sent}, acked ${r.steady.acked}, replies ${r.steady.replies}`,
    `rates       ${r.rates.sentPerSecond}/s sent, ${r.rates.ackedPerSecond}/s acked, ${r.rates.repliesPerSecond}/s replies`,
    `latency     p50 ${fmt(r.latencyMs.p50, 2)} ms, p90 ${fmt(r.latencyMs.p90, 2)} ms, p99 ${fmt(r.latencyMs.p99, 2)} ms, max ${fmt(r.latencyMs.max, 2)} ms (${r.latencyMs.count} replies)`,
    ...(r.gateways ? [`sub-devices ${r.totals.subLogins} logins answered 200, ${r.totals.subLoginsRefused} refused, ${r.totals.subLoginTimeouts} unanswered`] : []),
    `errors      ${r.totals.errors} (reply timeouts ${r.totals.replyTimeouts}, rejected replies ${r.totals.rejectedReplies}, failed publishes ${r.totals.publishFailures}, refused ${r.totals.refused})`,
    `cpu         ${r.cpu.userMs} ms user, ${r.cpu.systemMs} ms system (${r.cpu.percentOfOneCore}% of one core); ramp ${r.cpu.rampMs} ms, steady ${r.cpu.steadyMs} ms (${r.cpu.steadyPercentOfOneCore}%)`,
    `memory      peak rss ${formatBytes(r.memory.peakRssBytes)}; per connected device ${r.memory.rssPerDeviceBytes === null ? '-' : formatBytes(r.memory.rssPerDeviceBytes)} rss, ${r.memory.heapPerDeviceBytes === null ? '-' : formatBytes(r.memory.heapPerDeviceBytes)} heap`,
  ];
}

/** Starts the local platform in its own process (a process has 20 000 file descriptors: the fleet and the broker need one each per device). */
async function startPlatformProcess(io: CliIo, devices: number, gateways: number, subDevices: number, o: typeof DEFAULTS): Promise<{ host: string; port: number; child: ChildProcess }> {
  const entry = process.argv[1];
  if (entry === undefined) throw new CliError(EXIT.internal, 'cannot find the linkwire entry to start the platform process');
  const child = spawn(process.execPath, [...process.execArgv, entry, '__fleet-platform', '--devices', String(devices), '--gateways', String(gateways), '--sub-devices', String(subDevices), '--product-key', o.productKey, '--sub-product-key', o.subProductKey, '--prefix', o.prefix, '--fleet-key', o.fleetKey], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolveLine, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => resolveLine(l));
    child.once('exit', (code) => reject(new CliError(EXIT.internal, `the platform process exited (${code}) before listening`)));
  });
  const { host, port } = JSON.parse(line) as { host: string; port: number };
  io.err(`platform  local emulator process ${child.pid} on ${host}:${port} with ${devices + gateways * (1 + subDevices)} devices`);
  return { host, port, child };
}

function readDevicesFile(path: string, io: CliIo): FleetDevice[] {
  const text = new TextDecoder().decode(readFileArg(path, 'the devices file', io));
  const out: FleetDevice[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    const [productKey, deviceName, deviceSecret] = l.split(',').map((x) => x.trim());
    if (!productKey || !deviceName || !deviceSecret) throw inputError(`${path} line ${i + 1} is not productKey,deviceName,deviceSecret`);
    out.push({ productKey, deviceName, deviceSecret });
  });
  if (out.length === 0) throw inputError(`${path} lists no devices`);
  return out;
}

async function runFleetCommand(p: Parsed, io: CliIo): Promise<number> {
  const c = 'fleet';
  const host = str(p, 'host', c, true);
  const port = int(p, 'port', c, 1, 65535);
  if ((host === undefined) !== (port === undefined)) throw usageError('--host and --port go together', 'leave both out to run against a local emulator process');
  const shardText = str(p, 'shard', c, true) ?? '0/1';
  const sm = /^(\d+)\/(\d+)$/.exec(shardText);
  if (sm === null || Number(sm[2]) < 1 || Number(sm[1]) >= Number(sm[2])) throw usageError(`--shard ${shardText} is not i/n with 0 <= i < n`, 'for example --shard 0/4 … --shard 3/4 (a Kubernetes indexed Job: --shard $JOB_COMPLETION_INDEX/4)');
  const shard = { index: Number(sm[1]), count: Number(sm[2]) };
  const gen = {
    productKey: str(p, 'product-key', c, true) ?? DEFAULTS.productKey,
    subProductKey: str(p, 'sub-product-key', c, true) ?? DEFAULTS.subProductKey,
    prefix: str(p, 'prefix', c, true) ?? DEFAULTS.prefix,
    fleetKey: p.values['fleet-key'] === undefined ? DEFAULTS.fleetKey : readSecret(String(p.values['fleet-key']), 'fleet-key', io),
  };
  const filePath = str(p, 'devices-file', c, true);
  let all: FleetDevice[] | undefined = filePath === undefined ? undefined : readDevicesFile(filePath, io);
  const gatewayCount = int(p, 'gateways', c, 0, 100_000) ?? 0;
  const subPer = int(p, 'sub-devices', c, 0, 1500) ?? (gatewayCount > 0 ? 10 : 0);
  if (subPer > 0 && gatewayCount === 0) throw usageError('--sub-devices needs --gateways', 'for example --gateways 10 --sub-devices 50');
  const total = all?.length ?? int(p, 'devices', c, 0, 1_000_000) ?? (gatewayCount > 0 ? 0 : 100);
  const { start, end } = shardRange(total, shard.index, shard.count);
  const devices = all ? all.slice(start, end) : Array.from({ length: end - start }, (_, i) => fleetDevice(start + i, gen));
  all = undefined;
  const gw = shardRange(gatewayCount, shard.index, shard.count);
  const gateways: FleetGateway[] = Array.from({ length: gw.end - gw.start }, (_, i) => fleetGateway(gw.start + i, subPer, gen));
  const sockets = devices.length + gateways.length;
  if (sockets > 19_000) throw usageError(`${sockets} connections in one process exceed its 20 000 open files`, 'split the fleet with --shard i/n over processes or machines');
  if (sockets === 0) throw usageError('this shard has no devices', 'give --devices N and/or --gateways G');
  const qos = int(p, 'qos', c, 0, 1) ?? 1;
  const settings = {
    rampPerSecond: num(p, 'ramp', c, 1, 100_000) ?? 500,
    ratePerDevice: num(p, 'rate', c, 0, 1000) ?? 1,
    qos: qos as 0 | 1,
    payloadSize: int(p, 'payload-size', c, 0, 256 * 1024) ?? 256,
    durationMs: duration(p, 'duration', c) ?? 30_000,
  };
  const replyTimeoutMs = duration(p, 'reply-timeout', c) ?? 10_000;
  let platform: { host: string; port: number; child: ChildProcess } | undefined;
  if (host === undefined) {
    if (filePath !== undefined) throw usageError('--devices-file needs --host and --port', 'the generated fleet (--devices N) runs against the local emulator');
    platform = await startPlatformProcess(io, total, gatewayCount, subPer, gen);
  }
  const tty = io.stderrIsTty && !p.json;
  let drawn = 0;
  let lastPlain = -Infinity;
  const onTick = (s: FleetSnapshot) => {
    if (tty) {
      const lines = table(s).map((l) => l.slice(0, Math.max(20, io.columns - 1)));
      io.errRaw(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\r\x1b[K${l}\n`).join('')}`);
      drawn = lines.length;
    } else if (s.elapsedMs - lastPlain >= 4500) {
      // The first tick, then one line every 5 s: a log that stays readable over an hour's run.
      lastPlain = s.elapsedMs;
      io.err(plainLine(s));
    }
  };
  let report: FleetReport;
  try {
    report = await runFleet({
      host: host ?? platform!.host, port: port ?? platform!.port, devices, gateways, ...settings, replyTimeoutMs, signal: io.signal, onTick,
      ...(shard.count > 1 ? { shard } : {}),
    });
  } finally {
    if (platform) {
      // Ctrl-C at a terminal reaches the platform process too: it may have exited already.
      const child = platform.child;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }
  const reportPath = str(p, 'report', c, true);
  if (reportPath !== undefined) writeFileSync(resolve(io.cwd, reportPath), `${JSON.stringify(report, null, 2)}\n`);
  if (p.json) printJson(io, report);
  else for (const l of summary(report)) io.out(l);
  if (report.subDevices > 0 && report.totals.subLogins === 0) {
    io.err(`linkwire: no sub-device login was answered 200 (${report.totals.subLoginsRefused} refused, ${report.totals.subLoginTimeouts} unanswered)`);
    io.err('  the platform must answer combine.login and know each sub-device as its gateway\'s (topology); sub-devices posted nothing');
  }
  if (report.maxConnected === 0) {
    io.err(`linkwire: no device connected to ${report.target}`);
    io.err(report.totals.refused > 0 ? '  the platform refused the credentials: check --product-key, --prefix and --fleet-key (or the devices file)' : '  is the platform running, and are --host and --port right?');
    return report.totals.refused > 0 ? EXIT.failed : EXIT.network;
  }
  return EXIT.ok;
}

/** Combines shard reports: counters add, histograms add bucket by bucket, rates add (shards run at once). */
export function mergeReports(reports: readonly FleetReport[]): FleetReport & { readonly shards: number; readonly overlapping: boolean } {
  for (const r of reports) if (r.format !== 'linkwire-fleet-report/1') throw inputError('a report is not a linkwire fleet report (format linkwire-fleet-report/1)');
  const sum = (f: (r: FleetReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const counters = Object.keys(reports[0]!.totals) as (keyof FleetReport['totals'])[];
  const totals = Object.fromEntries(counters.map((k) => [k, sum((r) => r.totals[k])])) as unknown as FleetReport['totals'];
  const hist = mergeHistograms(reports.map((r) => r.latencyMs.histogram));
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 1000);
  const names = reports.map((r) => `${r.firstDevice}…${r.lastDevice}`);
  const shardIds = reports.map((r) => (r.shard ? `${r.shard.index}/${r.shard.count}` : 'whole'));
  const overlapping = new Set(shardIds).size !== shardIds.length || new Set(names).size !== names.length;
  return {
    ...reports[0]!,
    shard: null,
    shards: reports.length,
    overlapping,
    devices: sum((r) => r.devices),
    gateways: sum((r) => r.gateways ?? 0),
    subDevices: sum((r) => r.subDevices ?? 0),
    firstDevice: reports.map((r) => r.firstDevice).filter((x): x is string => x !== null).sort()[0] ?? null,
    lastDevice: reports.map((r) => r.lastDevice).filter((x): x is string => x !== null).sort().at(-1) ?? null,
    rampMs: Math.max(...reports.map((r) => r.rampMs)),
    steadyMs: Math.min(...reports.map((r) => r.steadyMs)),
    connectedAtEnd: sum((r) => r.connectedAtEnd),
    maxConnected: sum((r) => r.maxConnected),
    totals,
    steady: { sent: sum((r) => r.steady.sent), acked: sum((r) => r.steady.acked), replies: sum((r) => r.steady.replies) },
    rates: { sentPerSecond: sum((r) => r.rates.sentPerSecond), ackedPerSecond: sum((r) => r.rates.ackedPerSecond), repliesPerSecond: sum((r) => r.rates.repliesPerSecond) },
    latencyMs: {
      p50: round(percentile(hist, 0.5)), p90: round(percentile(hist, 0.9)), p99: round(percentile(hist, 0.99)), max: hist.count ? round(hist.max) : null,
      mean: hist.count ? round(hist.sum / hist.count) : null, count: hist.count, histogram: { counts: hist.counts, count: hist.count, sum: hist.sum, max: hist.max },
    },
    cpu: {
      userMs: sum((r) => r.cpu.userMs), systemMs: sum((r) => r.cpu.systemMs), percentOfOneCore: sum((r) => r.cpu.percentOfOneCore),
      rampMs: sum((r) => r.cpu.rampMs), steadyMs: sum((r) => r.cpu.steadyMs), steadyPercentOfOneCore: sum((r) => r.cpu.steadyPercentOfOneCore),
    },
    memory: {
      baselineRssBytes: sum((r) => r.memory.baselineRssBytes), peakRssBytes: sum((r) => r.memory.peakRssBytes),
      baselineHeapUsedBytes: sum((r) => r.memory.baselineHeapUsedBytes), peakHeapUsedBytes: sum((r) => r.memory.peakHeapUsedBytes),
      rssPerDeviceBytes: sum((r) => r.maxConnected) > 0 ? Math.round(sum((r) => r.memory.peakRssBytes - r.memory.baselineRssBytes) / sum((r) => r.maxConnected)) : null,
      heapPerDeviceBytes: sum((r) => r.maxConnected) > 0 ? Math.round(sum((r) => r.memory.peakHeapUsedBytes - r.memory.baselineHeapUsedBytes) / sum((r) => r.maxConnected)) : null,
    },
  };
}

export const fleetCommands: Command[] = [
  {
    spec: {
      name: 'fleet', summary: 'load generator: N devices, a connection ramp, message rates, a live table and a JSON report',
      usage: ['fleet [--devices N] [--ramp 500] [--rate 1] [--qos 1] [--payload-size 256] [--duration 30s] [--shard i/n] [--report file.json]', 'fleet --host <h> --port <p> (--devices N --product-key <pk> --fleet-key <k> | --devices-file devices.csv)'],
      description: [
        'Connects the devices at --ramp CONNECTs per second (each signed with HMAC-SHA256, reconnecting with backoff), then posts properties at --rate per device for --duration, counting PUBACKs (QoS 1), replies on post_reply (matched by id, latency measured) and errors (refusals, failed publishes, replies that are late or not 200). A live table on a terminal, a plain line every 5 s otherwise, and a final report (text, or --json / --report file.json).',
        'Without --host it starts the local emulator in a second process with the generated devices: {prefix}{index, six digits} in --product-key, each secret the first 32 hex digits of HMAC-SHA256(--fleet-key, deviceName). A real platform: register devices that way, or pass --devices-file with productKey,deviceName,deviceSecret lines.',
        'Gateways: --gateways G --sub-devices S adds G gateways ({prefix}gw{index}) that connect, declare their topology (signed thing.topo.add), log in S sub-devices each ({prefix}sub{gateway}-{j} in --sub-product-key) with signed combine.login (again after every reconnect), and post properties for them on the sub-devices\' topics; a sub-device counts as connected once its login is answered 200.',
        'Sharding: --shard i/n takes the i-th of n disjoint, contiguous index ranges of the --devices N fleet, so n processes or machines share one fleet (a Kubernetes indexed Job runs `linkwire fleet … --shard $JOB_COMPLETION_INDEX/n --report /out/shard-$JOB_COMPLETION_INDEX.json`); `linkwire fleet merge` adds their reports. One process holds at most ~19 000 devices (20 000 open files).',
      ],
      options: {
        devices: { type: 'string', value: '<N>', description: 'directly connected devices in the whole fleet (all shards); default 100, or 0 with --gateways' },
        gateways: { type: 'string', value: '<G>', description: 'gateways in the whole fleet, each logging in its sub-devices (combine.login) and posting for them' },
        'sub-devices': { type: 'string', value: '<S>', description: 'sub-devices per gateway (default 10 with --gateways)' },
        'sub-product-key': { type: 'string', value: '<pk>', description: 'product of the generated sub-devices', default: DEFAULTS.subProductKey },
        shard: { type: 'string', value: '<i/n>', description: 'run shard i of n (0-based)', default: '0/1' },
        ramp: { type: 'string', value: '<per-second>', description: 'new connections per second', default: '500' },
        rate: { type: 'string', value: '<per-second>', description: 'property posts per second per device (0.1 = one every 10 s)', default: '1' },
        qos: { type: 'string', value: '<0|1>', description: 'QoS of the posts', default: '1' },
        'payload-size': { type: 'string', value: '<bytes>', description: 'size of each post\'s JSON', default: '256' },
        duration: { type: 'string', value: '<duration>', description: 'how long to send after the ramp', default: '30s' },
        'reply-timeout': { type: 'string', value: '<duration>', description: 'a reply later than this is an error', default: '10s' },
        host: { type: 'string', value: '<host>', description: 'the MQTT endpoint (default: a local emulator process)' },
        port: { type: 'string', value: '<port>', description: 'its port' },
        'product-key': { type: 'string', value: '<pk>', description: 'product of the generated devices', default: DEFAULTS.productKey },
        prefix: { type: 'string', value: '<text>', description: 'device name prefix', default: DEFAULTS.prefix },
        'fleet-key': { type: 'string', value: '<key>', description: `derives the device secrets: ${SECRET_HELP}`, default: DEFAULTS.fleetKey },
        'devices-file': { type: 'string', value: '<csv>', description: 'productKey,deviceName,deviceSecret per line, instead of generated devices' },
        report: { type: 'string', value: '<file.json>', description: 'also write the final report here (for `fleet merge`)' },
      },
      examples: [
        'linkwire fleet --devices 1000 --rate 1 --duration 30s',
        'linkwire fleet --devices 10000 --ramp 1000 --rate 0.5 --qos 1 --duration 60s --report fleet.json',
        'linkwire fleet --devices 40000 --shard 2/4 --host broker.internal --port 1883 --fleet-key env:FLEET_KEY --report shard-2.json',
      ],
    },
    run: runFleetCommand,
  },
  {
    spec: {
      name: 'fleet merge', summary: 'combine the reports of fleet shards into one',
      usage: ['fleet merge <report.json>…'],
      description: ['Counters and rates add (the shards ran at the same time), latency percentiles are recomputed from the merged histograms (exact to the bucket), CPU and memory add up. Warns when two reports cover the same shard.'],
      options: {},
      positionals: [1, 10_000],
      examples: ['linkwire fleet merge shard-*.json --json > fleet.json'],
    },
    async run(p, io) {
      const reports: FleetReport[] = [];
      for (const path of p.positionals) {
        try {
          reports.push(JSON.parse(await readArgText(path.startsWith('@') || path === '-' ? path : `@${path}`, 'the report', io)) as FleetReport);
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw inputError(`${path} is not JSON: ${(e as Error).message}`);
        }
      }
      const merged = mergeReports(reports);
      if (merged.overlapping) io.err('linkwire: warning: two reports cover the same shard or devices: their counts are added twice');
      if (p.json) printJson(io, merged);
      else {
        io.out(`shards      ${merged.shards}`);
        for (const l of summary(merged)) io.out(l);
      }
      return EXIT.ok;
    },
  },
  {
    hidden: true,
    spec: {
      name: '__fleet-platform', summary: 'internal: the local emulator process of `linkwire fleet`',
      usage: ['__fleet-platform --devices N --product-key <pk> --prefix <p> --fleet-key <k>'],
      options: {
        devices: { type: 'string', description: 'devices to register' },
        gateways: { type: 'string', description: 'gateways to register' },
        'sub-devices': { type: 'string', description: 'sub-devices per gateway to register' },
        'product-key': { type: 'string', description: 'their product' },
        'sub-product-key': { type: 'string', description: 'the sub-devices\' product' },
        prefix: { type: 'string', description: 'their name prefix' },
        'fleet-key': { type: 'string', description: 'the key their secrets derive from' },
      },
    },
    async run(p, io) {
      const c = '__fleet-platform';
      // Ctrl-C at a terminal reaches the whole process group: the fleet drains its replies first
      // and then ends this process (SIGTERM, or its stdin closing), so SIGINT is not ours to act on.
      process.removeAllListeners('SIGINT');
      process.on('SIGINT', () => undefined);
      const n = int(p, 'devices', c, 0, 1_000_000) ?? 0;
      const g = int(p, 'gateways', c, 0, 1_000_000) ?? 0;
      const s = int(p, 'sub-devices', c, 0, 1_000_000) ?? 0;
      const gen = { productKey: str(p, 'product-key', c), subProductKey: str(p, 'sub-product-key', c, true) ?? DEFAULTS.subProductKey, prefix: str(p, 'prefix', c), fleetKey: str(p, 'fleet-key', c) };
      const { startEmulator } = await import('@linkwire/emulator');
      const all = Array.from({ length: n }, (_, i) => fleetDevice(i, gen));
      for (let i = 0; i < g; i++) {
        const x = fleetGateway(i, s, gen);
        all.push(x.gateway, ...x.subDevices);
      }
      const platform = await startEmulator({ devices: all });
      io.out(JSON.stringify({ host: platform.host, port: platform.port }));
      // Until the fleet says stop, or goes away (its end of stdin closes).
      await new Promise<void>((resolveStop) => {
        io.signal.addEventListener('abort', () => resolveStop(), { once: true });
        process.stdin.on('end', () => resolveStop());
        process.stdin.on('error', () => resolveStop());
        process.stdin.resume();
      });
      await platform.close();
      return EXIT.ok;
    },
  },
];
