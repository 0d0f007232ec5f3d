// Credentials per second against a straightforward node:crypto implementation of the same
// thing: the baseline builds the strings by hand and calls createHmac/createHash per credential.
//
// The machine is shared (other jobs, 2 cores), where tinybench's wall-time ratios swung by
// ±30%. So, as in hash.cpu.bench.ts, the tasks of a case run interleaved, round after round,
// each timed by the process's CPU time, and the best round of each is reported.
import { createHash, createHmac } from 'node:crypto';
import { combineLoginParams, enosMqttCredentials, mqttCredentials, signingKey, verifyMqttCredentials } from '@linkwire/sign';

const ROUNDS = Number(process.env['SIGN_BENCH_ROUNDS'] ?? 15);
const OPS = 50_000;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Task {
  readonly name: string;
  readonly fn: () => unknown;
}

function compare(title: string, tasks: readonly Task[]): void {
  const top = tasks.map(() => Infinity);
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    tasks.forEach((t, i) => {
      const start = cpuMs();
      for (let n = 0; n < OPS; n++) if (t.fn() === undefined) sink++;
      const ms = cpuMs() - start;
      if (r > 0) top[i] = Math.min(top[i]!, ms); // round 0 warms up (tier-up to optimized code)
    });
  }
  if (sink !== 0) throw new Error('a task returned nothing');
  const ops = top.map((ms) => (OPS * 1000) / ms);
  console.log(`\n## ${title} (best of ${ROUNDS - 1} rounds of ${OPS.toLocaleString('en-US')}, CPU time)`);
  console.log(`| task | ops/s | × ${tasks[0]!.name} |`);
  console.log('|---|---:|---:|');
  tasks.forEach((t, i) => console.log(`| ${t.name} | ${Math.round(ops[i]!).toLocaleString('en-US')} | ${(ops[i]! / ops[0]!).toFixed(2)} |`));
}

const productKey = 'a1B2c3D4e5F';
const secret = 'deviceSecret0123456789abcdef';
let i = 0;

// A fleet simulator: thousands of devices of one product, all CONNECTing with one test secret.
const naive = (method: 'sha1' | 'sha256') => {
  const deviceName = `device${i++ % 1000}`;
  const clientId = `${productKey}.${deviceName}`;
  const timestamp = '1700000000000';
  const content = `clientId${clientId}deviceName${deviceName}productKey${productKey}timestamp${timestamp}`;
  return {
    clientId: `${clientId}|securemode=2,signmethod=hmac${method},timestamp=${timestamp}|`,
    username: `${deviceName}&${productKey}`,
    password: createHmac(method, secret).update(content).digest('hex'),
  };
};
const ours = (method: 'sha1' | 'sha256', deviceSecret: string | ReturnType<typeof signingKey>) =>
  mqttCredentials({ productKey, deviceName: `device${i++ % 1000}`, deviceSecret, signMethod: `hmac${method}`, timestamp: 1700000000000 });

for (const method of ['sha256', 'sha1'] as const) {
  const key = signingKey(`hmac${method}`, secret);
  compare(`mqttCredentials, HMAC-${method.toUpperCase()}`, [
    { name: 'node:crypto createHmac', fn: () => naive(method) },
    { name: '@linkwire/sign mqttCredentials', fn: () => ours(method, secret) },
    { name: '@linkwire/sign mqttCredentials, keyed secret reused', fn: () => ours(method, key) },
  ]);
}

// EnOS: a plain SHA-256 of content + secret; the secret comes last, so there is no key to
// precompute. What repeats is a device's content up to its timestamp, so two cases: a fleet
// simulator re-signing its 1000 devices (the prefix cache holds their hashed prefixes), and
// devices that sign for the first time (every deviceKey new: the cache only costs its lookup).
// Device keys have one length throughout, so every content is 65 + 13 + 28 bytes.
const enosNaive = (deviceKey: string) => {
  const timestamp = '1700000000000';
  const content = `clientId${deviceKey}deviceKey${deviceKey}productKey${productKey}timestamp${timestamp}`;
  return {
    clientId: `${deviceKey}|securemode=2,signmethod=sha256,timestamp=${timestamp}|`,
    username: `${deviceKey}&${productKey}`,
    password: createHash('sha256').update(content + secret).digest('hex').toUpperCase(),
  };
};
const enosOurs = (deviceKey: string) => enosMqttCredentials({ productKey, deviceKey, deviceSecret: secret, timestamp: '1700000000000' });
const fleetDevice = () => `device${100 + (i++ % 900)}`;
let fresh = 10_000_000;
const newDevice = () => `d${fresh++}`;
compare('enosMqttCredentials, SHA-256 digest', [
  { name: 'node:crypto createHash', fn: () => enosNaive(fleetDevice()) },
  { name: '@linkwire/sign enosMqttCredentials, fleet of 900 re-signing', fn: () => enosOurs(fleetDevice()) },
  { name: 'node:crypto createHash, first-time devices', fn: () => enosNaive(newDevice()) },
  { name: '@linkwire/sign enosMqttCredentials, first-time devices', fn: () => enosOurs(newDevice()) },
]);

// A gateway logging in its 200 sub-devices again after a reconnect: each has its own secret,
// keyed once when the gateway learnt it.
const subs = Array.from({ length: 200 }, (_, n) => ({ productKey, deviceName: `sub${n}`, deviceSecret: `subSecret${n}-0123456789abcdef`, timestamp: '1700000000000' }));
const keyedSubs = subs.map((s) => ({ ...s, deviceSecret: signingKey('hmacsha256', s.deviceSecret) }));
compare('combine.login of 200 sub-devices, HMAC-SHA256 (per sub-device)', [
  {
    name: 'node:crypto createHmac',
    fn: () => {
      const s = subs[i++ % 200]!;
      const clientId = `${s.productKey}.${s.deviceName}`;
      const content = `cleanSessiontrueclientId${clientId}deviceName${s.deviceName}productKey${s.productKey}timestamp${s.timestamp}`;
      return { productKey: s.productKey, deviceName: s.deviceName, clientId, timestamp: s.timestamp, signMethod: 'hmacsha256', sign: createHmac('sha256', s.deviceSecret).update(content).digest('hex'), cleanSession: 'true' };
    },
  },
  { name: '@linkwire/sign combineLoginParams', fn: () => combineLoginParams(subs[i++ % 200]!) },
  { name: '@linkwire/sign combineLoginParams, keyed secrets', fn: () => combineLoginParams(keyedSubs[i++ % 200]!) },
]);

// The platform side (an emulator accepting a fleet): parse, recompute, compare in constant time.
const presented = Array.from({ length: 1000 }, (_, n) => mqttCredentials({ productKey, deviceName: `device${n}`, deviceSecret: secret, timestamp: 1700000000000 }));
compare('verifyMqttCredentials, HMAC-SHA256', [
  {
    name: 'node:crypto createHmac + split',
    fn: () => {
      const c = presented[i++ % 1000]!;
      const [id, ext] = c.clientId.split('|') as [string, string];
      const params = Object.fromEntries(ext.split(',').map((kv) => kv.split('=') as [string, string]));
      const [deviceName, pk] = c.username.split('&') as [string, string];
      const content = `clientId${id}deviceName${deviceName}productKey${pk}timestamp${params['timestamp']}`;
      return createHmac('sha256', secret).update(content).digest('hex') === c.password.toLowerCase();
    },
  },
  { name: '@linkwire/sign verifyMqttCredentials', fn: () => { const c = presented[i++ % 1000]!; return verifyMqttCredentials(c.clientId, c.username, c.password, () => secret); } },
]);
