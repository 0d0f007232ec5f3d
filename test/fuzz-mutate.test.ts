/**
 * The mutation stage of `npm run fuzz` (test/support/fuzz/mutate.ts): mutants are a pure
 * function of the case index, never change the corpus they come from, and find a defect the
 * generative stage cannot reach, reported with a case index that replays it alone.
 */
import { JsonError } from '@linkwire/base';
import { deepArray } from '@linkwire/base/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decoder, entry } from './support/fuzz/entry.ts';
import { buildCorpus, caseSeed, mutant, Rng } from './support/fuzz/mutate.ts';
import { runEntries, showCase } from './support/fuzz/run.ts';

const args = fc.tuple(fc.oneof(fc.constant('{"id":"1","params":{"a":[1,2]}}'), fc.uint8Array({ maxLength: 16 }), fc.constant({ a: { b: [1, 'x'] }, n: null })), fc.constant({ maxBytes: 100 })) as fc.Arbitrary<readonly unknown[]>;

describe('the mutation stage', () => {
  it('derives each case from its index alone, and leaves the corpus as it was', () => {
    const corpus = buildCorpus(args, 5, (n) => ['x'.repeat(n), { maxBytes: n }]);
    const before = corpus.members.map((m) => showCase(m));
    const first = Array.from({ length: 500 }, (_, i) => showCase(mutant(corpus, new Rng(caseSeed(5, i)))));
    const again = Array.from({ length: 500 }, (_, i) => showCase(mutant(corpus, new Rng(caseSeed(5, i)))));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(400);
    expect(corpus.members.map((m) => showCase(m))).toEqual(before);
  });

  it('keeps mutants small and walks deep values without recursing into them', () => {
    const deep = fc.constant([deepArray(30_000), 'x'.repeat(60_000)] as readonly unknown[]);
    const corpus = buildCorpus(deep, 1);
    for (let i = 0; i < 300; i++) {
      const m = mutant(corpus, new Rng(caseSeed(1, i)));
      for (const a of m) if (typeof a === 'string' || a instanceof Uint8Array) expect(a.length).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('finds a defect the generative cases cannot reach, with a case index that replays it alone', async () => {
    // The generative arbitrary gives only valid JSON: a decoder that lets JSON.parse's
    // SyntaxError escape passes every generative case and fails on a mutant.
    const leaky = decoder('test', entry('test.leaky', (text: unknown) => {
      if (typeof text !== 'string') throw new JsonError('invalid_input', 'text');
      return JSON.parse(text) as unknown;
    }, [fc.constant('{"id":"1","params":{"a":[1,2]}}')]));
    const [r] = await runEntries([leaky], { seed: 9, runsOf: { 'test.leaky': 200 }, mutationsOf: { 'test.leaky': 2_000 } });
    expect(r!.cases).toBe(200);
    expect(r!.mutation!.cases).toBe(2_000);
    expect(r!.mutation!.untyped).toBeGreaterThan(0);
    const at = r!.untyped!.mutationCase!;
    expect(r!.untyped!.error).toMatch(/^SyntaxError/);
    // The stack is captured again for the report (the stage runs without stack traces).
    expect(r!.untyped!.error.split('\n').length).toBeGreaterThan(1);
    const [replay] = await runEntries([leaky], { seed: 9, runsOf: { 'test.leaky': 0 }, mutationsOf: { 'test.leaky': 1 }, mutationFrom: at });
    expect(replay!.mutation!.cases).toBe(1);
    expect(replay!.untyped?.mutationCase).toBe(at);
    expect(replay!.untyped?.counterexample).toBe(r!.untyped!.counterexample);
  });
});
