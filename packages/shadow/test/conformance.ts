import {
  SHADOW_ERROR_MESSAGES,
  applyShadowRequest,
  deviceShadow,
  emptyShadow,
  encodeShadow,
  parseShadowDocument,
  parseShadowMessage,
  parseShadowRequest,
  parseShadowTopic,
  receiveShadowMessage,
  shadowDelta,
  shadowGetTopic,
  shadowUpdateTopic,
  type ShadowDocument,
} from '@linkwire/shadow';
import { utf8Decode } from '@linkwire/base';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

/** Seed times are epoch seconds; the reducer takes milliseconds like Clock.now(). */
const at = (seconds: number): number => seconds * 1000;
const SEED = 'aliyun-iot-platform-device-guide.txt';

/** The seed's documents of the §7.2 lightbulb walk-through, reconstructed from the garbled PDF text. */
export const lightbulb = {
  // §7.2 "Device reports status automatically", step 1 (request) and step 2 (document).
  step1: '{"method":"update","state":{"reported":{"color":"red"}},"version":1}',
  doc1: { state: { reported: { color: 'red' } }, metadata: { reported: { color: { timestamp: 1469564492 } } }, timestamp: 1469564492, version: 1 },
  // §7.2 "Application changes device status", steps 1 and 2.
  step2: '{"method":"update","state":{"desired":{"color":"green"}},"version":2}',
  doc2: {
    state: { reported: { color: 'red' }, desired: { color: 'green' } },
    metadata: { reported: { color: { timestamp: 1469564492 } }, desired: { color: { timestamp: 1469564576 } } },
    timestamp: 1469564576,
    version: 2,
  },
  // Step 3: the control push.
  control2: {
    method: 'control',
    payload: {
      status: 'success',
      state: { reported: { color: 'red' }, desired: { color: 'green' } },
      metadata: { reported: { color: { timestamp: 1469564492 } }, desired: { color: { timestamp: 1469564576 } } },
      version: 2,
      timestamp: 1469564576,
    },
    timestamp: 1469564576,
  },
  // Step 4: the device reports green.
  step4: '{"method":"update","state":{"reported":{"color":"green"}},"version":3}',
  // Step 5: the device clears desired.
  step5: '{"method":"update","state":{"desired":"null"},"version":4}',
  // Step 6: the document (the seed's stray `"desired": {"timestamp": …}` is read as the document timestamp; README).
  doc6: { state: { reported: { color: 'green' } }, metadata: { reported: { color: { timestamp: 1469564577 } } }, timestamp: 1469564577, version: 4 },
} as const;

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function errorcodeOf(doc: ShadowDocument, request: string, now = 0): string | undefined {
  const p = applyShadowRequest(doc, request, now).reply.payload;
  return p.status === 'error' ? p.content.errorcode : undefined;
}

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    name: `shadow: ${SEED} §7.2 topics for ProductKey 10000, DeviceName lightbulb`,
    run() {
      equal(shadowUpdateTopic('10000', 'lightbulb'), '/shadow/update/10000/lightbulb', 'update topic');
      equal(shadowGetTopic('10000', 'lightbulb'), '/shadow/get/10000/lightbulb', 'get topic');
      equal(parseShadowTopic('/shadow/get/10000/lightbulb'), { kind: 'get', productKey: '10000', deviceName: 'lightbulb' }, 'parse');
      equal(parseShadowTopic('/shadow/update/10000/lightbulb/'), undefined, 'trailing slash');
      throwsCode(() => shadowUpdateTopic('10000', 'light/bulb'), 'invalid_identifier', 'slash in deviceName');
      throwsCode(() => shadowGetTopic('+', 'lightbulb'), 'invalid_identifier', 'wildcard productKey');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 walk-through, device reports red (version 1)`,
    run() {
      const r = applyShadowRequest(emptyShadow(), lightbulb.step1, at(1469564492));
      equal(r.document, lightbulb.doc1, 'document');
      equal(r.reply, { method: 'reply', payload: { status: 'success', version: 1 }, timestamp: 1469564492 }, 'reply');
      equal(r.control, undefined, 'no control push for a report');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 walk-through, application desires green (version 2) and the control push`,
    run() {
      const r = applyShadowRequest(copy(lightbulb.doc1) as ShadowDocument, lightbulb.step2, at(1469564576));
      equal(r.document, lightbulb.doc2, 'document');
      equal(r.control, lightbulb.control2, 'control');
      equal(utf8Decode(encodeShadow(r.control!)), JSON.stringify(lightbulb.control2), 'control bytes, seed key order');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 walk-through, device reports green (3), clears desired (4), gets`,
    run() {
      const doc = copy(lightbulb.doc2) as ShadowDocument;
      equal(applyShadowRequest(doc, lightbulb.step4, at(1469564577)).reply.payload, { status: 'success', version: 3 }, 'report');
      equal(applyShadowRequest(doc, lightbulb.step5, at(1469564577)).reply.payload, { status: 'success', version: 4 }, 'clear');
      equal(doc, lightbulb.doc6, 'document after clearing desired');
      const get = applyShadowRequest(doc, '{"method": "get"}', at(1469564578)).reply;
      equal(get, { method: 'reply', payload: { status: 'success', ...lightbulb.doc6 }, timestamp: 1469564578 }, 'get reply');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 delete examples: version 1 conflicts at version 4, then one and all`,
    run() {
      const doc = copy(lightbulb.doc6) as ShadowDocument;
      const deleteOne = '{"method":"delete","state":{"reported":{"color":"null","temperature":"null"}},"version":1}';
      equal(errorcodeOf(doc, deleteOne), '409', 'seed version 1 is not later than 4');
      equal(doc, lightbulb.doc6, 'unchanged by the conflict');
      applyShadowRequest(doc, '{"method":"update","state":{"reported":{"temperature":25,"power":"on"}},"version":5}', at(1469564600));
      applyShadowRequest(doc, deleteOne.replace('"version":1', '"version":6'), at(1469564601));
      equal(doc, { state: { reported: { power: 'on' } }, metadata: { reported: { power: { timestamp: 1469564600 } } }, timestamp: 1469564601, version: 6 }, 'after delete one');
      applyShadowRequest(doc, '{"method":"delete","state":{"reported":"null"},"version":7}', at(1469564602));
      equal(doc, { state: {}, metadata: {}, timestamp: 1469564602, version: 7 }, 'after delete all');
    },
  },
  {
    name: `shadow: ${SEED} §7.1 arrays are replaced whole`,
    run() {
      const doc = emptyShadow();
      applyShadowRequest(doc, { method: 'update', state: { reported: { colors: ['RED', 'GREEN', 'BLUE'] } }, version: 1 }, 0);
      applyShadowRequest(doc, { method: 'update', state: { reported: { colors: ['RED'] } }, version: 2 }, 0);
      equal(doc.state, { reported: { colors: ['RED'] } }, 'final status');
    },
  },
  {
    name: `shadow: ${SEED} §7.1 documents without desired or without reported are valid`,
    run() {
      const reportedOnly = '{"state":{"reported":{"color":"red"}},"metadata":{"reported":{"color":{"timestamp":1469564492}}},"timestamp":1469564492,"version":1}';
      const desiredOnly = reportedOnly.replace(/reported/g, 'desired');
      equal(parseShadowDocument(reportedOnly).state, { reported: { color: 'red' } }, 'reported only');
      equal(parseShadowDocument(desiredOnly).state, { desired: { color: 'red' } }, 'desired only');
      const doc = parseShadowDocument(
        '{"state":{"desired":{"color":"RED","sequence":["RED","GREEN","BLUE"]},"reported":{"color":"GREEN"}},"metadata":{"desired":{"color":{"timestamp":1469564492},"sequence":{"timestamp":1469564492}},"reported":{"color":{"timestamp":1469564492}}},"timestamp":1469564492,"version":1}',
      );
      equal(shadowDelta(doc), { color: 'RED', sequence: ['RED', 'GREEN', 'BLUE'] }, 'delta of the §7.1 example');
      throwsCode(() => parseShadowDocument('{"state":{},"version":-1}'), 'invalid_document', 'negative version');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 Table 7-3 error codes and messages`,
    run() {
      const doc = copy(lightbulb.doc1) as ShadowDocument;
      equal(errorcodeOf(doc, '{"method":'), '400', 'bad JSON');
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{"__proto__":{"x":1}}},"version":2}'), '400', '__proto__');
      equal(errorcodeOf(doc, '{"state":{"reported":{"a":1}},"version":2}'), '401', 'no method');
      equal(errorcodeOf(doc, '{"method":"update","version":2}'), '402', 'no state');
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{"a":1}}}'), '403', 'no version');
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{"a":1}},"version":"2"}'), '403', 'string version');
      equal(errorcodeOf(doc, '{"method":"update","state":{},"version":2}'), '404', 'no reported');
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{}},"version":2}'), '405', 'empty reported');
      equal(errorcodeOf(doc, '{"method":"patch","state":{"reported":{"a":1}},"version":2}'), '406', 'bad method');
      equal(errorcodeOf(doc, ''), '407', 'empty payload');
      equal(errorcodeOf(doc, '{}'), '407', 'empty object');
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{"color":"blue"}},"version":1}'), '409', 'same version');
      equal(doc, lightbulb.doc1, 'no error changed the document');
      const reply = applyShadowRequest(doc, '{"method":"update","state":{"reported":{"a":1}},"version":0}', at(1469564576)).reply;
      equal(reply, { method: 'reply', payload: { status: 'error', content: { errorcode: '403', errormessage: 'Invalid version field.' } }, timestamp: 1469564576 }, 'error reply');
      equal(SHADOW_ERROR_MESSAGES[402], 'the state field is not found.', 'seed wording');
      equal(SHADOW_ERROR_MESSAGES[500], 'Server exception.', '500');
    },
  },
  {
    name: 'shadow: more than 128 reported attributes is 408, in one request or in total',
    run() {
      const attrs = (from: number, n: number) => {
        const o: Record<string, number> = {};
        for (let i = from; i < from + n; i++) o[`a${i}`] = i;
        return o;
      };
      const doc = emptyShadow();
      equal(errorcodeOf(doc, JSON.stringify({ method: 'update', state: { reported: attrs(0, 129) }, version: 1 })), '408', '129 at once');
      equal(errorcodeOf(doc, JSON.stringify({ method: 'update', state: { reported: attrs(0, 128) }, version: 1 })), undefined, '128 at once');
      equal(errorcodeOf(doc, JSON.stringify({ method: 'update', state: { reported: attrs(128, 1) }, version: 2 })), '408', 'one more');
      equal(errorcodeOf(doc, JSON.stringify({ method: 'update', state: { reported: { ...attrs(128, 1), a0: null } }, version: 2 })), undefined, 'one in, one out');
      equal(doc.version, 2, 'version');
    },
  },
  {
    name: 'shadow: nested objects merge, arrays and scalars replace, null deletes (README rule)',
    run() {
      const doc = emptyShadow();
      applyShadowRequest(doc, { method: 'update', state: { reported: { light: { color: 'red', level: 3, modes: ['a', 'b'] } } }, version: 1 }, at(10));
      applyShadowRequest(doc, { method: 'update', state: { reported: { light: { level: null, modes: ['c'], hue: { h: 1 } } } }, version: 2 }, at(20));
      equal(doc.state.reported, { light: { color: 'red', modes: ['c'], hue: { h: 1 } } }, 'merged');
      equal(doc.metadata.reported, { light: { timestamp: 20 } }, 'metadata per top-level attribute');
      applyShadowRequest(doc, '{"method":"delete","state":{"reported":{"light":{"hue":"null","missing":{"x":"null"}}}},"version":3}', at(30));
      equal(doc.state.reported, { light: { color: 'red', modes: ['c'] } }, 'nested delete');
    },
  },
  {
    name: 'shadow: constructor / prototype attribute names are data, never prototypes',
    run() {
      const doc = emptyShadow();
      const r = applyShadowRequest(doc, '{"method":"update","state":{"reported":{"constructor":{"prototype":{"polluted":1}},"prototype":{"x":1}}},"version":1}', 0);
      equal(r.reply.payload, { status: 'success', version: 1 }, 'accepted');
      equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
      equal((Object as unknown as Record<string, unknown>).polluted, undefined, 'Object untouched');
      equal(JSON.stringify(doc.state.reported), '{"constructor":{"prototype":{"polluted":1}},"prototype":{"x":1}}', 'stored as own data');
    },
  },
  {
    name: 'aliyun-linkkit-python-sdk-zh.txt: on_thing_shadow_get payload examples parse',
    run() {
      equal(parseShadowMessage('{"method":"reply","payload":{"status":"success","version":1},"timestamp":1544686266}').payload, { status: 'success', version: 1 }, 'ack');
      const get = parseShadowMessage('{"method":"reply","payload":{"status":"success","state":{"reported":{"color":"red"}},"metadata":{"reported":{"color":{"timestamp":1544701176}}},"timestamp":1544784614,"version":1},"timestamp":1544784614}');
      ok('state' in get.payload && get.payload.version === 1, 'get reply carries the state');
      const control = parseShadowMessage(
        '{"method":"control","payload":{"status":"success","state":{"reported":{"color":"red"},"desired":{"color":"green"}},"metadata":{"reported":{"color":{"timestamp":1544701176}},"desired":{"color":{"timestamp":1544702121}}},"timestamp":1544702121,"version":3},"timestamp":1544702121}',
      );
      equal(control.method, 'control', 'control');
      throwsCode(() => parseShadowMessage('{"method":"reply"}'), 'invalid_message', 'no payload');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 device side: control → apply, report v3, then clear v4 after success`,
    run() {
      let device = deviceShadow();
      const s1 = receiveShadowMessage(device, JSON.stringify(lightbulb.control2), at(1469564577), { maxAgeMs: 60_000 });
      equal(s1.actions, [
        { type: 'apply', desired: { color: 'green' } },
        { type: 'publish', request: JSON.parse(lightbulb.step4) },
      ], 'apply and report');
      device = s1.device;
      const s2 = receiveShadowMessage(device, '{"method":"reply","payload":{"status":"success","version":3},"timestamp":1469564577}', at(1469564577));
      equal(s2.actions, [{ type: 'publish', request: JSON.parse(lightbulb.step5) }], 'clear desired');
      const s3 = receiveShadowMessage(s2.device, '{"method":"reply","payload":{"status":"success","version":4},"timestamp":1469564577}', at(1469564577));
      equal(s3.actions, [], 'done');
      equal(s3.device.document, lightbulb.doc6, 'local cached copy matches the cloud (step 6)');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 "if the timestamp shows that the command has expired, you give up the update"`,
    run() {
      const s = receiveShadowMessage(deviceShadow(), JSON.stringify(lightbulb.control2), at(1469564576 + 61), { maxAgeMs: 60_000 });
      equal(s.actions, [{ type: 'discard', reason: 'expired', version: 2 }], 'expired');
      const again = receiveShadowMessage(s.device, JSON.stringify(lightbulb.control2), at(1469564576));
      equal(again.actions, [{ type: 'discard', reason: 'stale', version: 2 }], 'duplicate delivery');
    },
  },
  {
    name: `shadow: ${SEED} §7.2 every request the seed shows parses`,
    run() {
      const seedRequests = [
        lightbulb.step1,
        lightbulb.step2,
        lightbulb.step4,
        lightbulb.step5,
        '{"method": "get"}',
        '{"method":"delete","state":{"reported":{"color":"null","temperature":"null"}},"version":1}',
        '{"method":"delete","state":{"reported":"null"},"version":1}',
      ];
      for (const r of seedRequests) equal(parseShadowRequest(r), JSON.parse(r), r);
    },
  },
  {
    name: `shadow: ${SEED} §7.2 reply bytes are the seed's, key for key`,
    run() {
      const r = applyShadowRequest(emptyShadow(), lightbulb.step1, at(1469564576));
      equal(utf8Decode(encodeShadow(r.reply)), '{"method":"reply","payload":{"status":"success","version":1},"timestamp":1469564576}', 'success reply');
      const e = applyShadowRequest(r.document, lightbulb.step1, at(1469564576));
      equal(utf8Decode(encodeShadow(e.reply)), '{"method":"reply","payload":{"status":"error","content":{"errorcode":"409","errormessage":"Version conflict."}},"timestamp":1469564576}', 'error reply');
    },
  },
  {
    name: 'shadow: Table 7-3 order: 408 is answered before 409',
    run() {
      const doc = emptyShadow();
      applyShadowRequest(doc, { method: 'update', state: { reported: { a: 1, b: 2 } }, version: 5 }, 0);
      equal(errorcodeOf(doc, '{"method":"update","state":{"reported":{"c":3}},"version":5}'), '409', 'conflict alone');
      const p = applyShadowRequest(doc, '{"method":"update","state":{"reported":{"c":3}},"version":5}', 0, { maxReportedAttributes: 2 }).reply.payload;
      equal(p.status === 'error' ? p.content.errorcode : undefined, '408', 'both: 408');
    },
  },
  {
    name: 'shadow: delta descends into objects and compares arrays whole',
    run() {
      const doc = emptyShadow();
      applyShadowRequest(doc, { method: 'update', state: { reported: { light: { on: true, rgb: [1, 2, 3] }, mode: 'eco' } }, version: 1 }, 0);
      applyShadowRequest(doc, { method: 'update', state: { desired: { light: { on: true, rgb: [1, 2, 4] }, mode: 'eco', fan: 2 } }, version: 2 }, 0);
      equal(shadowDelta(doc), { light: { rgb: [1, 2, 4] }, fan: 2 }, 'delta');
      applyShadowRequest(doc, { method: 'update', state: { reported: shadowDelta(doc)! }, version: 3 }, 0);
      equal(shadowDelta(doc), undefined, 'no delta once reported');
    },
  },
  {
    name: 'shadow: device side, a 409 on the report cancels its clear and asks for the document',
    run() {
      const s1 = receiveShadowMessage(deviceShadow(), JSON.stringify(lightbulb.control2), at(1469564577));
      const s2 = receiveShadowMessage(s1.device, '{"method":"reply","payload":{"status":"error","content":{"errorcode":"409","errormessage":"Version conflict."}},"timestamp":1469564578}', at(1469564578));
      equal(s2.actions, [
        { type: 'rejected', request: JSON.parse(lightbulb.step4), errorcode: '409', errormessage: 'Version conflict.' },
        { type: 'publish', request: { method: 'get' } },
      ], 'actions');
      equal(s2.device.next, undefined, 'no clear after a rejected report');
    },
  },
  {
    name: 'shadow: parseShadowRequest returns the canonical seed form',
    run() {
      equal(parseShadowRequest('{"method":"delete","state":{"reported":{"color":null}},"version":2}'), { method: 'delete', state: { reported: { color: 'null' } }, version: 2 }, 'delete leaves');
      equal(parseShadowRequest('{"method":"get","version":9}'), { method: 'get' }, 'get');
      throwsCode(() => parseShadowRequest('{"method":"update","state":{"reported":{"a":1}},"version":1.5}'), 'invalid_version', 'fractional version');
    },
  },
];
