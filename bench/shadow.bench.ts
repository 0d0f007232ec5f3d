// One-attribute shadow updates: @linkwire/shadow's in-place reducer against the naive
// clone-and-deep-merge a user would otherwise write (structuredClone + the deepmerge package),
// on documents of 10, 1 000 and 100 000 reported attributes.
import deepmerge from 'deepmerge';
import { applyShadowRequest, type ShadowDocument, type ShadowRequest } from '@linkwire/shadow';
import { utf8Encode } from '@linkwire/base';
import { compare } from './support.ts';

const NO_LIMITS = { maxReportedAttributes: Infinity, maxDesiredAttributes: Infinity };
const T0 = 1_700_000_000;

function documentOf(n: number): ShadowDocument {
  const reported: Record<string, number | string> = {};
  const times: Record<string, { timestamp: number }> = {};
  for (let i = 0; i < n; i++) {
    reported[`attr${i}`] = i % 2 === 0 ? i : `value-${i}`;
    times[`attr${i}`] = { timestamp: T0 };
  }
  return { state: { reported }, metadata: { reported: times }, timestamp: T0, version: 1 };
}

const overwrite = (_: unknown[], source: unknown[]) => source;

/** The baseline: check the version, clone the document, deep-merge the request and its metadata. */
function naiveApply(doc: ShadowDocument, req: Extract<ShadowRequest, { method: 'update' }>, now: number): ShadowDocument {
  if (req.version <= doc.version) return doc;
  const ts = Math.floor(now / 1000);
  const times: Record<string, { timestamp: number }> = {};
  for (const k of Object.keys(req.state.reported as object)) times[k] = { timestamp: ts };
  return deepmerge(structuredClone(doc), { state: req.state, metadata: { reported: times }, version: req.version, timestamp: ts } as Partial<ShadowDocument>, { arrayMerge: overwrite });
}

/** A smarter immutable reducer: copy only the touched section and its metadata (O(section)). */
function copyOnWriteApply(doc: ShadowDocument, req: Extract<ShadowRequest, { method: 'update' }>, now: number): ShadowDocument {
  if (req.version <= doc.version) return doc;
  const ts = Math.floor(now / 1000);
  const reported = { ...doc.state.reported, ...(req.state.reported as object) };
  const times = { ...doc.metadata.reported };
  for (const k of Object.keys(req.state.reported as object)) times[k] = { timestamp: ts };
  return { state: { ...doc.state, reported }, metadata: { ...doc.metadata, reported: times }, timestamp: ts, version: req.version };
}

const rows: Array<{ name: string; fn: () => unknown }> = [];
for (const n of [10, 1_000, 100_000]) {
  let naiveDoc = documentOf(n);
  const ours = documentOf(n);
  const oursText = documentOf(n);
  let cowDoc = documentOf(n);
  let v0 = 1;
  let v1 = 1;
  let v2 = 1;
  let v3 = 1;
  const update = (v: number) => ({ method: 'update' as const, state: { reported: { attr5: v } }, version: v });
  // tinybench runs at least 64 iterations per task: at 100 000 attributes one deepmerge takes
  // seconds, so that table starts from the copy-on-write row instead.
  const baseline = n <= 1_000 ? [{ name: 'structuredClone + deepmerge', fn: () => (naiveDoc = naiveApply(naiveDoc, update(++v1), (T0 + v1) * 1000)) }] : [];
  await compare(`one-attribute update, ${n.toLocaleString('en-US')} reported attributes`, [
    ...baseline,
    { name: 'copy-on-write spread of the touched section', fn: () => (cowDoc = copyOnWriteApply(cowDoc, update(++v0), (T0 + v0) * 1000)) },
    { name: '@linkwire/shadow applyShadowRequest (object)', fn: () => applyShadowRequest(ours, update(++v2), (T0 + v2) * 1000, NO_LIMITS) },
    {
      name: '@linkwire/shadow applyShadowRequest (payload bytes)',
      fn: () => {
        ++v3;
        return applyShadowRequest(oursText, utf8Encode(`{"method":"update","state":{"reported":{"attr5":${v3}}},"version":${v3}}`), (T0 + v3) * 1000, NO_LIMITS);
      },
    },
  ]);
  let v4 = 1;
  const flat = documentOf(n);
  rows.push({ name: `${n.toLocaleString('en-US')} attributes`, fn: () => applyShadowRequest(flat, update(++v4), (T0 + v4) * 1000, NO_LIMITS) });
}
await compare('cost as the document grows (applyShadowRequest, one-attribute update)', rows);

// A desired change also builds the control push; a get builds the full-state reply.
const big = documentOf(100_000);
let v5 = 1;
await compare('other requests, 100 000 reported attributes', [
  { name: 'update reported (no push)', fn: () => applyShadowRequest(big, { method: 'update', state: { reported: { attr7: ++v5 } }, version: v5 }, 0, NO_LIMITS) },
  { name: 'update desired (+ control push)', fn: () => applyShadowRequest(big, { method: 'update', state: { desired: { attr7: ++v5 } }, version: v5 }, 0, NO_LIMITS) },
  { name: 'delete + re-add one attribute', fn: () => {
    applyShadowRequest(big, { method: 'delete', state: { reported: { attr9: 'null' } }, version: ++v5 }, 0, NO_LIMITS);
    return applyShadowRequest(big, { method: 'update', state: { reported: { attr9: v5 } }, version: ++v5 }, 0, NO_LIMITS);
  } },
  { name: 'get', fn: () => applyShadowRequest(big, { method: 'get' }, 0) },
]);

// The baseline at 100 000 attributes, timed directly (too slow for a tinybench table).
{
  let doc = documentOf(100_000);
  const start = performance.now();
  for (let v = 2; v < 5; v++) doc = naiveApply(doc, { method: 'update', state: { reported: { attr5: v } }, version: v }, (T0 + v) * 1000);
  console.log(`\nstructuredClone + deepmerge, 100,000 reported attributes: ${((performance.now() - start) / 3).toFixed(0)} ms per update`);
}
