import type { AreaChecks } from '../area.ts';
import { int, intOrDigits, nonEmptyStr, obj, optionalParams, params, str } from '../schema.ts';
import { either, range } from '../schema-choices.ts';

// The shape checks of the OTA area's messages (its topics: ota.ts).
/** An upgrade step: -1 to -5 report failures, 0-100 progress (seed §5). */
export const otaStep = range(-5, 100);
const firmware = obj({ url: nonEmptyStr, version: nonEmptyStr }, { size: int, md5: str, sign: str, signMethod: str, module: str });
const configDownload = obj({ configId: nonEmptyStr, configSize: int, sign: nonEmptyStr, signMethod: nonEmptyStr, url: nonEmptyStr }, { getType: str });

export const OTA_CHECKS: AreaChecks = {
  requests: {
    configGet: optionalParams(obj({}, { configScope: str, getType: str })),
    configPush: params(configDownload),
    modelConfigPush: (r, issues) => {
      const data = r.extra?.['data'];
      if (data === undefined && r.params === undefined) issues.push({ path: 'data', code: 'missing', message: 'data is required (seed §9.6)' });
      if (data !== undefined) obj({ url: str }, { digest: str, digestMethod: str })(data, 'data', issues);
    },
    otaFirmwareGet: optionalParams(obj({}, { module: str })),
    otaInform: params(obj({ version: nonEmptyStr }, { module: str })),
    otaProgress: params(obj({ step: otaStep }, { desc: str, module: str })),
    otaRequest: params(obj({ version: nonEmptyStr }, { module: str })),
  },
  replies: {
    configGetReply: configDownload,
    otaFirmwareGetReply: firmware,
    modelConfigPushReply: obj({}, { digest: str, digestMethod: str, url: str }),
  },
  documents: {
    otaUpgrade: obj({ data: firmware }, { id: intOrDigits, code: either(str, int), message: str }),
  },
};
