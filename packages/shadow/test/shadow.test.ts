import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ShadowError,
  applyShadowRequest,
  cloneShadow,
  deviceShadow,
  emptyShadow,
  encodeShadow,
  parseShadowDocument,
  parseShadowMessage,
  receiveShadowMessage,
  reportShadow,
  shadowDelta,
  type DeviceShadow,
  type ShadowDocument,
  type ShadowRequest,
} from '@linkwire/shadow';
import { shadowAttributes, shadowDocument } from '@linkwire/shadow/testing';
import { runCases } from '../../../test/conformance/harness.ts';
import { numRuns } from '../../../test/support/fast-check.ts';
import { cases, lightbulb } from './conformance.ts';

const json = (v: unknown): string => JSON.stringify(v);
const NO_LIMITS = { maxReportedAttributes: Infinity, maxDesiredAttributes: Infinity };

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});

describe('aliyun-iot-platform-device-guide.txt §7.2 lightbulb walk-through, one document through every step', () => {
  it('report, application change, control, device report, clear desired, get, delete one and all', () => {
    const doc = emptyShadow();
    // 1. The device reports red.
    let r = applyShadowRequest(doc, lightbulb.step1, 1469564492_000);
    expect(json(doc)).toBe(json(lightbulb.doc1));
    expect(r.reply).toEqual({ method: 'reply', payload: { status: 'success', version: 1 }, timestamp: 1469564492 });
    // 2. The application desires green; 3. the shadow pushes control.
    r = applyShadowRequest(doc, lightbulb.step2, 1469564576_000);
    expect(json(doc)).toBe(json(lightbulb.doc2));
    expect(json(r.control)).toBe(json(lightbulb.control2));
    // 4. The device turns green and reports it.
    r = applyShadowRequest(doc, lightbulb.step4, 1469564577_000);
    expect(r.reply.payload).toEqual({ status: 'success', version: 3 });
    expect(r.control).toBeUndefined();
    expect(shadowDelta(doc)).toBeUndefined();
    // 5. The device clears desired; 6. the document.
    r = applyShadowRequest(doc, lightbulb.step5, 1469564577_500);
    expect(json(doc)).toBe(json(lightbulb.doc6));
    // The device requests the shadow.
    r = applyShadowRequest(doc, '{"method": "get"}', 1469564580_000);
    const { state, metadata, version, timestamp } = lightbulb.doc6;
    // The seed's get reply lists version before timestamp.
    expect(json(r.reply)).toBe(json({ method: 'reply', payload: { status: 'success', state, metadata, version, timestamp }, timestamp: 1469564580 }));
    // Delete one (the seed's message, with the next version), then all.
    r = applyShadowRequest(doc, '{"method":"delete","state":{"reported":{"color":"null","temperature":"null"}},"version":5}', 1469564590_000);
    expect(r.reply.payload).toEqual({ status: 'success', version: 5 });
    expect(doc).toEqual({ state: {}, metadata: {}, timestamp: 1469564590, version: 5 });
    r = applyShadowRequest(doc, '{"method":"delete","state":{"reported":"null"},"version":6}', 1469564591_000);
    expect(doc).toEqual({ state: {}, metadata: {}, timestamp: 1469564591, version: 6 });
  });
});

