import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Encode, type JsonValue } from '@linkwire/base';
import {
  ShadowError,
  applyShadowRequest,
  cloneShadow,
  emptyShadow,
  encodeShadow,
  parseShadowDocument,
  parseShadowMessage,
  parseShadowRequest,
  shadowDelta,
  type ShadowAttributes,
  type ShadowDocument,
  type ShadowRequest,
} from '@linkwire/shadow';
import { malformedShadowRequest, shadowAttributes, shadowDocument, shadowRequest, shadowScalar, shadowUpdateRequest } from '@linkwire/shadow/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const NO_LIMITS = { maxReportedAttributes: Infinity, maxDesiredAttributes: Infinity };
const sections = ['reported', 'desired'] as const;

function status(doc: ShadowDocument, req: ShadowRequest | string | Uint8Array, now = 5_000_000): { ok: boolean; code?: string } {
  const p = applyShadowRequest(doc, req, now, NO_LIMITS).reply.payload;
  return p.status === 'error' ? { ok: false, code: p.content.errorcode } : { ok: true };
}

/**
 * Same JSON, key order included. (toStrictEqual compares `.constructor`, which an attribute
 * named "constructor" legitimately shadows.)
 */
function sameJson(actual: unknown, expected: unknown): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

/** Runs `fn`, which may only throw ShadowError. */
function onlyShadowErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ShadowError);
  }
}

describe('versions', () => {
  it('an accepted write always moves the version up to the request version', () => {
    fc.assert(fc.property(shadowDocument(), shadowRequest(), (doc, req) => {
      const before = doc.version;
      const r = status(doc, req);
      if (req.method === 'get') expect(doc.version).toBe(before);
      else if (r.ok) {
        expect(doc.version).toBe(req.version);
        expect(req.version).toBeGreaterThan(before);
      }
      else expect(r.code).toBe('409');
      if (req.method !== 'get') expect(r.ok).toBe(req.version > before);
    }), { numRuns: numRuns(300) });
  });

  it('a rejected request leaves the document deep-equal, version included', () => {
    const anyRequest = fc.oneof(shadowRequest(), malformedShadowRequest());
    fc.assert(fc.property(shadowDocument(), anyRequest, (doc, req) => {
      const before = cloneShadow(doc);
      const r = applyShadowRequest(doc, req, 9_000_000);
      if (r.reply.payload.status === 'error') sameJson(doc, before);
      expect(r.document).toBe(doc);
    }), { numRuns: numRuns(400) });
  });

  it('every malformed payload is an error reply, never an exception', () => {
    fc.assert(fc.property(shadowDocument(), malformedShadowRequest(), (doc, req) => {
      const r = applyShadowRequest(doc, req, 0);
      expect(r.reply.method).toBe('reply');
      onlyShadowErrors(() => parseShadowRequest(req));
    }), { numRuns: numRuns(400) });
  });
});

describe('attributes and metadata', () => {
  it('delete after update restores the previous attributes', () => {
    const fresh = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).map((s) => `new:${s}`), shadowScalar(), { minKeys: 1, maxKeys: 5 });
    fc.assert(fc.property(shadowDocument(), fc.constantFrom(...sections), fresh, (doc, section, attrs) => {
      const before = cloneShadow(doc);
      expect(status(doc, { method: 'update', state: { [section]: attrs }, version: doc.version + 1 }).ok).toBe(true);
      const marks = Object.fromEntries(Object.keys(attrs).map((k) => [k, 'null']));
      expect(status(doc, { method: 'delete', state: { [section]: marks }, version: doc.version + 1 }).ok).toBe(true);
      sameJson(doc.state, before.state);
      sameJson(doc.metadata, before.metadata);
    }), { numRuns: numRuns(300) });
  });

  it('metadata timestamps change only for the attributes a request touched', () => {
    fc.assert(fc.property(shadowDocument(), shadowRequest(), (doc, req) => {
      const before = cloneShadow(doc);
      const now = 7_777_000;
      if (req.method !== 'get') req.version = doc.version + 1;
      const r = status(doc, req, now);
      for (const s of sections) {
        const write = req.method === 'get' || !r.ok ? undefined : req.state[s];
        const names = new Set(Object.keys(before.metadata[s] ?? {}).concat(Object.keys(doc.metadata[s] ?? {})));
        for (const name of names) {
          const touched = write === 'null' || write === null || (write !== undefined && Object.hasOwn(write, name));
          const t0 = before.metadata[s]?.[name]?.timestamp;
          const t1 = doc.metadata[s]?.[name]?.timestamp;
          if (!touched) expect(t1).toBe(t0);
          else if (t1 !== undefined) expect(t1).toBe(7777);
        }
        // Metadata names exactly the attributes present.
        expect(Object.keys(doc.metadata[s] ?? {}).sort()).toEqual(Object.keys(doc.state[s] ?? {}).sort());
      }
    }), { numRuns: numRuns(300) });
  });

  it('empty sections are omitted', () => {
    fc.assert(fc.property(shadowDocument(), (doc) => {
      for (const s of sections) {
        if (doc.state[s] !== undefined) expect(Object.keys(doc.state[s]!).length).toBeGreaterThan(0);
        if (doc.metadata[s] !== undefined) expect(Object.keys(doc.metadata[s]!).length).toBeGreaterThan(0);
      }
    }), { numRuns: numRuns(200) });
  });

  it('reporting the delta leaves no delta', () => {
    fc.assert(fc.property(shadowDocument(), (doc) => {
      const delta = shadowDelta(doc);
      if (delta === undefined) return;
      expect(status(doc, { method: 'update', state: { reported: delta }, version: doc.version + 1 }).ok).toBe(true);
      expect(shadowDelta(doc)).toBeUndefined();
    }), { numRuns: numRuns(300) });
  });
});

