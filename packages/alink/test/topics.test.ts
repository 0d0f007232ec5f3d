import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlinkError, TOPICS, formatTopic, formatTopicFilter, matchTopic, parseTopic, propertyPostReplyTopic, propertyPostTopic, replyTopicName, type TopicName } from '@linkwire/alink';
import { catalogueTopic, forbiddenSegment, mqttTopicFilter, mqttTopicName } from '@linkwire/alink/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { cpuMs } from '../../../test/support/stream.ts';

const names = Object.keys(TOPICS) as TopicName[];

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AlinkError);
    return (e as AlinkError).code;
  }
  return undefined;
}

describe('the catalogue', () => {
  it('has every topic family of the issue', () => {
    const templates = names.map((n) => TOPICS[n].template);
    for (const t of [
      '/sys/{productKey}/{deviceName}/thing/event/property/post', '/sys/{productKey}/{deviceName}/thing/service/property/set',
      '/sys/{productKey}/{deviceName}/thing/service/property/get', '/sys/{productKey}/{deviceName}/thing/event/{eventId}/post',
      '/sys/{productKey}/{deviceName}/thing/service/{serviceId}', '/sys/{productKey}/{deviceName}/thing/service/{serviceId}_reply',
      '/sys/{productKey}/{deviceName}/thing/model/up_raw', '/sys/{productKey}/{deviceName}/thing/model/down_raw_reply',
      '/sys/{productKey}/{deviceName}/thing/event/property/pack/post', '/sys/{productKey}/{deviceName}/thing/event/property/history/post',
      '/sys/{productKey}/{deviceName}/thing/deviceinfo/update', '/sys/{productKey}/{deviceName}/thing/deviceinfo/delete',
      '/sys/{productKey}/{deviceName}/thing/dsltemplate/get', '/sys/{productKey}/{deviceName}/thing/config/get', '/sys/{productKey}/{deviceName}/thing/config/push',
      '/sys/{productKey}/{deviceName}/thing/model/config/push', '/sys/{productKey}/{deviceName}/thing/topo/add', '/sys/{productKey}/{deviceName}/thing/topo/delete',
      '/sys/{productKey}/{deviceName}/thing/topo/get', '/sys/{productKey}/{deviceName}/thing/topo/change', '/sys/{productKey}/{deviceName}/thing/list/found',
      '/sys/{productKey}/{deviceName}/thing/topo/add/notify', '/sys/{productKey}/{deviceName}/thing/sub/register',
      '/sys/{productKey}/{deviceName}/thing/proxy/provisioning/product_register', '/sys/{productKey}/{deviceName}/thing/disable',
      '/sys/{productKey}/{deviceName}/thing/enable', '/sys/{productKey}/{deviceName}/thing/delete', '/sys/{productKey}/{deviceName}/thing/downlink/reply/message',
      '/sys/{productKey}/{deviceName}/thing/ota/firmware/get', '/sys/{productKey}/{deviceName}/rrpc/request/{messageId}', '/sys/{productKey}/{deviceName}/rrpc/response/{messageId}',
      '/ext/session/{productKey}/{deviceName}/combine/login', '/ext/session/{productKey}/{deviceName}/combine/logout',
      '/ext/session/{productKey}/{deviceName}/combine/batch_login', '/ext/session/{productKey}/{deviceName}/combine/batch_logout',
      '/ext/rrpc/{messageId}/{topic*}', '/ext/ntp/{productKey}/{deviceName}/request', '/ext/ntp/{productKey}/{deviceName}/response',
      '/ext/error/{productKey}/{deviceName}', '/ext/register', '/ext/regnwl', '/ota/device/inform/{productKey}/{deviceName}',
      '/ota/device/upgrade/{productKey}/{deviceName}', '/ota/device/progress/{productKey}/{deviceName}', '/ota/device/request/{productKey}/{deviceName}',
      '/shadow/update/{productKey}/{deviceName}', '/shadow/get/{productKey}/{deviceName}', '/{productKey}/{deviceName}/user/{path*}',
      '/sys/{productKey}/{deviceName}/thing/measurepoint/post', '/sys/{productKey}/{deviceName}/thing/measurepoint/resume',
      '/sys/{productKey}/{deviceName}/thing/measurepoint/post/batch', '/sys/{productKey}/{deviceName}/thing/measurepoint/resume/batch',
      '/sys/{productKey}/{deviceName}/thing/tag/query', '/sys/{productKey}/{deviceName}/thing/attribute/update',
      '/sys/{productKey}/{deviceName}/thing/service/measurepoint/set', '/sys/{productKey}/{deviceName}/thing/service/measurepoint/get',
      '/sys/{productKey}/{deviceName}/thing/device/register', '/ext/session/{productKey}/{deviceName}/combine/login/batch',
      '/ext/session/{productKey}/{deviceName}/combine/enable', '/ext/session/{productKey}/{deviceName}/combine/disable', '/ext/session/{productKey}/{deviceName}/combine/delete',
      '/ext/session/{productKey}/{deviceName}/thing/activate/info', '/sys/{productKey}/{deviceName}/ota/device/getversion',
    ]) expect(templates, t).toContain(t);
  });

  it('names every reply after its request and flips its direction', () => {
    for (const n of names) {
      const r = replyTopicName(n);
      if (r === undefined) continue;
      expect(TOPICS[r].template).toBe(`${TOPICS[n].template}_reply`);
      expect(TOPICS[r].replyTo).toBe(n);
      expect(TOPICS[r].direction).toBe(TOPICS[n].direction === 'up' ? 'down' : 'up');
    }
  });

  it('parses each template filled with sample ids back to itself', () => {
    for (const name of names) {
      const ids: Record<string, string> = {};
      for (const m of TOPICS[name].template.matchAll(/\{(\w+)\*?\}/g)) ids[m[1]!] = m[0].includes('*') ? 'a/b/c' : `v${m[1]}`;
      const topic = formatTopic(name, ids);
      expect(parseTopic(topic), topic).toEqual({ name, spec: TOPICS[name], ids });
    }
  });
});

