/**
 * `@linkwire/alink/core` knows the device's own topics until the complete catalogue loads
 * (issue 15: a browser device's first download carries no gateway, OTA, shadow, EnOS or
 * registration topics). This file imports the main entry only after its first checks: vitest
 * gives each test file its own module graph, so here the core starts alone.
 */
import { describe, expect, it } from 'vitest';
import { AlinkError, decodeMessage, formatTopic, parseTopic, replyTopicName, validateRequest, type TopicName } from '@linkwire/alink/core';

const ids = { productKey: 'a1B2c3', deviceName: 'lamp' };
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AlinkError);
    return (e as AlinkError).code;
  }
  return undefined;
};

// What the device client routes from its first message on (device.ts, thing.ts).
const DEVICE_TOPICS: TopicName[] = [
  'propertyPost', 'propertyPostReply', 'propertySet', 'propertySetReply', 'propertyGet', 'propertyGetReply', 'eventPost', 'eventPostReply', 'serviceCall',
  'serviceCallReply', 'rawUp', 'rawUpReply', 'rawDown', 'rawDownReply', 'propertyPackPost', 'propertyPackPostReply', 'propertyHistoryPost',
  'propertyHistoryPostReply', 'deviceinfoUpdate', 'deviceinfoUpdateReply', 'deviceinfoDelete', 'deviceinfoDeleteReply', 'dsltemplateGet',
  'dsltemplateGetReply', 'thingDisable', 'thingDisableReply', 'thingEnable', 'thingEnableReply', 'thingDelete', 'thingDeleteReply', 'subDeviceError',
  'rrpcRequest', 'rrpcResponse', 'extRrpc', 'ntpRequest', 'ntpResponse', 'userTopic',
];
const FULL_IDS = { ...ids, eventId: 'Alarm', serviceId: 'Reboot', messageId: '42', topic: 'a1B2c3/lamp/user/get', path: 'get' };

describe('@linkwire/alink/core before the complete catalogue', () => {
  it('knows every topic the device routes and sends', () => {
    for (const name of DEVICE_TOPICS) {
      const topic = formatTopic(name, FULL_IDS);
      expect(parseTopic(topic)?.name, topic).toBe(name);
    }
    expect(replyTopicName('propertyPost')).toBe('propertyPostReply');
  });

  it('knows no other area yet: gateway, OTA, shadow, EnOS and registration topics are not catalogue topics', () => {
    expect(parseTopic('/sys/a1B2c3/lamp/thing/topo/add_reply')).toBeUndefined();
    expect(parseTopic('/ota/device/upgrade/a1B2c3/lamp')).toBeUndefined();
    expect(parseTopic('/shadow/get/a1B2c3/lamp')).toBeUndefined();
    expect(parseTopic('/sys/a1B2c3/lamp/thing/measurepoint/post')).toBeUndefined();
    expect(codeOf(() => formatTopic('topoAdd', ids))).toBe('unknown_topic');
    expect(codeOf(() => validateRequest('topoAdd', { id: '1', params: [] }))).toBe('unknown_topic');
    expect(replyTopicName('topoAdd')).toBeUndefined();
  });

  it('knows every area once the complete catalogue has loaded, with the same specs as TOPICS', async () => {
    const alink = await import('@linkwire/alink');
    alink.completeCatalogue();
    // Parsed (and not found) above: the memories of recent topics start afresh when an area joins.
    const parsed = parseTopic('/sys/a1B2c3/lamp/thing/topo/add_reply');
    expect(parsed?.name).toBe('topoAddReply');
    expect(parsed?.spec).toBe(alink.TOPICS.topoAddReply);
    expect(parseTopic('/shadow/get/a1B2c3/lamp')?.name).toBe('shadowGet');
    expect(parseTopic('/sys/a1B2c3/lamp/thing/measurepoint/post')?.name).toBe('measurepointPost');
    expect(formatTopic('topoAdd', ids)).toBe('/sys/a1B2c3/lamp/thing/topo/add');
    expect(validateRequest('topoAdd', { id: '1', params: [{ productKey: 'pk' }] })[0]?.path).toBe('params[0].deviceName');
    const m = decodeMessage('/sys/a1B2c3/lamp/thing/topo/get_reply', '{"id":"7","code":200,"data":[{"productKey":"pk","deviceName":"sub1"}]}');
    expect(m.kind).toBe('reply');
    for (const name of Object.keys(alink.TOPICS) as TopicName[]) expect(parseTopic(formatTopic(name, FULL_IDS))?.spec, name).toBe(alink.TOPICS[name]);
    // Idempotent: a part made twice adds nothing twice.
    expect(alink.completeCatalogue()).toBe(alink.TOPICS);
  });
});
