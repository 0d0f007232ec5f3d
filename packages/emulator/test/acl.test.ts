// The topic ACL (issue 14): a device may use only topics that name it at their family's fixed
// positions, in the direction the catalogue gives (aliyun-iot-platform-device-guide.txt §9,
// PROTOCOL-NOTES.md).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canPublish, ownerOf, subscriptionOwner, topicAccess, type Principal } from '@linkwire/emulator';
import { numRuns } from '../../../test/support/fast-check.ts';

const A = { productKey: 'a1AclPk0001', deviceName: 'dev-a' };
const B = { productKey: 'a1AclPk0002', deviceName: 'dev-b' };
const key = (d: typeof A) => `${d.productKey}&${d.deviceName}`;
const alone = (d: typeof A): Principal => ({ key: key(d), actsFor: () => false, manages: () => false });

describe('ownerOf and topicAccess', () => {
  it('reads the owner at the fixed positions of each family', () => {
    expect(ownerOf(`/sys/${A.productKey}/${A.deviceName}/thing/event/property/post`)).toBe(key(A));
    expect(ownerOf(`/${A.productKey}/${A.deviceName}/user/x/y`)).toBe(key(A));
    expect(ownerOf(`/shadow/update/${A.productKey}/${A.deviceName}`)).toBe(key(A));
    expect(ownerOf(`/ota/device/inform/${A.productKey}/${A.deviceName}`)).toBe(key(A));
    expect(ownerOf(`/ext/session/${A.productKey}/${A.deviceName}/combine/login`)).toBe(key(A));
    expect(ownerOf(`/ext/rrpc/123/${A.productKey}/${A.deviceName}/user/get`)).toBe(key(A));
    expect(ownerOf(`/ext/rrpc/123//${A.productKey}/${A.deviceName}/user/get`)).toBe(key(A));
    expect(ownerOf(`/sys/+/${A.deviceName}/#`)).toBeUndefined();
    expect(ownerOf('#')).toBeUndefined();
    expect(ownerOf(`/a/${A.productKey}/${A.deviceName}/user/x`)).toBeUndefined();
  });

  it('gives each catalogue topic its direction', () => {
    const sys = `/sys/${A.productKey}/${A.deviceName}`;
    expect(topicAccess(`${sys}/thing/event/property/post`)?.direction).toBe('up');
    expect(topicAccess(`${sys}/thing/event/property/post_reply`)?.direction).toBe('down');
    expect(topicAccess(`${sys}/thing/service/Reboot`)?.direction).toBe('down');
    expect(topicAccess(`${sys}/thing/service/Reboot_reply`)?.direction).toBe('up');
    expect(topicAccess(`${sys}/rrpc/request/1`)?.direction).toBe('down');
    expect(topicAccess(`${sys}/rrpc/response/1`)?.direction).toBe('up');
    expect(topicAccess(`/shadow/get/${A.productKey}/${A.deviceName}`)?.direction).toBe('down');
    expect(topicAccess(`/${A.productKey}/${A.deviceName}/user/anything`)?.direction).toBe('both');
    // EnOS-only topics are not the Alibaba platform's.
    expect(topicAccess(`${sys}/thing/measurepoint/post`)).toBeUndefined();
  });
});

// Segments an attacker would try: both devices' names, wildcards, family words, odd text.
const segment = fc.oneof(
  fc.constantFrom(A.productKey, A.deviceName, B.productKey, B.deviceName, 'sys', 'user', 'ext', 'session', 'rrpc', 'ntp', 'shadow', 'get', 'update', 'ota', 'device',
    'thing', 'event', 'property', 'post', 'post_reply', 'service', 'set', 'request', 'response', 'combine', 'login', '', '+', '#'),
  fc.string({ maxLength: 6 }),
);
const topic = fc.array(segment, { minLength: 1, maxLength: 9 }).map((s) => `/${s.join('/')}`);

describe('properties over hostile topics', () => {
  it("A may publish only on topics whose fixed owner positions name A, upstream", () => {
    // Half the topics are A's own family prefixes with a random tail, so the property is not vacuous.
    const own = fc.tuple(fc.constantFrom(`/sys/${A.productKey}/${A.deviceName}`, `/${A.productKey}/${A.deviceName}/user`, `/shadow/update/${A.productKey}/${A.deviceName}`), fc.array(segment, { maxLength: 4 }))
      .map(([p, s]) => [p, ...s].join('/'));
    let allowed = 0;
    fc.assert(
      fc.property(fc.oneof(topic, own), (t) => {
        if (!canPublish(alone(A), t)) return;
        allowed++;
        const access = topicAccess(t)!;
        expect(access.owner).toBe(key(A));
        expect(ownerOf(t)).toBe(key(A));
        expect(access.direction).not.toBe('down');
        expect(t.includes('+') || t.includes('#')).toBe(false);
      }),
      { numRuns: numRuns(2000) },
    );
    expect(allowed).toBeGreaterThan(0);
  });

  it("A's granted filters belong to A; B's own topics are never A's", () => {
    fc.assert(
      fc.property(topic, (f) => {
        const owner = subscriptionOwner(alone(A), f);
        if (owner !== undefined) expect(owner).toBe(key(A));
        if (ownerOf(f) === key(B)) {
          expect(owner).toBeUndefined();
          expect(canPublish(alone(A), f)).toBe(false);
        }
      }),
      { numRuns: numRuns(2000) },
    );
  });

  it('a gateway acts for a sub-device only while logged in, and never on its session topics', () => {
    const gw: Principal = { key: key(A), actsFor: (o) => o === key(B), manages: (o) => o === key(B) };
    expect(canPublish(gw, `/sys/${B.productKey}/${B.deviceName}/thing/event/property/post`)).toBe(true);
    expect(canPublish(gw, `/ext/session/${B.productKey}/${B.deviceName}/combine/login`)).toBe(false);
    expect(canPublish(gw, `/sys/${B.productKey}/${B.deviceName}/thing/topo/add`)).toBe(false);
    const loggedOut: Principal = { ...gw, actsFor: () => false };
    expect(canPublish(loggedOut, `/sys/${B.productKey}/${B.deviceName}/thing/event/property/post`)).toBe(false);
    expect(subscriptionOwner(loggedOut, `/sys/${B.productKey}/${B.deviceName}/thing/service/+`)).toBe(key(B));
  });
});