describe('formatTopic / parseTopic', () => {
  it('keeps the lead engineer\'s helpers (seed §4)', () => {
    expect(propertyPostTopic('a1B2c3D4e5F', 'device1')).toBe('/sys/a1B2c3D4e5F/device1/thing/event/property/post');
    expect(propertyPostReplyTopic('a1B2c3D4e5F', 'device1')).toBe('/sys/a1B2c3D4e5F/device1/thing/event/property/post_reply');
    expect(codeOf(() => propertyPostTopic('a/b', 'd'))).toBe('invalid_topic_segment');
  });

  it('round-trips every catalogue topic with random valid ids', () => {
    fc.assert(fc.property(catalogueTopic(), ({ name, ids }) => {
      expect(parseTopic(formatTopic(name, ids))).toEqual({ name, spec: TOPICS[name], ids });
    }), { numRuns: numRuns(500) });
  });

  it('rejects identifiers with forbidden characters in every position', () => {
    fc.assert(fc.property(fc.constantFrom(...names.filter((n) => TOPICS[n].template.includes('{'))), forbiddenSegment(), (name, bad) => {
      const params = [...TOPICS[name].template.matchAll(/\{(\w+)(\*?)\}/g)];
      for (const [, p, star] of params) {
        if (star === '*' && bad.includes('/') && !/[+#\u0000-\u001f\u007f\ud800-\udfff]/.test(bad) && bad !== '') continue;
        const ids: Record<string, string> = {};
        for (const [, q] of params) ids[q!] = q === p ? bad : 'ok';
        expect(codeOf(() => formatTopic(name, ids))).toBe('invalid_topic_segment');
      }
    }), { numRuns: numRuns(200) });
  });

  it('refuses ids that would read back as another topic', () => {
    const dev = { productKey: 'pk', deviceName: 'dn' };
    expect(codeOf(() => formatTopic('eventPost', { ...dev, eventId: 'property' }))).toBe('invalid_topic_segment');
    expect(codeOf(() => formatTopic('serviceCall', { ...dev, serviceId: 'Reboot_reply' }))).toBe('invalid_topic_segment');
    expect(codeOf(() => formatTopic('propertyPost', { productKey: 'pk' }))).toBe('invalid_topic_segment');
    expect(codeOf(() => formatTopic('nope' as TopicName, dev))).toBe('unknown_topic');
  });

  it('prefers the literal topic and backtracks into user topics', () => {
    expect(parseTopic('/sys/pk/dn/thing/event/property/post')?.name).toBe('propertyPost');
    expect(parseTopic('/sys/pk/dn/thing/service/property/set')?.name).toBe('propertySet');
    expect(parseTopic('/sys/pk/dn/thing/service/property')?.ids).toEqual({ productKey: 'pk', deviceName: 'dn', serviceId: 'property' });
    expect(parseTopic('/sys/pk/dn/thing/service/Reboot_reply')?.name).toBe('serviceCallReply');
    expect(parseTopic('/sys/x/user/update')).toEqual({ name: 'userTopic', spec: TOPICS.userTopic, ids: { productKey: 'sys', deviceName: 'x', path: 'update' } });
    expect(parseTopic('/ext/rrpc/1234//pk/dn/user/get')?.ids).toEqual({ messageId: '1234', topic: '/pk/dn/user/get' });
    expect(parseTopic('/ext/session/gw/gwdn/combine/login/batch_reply')?.name).toBe('combineLoginBatchReply');
  });

  it('returns new objects each time: changing one result never changes a later parse', () => {
    const t = '/sys/pk-fresh/dn-fresh/thing/service/Reboot_reply';
    const a = parseTopic(t)!;
    (a as { name: string }).name = 'propertyPost';
    (a.ids as Record<string, string>)['productKey'] = 'changed';
    const b = parseTopic(t)!;
    expect(b).not.toBe(a);
    expect(b).toEqual({ name: 'serviceCallReply', spec: TOPICS.serviceCallReply, ids: { productKey: 'pk-fresh', deviceName: 'dn-fresh', serviceId: 'Reboot' } });
    expect(Object.isFrozen(b.spec)).toBe(true);
  });

  it('formatTopic remembers a template\'s last ids by value: changed ids give a new topic, bad ones still throw', () => {
    const ids: Record<string, string> = { productKey: 'pk1', deviceName: 'dev1' };
    expect(formatTopic('propertyPost', ids)).toBe('/sys/pk1/dev1/thing/event/property/post');
    expect(formatTopic('propertyPost', ids)).toBe('/sys/pk1/dev1/thing/event/property/post');
    ids['deviceName'] = 'dev2';
    expect(formatTopic('propertyPost', ids)).toBe('/sys/pk1/dev2/thing/event/property/post');
    ids['deviceName'] = 'dev/2';
    expect(codeOf(() => formatTopic('propertyPost', ids))).toBe('invalid_topic_segment');
    expect(formatTopic('propertyPost', { productKey: 'pk1', deviceName: 'dev2' })).toBe('/sys/pk1/dev2/thing/event/property/post');
    expect(codeOf(() => formatTopic('propertyPost', { productKey: 'pk1' }))).toBe('invalid_topic_segment');
  });

  it('reads the ids of /sys/ topics and remembers what follows them, per text, not per device', () => {
    for (let round = 0; round < 2; round++) {
      for (const dn of ['d-1', 'd-2', 'd-3']) {
        expect(parseTopic(`/sys/pk/${dn}/thing/service/SetWeight`)).toEqual({ name: 'serviceCall', spec: TOPICS.serviceCall, ids: { productKey: 'pk', deviceName: dn, serviceId: 'SetWeight' } });
        expect(parseTopic(`/sys/pk/${dn}/thing/service/SetWeight_reply`)?.ids).toEqual({ productKey: 'pk', deviceName: dn, serviceId: 'SetWeight' });
        expect(parseTopic(`/sys/p+k/${dn}/thing/service/SetWeight`)).toBeUndefined();
        expect(parseTopic(`/sys/pk/${dn}/thing/nothing/here`)).toBeUndefined();
        // A remainder that is no /sys/ topic still reaches the user topics behind it.
        expect(parseTopic(`/sys/${dn}/user/update`)?.ids).toEqual({ productKey: 'sys', deviceName: dn, path: 'update' });
        expect(parseTopic(`/sys/${dn}/user/a/b`)?.ids).toEqual({ productKey: 'sys', deviceName: dn, path: 'a/b' });
        expect(parseTopic(`/sys/pk/${dn}/user/a/b`)).toBeUndefined();
      }
    }
    // Texts beyond 256 characters are parsed every time rather than remembered: same answers.
    const long = 'S'.repeat(300);
    for (let i = 0; i < 2; i++) {
      expect(parseTopic(`/sys/pk/dn/thing/service/${long}`)?.ids).toEqual({ productKey: 'pk', deviceName: 'dn', serviceId: long });
      expect(parseTopic(`/ext/rrpc/7/${long}/x`)?.ids).toEqual({ messageId: '7', topic: `${long}/x` });
    }
  });

  it('returns nothing for foreign or invalid topics', () => {
    for (const t of ['', 'sys/pk/dn/thing/event/property/post', '/sys/pk/dn/thing/event/property/post/', '/sys//dn/thing/event/property/post',
      '/sys/pk/dn/thing/event/property', '/sys/+/dn/thing/event/property/post', '/sys/pk/#', '/sys/pk/d\u0000n/thing/enable', '/ext', '/ext/register/x',
      '/sys/pk/dn/thing/service/_reply', '/pk/dn/user/', '/ext/rrpc/1/']) {
      expect(parseTopic(t), JSON.stringify(t)).toBeUndefined();
    }
    expect(parseTopic(42 as unknown as string)).toBeUndefined();
  });

  it('never throws on arbitrary strings and only recognises what formatTopic makes', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom('sys', 'pk', 'dn', 'thing', 'event', 'post', '', 'ext', 'user', '+'), { maxLength: 8 }).map((a) => `/${a.join('/')}`)), (t) => {
      const p = parseTopic(t);
      if (p !== undefined) expect(formatTopic(p.name, p.ids)).toBe(t);
    }), { numRuns: numRuns(500) });
  });

  it('costs time linear in the topic length, also for hostile topics', () => {
    const cost = (n: number): number => {
      const topics = [`/pk/dn/user/${'a/'.repeat(n)}b`, `/sys/${'p'.repeat(n)}/dn/thing/event/property/post`, `/${'x/'.repeat(n)}`, `/sys/pk/dn/thing/${'service/'.repeat(n)}`];
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        const t0 = cpuMs();
        for (const t of topics) {
          parseTopic(t);
          matchTopic('/+/+/user/#', t);
        }
        best = Math.min(best, cpuMs() - t0);
      }
      return Math.max(best, 0.02);
    };
    cost(2000);
    expect(cost(64000) / cost(2000)).toBeLessThan(32 * 6);
  });

  it('builds subscription filters', () => {
    expect(formatTopicFilter('serviceCall', { productKey: 'pk', deviceName: 'dn' })).toBe('/sys/pk/dn/thing/service/+');
    expect(formatTopicFilter('userTopic', { productKey: 'pk', deviceName: 'dn' })).toBe('/pk/dn/user/#');
    expect(formatTopicFilter('propertySet')).toBe('/sys/+/+/thing/service/property/set');
    expect(codeOf(() => formatTopicFilter('serviceCallReply', {}))).toBe('invalid_topic_segment');
  });
});

