import type { AreaChecks } from '../area.ts';
import { arr, intOrDigits, nonEmptyStr, obj, objectParams, optionalParams, params, str } from '../schema.ts';
import { all, bool, either, literal, oneOfMembers } from '../schema-choices.ts';

// The shape checks of the gateway area's messages (its topics: gateway.ts).
const device = obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr });
/** A sub-device named by `deviceName` (Alibaba) or `deviceKey` (EnOS). */
const anyDevice = all(obj({ productKey: nonEmptyStr }), oneOfMembers(['deviceName', 'deviceKey'], nonEmptyStr));
const signMethod = oneOfMembers(['signMethod', 'signmethod'], nonEmptyStr);
const cleanSession = either(bool, literal('true', 'false'));
/** A sub-device's credentials in topo add, login and batch login (seed §9.3, §9.4; EnOS login info). */
const credentials = all(anyDevice, obj({ sign: nonEmptyStr }, { clientId: str, timestamp: intOrDigits, cleanSession }));
const loginInfo = all(credentials, signMethod);

export const GATEWAY_CHECKS: AreaChecks = {
  requests: {
    topoAdd: params(arr(loginInfo)),
    topoDelete: params(arr(anyDevice)),
    topoGet: optionalParams(objectParams),
    topoChange: params(objectParams),
    listFound: params(arr(device)),
    topoAddNotify: params(arr(device)),
    subRegister: params(arr(device)),
    proxyProvisioning: params(obj({ proxieds: arr(all(device, obj({ random: nonEmptyStr, sign: nonEmptyStr }), signMethod)) })),
    combineLogin: params(loginInfo),
    combineLogout: params(anyDevice),
    // The batch's signMethod sits beside deviceList (PROTOCOL-NOTES.md), not in each entry.
    combineBatchLogin: params(obj({ deviceList: arr(credentials, 200) }, { signMethod: nonEmptyStr })),
    combineBatchLogout: params(either(obj({ deviceList: arr(device, 200) }), arr(device, 200))),
  },
  replies: {
    subRegisterReply: arr(obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr, deviceSecret: nonEmptyStr }, { iotId: str })),
    topoGetReply: arr(anyDevice),
  },
};
