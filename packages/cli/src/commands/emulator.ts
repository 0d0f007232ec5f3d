import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Emulator, EmulatorEvent, EmulatorTls, PlatformStore } from '@linkwire/emulator';
import { mqttCredentials } from '@linkwire/sign';
import { CliError, EXIT, inputError, int, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import { formatIssue, readEmulatorConfig, type EdgeConfig, type EmulatorConfig } from '../emulator-config.ts';
import type { Command } from '../main.ts';
import { readSecret, SECRET_HELP } from '../secrets.ts';
import { DEMO_EDGE, DEMO_PLATFORM } from '../sim/demo-fleet.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** What a person (and, with --json, a script) needs to reach the running platform. */
interface Endpoints {
  mqtt: string;
  mqttTls?: string;
  mqttWs?: string;
  mqttWss?: string;
  http?: string;
  https?: string;
  coap?: string;
  ca?: string;
  console?: string;
  adminApi?: string;
  state?: string;
  cluster?: string;
  edge?: { api: string; driverMqtt: string; driverWs?: string; account?: string; gateway: string; drivers: string[] };
}

/** A Redis URL as printed: its password, if any, is not. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url; // a socket path
  }
}

function line(label: string, value: string, note = ''): string {
  return `  ${label.padEnd(11)}${value}${note === '' ? '' : `   ${note}`}`;
}

/** The platform's TLS identity: generated once and kept in the state directory, so devices that trust its CA keep trusting it. */
function tlsIdentity(stateDir: string | undefined, hosts: readonly string[], generate: (hosts: string[]) => EmulatorTls & { ca: string }): EmulatorTls & { ca: string } {
  if (stateDir !== undefined) {
    const dir = join(stateDir, 'tls');
    const files = { key: join(dir, 'server-key.pem'), cert: join(dir, 'server-cert.pem'), ca: join(dir, 'ca.pem') };
    if (existsSync(files.key) && existsSync(files.cert) && existsSync(files.ca)) {
      return { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8'), ca: readFileSync(files.ca, 'utf8') };
    }
    const made = generate([...hosts]);
    mkdirSync(dir, { recursive: true });
    writeFileSync(files.key, made.key, { mode: 0o600 });
    writeFileSync(files.cert, made.cert);
    writeFileSync(files.ca, made.ca);
    return made;
  }
  return generate([...hosts]);
}

function describeEvent(e: EmulatorEvent, width: number): string | undefined {
  const cut = (s: string) => (s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s);
  switch (e.type) {
    case 'connected': return `connected     ${e.deviceName}&${e.productKey} (${e.transport})`;
    case 'disconnected': return `disconnected  ${e.deviceName}&${e.productKey}${e.reason ? ` (${e.reason})` : ''}`;
    case 'refused': return cut(`refused       ${e.clientId}: ${e.reason} (CONNACK ${e.returnCode})`);
    case 'denied': return cut(`denied        ${e.clientId} ${e.action} ${e.topic}`);
    case 'request': return cut(`→ ${e.topic}  ${e.payload}`);
    case 'reply': return cut(`← ${e.topic}  ${e.payload}`);
    case 'dropped': return cut(`dropped       ${e.topic}: ${e.reason}`);
    case 'store_error': return `state store   ${e.message} [${e.code}] (retrying)`;
    default: return undefined;
  }
}

async function runEmulator(p: Parsed, io: CliIo): Promise<number> {
  const c = 'emulator';
  const host = str(p, 'host', c);
  const port = int(p, 'port', c, 0, 65535) ?? 1883;
  const configPath = str(p, 'config', c, true);
  const stateOption = str(p, 'state', c, true);
  const redis = str(p, 'redis', c, true);
  const coap = str(p, 'coap', c);
  if (coap !== 'aes' && coap !== 'dtls' && coap !== 'off') throw usageError(`--coap ${JSON.stringify(coap)} must be aes, dtls or off`);
  const json = p.json;
  const quiet = p.values['quiet'] === true;
  const exposed = !LOOPBACK.has(host);
  // The admin API and console: on by default, on loopback; elsewhere only with a token.
  const adminOn = p.values['no-admin'] !== true;
  const adminHost = str(p, 'admin-host', c);
  const adminPort = int(p, 'admin-port', c, 0, 65535) ?? 0;
  const adminTokenText = str(p, 'admin-token', c, true);
  const adminToken = adminTokenText === undefined ? undefined : readSecret(adminTokenText, 'admin-token', io);
  if (adminOn && adminToken !== undefined && adminToken.length < 16) throw usageError('--admin-token must be at least 16 characters', 'for example: --admin-token env:LINKWIRE_ADMIN_TOKEN with `openssl rand -hex 16` in it');
  if (adminOn && adminToken === undefined && !LOOPBACK.has(adminHost)) {
    throw usageError(`the admin API on ${adminHost} would be open to the network`, 'give --admin-token (env:NAME or file:PATH keeps it out of the shell history), or leave --admin-host at 127.0.0.1');
  }

  // 1. The products/devices file (or the demo), every issue with its line and column.
  let config: EmulatorConfig;
  if (configPath !== undefined) {
    const r = readEmulatorConfig(configPath, io.cwd, io.env);
    for (const i of r.issues) io.err(formatIssue(i));
    if (r.config === undefined) {
      const errors = r.issues.filter((i) => i.severity === 'error');
      if (json) printJson(io, { ok: false, error: { exitCode: EXIT.input, message: `${configPath} has ${errors.length} error${errors.length === 1 ? '' : 's'}` }, issues: r.issues });
      io.err(`linkwire: ${configPath} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was started`);
      return EXIT.input;
    }
    config = r.config;
  } else {
    config = { products: [...DEMO_PLATFORM.products], devices: [...DEMO_PLATFORM.devices], tslText: { ...DEMO_PLATFORM.tslText }, edge: undefined };
  }
  if (p.values['check'] === true) {
    if (json) printJson(io, { ok: true, products: config.products.length, devices: config.devices.length, edge: config.edge !== undefined });
    else io.out(`${configPath ?? 'the demo configuration'}: ${config.products.length} product${config.products.length === 1 ? '' : 's'}, ${config.devices.length} device${config.devices.length === 1 ? '' : 's'}${config.edge ? `, an edge gateway with ${config.edge.drivers.length} driver${config.edge.drivers.length === 1 ? '' : 's'}` : ''}: valid`);
    return EXIT.ok;
  }

  // 2. The edge gateway's devices join the platform: the gateway itself and its drivers' devices.
  let edge: EdgeConfig | undefined;
  if (p.values['edge'] === true) {
    edge = config.edge ?? DEMO_EDGE.edge;
    if (config.edge === undefined) {
      config = {
        ...config,
        products: [...config.products, ...DEMO_EDGE.products.filter((x) => !config.products.some((y) => y.productKey === x.productKey))],
        devices: [...config.devices, ...DEMO_EDGE.devices],
        tslText: { ...DEMO_EDGE.tslText, ...config.tslText },
      };
    }
    const gw = edge.gateway;
    if (!config.devices.some((d) => d.productKey === gw.productKey && d.deviceName === gw.deviceName)) {
      config = { ...config, devices: [...config.devices, { productKey: gw.productKey, deviceName: gw.deviceName, deviceSecret: gw.deviceSecret }] };
    }
  }

  const { startEmulator, startEdgeGateway, directoryStore, generateCertificates, PlatformStoreError } = await import('@linkwire/emulator');

  // 3. State, TLS, then the platform.
  const stateDir = stateOption === undefined ? undefined : resolve(io.cwd, stateOption);
  let store: PlatformStore | undefined;
  if (stateDir !== undefined) {
    try {
      store = directoryStore(join(stateDir, 'records'));
    } catch (e) {
      if (e instanceof PlatformStoreError && e.code === 'locked') throw new CliError(EXIT.failed, `--state ${stateOption}: ${e.message}`, 'stop the other emulator, or give this one another --state directory');
      throw inputError(`--state ${stateOption}: ${(e as Error).message}`);
    }
  }
  const tlsOn = p.values['no-tls'] !== true;
  const hosts = [...new Set([host, '127.0.0.1', 'localhost', ...(exposed ? [hostname()] : [])])];
  const tls = tlsOn ? tlsIdentity(stateDir, hosts, (h) => generateCertificates({ hosts: h, days: 825 })) : undefined;
  const caOption = str(p, 'ca-file', c, true);
  const caFile = tls === undefined ? undefined : caOption !== undefined ? resolve(io.cwd, caOption) : stateDir !== undefined ? join(stateDir, 'tls', 'ca.pem') : join(tmpdir(), `linkwire-emulator-${process.pid}-ca.pem`);
  const temporaryCa = tls !== undefined && caOption === undefined && stateDir === undefined;
  if (tls !== undefined && caFile !== undefined && !(stateDir !== undefined && caOption === undefined)) writeFileSync(caFile, tls.ca);

  // A terminal gets one line per event, cut to its width; a pipe or a log file gets whole payloads (bounded).
  const columns = io.stderrIsTty ? Math.max(60, io.columns) : 4096;
  const onEvent = quiet ? undefined : (e: EmulatorEvent) => {
    const text = describeEvent(e, columns - 13);
    if (text !== undefined) io.err(`${clock(io.now())}  ${text}`);
  };
  let platform: Emulator;
  try {
    platform = await startEmulator({
      host, port, devices: config.devices, products: config.products, websocket: p.values['no-websocket'] !== true, http: p.values['no-http'] !== true,
      ...(tls === undefined ? {} : { tls }), ...(coap === 'off' ? {} : { coap }), ...(store === undefined ? {} : { store }), ...(onEvent === undefined ? {} : { onEvent }),
      ...(redis === undefined ? {} : { redis }),
      ...(adminOn ? { admin: { host: adminHost, port: adminPort, ...(adminToken === undefined ? {} : { token: adminToken }) } } : {}),
    });
  } catch (e) {
    if (temporaryCa && caFile !== undefined) rmSync(caFile, { force: true });
    await store?.close().catch(() => undefined);
    if (e instanceof PlatformStoreError && redis !== undefined && /cluster mode/.test(e.message)) {
      throw new CliError(EXIT.network, e.message, 'start redis-server there, or fix --redis (redis://host:port, or a Unix socket path)');
    }
    if (e instanceof PlatformStoreError) {
      const w = e.where;
      throw new CliError(EXIT.input, `the state in ${stateOption} cannot be read: ${e.message}`, w.file === undefined ? 'fix or remove the record, or start with another --state directory' : `fix ${w.file}${w.line === undefined ? '' : ` (line ${w.line}, column ${w.column})`} or remove it, or start with another --state directory`);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      const which = adminOn && adminPort !== 0 && (e as { port?: number }).port === adminPort ? `--admin-port ${adminPort} on ${adminHost}` : `port ${port} on ${host}`;
      throw new CliError(EXIT.network, `${which} is in use`, 'port 0 picks a free port (or stop what listens there)');
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(EXIT.network, `cannot listen on ${host}: ${(e as Error).message}`, 'give --host an address of this machine');
    if (e instanceof TypeError) throw inputError((e as Error).message);
    throw e;
  }

  // 4. The edge gateway beside it, connected upstream as a gateway device.
  let gateway: Awaited<ReturnType<typeof startEdgeGateway>> | undefined;
  if (edge !== undefined) {
    const secrets = new Map(config.devices.map((d) => [`${d.productKey}&${d.deviceName}`, d.deviceSecret]));
    try {
      gateway = await startEdgeGateway({
        host, gateway: edge.gateway, drivers: edge.drivers, tsl: config.tslText, websocket: true,
        upstream: { host: platform.host, port: platform.port, deviceSecret: (pk, dn) => secrets.get(`${pk}&${dn}`) },
        ...(exposed ? { users: [{ username: 'admin', password: edgePassword(io) }] } : {}),
        ...(quiet ? {} : { onEvent: (e) => {
          if (e.type === 'driver_connected' || e.type === 'driver_disconnected') io.err(`${clock(io.now())}  edge          ${e.type.replace('_', ' ')} ${e.driverId}`);
          else if (e.type === 'online' || e.type === 'offline') io.err(`${clock(io.now())}  edge          ${e.deviceName}&${e.productKey} ${e.type}`);
        } }),
      });
    } catch (e) {
      await platform.close();
      if (temporaryCa && caFile !== undefined) rmSync(caFile, { force: true });
      if (e instanceof CliError) throw e;
      throw inputError(`the edge gateway cannot start: ${(e as Error).message}`, 'check the "edge" section of the configuration');
    }
  }

  const endpoints: Endpoints = {
    mqtt: `mqtt://${platform.host}:${platform.port}`,
    ...(platform.tlsPort === undefined ? {} : { mqttTls: `mqtts://${platform.host}:${platform.tlsPort}` }),
    ...(platform.wsPort === undefined ? {} : { mqttWs: `ws://${platform.host}:${platform.wsPort}/mqtt` }),
    ...(platform.wssPort === undefined ? {} : { mqttWss: `wss://${platform.host}:${platform.wssPort}/mqtt` }),
    ...(platform.httpPort === undefined ? {} : { http: `http://${platform.host}:${platform.httpPort}` }),
    ...(platform.httpsPort === undefined ? {} : { https: `https://${platform.host}:${platform.httpsPort}` }),
    ...(platform.coapPort === undefined ? {} : { coap: `coap://${platform.host}:${platform.coapPort}` }),
    ...(caFile === undefined ? {} : { ca: caFile }),
    ...(platform.adminUrl === undefined ? {} : { console: platform.adminUrl, adminApi: `${platform.adminUrl}api/` }),
    ...(stateDir === undefined ? {} : { state: stateDir }),
    ...(redis === undefined ? {} : { cluster: withoutPassword(redis) }),
    ...(gateway === undefined || edge === undefined ? {} : {
      edge: {
        api: `${gateway.url}/2019-09-30`, driverMqtt: `mqtt://${gateway.host}:${gateway.driverPort}`,
        ...(gateway.driverWsPort === undefined ? {} : { driverWs: `ws://${gateway.host}:${gateway.driverWsPort}` }),
        ...(exposed ? {} : { account: 'admin / admin1234' }),
        gateway: `${edge.gateway.deviceName}&${edge.gateway.productKey}`, drivers: edge.drivers.map((d) => d.driverId),
      },
    }),
  };
  const shown = config.devices.filter((d) => d.deviceSecret !== undefined).slice(0, 4);
  if (json) {
    printJson(io, { ok: true, pid: process.pid, endpoints, devices: config.devices.map((d) => ({ productKey: d.productKey, deviceName: d.deviceName, ...(d.deviceSecret === undefined ? { preRegistered: true } : {}) })), demo: configPath === undefined });
  } else {
    io.out(`linkwire emulator — a local Alibaba Cloud IoT platform on ${host}${exposed ? ' (NOT loopback: every device must sign in)' : ''}; Ctrl-C stops it`);
    io.out('');
    io.out(line('MQTT', endpoints.mqtt, 'securemode=3 (TCP)'));
    if (endpoints.mqttTls) io.out(line('MQTT/TLS', endpoints.mqttTls, `securemode=2; trust ${endpoints.ca}`));
    if (endpoints.mqttWs) io.out(line('MQTT/WS', endpoints.mqttWs, 'subprotocol mqtt'));
    if (endpoints.mqttWss) io.out(line('MQTT/WSS', endpoints.mqttWss));
    if (endpoints.http) io.out(line('HTTP', endpoints.http, '/auth, /auth/devicename, /auth/register/device, /topic/…, firmware'));
    if (endpoints.https) io.out(line('HTTPS', endpoints.https));
    if (endpoints.coap) io.out(line('CoAP', endpoints.coap, coap === 'aes' ? 'symmetric AES mode (port 5682 on the platform)' : 'DTLS flows over plain UDP'));
    if (endpoints.console) {
      io.out(line('console', adminToken === undefined ? endpoints.console : `${endpoints.console}#token=${adminToken}`, 'devices, live messages, services, shadows, OTA'));
      io.out(line('admin API', endpoints.adminApi!, adminToken === undefined ? 'JSON; curl examples in the emulator README' : 'JSON; send Authorization: Bearer <--admin-token>'));
    }
    io.out(line('state', endpoints.state ?? 'in memory (--state DIR keeps devices, issued secrets, shadows and OTA jobs)'));
    if (endpoints.cluster) io.out(line('cluster', endpoints.cluster, 'one platform with every emulator on this Redis'));
    if (endpoints.edge) {
      io.out('');
      io.out(line('edge API', endpoints.edge.api, endpoints.edge.account === undefined ? '' : `Basic ${endpoints.edge.account} (CreateAuthCookie)`));
      io.out(line('drivers', endpoints.edge.driverMqtt, `${endpoints.edge.driverWs ? `and ${endpoints.edge.driverWs}; ` : ''}drivers ${endpoints.edge.drivers.join(', ')}`));
      io.out(line('gateway', endpoints.edge.gateway, 'connected upstream as a gateway device'));
    }
    io.out('');
    const preRegistered = config.devices.length - config.devices.filter((d) => d.deviceSecret !== undefined).length;
    io.out(`${config.products.length} product${config.products.length === 1 ? '' : 's'}, ${config.devices.length} device${config.devices.length === 1 ? '' : 's'}${preRegistered > 0 ? ` (${preRegistered} pre-registered for dynamic registration)` : ''}${configPath === undefined ? ' (the demo; --config FILE for yours)' : ` from ${configPath}`}`);
    const [first, ...others] = shown;
    if (first !== undefined) {
      // No timestamp in the signature (the seed makes it optional), so the lines stay valid until the secret changes.
      const cred = mqttCredentials({ productKey: first.productKey, deviceName: first.deviceName, deviceSecret: first.deviceSecret!, clientId: first.deviceName, secureMode: 3 });
      io.out('');
      io.out(line('device', `${first.productKey} / ${first.deviceName}`, `secret ${first.deviceSecret}`));
      io.out(line('clientId', cred.clientId));
      io.out(line('username', cred.username));
      io.out(line('password', cred.password));
      io.out(line('try', `mosquitto_sub -h ${platform.host} -p ${platform.port} -i '${cred.clientId}' -u '${cred.username}' -P ${cred.password} -q 1 -t /sys/${first.productKey}/${first.deviceName}/thing/service/+ -v`));
      io.out(line('', `linkwire device --host ${platform.host} --port ${platform.port} --product-key ${first.productKey} --device-name ${first.deviceName} --device-secret ${first.deviceSecret}${configPath === undefined ? '' : ' --tsl <its model>'}`));
    }
    for (const d of others) io.out(line('device', `${d.productKey} / ${d.deviceName}`, `secret ${d.deviceSecret}`));
    if (config.devices.length > shown.length + (first === undefined ? 0 : 0)) {
      const rest = config.devices.length - shown.length;
      io.out(line('', `…and ${rest} more (\`linkwire sign mqtt\` prints any device's CONNECT)`));
    }
    io.out('');
  }

  // 5. Until SIGINT/SIGTERM; then the edge, the platform (its last state write) and the temporary CA.
  await new Promise<void>((done) => {
    if (io.signal.aborted) return done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  if (!quiet) io.err(`${clock(io.now())}  stopping      (${String(io.signal.reason ?? 'signal')})`);
  await gateway?.close();
  await platform.close();
  if (temporaryCa && caFile !== undefined) rmSync(caFile, { force: true });
  io.err(`stopped${stateDir === undefined ? '' : `; state kept in ${stateDir}`}`);
  return EXIT.ok;
}

function edgePassword(io: CliIo): string {
  const v = io.env['LINKWIRE_EDGE_PASSWORD'];
  if (v === undefined || v.length < 8) throw usageError('the edge gateway off loopback needs an admin password', 'set LINKWIRE_EDGE_PASSWORD (8 characters or more); admin/admin1234 is allowed only on loopback');
  return v;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export const emulatorCommands: Command[] = [
  {
    spec: {
      name: 'emulator', summary: 'run the local platform standalone: MQTT, HTTP, CoAP, state, an edge gateway',
      usage: ['emulator [--config products.json] [--state DIR] [--port 1883] [--edge]'],
      description: [
        'Starts the local Alibaba Cloud IoT platform of @linkwire/emulator in this process and prints its endpoints (MQTT over TCP, TLS, WebSocket and WSS; HTTP and HTTPS; CoAP; the web console and the admin API) and the credentials of the first devices, with a mosquitto_pub line and a `linkwire device` line that work as printed. Without --config it serves a demo product (a thermostat model) with one device.',
        'The --config file lists products (productKey, productSecret, dynamicRegistration, registerUnknownDevices, tsl: a model inline or the path of one) and devices (productKey, deviceName, deviceSecret; without a secret a device is pre-registered for dynamic registration). Secrets may be env:NAME. Every problem is printed as file:line:column with its JSON path; nothing starts while there is an error (exit 3). --check validates and exits.',
        '--state DIR keeps devices (with secrets issued by dynamic registration), shadows and OTA jobs, and the TLS identity, so a restart serves the same devices with the same CA. Records are written atomically; a damaged record stops the start with its file, line and column (exit 3).',
        '--redis URL runs this process as one of several emulators on one Redis (cluster mode): any process reaches any device, and devices, issued secrets, shadows and OTA jobs are shared there. Put a TCP load balancer in front (see the @linkwire/emulator README).',
        '--edge starts a Link IoT Edge gateway beside it (the edge HTTP API and the driver listener), connected to the platform as a gateway device: the "edge" section of --config ({gateway, drivers}) or a demo with one driver and two lights.',
        'Listens on 127.0.0.1 unless --host says otherwise. Connections and every message (→ from a device, ← from the platform) are printed on stderr as they pass (--quiet for none); --json prints one document with the endpoints on stdout once the platform is up. SIGINT or SIGTERM stop it cleanly (state written, exit 0).',
      ],
      options: {
        config: { type: 'string', short: 'c', value: '<file.json>', description: 'products and devices (default: the demo)' },
        state: { type: 'string', value: '<dir>', description: 'keep state in this directory across restarts (default: in memory)' },
        redis: { type: 'string', value: '<url>', description: 'cluster mode: share the platform with the other emulators on this Redis (redis://host:port or a socket path)' },
        host: { type: 'string', value: '<address>', description: 'the address every listener binds', default: '127.0.0.1' },
        port: { type: 'string', value: '<port>', description: 'the MQTT TCP port (0: a free one); the other listeners take free ports', default: '1883' },
        coap: { type: 'string', value: 'aes|dtls|off', description: 'the CoAP endpoint', default: 'aes' },
        'no-tls': { type: 'boolean', description: 'no MQTT/TLS, WSS or HTTPS listener' },
        'no-websocket': { type: 'boolean', description: 'no MQTT over WebSocket' },
        'no-http': { type: 'boolean', description: 'no HTTP listener (auth, registration, /topic, firmware downloads)' },
        'ca-file': { type: 'string', value: '<file>', description: 'where to write the CA devices trust (default: the state directory, or a temporary file removed at exit)' },
        'admin-host': { type: 'string', value: '<address>', description: 'where the web console and the admin API listen (anything but loopback needs --admin-token)', default: '127.0.0.1' },
        'admin-port': { type: 'string', value: '<port>', description: 'their port (0: a free one)', default: '0' },
        'admin-token': { type: 'string', value: '<token>', description: `require Authorization: Bearer <token> on the admin API (16 characters or more): ${SECRET_HELP}` },
        'no-admin': { type: 'boolean', description: 'no web console and no admin API' },
        edge: { type: 'boolean', description: 'also start a Link IoT Edge gateway (API and drivers), connected upstream' },
        check: { type: 'boolean', description: 'validate --config and exit' },
        quiet: { type: 'boolean', short: 'q', description: 'do not print device messages and connections' },
      },
      examples: [
        'linkwire emulator',
        'linkwire emulator --config products.json --state ./platform-state',
        'linkwire emulator --config products.json --check',
        'linkwire emulator --port 0 --json --quiet      # for scripts: one JSON line with the endpoints',
        'linkwire emulator --edge',
        'linkwire emulator --host 0.0.0.0 --redis redis://10.0.0.5:6379   # one of several behind a TCP load balancer',
      ],
    },
    run: runEmulator,
  },
];
