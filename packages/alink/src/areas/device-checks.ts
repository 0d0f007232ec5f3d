import type { AreaChecks } from '../area.ts';
import { anyValue, arr, int, intOrDigits, map, nonEmptyStr, obj, objectParams, optionalParams, params, properties, str, stringList, type Check } from '../schema.ts';

// The shape checks of the device area's messages (its topics: device.ts).
const identity = obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr });
const attrKey = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const deviceinfoKey: Check = (v, path, issues) => {
  if (typeof v !== 'string' || !attrKey.test(v)) issues.push({ path, code: 'invalid_tag_key', message: `${path} must be 1-100 letters, digits or _, not starting with a digit (seed §9.8)` });
};

export const DEVICE_CHECKS: AreaChecks = {
  requests: {
    propertyPost: params(properties),
    propertySet: params(properties),
    propertyGet: params(stringList),
    eventPost: params(obj({}, { time: int, value: objectParams, events: objectParams })),
    serviceCall: params(objectParams),
    propertyPackPost: params(obj({}, { properties, events: map(anyValue), subDevices: arr(obj({ identity }, { properties, events: map(anyValue) })) })),
    propertyHistoryPost: params(arr(obj({ identity }, { properties, events: map(anyValue) }))),
    deviceinfoUpdate: params(arr(obj({ attrKey: deviceinfoKey, attrValue: str }), 200)),
    deviceinfoDelete: params(arr(obj({ attrKey: deviceinfoKey }), 200)),
    dsltemplateGet: optionalParams(objectParams),
    thingDisable: optionalParams(objectParams),
    thingEnable: optionalParams(objectParams),
    thingDelete: optionalParams(objectParams),
  },
  replies: {
    propertyGetReply: map(anyValue),
    dsltemplateGetReply: objectParams,
  },
  documents: {
    ntpRequest: obj({ deviceSendTime: intOrDigits }),
    ntpResponse: obj({ deviceSendTime: intOrDigits, serverRecvTime: intOrDigits, serverSendTime: intOrDigits }),
  },
};
