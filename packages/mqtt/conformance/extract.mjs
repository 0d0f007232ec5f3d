// Extracts mqtt-packet's test.js cases as data (mqtt-packet-cases.json), so that linkwire's
// default `npm test` replays the suite most MQTT users' codec is tested with. Run it again when
// the peer changes: `node packages/mqtt/conformance/extract.mjs`.
//
// The peer file is loaded as it is, with its table helpers (testParseGenerate, testParseError, …)
// replaced by recorders that keep their arguments; Buffers become {"$hex": …}. Plain tape tests
// (stream-API and cork tests, written as code rather than a table row) are recorded by name.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const here = dirname(new URL(import.meta.url).pathname);
const peerDir = dirname(require.resolve('mqtt-packet/package.json'));
const pkg = JSON.parse(readFileSync(join(peerDir, 'package.json'), 'utf8'));
const file = join(peerDir, 'test.js');
const source = readFileSync(file, 'utf8');

const HELPERS = ['testParseGenerate', 'testGenerateOnly', 'testParseOnly', 'testParseError', 'testGenerateError', 'testGenerateErrorMultipleCmds', 'testParseGenerateDefaults', 'testParseAndGenerate', 'testWriteToStreamError'];
// Rename the peer's helper definitions so that the recorders below take their place.
let patched = source;
for (const h of HELPERS) {
  const re = new RegExp(`^function ${h} \\(`, 'm');
  if (!re.test(patched)) throw new Error(`mqtt-packet test.js no longer defines ${h}: update the extractor`);
  patched = patched.replace(re, `function __peer_${h} (`);
}

const toData = (v) => {
  if (Buffer.isBuffer(v)) {
    // A long uniform tail (the 256 MiB payload of the length-limit cases) as fill and length.
    let tail = v.length;
    while (tail > 0 && v[tail - 1] === v[v.length - 1]) tail--;
    if (v.length - tail > 1024) return { $hex: v.subarray(0, tail).toString('hex'), $fill: v[v.length - 1], length: v.length };
    return { $hex: v.toString('hex') };
  }
  if (Array.isArray(v)) return v.map(toData);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, toData(x)]));
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  return v;
};
const lineOf = () => {
  const m = /test\.js:(\d+)/.exec(new Error().stack.split('\n').slice(3).join('\n'));
  return m ? Number(m[1]) : undefined;
};

const cases = [];
const add = (kind, fields) => cases.push({ kind, line: lineOf(), ...toData(fields) });
const recorders = {
  testParseGenerate: (name, object, buffer, opts) => add('parseGenerate', { name, object, buffer, opts }),
  testGenerateOnly: (name, object, buffer, opts) => add('generateOnly', { name, object, buffer, opts }),
  testParseOnly: (name, object, buffer, opts) => add('parseOnly', { name, object, buffer, opts }),
  testParseError: (expected, fixture, opts) => add('parseError', { name: expected, expected, buffer: fixture, opts }),
  testGenerateError: (expected, fixture, opts, name) => add('generateError', { name: name ?? expected, expected, object: fixture, opts }),
  testGenerateErrorMultipleCmds: (cmds, expected, fixture, opts) => {
    for (const cmd of cmds) add('generateError', { name: `${expected} on ${cmd}`, expected, object: { ...fixture, cmd }, opts });
  },
  testParseGenerateDefaults: (name, object, buffer, generated, opts) => add('parseGenerateDefaults', { name, object, buffer, generated, opts }),
  testParseAndGenerate: (name, object, buffer, opts) => add('parseAndGenerate', { name, object, buffer, opts }),
  testWriteToStreamError: (expected, fixture) => add('writeToStreamError', { name: `writeToStream ${expected} error`, expected, object: fixture }),
};
const tape = (name) => add('tape', { name });
const localRequire = (id) => (id === 'tape' ? tape : id === './' ? require(peerDir) : require(id));

const wrapper = vm.runInThisContext(`(function (require, ${HELPERS.join(', ')}) {\n${patched}\n})`, { filename: file, lineOffset: -1 });
wrapper(localRequire, ...HELPERS.map((h) => recorders[h]));

const out = {
  source: {
    package: 'mqtt-packet', version: pkg.version, license: pkg.license, repository: pkg.repository?.url ?? pkg.repository,
    file: 'test.js', sha256: createHash('sha256').update(source).digest('hex'),
    note: 'Test data extracted from mqtt-packet (MIT License, Copyright (c) 2014-2017 mqtt-packet contributors); see LICENSE.md of that package.',
  },
  cases,
};
writeFileSync(join(here, 'mqtt-packet-cases.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(`mqtt-packet ${pkg.version}: ${cases.length} cases written to ${join(here, 'mqtt-packet-cases.json')}`);
