/** Every public function of @linkwire/alink under hostile data and hostile options (see test/support/fuzz). */
import { manualClock } from '@linkwire/base';
import { hostileJsonText, hostileValue } from '@linkwire/base/testing';
import * as alink from '@linkwire/alink';
import { alinkReply, alinkRequest, catalogueTopic, hostilePayload, jsonValue, mqttTopicFilter, mqttTopicName, propertyParams, topicSegment } from '@linkwire/alink/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { members, propertyPostText } from '../../../test/support/fuzz/sized.ts';

const names = Object.keys(alink.TOPICS) as alink.TopicName[];
const topicName = data(fc.constantFrom(...names));
const ids = data(catalogueTopic().map((t) => t.ids));
const payload = data(fc.oneof(hostilePayload(), hostileJsonText(), jsonValue().map((v) => alink.stringifyJson(v)), alinkRequest().map(alink.stringifyRequest), alinkReply().map(alink.stringifyReply)));
const decodeOptions = options({ maxBytes: 1 << 20, maxDepth: 30_000, duplicateKeys: 'reject', validate: false });
const topic = data(fc.oneof(catalogueTopic().map(({ name, ids: i }) => alink.formatTopic(name, i)), mqttTopicName()));
const tracker = fc.tuple(options({ clock: manualClock(0), timeoutMs: 5000, maxPending: 4 }), topic, data(fc.string()), data(fc.nat()), data(fc.nat()));