describe('applyShadowRequest details', () => {
  it('control is pushed only when an update writes a desired value', () => {
    const doc = emptyShadow();
    expect(applyShadowRequest(doc, { method: 'update', state: { desired: { a: 1 } }, version: 1 }, 0).control).toBeDefined();
    expect(applyShadowRequest(doc, { method: 'update', state: { desired: { a: null } }, version: 2 }, 0).control).toBeUndefined();
    expect(applyShadowRequest(doc, { method: 'update', state: { desired: 'null' }, version: 3 }, 0).control).toBeUndefined();
    expect(applyShadowRequest(doc, { method: 'delete', state: { desired: { a: 'null' } }, version: 4 }, 0).control).toBeUndefined();
  });

  it('the desired section has its own limit (408), default 128', () => {
    const attrs = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`d${i}`, i]));
    const p = applyShadowRequest(emptyShadow(), { method: 'update', state: { desired: attrs }, version: 1 }, 0).reply.payload;
    expect(p).toEqual({ status: 'error', content: { errorcode: '408', errormessage: 'The reported field contains more than 128 attributes.' } });
  });

  it('an exotic request object that throws while being read is a 500, with nothing changed', () => {
    const doc = emptyShadow();
    const hostile = { method: 'update', version: 1, get state(): never { throw new Error('boom'); } };
    const p = applyShadowRequest(doc, hostile as unknown as ShadowRequest, 0).reply.payload;
    expect(p).toEqual({ status: 'error', content: { errorcode: '500', errormessage: 'Server exception.' } });
    expect(doc).toEqual(emptyShadow());
  });

  it('non-JSON values in a request object are a 400', () => {
    for (const bad of [undefined, Number.NaN, Infinity, () => 1, new Date(0), 10n, Symbol('x')]) {
      const p = applyShadowRequest(emptyShadow(), { method: 'update', state: { reported: { a: bad } }, version: 1 } as unknown as ShadowRequest, 0).reply.payload;
      expect(p.status === 'error' && p.content.errorcode).toBe('400');
    }
  });

  it('hostile nesting is refused before parsing, as text and as a cyclic object', () => {
    const deep = `{"method":"update","state":{"reported":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}},"version":1}`;
    const limits = { maxRequestBytes: 1 << 20 };
    expect(applyShadowRequest(emptyShadow(), deep, 0, limits).reply.payload).toMatchObject({ status: 'error', content: { errorcode: '400' } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const r = applyShadowRequest(emptyShadow(), { method: 'update', state: { reported: cyclic }, version: 1 } as never, 0);
    expect(r.reply.payload).toMatchObject({ status: 'error', content: { errorcode: '400' } });
  });

  it('values are copied in: mutating the request afterwards does not reach the document', () => {
    const doc = emptyShadow();
    const value = { nested: [1, 2] };
    applyShadowRequest(doc, { method: 'update', state: { reported: { a: value } }, version: 1 }, 0);
    value.nested.push(3);
    expect(doc.state.reported).toEqual({ a: { nested: [1, 2] } });
  });

  it('counts stay right when a section is emptied, refilled and reloaded', () => {
    const doc = emptyShadow();
    const limits = { maxReportedAttributes: 3 };
    const up = (reported: Record<string, unknown>) =>
      applyShadowRequest(doc, { method: 'update', state: { reported }, version: doc.version + 1 } as ShadowRequest, 0, limits).reply.payload.status;
    expect(up({ a: 1, b: 2, c: 3 })).toBe('success');
    expect(up({ d: 4 })).toBe('error');
    expect(up({ a: null, b: null, c: null })).toBe('success');
    expect(doc.state).toEqual({});
    expect(up({ x: 1, y: 2, z: 3 })).toBe('success');
    // A document loaded from elsewhere has no cached count: it is counted once.
    const loaded = cloneShadow(doc);
    expect(applyShadowRequest(loaded, { method: 'update', state: { reported: { w: 1 } }, version: 9 }, 0, limits).reply.payload.status).toBe('error');
  });
});

describe('cost is proportional to the request, not the document', () => {
  /** Runs `requests` against a document of `n` attributes whose sections count every access. */
  function accessesPerRequest(n: number, requests: (v: number) => ShadowRequest[], limits?: object): { perRequest: number[]; ownKeys: number } {
    const reported: Record<string, number> = {};
    const times: Record<string, { timestamp: number }> = {};
    for (let i = 0; i < n; i++) {
      reported[`a${i}`] = i;
      times[`a${i}`] = { timestamp: 1 };
    }
    let accesses = 0;
    let ownKeys = 0;
    const counting = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (t, k, r) => (accesses++, Reflect.get(t, k, r)),
        has: (t, k) => (accesses++, Reflect.has(t, k)),
        set: (t, k, v, r) => (accesses++, Reflect.set(t, k, v, r)),
        deleteProperty: (t, k) => (accesses++, Reflect.deleteProperty(t, k)),
        getOwnPropertyDescriptor: (t, k) => (accesses++, Reflect.getOwnPropertyDescriptor(t, k)),
        ownKeys: (t) => (ownKeys++, Reflect.ownKeys(t)),
      });
    const doc: ShadowDocument = { state: { reported: counting(reported) }, metadata: { reported: counting(times) }, timestamp: 1, version: 1 };
    const perRequest: number[] = [];
    let v = 1;
    for (const round of [0, 1, 2]) {
      for (const req of requests(v)) {
        accesses = 0;
        const r = applyShadowRequest(doc, { ...req, version: ++v } as ShadowRequest, 0, limits);
        expect(r.reply.payload.status).toBe('success');
        if (round > 0) perRequest.push(accesses);
      }
    }
    return { perRequest, ownKeys };
  }
  const mix = (): ShadowRequest[] => [
    { method: 'update', state: { reported: { a5: 50 } }, version: 0 },
    { method: 'update', state: { reported: { fresh: 1, a6: { x: 1 } } }, version: 0 },
    { method: 'update', state: { reported: { a6: { x: null, y: [1] } } }, version: 0 },
    { method: 'delete', state: { reported: { fresh: 'null', missing: 'null' } }, version: 0 },
    { method: 'get' },
  ];

  it('touches the same number of properties on 10 and 10 000 attributes', () => {
    const small = accessesPerRequest(10, mix, { maxReportedAttributes: Infinity });
    const large = accessesPerRequest(10_000, mix, { maxReportedAttributes: Infinity });
    expect(large.perRequest).toEqual(small.perRequest);
    // The first removal counts the section once, to know when it becomes empty.
    expect([small.ownKeys, large.ownKeys]).toEqual([1, 1]);
  });

  it('a document that only grows is never listed', () => {
    const grow = (v: number): ShadowRequest[] => [{ method: 'update', state: { reported: { a5: 1, [`n${v}`]: 2 } }, version: 0 }];
    expect(accessesPerRequest(1000, grow, { maxReportedAttributes: Infinity }).ownKeys).toBe(0);
  });

  it('with a finite limit, a section is counted once and then kept counted', () => {
    const large = accessesPerRequest(100, mix, { maxReportedAttributes: 1000 });
    expect(large.ownKeys).toBe(1);
  });
});

