import { deepJsonText, deepObject } from '@linkwire/base/testing';
import * as shadow from '@linkwire/shadow';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('shadow under hostile data and options', () => {
  hostileSuite('shadow', shadow, entries.map((e) => e.name));
});

describe('shadow regressions from issue 24', () => {
  const code = outcome;
  it('a bigint method (what the exact JSON reader makes of a long number) is a typed error, formatted safely', () => {
    expect(code(() => shadow.parseShadowRequest({ method: 123456789012345678901n, state: {}, version: 1 } as never))).toBe('invalid_method');
    expect(code(() => shadow.parseShadowRequest({ method: Object.create(null), version: 1 } as never))).toBe('invalid_method');
    expect(code(() => shadow.parseShadowRequest({ method: { toString: 0 }, version: 1 } as never))).toBe('invalid_method');
  });
  it('limits of null or the wrong type are invalid_option; a raised maxDepth still ends in a typed error on deep input', () => {
    expect(code(() => shadow.parseShadowRequest('{"method":"get"}', null as never))).toBe('invalid_option');
    expect(code(() => shadow.parseShadowRequest('{"method":"get"}', { maxDepth: NaN }))).toBe('invalid_option');
    expect(code(() => shadow.parseShadowRequest({ method: 'update', state: { reported: { a: deepObject(30_000) } }, version: 1 } as never, { maxDepth: 100_000 }))).toBe('incorrect_json');
    expect(code(() => shadow.parseShadowRequest(`{"method":"update","state":{"reported":{"a":${deepJsonText(30_000)}}},"version":1}`, { maxDepth: 100_000 }))).toBe('incorrect_json');
  });
  it('documents of the wrong shape and deep documents are invalid_document, never a TypeError or a RangeError', () => {
    expect(code(() => shadow.applyShadowRequest(null as never, '{"method":"get"}', 0))).toBe('invalid_document');
    expect(code(() => shadow.cloneShadow({ ...shadow.emptyShadow(), state: { reported: { a: deepObject(30_000) } } } as never))).toBe('invalid_document');
    expect(code(() => shadow.shadowDelta({ ...shadow.emptyShadow(), state: { desired: { a: deepObject(30_000) }, reported: { a: deepObject(30_000) } } } as never))).toBe('invalid_document');
    expect(code(() => shadow.encodeShadow({ method: 'get', x: 1n } as never))).toBe('invalid_message');
    expect(code(() => shadow.applyShadowRequest(shadow.emptyShadow(), '{"method":"get"}', 1n as never))).toBe('invalid_option');
  });
});

describe('shadow regressions from the long fuzz run (issue 24)', () => {
  it('applyShadowRequest on a frozen or sealed document is invalid_document before any write, not a TypeError (hostile suite, seed 1403063696)', () => {
    const update = { method: 'update', state: { reported: { color: 'red' } }, version: 1 } as const;
    const frozenState = { state: Object.freeze({ a: Object.freeze([1]) }), metadata: {}, timestamp: 0, version: 0 };
    expect(outcome(() => shadow.applyShadowRequest(frozenState as never, update, 0))).toBe('invalid_document');
    const sealedSection = { state: { reported: Object.seal({ a: 1 }) }, metadata: { reported: {} }, timestamp: 0, version: 0 };
    expect(outcome(() => shadow.applyShadowRequest(sealedSection as never, update, 0))).toBe('invalid_document');
    expect(sealedSection.state.reported).toEqual({ a: 1 });
    expect(outcome(() => shadow.applyShadowRequest(Object.freeze(shadow.emptyShadow()), update, 0))).toBe('invalid_document');
    expect(outcome(() => shadow.applyShadowRequest(shadow.emptyShadow(), update, 0))).toBe('returned');
  });
});