describe('several writers against a sequential model', () => {
  type Op = { writer: number; kind: 'update' | 'delete'; section: 'reported' | 'desired'; attrs: Record<string, JsonValue>; stale: boolean };
  const name = fc.constantFrom('a', 'b', 'c', 'd', 'constructor');
  const op = (writers: number): fc.Arbitrary<Op> =>
    fc.record({
      writer: fc.nat({ max: writers - 1 }),
      kind: fc.constantFrom('update' as const, 'update' as const, 'delete' as const),
      section: fc.constantFrom(...sections),
      attrs: fc.dictionary(name, fc.oneof(fc.integer(), fc.constant(null)), { minKeys: 1, maxKeys: 3 }),
      stale: fc.boolean(),
    });

  it('never loses an accepted write and accepts exactly the writes with a newer version', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 4 }).chain((n) => fc.tuple(fc.constant(n), fc.array(op(n), { minLength: 1, maxLength: 40 }))), ([writers, ops]) => {
      const doc = emptyShadow();
      const known = new Array<number>(writers).fill(0);
      const model = new Map<string, JsonValue>();
      let lastAccepted = 0;
      for (const o of ops) {
        // A stale writer sends with the version it knew; others first refresh with a get.
        if (!o.stale) {
          const get = applyShadowRequest(doc, { method: 'get' }, 0).reply.payload;
          known[o.writer] = 'version' in get ? get.version : known[o.writer]!;
        }
        const version = known[o.writer]! + 1;
        const attrs = o.kind === 'delete' ? Object.fromEntries(Object.keys(o.attrs).map((k) => [k, 'null'])) : o.attrs;
        const r = applyShadowRequest(doc, { method: o.kind, state: { [o.section]: attrs }, version }, 1000);
        const accepted = r.reply.payload.status === 'success';
        expect(accepted).toBe(version > lastAccepted);
        if (accepted) {
          lastAccepted = version;
          known[o.writer] = version;
          for (const [k, v] of Object.entries(attrs)) {
            if (v === null || v === 'null') model.delete(`${o.section}/${k}`);
            else model.set(`${o.section}/${k}`, v);
          }
        } else {
          expect((r.reply.payload as { content: { errorcode: string } }).content.errorcode).toBe('409');
        }
        const actual = new Map<string, JsonValue>();
        for (const s of sections) for (const [k, v] of Object.entries(doc.state[s] ?? {})) actual.set(`${s}/${k}`, v);
        expect(actual).toEqual(model);
        expect(doc.version).toBe(lastAccepted);
      }
    }), { numRuns: numRuns(200) });
  });
});

describe('prototype safety', () => {
  const evil = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'polluted');
  const evilValue: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant(1), fc.constant(null), fc.constant('null'), fc.dictionary(evil, tie('v'), { maxKeys: 3 })),
  })).v;

  it('no attribute name reaches a prototype, as text or as an object', () => {
    fc.assert(fc.property(shadowDocument(), fc.dictionary(evil, evilValue, { minKeys: 1, maxKeys: 3 }), fc.constantFrom('update', 'delete'), fc.boolean(), (doc, attrs, method, asText) => {
      const text = JSON.stringify({ method, state: { reported: attrs, desired: attrs }, version: doc.version + 1 });
      // JSON.parse makes "__proto__" an own key, the way a hostile parsed payload would carry it.
      applyShadowRequest(doc, asText ? text : (JSON.parse(text) as ShadowRequest), 0, NO_LIMITS);
      onlyShadowErrors(() => parseShadowRequest(text));
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const walk = (v: unknown): void => {
        if (typeof v !== 'object' || v === null) return;
        expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(v));
        for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
      };
      walk(doc);
    }), { numRuns: numRuns(300) });
  });
});

