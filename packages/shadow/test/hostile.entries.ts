/** Every public function of @linkwire/shadow under hostile data and hostile options (see test/support/fuzz). */
import { hostileJsonText } from '@linkwire/base/testing';
import * as shadow from '@linkwire/shadow';
import { malformedShadowRequest, shadowAttributes, shadowDocument, shadowRequest } from '@linkwire/shadow/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { members } from '../../../test/support/fuzz/sized.ts';

const limits = options({ maxReportedAttributes: 128, maxDesiredAttributes: 128, maxRequestBytes: 16384, maxDepth: 30_000 });
const document = fc.oneof(data(shadowDocument()), variant(shadow.emptyShadow(), { state: { reported: { a: 1 }, desired: { a: 2 } }, metadata: { reported: { a: { timestamp: 1 } }, desired: { a: { timestamp: 1 } } }, timestamp: 1, version: 3 }));
const request = data(fc.oneof(shadowRequest(), malformedShadowRequest(), hostileJsonText(), shadowRequest().map((r) => JSON.stringify(r))));
const requestVariant = fc.oneof(request, variant({ method: 'update', state: { reported: { color: 'red' } }, version: 1 }, { method: 'delete', state: { desired: 'null' }, version: 2 }));
const message = fc.oneof(data(fc.constantFrom(
  '{"method":"control","payload":{"status":"success","state":{"desired":{"color":"green"}},"metadata":{"desired":{"color":{"timestamp":1469564576}}},"version":2},"timestamp":1469564576}',
  '{"method":"reply","payload":{"status":"error","content":{"errorcode":"409","errormessage":"version conflict"}},"timestamp":1}',
  '{"method":"reply","payload":{"status":"success","version":1},"timestamp":1469564492}',
)), variant({ method: 'control', payload: { status: 'success', state: { desired: { color: 'green' } }, metadata: { desired: { color: { timestamp: 1 } } }, version: 2 }, timestamp: 1 }), data(hostileJsonText()));
const now = data(fc.nat());

// Valid documents as text (the hostile ones are in hostileJsonText; stringifying the 30 000-deep
// hostile values would cost a stack overflow per case, 4 ms, and test nothing new).
const documentText = shadowDocument().map((d) => JSON.stringify(d));
const big = { maxReportedAttributes: Infinity, maxDesiredAttributes: Infinity, maxRequestBytes: 1 << 20 };

export const entries: FuzzEntry[] = [
  decoder('shadow requests', entry('shadow.parseShadowRequest', shadow.parseShadowRequest, [requestVariant, limits]), (n) => [`{"method":"update","state":{"reported":{${members(n - 60, (i) => `"a${i}":${i}`)}}},"version":1}`, big]),
  entry('shadow.applyShadowRequest', shadow.applyShadowRequest, [document, requestVariant, now, limits]),
  entry('shadow.cloneShadow', shadow.cloneShadow, [document]),
  entry('shadow.emptyShadow', shadow.emptyShadow, []),
  entry('shadow.shadowErrorReply', shadow.shadowErrorReply, [data(fc.constantFrom(400, 401, 409, 500)), now]),
  entry('shadow.shadowDelta', shadow.shadowDelta, [document]),
  entry('shadow.documentOf', shadow.documentOf, [variant({ status: 'success', state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: 1 } } }, version: 1 })]),
  entry('shadow.encodeShadow', shadow.encodeShadow, [fc.oneof(document, requestVariant, message)]),
  decoder('shadow requests', entry('shadow.parseShadowDocument', shadow.parseShadowDocument, [fc.oneof(document, documentText, data(hostileJsonText())), limits]), (n) => [`{"state":{"reported":{${members(n / 2, (i) => `"a${i}":${i}`)}}},"metadata":{"reported":{${members(n / 2, (i) => `"a${i}":{"timestamp":1}`)}}},"timestamp":1,"version":3}`, big]),
  decoder('shadow requests', entry('shadow.parseShadowMessage', shadow.parseShadowMessage, [message, limits]), (n) => [`{"method":"control","payload":{"status":"success","state":{"desired":{${members(n - 120, (i) => `"a${i}":${i}`)}}},"version":2},"timestamp":1}`, big]),
  entry('shadow.parseShadowTopic', shadow.parseShadowTopic, [data(fc.constantFrom('/shadow/update/pk/dn', '/shadow/get/pk/dn', '/shadow/x'))]),
  entry('shadow.shadowGetTopic', shadow.shadowGetTopic, [data(fc.string()), data(fc.string())]),
  entry('shadow.shadowUpdateTopic', shadow.shadowUpdateTopic, [data(fc.string()), data(fc.string())]),
  entry('shadow.deviceShadow', shadow.deviceShadow, [fc.oneof(fc.constant(undefined), document)]),
  entry('shadow.reportShadow', (d: unknown, reported: unknown, version: unknown) => shadow.reportShadow(shadow.deviceShadow(d as shadow.ShadowDocument), reported as shadow.ShadowAttributes, version as number), [fc.oneof(fc.constant(undefined), document), data(shadowAttributes()), data(fc.nat())]),
  entry('shadow.receiveShadowMessage', (d: unknown, m: unknown, t: unknown, o: unknown) => shadow.receiveShadowMessage(shadow.deviceShadow(d as shadow.ShadowDocument), m as string, t as number, o as shadow.DeviceShadowOptions), [fc.oneof(fc.constant(undefined), document), message, now, options({ maxAgeMs: 60_000, actOnGet: true })]),
];
