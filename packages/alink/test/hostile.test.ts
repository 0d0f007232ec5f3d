import * as alink from '@linkwire/alink';
import { manualClock } from '@linkwire/base';
import { deepJsonText, deepObject } from '@linkwire/base/testing';
import { describe, expect, it } from 'vitest';
import { hostileSuite, outcome } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('alink under hostile data and options', () => {
  hostileSuite('alink', alink, entries.map((e) => e.name));
});

describe('alink regressions from issue 24', () => {
  const code = outcome;
  it('ntpTime answers a 20-digit serverRecvTime (a bigint from the exact JSON reader) with invalid_value', () => {
    const reply = alink.decodeJson('{"deviceSendTime":"1000","serverRecvTime":12345678901234567890,"serverSendTime":"5002"}');
    expect(code(() => alink.ntpTime(reply as never, 1010))).toBe('invalid_value');
    expect(code(() => alink.ntpTime(null as never, 1010))).toBe('invalid_value');
  });
  it('decoders with raised maxDepth on 30 000 nested arrays answer too_deep', () => {
    const deep = deepJsonText(30_000);
    expect(code(() => alink.decodeJson(deep, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(code(() => alink.decodeRequest(deep, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(code(() => alink.decodeReply(deep, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(code(() => alink.decodeMessage('/sys/pk/dn/thing/event/property/post', `{"id":"1","version":"1.0","params":{"a":${deep}},"method":"thing.event.property.post"}`, { maxDepth: 100_000 }))).toBe('too_deep');
    expect(code(() => alink.decodeMessage('/sys/pk/dn/thing/service/property/set', `{"id":"1","params":{"a":${deep}}}`, { maxDepth: Infinity }))).toBe('too_deep');
  });
  it('options and limits of null or the wrong type are invalid_option', () => {
    expect(code(() => alink.decodeJson('{}', null as never))).toBe('invalid_option');
    expect(code(() => alink.decodeRequest('{}', { maxDepth: NaN }))).toBe('invalid_option');
    expect(code(() => alink.decodeReply('{}', { maxBytes: 10n as never }))).toBe('invalid_option');
    expect(code(() => alink.decodeMessage('/sys/pk/dn/thing/event/property/post', '{}', null as never))).toBe('invalid_option');
    expect(code(() => alink.decodeCbor(new Uint8Array([0]), { maxDepth: 'x' as never }))).toBe('invalid_option');
  });
  it('the reply tracker refuses bigint and NaN timeouts, and a missing clock', () => {
    const clock = manualClock(0);
    expect(code(() => alink.replyTracker({ clock, timeoutMs: 5000n as never }))).toBe('invalid_option');
    expect(code(() => alink.replyTracker({ clock, maxPending: NaN }))).toBe('invalid_option');
    expect(code(() => alink.replyTracker(undefined as never))).toBe('invalid_option');
    const t = alink.replyTracker<number>({ clock });
    expect(code(() => t.track('/sys/pk/dn/thing/event/property/post_reply', '1', 1, 10n as never))).toBe('invalid_value');
  });
  it('encoders refuse envelopes of the wrong shape with a typed error', () => {
    expect(code(() => alink.stringifyRequest({ id: '1', method: 1n as never }))).toBe('invalid_message');
    expect(code(() => alink.encodeReply(undefined as never))).toBe('invalid_reply');
    expect(code(() => alink.encodePropertyPost({ id: '1', params: {}, version: deepObject(30_000) as never }))).toBe('invalid_message');
    expect(code(() => alink.validateRequest(Object.create(null) as never, { id: '1' }))).toBe('unknown_topic');
    expect(code(() => alink.codesOf(undefined as never))).toBe('invalid_option');
  });
});