describe('limits', () => {
  it('no section ever holds more than its attribute limit', () => {
    const limits = { maxReportedAttributes: 6, maxDesiredAttributes: 4 };
    const many = fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }).filter((s) => s !== '__proto__'), fc.oneof(fc.integer(), fc.constant(null)), { minKeys: 1, maxKeys: 8 });
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...sections), many), { maxLength: 20 }), (writes) => {
      const doc = emptyShadow();
      for (const [s, attrs] of writes) {
        const r = applyShadowRequest(doc, { method: 'update', state: { [s]: attrs }, version: doc.version + 1 }, 0, limits).reply.payload;
        if (r.status === 'error') expect(r.content.errorcode).toBe('408');
        expect(Object.keys(doc.state.reported ?? {}).length).toBeLessThanOrEqual(6);
        expect(Object.keys(doc.state.desired ?? {}).length).toBeLessThanOrEqual(4);
      }
    }), { numRuns: numRuns(200) });
  });

  it('requests over the byte or depth limit are refused, in any form', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), (text, depth, asBytes) => {
      const limits = { maxRequestBytes: 200, maxDepth: 8 };
      let nested: JsonValue = text;
      for (let i = 0; i < depth; i++) nested = { k: nested };
      const req: ShadowRequest = { method: 'update', state: { reported: { v: nested } }, version: 1 };
      const json = JSON.stringify(req);
      const tooBig = utf8Encode(json).length > 200;
      // The request, state and reported objects nest three deep; each { k } adds one.
      const tooDeep = depth + 3 > 8;
      for (const form of [asBytes ? utf8Encode(json) : json, req]) {
        const doc = emptyShadow();
        const p = applyShadowRequest(doc, form, 0, limits).reply.payload;
        if (tooBig || tooDeep) expect(p.status === 'error' && p.content.errorcode).toBe('400');
        else expect(p.status).toBe('success');
      }
    }), { numRuns: numRuns(300) });
  });
});

describe('request size', () => {
  it('an object request is measured as the UTF-8 bytes of its JSON text, exactly', () => {
    const anyString = fc.string({ unit: 'binary', maxLength: 12 }).filter((k) => k !== '__proto__');
    const attrs = fc.dictionary(anyString, fc.oneof(shadowScalar(), anyString, fc.constant(null), fc.array(fc.oneof(anyString, fc.integer()), { maxLength: 3 }), fc.dictionary(anyString, anyString, { maxKeys: 2 })), { minKeys: 1, maxKeys: 4 });
    fc.assert(fc.property(fc.constantFrom('update', 'delete'), attrs, fc.option(attrs, { nil: undefined }), fc.integer({ min: 1, max: 1e9 }), (method, a, b, version) => {
      const marks = (o: Record<string, JsonValue>) => Object.fromEntries(Object.keys(o).map((k, i) => [k, i % 2 ? null : 'null']));
      const state = method === 'delete' ? { reported: marks(a), ...(b && { desired: marks(b) }) } : { reported: a, ...(b && { desired: b }) };
      const req = { method, state, version } as ShadowRequest;
      const bytes = utf8Encode(JSON.stringify(req)).length;
      const at = (max: number) => applyShadowRequest(emptyShadow(), req, 0, { ...NO_LIMITS, maxRequestBytes: max }).reply.payload;
      expect(at(bytes).status).toBe('success');
      expect(at(bytes - 1)).toMatchObject({ status: 'error', content: { errorcode: '400' } });
    }), { numRuns: numRuns(300) });
  });
});

describe('round trips', () => {
  it('requests: parse(encode(parse(x))) is parse(x)', () => {
    fc.assert(fc.property(shadowRequest(), (req) => {
      const canonical = parseShadowRequest(req, NO_LIMITS);
      sameJson(parseShadowRequest(encodeShadow(canonical), NO_LIMITS), canonical);
    }), { numRuns: numRuns(300) });
  });

  it('documents and the messages the reducer publishes decode to what was encoded', () => {
    fc.assert(fc.property(shadowDocument(), shadowUpdateRequest(), (doc, req) => {
      sameJson(parseShadowDocument(encodeShadow(doc)), doc);
      req.version = doc.version + 1;
      const r = applyShadowRequest(doc, req, 4_000_000, NO_LIMITS);
      sameJson(parseShadowMessage(encodeShadow(r.reply)), r.reply);
      if (r.control) sameJson(parseShadowMessage(encodeShadow(r.control)), r.control);
      const get = applyShadowRequest(doc, { method: 'get' }, 0).reply;
      sameJson(parseShadowMessage(encodeShadow(get)), get);
    }), { numRuns: numRuns(200) });
  });

  it('message and document decoders throw only ShadowError', () => {
    const junk = fc.oneof(fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.record({ method: fc.constantFrom('reply', 'control', 'x'), payload: fc.jsonValue({ maxDepth: 3 }), timestamp: fc.jsonValue({ maxDepth: 0 }) }).map((v) => JSON.stringify(v)));
    fc.assert(fc.property(junk, (input) => {
      onlyShadowErrors(() => parseShadowMessage(input));
      onlyShadowErrors(() => parseShadowDocument(input));
    }), { numRuns: numRuns(400) });
  });
});

describe('cost', () => {
  it('an update touches only what it names: untouched attributes keep their identity', () => {
    fc.assert(fc.property(shadowDocument(), shadowAttributes({ nulls: false }), (doc, attrs) => {
      const before = { ...(doc.state.reported ?? {}) } as ShadowAttributes;
      status(doc, { method: 'update', state: { reported: attrs }, version: doc.version + 1 });
      for (const k of Object.keys(before)) if (!Object.hasOwn(attrs, k)) expect(doc.state.reported?.[k]).toBe(before[k]);
    }), { numRuns: numRuns(200) });
  });
});
