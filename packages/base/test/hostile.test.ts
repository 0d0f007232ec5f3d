import * as base from '@linkwire/base';
import { deepArray, deepJsonText, deepObject } from '@linkwire/base/testing';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('base under hostile data and options', () => {
  hostileSuite('base', base, entries.map((e) => e.name));
});

describe('describe(value): bounded, any type, never throws', () => {
  it('names every kind of value briefly', () => {
    expect(base.describe(123n)).toBe('123n');
    expect(base.describe(-0)).toBe('-0');
    expect(base.describe(NaN)).toBe('NaN');
    expect(base.describe(Object.create(null))).toBe('object {}');
    expect(base.describe({ toString: 0, method: 'x' })).toBe('object {toString, method}');
    expect(base.describe(Symbol('s'))).toBe('Symbol(s)');
    expect(base.describe(null)).toBe('null');
    expect(base.describe(undefined)).toBe('undefined');
    expect(base.describe('a"b')).toBe('"a\\"b"');
    expect(base.describe(new Uint8Array(3))).toBe('Uint8Array(3 bytes)');
    expect(base.describe(deepArray(30_000))).toBe('array(1)');
    expect(base.describe(deepObject(30_000))).toBe('object {a}');
    expect(base.describe(function named() {})).toBe('function named');
  });
  it('is bounded for long strings, big bigints and many keys', () => {
    expect(base.describe('x'.repeat(100_000)).length).toBeLessThanOrEqual(base.DESCRIBE_MAX_LENGTH);
    expect(base.describe(10n ** 500n).length).toBeLessThanOrEqual(base.DESCRIBE_MAX_LENGTH);
    expect(base.describe(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))).length).toBeLessThanOrEqual(base.DESCRIBE_MAX_LENGTH);
  });
  it('survives a Proxy whose traps throw', () => {
    const p = new Proxy({}, { ownKeys() { throw new Error('no'); }, getPrototypeOf() { throw new Error('no'); } });
    expect(base.describe(p)).toBe('an object');
  });
});

describe('option checks', () => {
  const code = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e instanceof base.OptionError ? `${e.code}:${e.option}` : e;
    }
    return 'returned';
  };
  it('integerOption refuses 0, -0, false, NaN, bigint and fractions below or outside the range', () => {
    for (const v of [0, -0, false, NaN, 1n, 1.5, Infinity, '3', null]) expect(code(() => base.integerOption('maxSessions', v, 10, 1))).toBe('invalid_option:maxSessions');
    expect(base.integerOption('maxSessions', undefined, 10, 1)).toBe(10);
    expect(Object.is(base.integerOption('n', -0, 1, 0), 0)).toBe(true);
  });
  it('numberOption refuses NaN always and Infinity unless the range is unbounded', () => {
    expect(code(() => base.numberOption('t', NaN, 1))).toBe('invalid_option:t');
    expect(code(() => base.numberOption('t', Infinity, 1))).toBe('invalid_option:t');
    expect(base.numberOption('t', Infinity, 1, 0, Infinity)).toBe(Infinity);
  });
  it('stringListOption refuses a string, null and a list holding a non-string, naming the element', () => {
    expect(code(() => base.stringListOption('allowedMethods', 'hmacsha1', []))).toBe('invalid_option:allowedMethods');
    expect(code(() => base.stringListOption('allowedMethods', null, []))).toBe('invalid_option:allowedMethods');
    expect(code(() => base.stringListOption('allowedMethods', ['a', 1], []))).toBe('invalid_option:allowedMethods[1]');
  });
  it('enumOption, functionOption, optionsRecord', () => {
    expect(code(() => base.enumOption('mode', 'c', ['a', 'b']))).toBe('invalid_option:mode');
    expect(code(() => base.functionOption('now', 1n))).toBe('invalid_option:now');
    expect(code(() => base.optionsRecord('limits', null))).toBe('invalid_option:limits');
    expect(base.optionsRecord('limits', undefined)).toEqual({});
  });
});

describe('JSON depth: too_deep always, whatever maxDepth a caller raises (issue 19, issue 24)', () => {
  const deepCode = outcome;
  it('parseExactJson and parseJson with maxDepth 100 000 on 30 000 nested arrays (60 KB) answer too_deep', () => {
    const text = deepJsonText(30_000);
    expect(deepCode(() => base.parseExactJson(text, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(deepCode(() => base.parseJson(text, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(deepCode(() => base.parseExactJson(text, { maxDepth: Infinity, duplicateKeys: 'reject' }))).toBe('too_deep');
    expect(deepCode(() => base.parseExactJson(`[${text}, 12345678901234567890]`, { maxDepth: 100_000 }))).toBe('too_deep');
  });
  it('checkJsonTree stops at the ceiling even when handed an unclamped maxDepth', () => {
    expect(deepCode(() => base.checkJsonTree(deepArray(30_000), 1e9, 1))).toBe('too_deep');
  });
  it('reads nesting up to the ceiling', () => {
    expect(deepCode(() => base.parseExactJson(deepJsonText(base.JSON_DEPTH_CEILING), { maxDepth: Infinity, duplicateKeys: 'reject' }))).toBe('returned');
    expect(deepCode(() => base.parseJson(deepJsonText(base.JSON_DEPTH_CEILING + 1), { maxDepth: Infinity }))).toBe('too_deep');
  });
  it('limits of the wrong type are invalid_option, input of the wrong type invalid_input', () => {
    expect(() => base.parseJson('1', { maxDepth: NaN })).toThrow(base.OptionError);
    expect(() => base.parseJson('1', null as never)).toThrow(base.OptionError);
    expect(() => base.parseJson('1', { maxBytes: 1n as never })).toThrow(base.OptionError);
    expect(deepCode(() => base.parseJson(null as never))).toBe('invalid_input');
  });
});