/** A reference matcher written from MQTT 3.1.1 §4.7 level by level. */
function referenceMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('matchTopic', () => {
  it('agrees with a reference implementation on random filters and topics', () => {
    fc.assert(fc.property(mqttTopicFilter(), mqttTopicName(), (f, t) => {
      expect(matchTopic(f, t)).toBe(referenceMatch(f, t));
    }), { numRuns: numRuns(2000) });
  });

  it('follows the examples of MQTT 3.1.1 §4.7', () => {
    const yes: [string, string][] = [['sport/tennis/player1/#', 'sport/tennis/player1'], ['sport/tennis/player1/#', 'sport/tennis/player1/ranking'],
      ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'], ['sport/#', 'sport'], ['#', 'a/b'], ['+/+', '/finance'], ['/+', '/finance'],
      ['sport/tennis/+', 'sport/tennis/player1'], ['sport/+', 'sport/'], ['+', 'a'], ['$SYS/#', '$SYS/broker'], ['$SYS/+', '$SYS/x'], ['a/+/c', 'a//c']];
    const no: [string, string][] = [['sport/tennis/+', 'sport/tennis/player1/ranking'], ['sport/+', 'sport'], ['+', '/finance'], ['#', '$SYS/x'],
      ['+/monitor/Clients', '$SYS/monitor/Clients'], ['a/b', 'a/b/c'], ['a/b/c', 'a/b']];
    for (const [f, t] of yes) expect(matchTopic(f, t), `${f} ${t}`).toBe(true);
    for (const [f, t] of no) expect(matchTopic(f, t), `${f} ${t}`).toBe(false);
  });

  it('rejects invalid filters and topic names with a typed error', () => {
    for (const f of ['', 'a/#/b', 'a#', 'a/b+', '+a', 'a/+b/c', '##', 'a\u0000']) expect(codeOf(() => matchTopic(f, 'a')), f).toBe('invalid_topic_filter');
    for (const t of ['', 'a/+', 'a/#', 'a\u0000b']) expect(codeOf(() => matchTopic('#', t)), t).toBe('invalid_topic');
  });

  it('matches catalogue topics against their generated filters', () => {
    fc.assert(fc.property(catalogueTopic(), ({ name, ids }) => {
      expect(matchTopic(formatTopicFilter(name, ids.serviceId === undefined ? {} : { serviceId: ids.serviceId }), formatTopic(name, ids))).toBe(true);
    }), { numRuns: numRuns(200) });
  });
});