export const entries: FuzzEntry[] = [
  entry('alink.completeCatalogue', alink.completeCatalogue, []),
  entry('alink.replyTopicName', alink.replyTopicName, [topicName]),
  entry('alink.formatTopic', alink.formatTopic, [topicName, ids]),
  entry('alink.formatTopicFilter', alink.formatTopicFilter, [topicName, ids]),
  entry('alink.parseTopic', alink.parseTopic, [topic]),
  entry('alink.propertyPostTopic', alink.propertyPostTopic, [data(topicSegment()), data(topicSegment())]),
  entry('alink.propertyPostReplyTopic', alink.propertyPostReplyTopic, [data(topicSegment()), data(topicSegment())]),
  entry('alink.segmentProblem', alink.segmentProblem, [data(topicSegment()), hostileValue()]),
  entry('alink.matchTopic', alink.matchTopic, [data(mqttTopicFilter()), topic]),
  entry('alink.topicFilterProblem', alink.topicFilterProblem, [data(mqttTopicFilter())]),
  entry('alink.topicNameProblem', alink.topicNameProblem, [topic]),
  decoder('Alink JSON', entry('alink.decodeJson', alink.decodeJson, [payload, decodeOptions]), (n) => [propertyPostText(n), { maxBytes: 1 << 20 }]),
  entry('alink.encodeJson', alink.encodeJson, [data(jsonValue())]),
  entry('alink.stringifyJson', alink.stringifyJson, [data(jsonValue())]),
  decoder('Alink JSON', entry('alink.decodeRequest', alink.decodeRequest, [payload, decodeOptions]), (n) => [propertyPostText(n), { maxBytes: 1 << 20 }]),
  decoder('Alink JSON', entry('alink.decodeReply', alink.decodeReply, [payload, decodeOptions]), (n) => [`{"id":"1","code":200,"data":{${members(n - 40, (i) => `"p${i}":${i}`)}}}`, { maxBytes: 1 << 20 }]),
  entry('alink.requestFromJson', alink.requestFromJson, [data(alinkRequest())]),
  entry('alink.replyFromJson', alink.replyFromJson, [data(alinkReply())]),
  entry('alink.encodeRequest', alink.encodeRequest, [variant({ id: '1', version: '1.0', params: { a: 1 }, method: 'thing.event.property.post' })]),
  entry('alink.stringifyRequest', alink.stringifyRequest, [variant({ id: '1', version: '1.0', params: { a: 1 }, method: 'thing.event.property.post', sys: { ack: 0 } })]),
  entry('alink.encodeReply', alink.encodeReply, [variant({ id: '1', code: 200, data: {}, message: 'success' })]),
  entry('alink.stringifyReply', alink.stringifyReply, [variant({ id: '1', code: 200, data: { a: [1] } })]),
  decoder('Alink JSON', entry('alink.decodeMessage', alink.decodeMessage, [data(fc.oneof(topic, topic.map((t) => (typeof t === 'string' ? alink.parseTopic(t) : t)))), payload, decodeOptions]), (n) => ['/sys/a1B2c3D4e5F/lamp01/thing/event/property/post', propertyPostText(n), { maxBytes: 1 << 20 }]),
  entry('alink.encodeMessage', alink.encodeMessage as (...a: never[]) => unknown, [topicName, ids, data(jsonValue()), options({ validate: true })]),
  entry('alink.expectedMethod', (name: unknown, i: unknown) => alink.expectedMethod(typeof name === 'string' && Object.hasOwn(alink.TOPICS, name) ? alink.TOPICS[name as alink.TopicName] : (name as alink.TopicSpec), i as alink.TopicIds), [topicName, ids]),
  entry('alink.validateDocument', alink.validateDocument, [topicName, data(jsonValue())]),
  entry('alink.validateReply', alink.validateReply, [topicName, data(alinkReply())]),
  entry('alink.validateRequest', alink.validateRequest, [topicName, data(alinkRequest())]),
  entry('alink.encodePropertyPost', alink.encodePropertyPost, [variant({ id: '1', params: { a: 1 }, version: '1.0', ack: 1 })]),
  entry('alink.readProperties', alink.readProperties, [data(propertyParams())]),
  entry('alink.timedProperties', alink.timedProperties, [data(propertyParams()), data(fc.nat())]),
  entry('alink.requestIds', (o: unknown, n: unknown) => {
    const ids = alink.requestIds(o as alink.RequestIdOptions);
    for (let i = 0; i < (typeof n === 'number' && n >= 0 && n < 8 ? n : 2); i++) ids.next();
  }, [options({ start: 1, max: 10 }, { random: (n: number) => new Uint8Array(n) }, { source: () => '7' }), data(fc.nat(7))]),
  entry('alink.replyTracker', (o: unknown, t: unknown, id: unknown, ms: unknown, advance: unknown) => {
    const opts = o as alink.ReplyTrackerOptions | undefined;
    const tr = alink.replyTracker<number>(opts as alink.ReplyTrackerOptions);
    tr.track(t as string, id as string, 1, ms as number);
    const clock = opts?.clock as { advance?: unknown } | undefined;
    if (typeof clock?.advance === 'function') (clock.advance as (n: number) => void)(typeof advance === 'number' && advance >= 0 ? advance : 0);
    tr.settle(t as string, id as string);
    tr.cancel(t as string, id as string);
    tr.expire();
    return tr.size;
  }, [tracker.map((x) => x[0]), tracker.map((x) => x[1]), tracker.map((x) => x[2]), tracker.map((x) => x[3]), tracker.map((x) => x[4])]),
  entry('alink.codeInfo', alink.codeInfo, [data(fc.oneof(fc.integer(), fc.string())), data(fc.constantFrom('alink', 'enos'))]),
  entry('alink.explainCode', alink.explainCode, [data(fc.oneof(fc.integer(), fc.string())), data(fc.constantFrom('alink', 'enos')), data(fc.string())]),
  entry('alink.codesOf', alink.codesOf, [data(fc.constantFrom('alink', 'enos'))]),
  decoder('CBOR', entry('alink.decodeCbor', alink.decodeCbor, [data(fc.uint8Array({ maxLength: 64 })), options({ maxBytes: 100, maxDepth: 30_000 })]), (n) => [alink.encodeCbor(JSON.parse(propertyPostText(n)) as alink.CborValue), { maxBytes: 1 << 20 }]),
  entry('alink.encodeCbor', alink.encodeCbor, [data(jsonValue())]),
  entry('alink.ntpTime', alink.ntpTime, [variant({ deviceSendTime: '1000', serverRecvTime: '5000', serverSendTime: 5002 }), data(fc.nat())]),
];
