// Properties of the multi-device and EnOS attribute validators: generated valid messages pass
// (returning the shared VALID), and one leaf out of spec anywhere in a batch fails with exactly
// one issue, at that leaf's path inside the element that carries it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VALID, compileTsl, parseTsl, toTslDocument, type TslLookup, type TslModel, type TslValidator } from '@linkwire/tsl';
import { invalidStampedFor, invalidValuesFor, stampedEventsFor, stampedFor, tslEnosModel, tslModel, valuesFor, type InvalidValue } from '@linkwire/tsl/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const timeout = Math.max(20_000, numRuns(1) * 30_000);
const issuePaths = (r: { issues: readonly { path: string }[] }): string[] => r.issues.map((i) => i.path);

// A gateway model and a sub-device model, both compiled, and the lookup a gateway would use.
const devices = (filter: (m: TslModel) => boolean = () => true) =>
  fc.tuple(tslModel(), tslModel().filter(filter)).map(([self, sub]) => {
    const subV = compileTsl(sub);
    const lookup: TslLookup = (pk) => (pk === 'sub' ? subV : undefined);
    return { self, sub, v: compileTsl(self), lookup };
  });

/** Puts `bad` at index `at` of `list`, making room for it. */
function insertAt<T>(list: readonly T[], at: number, bad: T): T[] {
  const i = Math.min(at, list.length);
  return [...list.slice(0, i), bad, ...list.slice(i)];
}

