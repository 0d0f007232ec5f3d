import type { AreaChecks } from '../area.ts';
import { anyValue, arr, int, intOrDigits, map, nonEmptyStr, obj, objectParams, optionalParams, params, str, stringList, type RequestCheck } from '../schema.ts';
import { bool } from '../schema-choices.ts';
import { otaStep } from './ota-checks.ts';

// The shape checks of the EnOS area's messages (its topics: enos.ts).
const enosDevice = obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr });
const measurepoints = obj({ measurepoints: map(anyValue) }, { time: int });
const measurepointBatch = arr(obj({ measurepoints: map(anyValue) }, { productKey: nonEmptyStr, deviceKey: nonEmptyStr, time: int }));
const tagKeyValue = arr(obj({ tagKey: nonEmptyStr, tagValue: str }));
const enosCredentials = obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr, deviceSecret: nonEmptyStr }, { assetId: str });
const enosBatch: RequestCheck = (r, issues) => {
  params(measurepointBatch)(r, issues);
  for (const flag of ['allowOfflineSubDevice', 'skipInvalidMeasurepoints']) {
    const v = r.extra?.[flag];
    if (v !== undefined) bool(v, flag, issues);
  }
};

export const ENOS_CHECKS: AreaChecks = {
  requests: {
    measurepointPost: params(measurepoints),
    measurepointResume: params(measurepoints),
    measurepointPostBatch: enosBatch,
    measurepointResumeBatch: enosBatch,
    tagQuery: optionalParams(obj({}, { tags: stringList })),
    tagUpdate: params(tagKeyValue),
    tagDelete: params(obj({ tags: stringList })),
    attributeQuery: optionalParams(obj({}, { attributes: stringList })),
    attributeUpdate: params(obj({ attributes: map(anyValue) })),
    attributeDelete: params(obj({ attributes: stringList })),
    measurepointSet: params(map(anyValue)),
    deviceRegister: params(arr(obj({ productKey: nonEmptyStr, deviceName: obj({ defaultValue: str }, { i18nValue: objectParams }), timezone: str }, { deviceKey: nonEmptyStr, deviceAttributes: map(anyValue), deviceDesc: str }))),
    combineLoginBatch: params(obj({ clientId: nonEmptyStr, signMethod: nonEmptyStr, timestamp: intOrDigits, subDevices: arr(obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr, sign: nonEmptyStr }, { secureMode: intOrDigits }), 200) })),
    combineEnable: params(arr(enosDevice)),
    combineDisable: params(arr(enosDevice)),
    combineDelete: params(arr(enosDevice)),
    activateInfo: params(obj({ assetId: str, productKey: nonEmptyStr, deviceKey: nonEmptyStr, deviceSecret: nonEmptyStr })),
    enosOtaInform: params(obj({ version: nonEmptyStr }, { module: str })),
    enosOtaProgress: params(obj({ step: otaStep }, { desc: str, module: str })),
  },
  replies: {
    tslTemplateGetReply: objectParams,
    tagQueryReply: map(anyValue),
    attributeQueryReply: map(anyValue),
    measurepointGetReply: map(anyValue),
    deviceRegisterReply: arr(enosCredentials),
    combineLoginBatchReply: obj({ loginedSubDevices: arr(obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr }, { assetId: str })), failedSubDevices: arr(obj({ productKey: str, deviceKey: str })) }),
  },
};
