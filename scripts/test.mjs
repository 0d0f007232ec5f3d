// `npm test`: every test, with the real components they need. It installs what is missing
// (Debian packages via apt-get when run as root), type-checks, then runs vitest. Nothing is
// skipped: a missing component fails the run and names what to install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const step = (title) => console.log(`\n▶ ${title}`);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

// Debian packages the tests drive: a real browser, a second MQTT broker, CoAP peers.
const debian = [
  { pkg: 'chromium', path: '/usr/bin/chromium', why: 'the Chromium leg of the runtime matrix' },
  { pkg: 'mosquitto', path: '/usr/sbin/mosquitto', why: 'MQTT interop against a second broker' },
  { pkg: 'mosquitto-clients', path: '/usr/bin/mosquitto_pub', why: 'mosquitto_pub/sub as independent devices of `linkwire emulator`' },
  { pkg: 'libcoap3-bin', path: '/usr/bin/coap-client-notls', why: 'CoAP interop against libcoap' },
  { pkg: 'redis-server', path: '/usr/bin/redis-server', why: "the emulator's cluster mode" },
  { pkg: 'curl', path: '/usr/bin/curl', why: "the emulator admin API's README examples, run with curl" },
];

step('checking test prerequisites');
const missing = debian.filter((d) => !existsSync(d.path));
if (missing.length > 0) {
  const names = missing.map((d) => d.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`missing Debian packages: ${names.join(' ')} (${missing.map((d) => d.why).join('; ')}).`);
    console.error(`install them with: sudo apt-get install -y ${names.join(' ')}`);
    process.exit(1);
  }
  console.log(`installing ${names.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }).status !== 0 || run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env }).status !== 0) {
    console.error(`apt-get could not install ${names.join(' ')}`);
    process.exit(1);
  }
  const still = missing.filter((d) => !existsSync(d.path));
  if (still.length > 0) {
    console.error(`still missing after apt-get: ${still.map((d) => `${d.pkg} (${d.path})`).join(', ')}`);
    process.exit(1);
  }
}
if (run(bin('deno'), ['--version'], { stdio: 'ignore', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } }).status !== 0) {
  console.error('Deno does not run from node_modules/.bin/deno: run `npm ci` (the npm package "deno" ships the binary)');
  process.exit(1);
}
if (run(bin('bun'), ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('Bun does not run from node_modules/.bin/bun: run `npm ci` (the npm package "bun" ships the binary)');
  process.exit(1);
}
console.log('chromium, mosquitto, mosquitto-clients, libcoap, redis, curl, deno, bun: present');

step('type-checking (all code, then the core against ES2022 alone: no DOM, no Node types)');
for (const config of ['tsconfig.json', 'tsconfig.core.json']) {
  if (run(bin('tsc'), ['-p', config]).status !== 0) {
    console.error(`type errors (${config})`);
    process.exit(1);
  }
}

step('building every package (JS + .d.ts) and importing each built entry with plain Node');
if (run(process.execPath, [join(root, 'scripts', 'build.mjs')]).status !== 0) process.exit(1);
const smoke = `
  import { readdirSync, readFileSync } from 'node:fs';
  const failures = [];
  for (const name of readdirSync('packages')) {
    const pkg = JSON.parse(readFileSync('packages/' + name + '/package.json', 'utf8'));
    for (const sub of Object.keys(pkg.exports)) {
      if (sub === './testing') continue;
      const id = pkg.name + sub.slice(1);
      try {
        const m = await import(id);
        if (Object.keys(m).length === 0) failures.push(id + ' exports nothing');
      } catch (e) { failures.push(id + ': ' + e.message); }
    }
  }
  if (failures.length) { console.error(failures.join('\\n')); process.exit(1); }
  console.log('every built entry imports under plain Node');
`;
if (run(process.execPath, ['--input-type=module', '-e', smoke]).status !== 0) process.exit(1);

step('vitest (unit, property, integration and runtime-matrix tests)');
mkdirSync(join(root, '.cache'), { recursive: true });
const report = join(root, '.cache', 'vitest-report.json');
const extra = process.argv.slice(2);
const r = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]);
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`\ntests: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + j.numTodoTests} skipped`);
}
process.exit(r.status ?? 1);
