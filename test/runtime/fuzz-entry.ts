/**
 * The runtime matrix's hostile-input leg: the fuzz property of every core decoder (the entries
 * marked with `decoder()` in base, alink, coap, mqtt, shadow, ota, tsl and sign; see
 * test/support/fuzz) run in the engine itself, so an engine whose stack, JSON.parse or typed
 * arrays differ from Node's meets the same hostile values. Only typed errors may escape.
 * Bundled as an IIFE for QuickJS and an ES module for Chromium; imported directly by Deno.
 */
import { entries as alink } from '../../packages/alink/test/hostile.entries.ts';
import { entries as base } from '../../packages/base/test/hostile.entries.ts';
import { entries as coap } from '../../packages/coap/test/hostile.entries.ts';
import { entries as mqtt } from '../../packages/mqtt/test/hostile.entries.ts';
import { entries as ota } from '../../packages/ota/test/hostile.entries.ts';
import { entries as shadow } from '../../packages/shadow/test/hostile.entries.ts';
import { entries as sign } from '../../packages/sign/test/hostile.entries.ts';
import { entries as tsl } from '../../packages/tsl/test/hostile.entries.ts';
import { runEntries } from '../support/fuzz/run.ts';

export const decoders = [...base, ...alink, ...coap, ...mqtt, ...ota, ...shadow, ...sign, ...tsl].filter((e) => e.decoder !== undefined);

export interface RuntimeFuzzResult {
  readonly name: string;
  readonly cases: number;
  readonly typed: number;
  /** The first untyped throw, shrunk, with its case. */
  readonly untyped?: string;
}

/** Runs `runs` cases of each core decoder's fuzz property from `seed`. */
export async function fuzz(seed: number, runs: number): Promise<RuntimeFuzzResult[]> {
  const reports = await runEntries(decoders, { seed, runs });
  return reports.map((r) => ({
    name: r.name, cases: r.cases, typed: Object.values(r.typed).reduce((a, b) => a + b, 0),
    ...(r.untyped ? { untyped: `${r.untyped.error}\n  case: ${r.untyped.counterexample}` } : {}),
  }));
}