describe('device side against the cloud reducer', () => {
  /** Delivers `request` to the cloud and the reply (and any control) back to the device. */
  function roundTrip(cloud: ShadowDocument, device: DeviceShadow, request: ShadowRequest, now: number) {
    const r = applyShadowRequest(cloud, encodeShadow(request), now, NO_LIMITS);
    return receiveShadowMessage(device, encodeShadow(r.reply), now);
  }

  it('after the seed flow the device cache equals the cloud document and nothing is desired', () => {
    fc.assert(fc.property(shadowDocument(), shadowAttributes({ nulls: false }), (cloud, desired) => {
      let now = 2_000_000_000;
      let device = receiveShadowMessage(deviceShadow(), encodeShadow(applyShadowRequest(cloud, { method: 'get' }, now).reply), now).device;
      // The application writes desired; the shadow pushes control.
      const app = applyShadowRequest(cloud, { method: 'update', state: { desired }, version: cloud.version + 1 }, (now += 1000), NO_LIMITS);
      expect(app.control).toBeDefined();
      let step = receiveShadowMessage(device, encodeShadow(app.control!), (now += 1000), { maxAgeMs: 60_000 });
      expect(step.actions[0]).toEqual({ type: 'apply', desired: cloud.state.desired });
      // Publish whatever the device asks for until it asks for nothing more.
      for (let guard = 0; guard < 5; guard++) {
        device = step.device;
        const publish = step.actions.find((a) => a.type === 'publish');
        if (publish === undefined) break;
        step = roundTrip(cloud, device, publish.request, (now += 1000));
      }
      device = step.device;
      expect(cloud.state.desired).toBeUndefined();
      expect(device.inFlight).toEqual([]);
      expect(json(device.document)).toBe(json(cloud));
    }), { numRuns: numRuns(150) });
  });

  it('an application write racing the device ends, through 409 and actOnGet, with the device converged', () => {
    fc.assert(fc.property(shadowDocument(), shadowAttributes({ nulls: false }), shadowAttributes({ nulls: false }), fc.nat({ max: 5 }), (cloud, first, second, raceAt) => {
      let now = 2_000_000_000;
      const options = { maxAgeMs: 60_000, actOnGet: true };
      let device = deviceShadow(cloneShadow(cloud));
      const toCloud: ShadowRequest[] = [];
      const toDevice: Uint8Array[] = [];
      const app = (desired: typeof first) => {
        const r = applyShadowRequest(cloud, { method: 'update', state: { desired }, version: cloud.version + 1 }, (now += 1000), NO_LIMITS);
        toDevice.push(encodeShadow(r.control!));
      };
      app(first);
      let conflicts = 0;
      // One message a tick, alternating directions; the second write lands at tick `raceAt`.
      for (let tick = 0; tick < 40 && (toCloud.length > 0 || toDevice.length > 0 || tick <= raceAt); tick++) {
        if (tick === raceAt) app(second);
        const request = toCloud.shift();
        if (request !== undefined) {
          const r = applyShadowRequest(cloud, request, (now += 1000), NO_LIMITS);
          toDevice.push(encodeShadow(r.reply));
          if (r.reply.payload.status === 'error') conflicts++;
        }
        const message = toDevice.shift();
        if (message !== undefined) {
          const step = receiveShadowMessage(device, message, (now += 1000), options);
          device = step.device;
          for (const a of step.actions) if (a.type === 'publish') toCloud.push(a.request);
        }
      }
      expect(toCloud.length + toDevice.length).toBe(0);
      expect(cloud.state.desired).toBeUndefined();
      expect(device.inFlight).toEqual([]);
      expect(json(device.document)).toBe(json(cloud));
      expect(conflicts).toBeLessThanOrEqual(2);
    }), { numRuns: numRuns(200) });
  });

  it('reportShadow picks the next version and the ack updates the cache', () => {
    let device = receiveShadowMessage(deviceShadow(), '{"method":"reply","payload":{"status":"success","state":{"reported":{"color":"red"}},"metadata":{"reported":{"color":{"timestamp":1544701176}}},"timestamp":1544784614,"version":1},"timestamp":1544784614}', 0).device;
    const sent = reportShadow(device, { color: 'blue' });
    expect(sent.request).toEqual({ method: 'update', state: { reported: { color: 'blue' } }, version: 2 });
    device = receiveShadowMessage(sent.device, '{"method":"reply","payload":{"status":"success","version":2},"timestamp":1544784700}', 0).device;
    expect(device.document).toEqual({ state: { reported: { color: 'blue' } }, metadata: { reported: { color: { timestamp: 1544784700 } } }, timestamp: 1544784700, version: 2 });
    expect(sent.device.document?.state.reported).toEqual({ color: 'red' });
  });

  it('with actOnGet, a get reply holding desired attributes starts the flow; without, it only caches', () => {
    const cloud = cloneShadow(lightbulb.doc2 as unknown as ShadowDocument);
    const reply = encodeShadow(applyShadowRequest(cloud, { method: 'get' }, 1469564600_000).reply);
    expect(receiveShadowMessage(deviceShadow(), reply, 1469564600_000).actions).toEqual([]);
    const act = receiveShadowMessage(deviceShadow(), reply, 1469564600_000, { actOnGet: true, maxAgeMs: 60_000 });
    expect(act.actions).toEqual([
      { type: 'apply', desired: { color: 'green' } },
      { type: 'publish', request: { method: 'update', state: { reported: { color: 'green' } }, version: 3 } },
    ]);
    // Desired written at 1469564576 is older than 10 s by then.
    const old = receiveShadowMessage(deviceShadow(), reply, 1469564600_000, { actOnGet: true, maxAgeMs: 10_000 });
    expect(old.actions).toEqual([{ type: 'discard', reason: 'expired', version: 2 }]);
  });

  it('a version conflict rejects the oldest write and asks for the document', () => {
    const sent = reportShadow(deviceShadow(), { color: 'blue' });
    const step = receiveShadowMessage(sent.device, '{"method":"reply","payload":{"status":"error","content":{"errorcode":"409","errormessage":"Version conflict."}},"timestamp":1}', 0);
    expect(step.actions).toEqual([
      { type: 'rejected', request: sent.request, errorcode: '409', errormessage: 'Version conflict.' },
      { type: 'publish', request: { method: 'get' } },
    ]);
    expect(step.device.inFlight).toEqual([]);
  });

  it('a cyclic or non-JSON message object is a ShadowError, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { method: 'reply', timestamp: 1 };
    cyclic.payload = cyclic;
    expect(() => parseShadowMessage(cyclic as never)).toThrow(ShadowError);
    expect(() => parseShadowDocument({ state: { reported: { a: new Date(0) } }, version: 1 } as never)).toThrow(ShadowError);
  });

  it('malformed messages throw ShadowError and numeric error codes become strings', () => {
    expect(() => receiveShadowMessage(deviceShadow(), '{"method":"control","payload":{"status":"success"},"timestamp":1}', 0)).toThrow(/payload.state/);
    const m = parseShadowMessage('{"method":"reply","payload":{"status":"error","content":{"errorcode":409,"errormessage":"Version conflict."}},"timestamp":1}');
    expect(m.payload).toEqual({ status: 'error', content: { errorcode: '409', errormessage: 'Version conflict.' } });
  });
});
