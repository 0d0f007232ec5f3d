import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, toHex } from '@linkwire/base';
import { parseTsl, validatePropertyPost, validateServiceCall } from '@linkwire/tsl';
import { tslModel } from '@linkwire/tsl/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { CliError, parseCommand, type CommandSpec } from '../src/cli.ts';
import { decodeCapture } from '../src/input.ts';
import { createHistogram, mergeHistograms, percentile, record } from '../src/sim/histogram.ts';
import { THERMOSTAT_TSL } from '../src/sim/thermostat.ts';
import { randomParams, randomValue } from '../src/sim/values.ts';

describe('captured bytes as people paste them', () => {
  it('hex (any case, spaced, colon-separated, 0x-prefixed) and base64 (standard, URL-safe, unpadded) round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constantFrom(' ', ':', '', '\n'), (bytes, sep) => {
      const hex = [...toHex(bytes)].join('').match(/../g)!.join(sep);
      expect(decodeCapture(hex, 'x').bytes).toEqual(bytes);
      expect(decodeCapture(hex.toUpperCase(), 'x').bytes).toEqual(bytes);
      expect(decodeCapture(toHex(bytes).match(/../g)!.map((b) => `0x${b}`).join(', '), 'x').bytes).toEqual(bytes);
      // A base64 text that also reads as hex (`AA`, `0xaa`: even-length hex digits once `0x`
      // prefixes are gone) is read as hex, as documented (captures are usually hex); skip those.
      const readsAsHex = (t: string): boolean => /^[0-9a-f]*$/i.test(t.replace(/0x/gi, '')) && t.replace(/0x/gi, '').length % 2 === 0 && t.replace(/0x/gi, '') !== '';
      const b64 = toBase64(bytes);
      const urlSafe = b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      if (!readsAsHex(b64)) expect(decodeCapture(b64, 'x').bytes).toEqual(bytes);
      if (!readsAsHex(urlSafe)) expect(decodeCapture(urlSafe, 'x').bytes).toEqual(bytes);
    }), { numRuns: numRuns(300) });
  });

  it('a text that reads both ways is hex (seed counterexamples: `AA` is base64 of [0] and hex of [0xaa]; `0xaa` is base64 of [211, 22, 154])', () => {
    expect(decodeCapture('AA', 'x')).toEqual({ bytes: Uint8Array.of(0xaa), encoding: 'hex' });
    expect(decodeCapture('0xaa', 'x')).toEqual({ bytes: Uint8Array.of(0xaa), encoding: 'hex' });
    expect(decodeCapture('AA==', 'x')).toEqual({ bytes: Uint8Array.of(0), encoding: 'base64' });
  });

  it('anything else is an input error (exit 3) with a hint, never another exception', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => {
      try {
        decodeCapture(text, 'the packet');
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(3);
      }
    }), { numRuns: numRuns(500) });
  });
});

describe('the argument parser', () => {
  const spec: CommandSpec = {
    name: 'probe', summary: 's', usage: ['probe'], positionals: [0, 2],
    options: { name: { type: 'string', description: 'd' }, flag: { type: 'boolean', description: 'd' }, many: { type: 'string', multiple: true, description: 'd' } },
  };
  it('any argv either parses or is a usage error (exit 2) naming the help', () => {
    const token = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('--name', '--flag', '--many', '--json', '-h', '--', '--nope', '-x', '--name=v'));
    fc.assert(fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
      try {
        parseCommand(spec, argv);
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(2);
        expect((e as CliError).hint).toContain('linkwire probe --help');
      }
    }), { numRuns: numRuns(500) });
  });
});

describe('the simulator draws only valid values', () => {
  it('for the built-in thermostat', () => {
    const model = parseTsl(THERMOSTAT_TSL).model;
    let seed = 1;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < numRuns(200); i++) {
      const params: Record<string, unknown> = {};
      for (const p of model.properties) params[p.identifier] = randomValue(p.dataType, random, 1_700_000_000_000);
      expect(validatePropertyPost(model, params).issues).toEqual([]);
      for (const s of model.services) expect(validateServiceCall(model, s.identifier, randomParams(s.inputData, random, 1_700_000_000_000)).ok).toBe(true);
    }
  });

  it('for any model (tsl/testing arbitraries)', () => {
    fc.assert(fc.property(tslModel(), fc.integer({ min: 1, max: 2 ** 31 - 2 }), (model, s) => {
      let seed = s;
      const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
      const params: Record<string, unknown> = {};
      for (const p of model.properties) params[p.identifier] = randomValue(p.dataType, random, 1_700_000_000_000);
      const r = validatePropertyPost(model, params);
      expect(r.issues.filter((i) => i.severity !== 'warning')).toEqual([]);
    }), { numRuns: numRuns(200) });
  });
});

describe('latency histograms', () => {
  it('merging shards equals recording everything in one', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.double({ min: 0, max: 120_000, noNaN: true }), { maxLength: 50 }), { minLength: 1, maxLength: 5 }), (shards) => {
      const one = createHistogram();
      const parts = shards.map((xs) => {
        const h = createHistogram();
        for (const x of xs) {
          record(h, x);
          record(one, x);
        }
        return h;
      });
      const merged = mergeHistograms(parts);
      expect(merged.counts).toEqual(one.counts);
      expect(merged.count).toBe(one.count);
      for (const q of [0.5, 0.99]) expect(percentile(merged, q)).toBe(percentile(one, q));
    }), { numRuns: numRuns(200) });
  });
});