describe('EnOS attributes', () => {
  it('round-trip through the document, valid updates and queries pass, one bad leaf is reported at its path', () => {
    fc.assert(
      fc.property(
        tslEnosModel().chain((m) =>
          fc.tuple(fc.constant(m), valuesFor(m.attributes!), m.attributes!.length > 0 ? invalidValuesFor(m.attributes!, 'params.attributes').map((b): InvalidValue | null => b) : fc.constant(null)),
        ),
        ([m, ok, bad]) => {
          expect(parseTsl(JSON.stringify(toTslDocument(m))).model).toEqual(m);
          const v = compileTsl(m);
          expect(v.attributeUpdate({ attributes: ok })).toBe(VALID);
          expect(v.attributeQueryReply(ok)).toBe(VALID);
          expect(v.attributeQuery({ attributes: Object.keys(ok) })).toBe(VALID);
          if (bad !== null) expect(issuePaths(v.attributeUpdate({ attributes: bad.value }))).toEqual([bad.path]);
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);
});

describe('EnOS measure point batches', () => {
  it('elements for the device itself and for sub-devices pass; one bad leaf fails at params[i].measurepoints…', () => {
    fc.assert(
      fc.property(
        devices((m) => m.properties.length > 0).chain((d) =>
          fc.tuple(
            fc.constant(d),
            fc.array(
              fc.oneof(
                valuesFor(d.self.properties).map((measurepoints) => ({ measurepoints })),
                fc.tuple(valuesFor(d.sub.properties), fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined })).map(([measurepoints, time]) =>
                  time === undefined ? { productKey: 'sub', deviceKey: 'd', measurepoints } : { productKey: 'sub', deviceKey: 'd', measurepoints, time },
                ),
              ),
              { maxLength: 5 },
            ),
            fc.nat(),
            invalidValuesFor(d.sub.properties, 'M'),
          ),
        ),
        ([d, elements, at, bad]) => {
          expect(d.v.measurepointPostBatch(elements, d.lookup, { allowOfflineSubDevice: true })).toBe(VALID);
          const withBad = insertAt<unknown>(elements, at % (elements.length + 1), { productKey: 'sub', deviceKey: 'd', measurepoints: bad.value });
          const i = withBad.findIndex((e) => (e as { measurepoints: unknown }).measurepoints === bad.value);
          const r = d.v.measurepointPostBatch(withBad, d.lookup);
          expect(r.ok).toBe(false);
          expect(issuePaths(r)).toEqual([bad.path.replace(/^M/, `params[${i}].measurepoints`)]);
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);
});

describe('Alibaba pack posts', () => {
  it('gateway and sub-device data pass; one bad leaf in a sub-device fails at params.subDevices[j]…', () => {
    fc.assert(
      fc.property(
        devices((m) => m.properties.length > 0).chain((d) =>
          fc.tuple(
            fc.constant(d),
            stampedFor(d.self.properties),
            stampedEventsFor(d.self.events),
            fc.array(fc.tuple(stampedFor(d.sub.properties), stampedEventsFor(d.sub.events)), { maxLength: 3 }),
            fc.nat(),
            invalidStampedFor(d.sub.properties, 'S'),
          ),
        ),
        ([d, properties, events, subs, at, bad]) => {
          const subDevices = subs.map(([p, e], i) => ({ identity: { productKey: 'sub', deviceName: `d${i}` }, properties: p, events: e }));
          expect(d.v.propertyPackPost({ properties, events, subDevices }, d.lookup)).toBe(VALID);
          const j = at % (subDevices.length + 1);
          const withBad = insertAt<unknown>(subDevices, j, { identity: { productKey: 'sub', deviceName: 'bad' }, properties: bad.value });
          const r = d.v.propertyPackPost({ properties, events, subDevices: withBad }, d.lookup);
          expect(issuePaths(r)).toEqual([bad.path.replace(/^S/, `params.subDevices[${j}].properties`)]);
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);

  it('a bad leaf in the gateway properties fails at params.properties…', () => {
    fc.assert(
      fc.property(
        tslModel()
          .filter((m) => m.properties.length > 0)
          .chain((m) => fc.tuple(fc.constant(m), invalidStampedFor(m.properties, 'params.properties'))),
        ([m, bad]) => {
          expect(issuePaths(compileTsl(m, { policy: 'platform' }).propertyPackPost({ properties: bad.value }))).toEqual([bad.path]);
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);
});

describe('Alibaba history posts', () => {
  it('entries with their times pass; one bad leaf fails at params[i].properties[j]…', () => {
    fc.assert(
      fc.property(
        devices((m) => m.properties.length > 0).chain((d) =>
          fc.tuple(
            fc.constant(d),
            fc.array(fc.tuple(fc.array(stampedFor(d.sub.properties, true), { maxLength: 3 }), fc.array(stampedEventsFor(d.sub.events, true), { maxLength: 2 })), { minLength: 1, maxLength: 3 }),
            fc.nat(),
            fc.nat(),
            invalidStampedFor(d.sub.properties, 'H', true),
          ),
        ),
        ([d, entries, at, at2, bad]) => {
          const params = entries.map(([properties, events]) => ({ identity: { productKey: 'sub', deviceName: 'd' }, properties, events }));
          expect(d.v.propertyHistoryPost(params, d.lookup)).toBe(VALID);
          const i = at % params.length;
          const j = at2 % (params[i]!.properties.length + 1);
          const withBad = params.map((p, k) => (k === i ? { ...p, properties: insertAt<unknown>(p.properties, j, bad.value) } : p));
          expect(issuePaths(d.v.propertyHistoryPost(withBad, d.lookup))).toEqual([bad.path.replace(/^H/, `params[${i}].properties[${j}]`)]);
        },
      ),
      { numRuns: numRuns(150) },
    );
  }, timeout);

  it('without a lookup, every identity uses the validator itself', () => {
    fc.assert(
      fc.property(
        tslModel().chain((m) => fc.tuple(fc.constant(m), fc.array(stampedFor(m.properties, true), { maxLength: 3 }))),
        ([m, properties]) => {
          const v: TslValidator = compileTsl(m);
          expect(v.propertyHistoryPost([{ identity: { productKey: 'any', deviceName: 'd' }, properties }])).toBe(VALID);
        },
      ),
      { numRuns: numRuns(100) },
    );
  }, timeout);
});
