import { checkJsonTree, describe, isRecord, type Issue } from '@linkwire/base';
import { TOPICS, type TopicName } from './catalogue.ts';
import type { AlinkRequest } from './envelope.ts';
import { AlinkError } from './errors.ts';
import { forbiddenProto, type AlinkJson } from './json.ts';
import {
  all, anyValue, arr, bool, either, int, intOrDigits, literal, map, nonEmptyStr, obj, oneOfMembers, range, str, type Check,
} from './schema.ts';

/** The platform refuses a property post with more than 200 properties (code 6106). */
export const MAX_PROPERTIES = 200;


/**
 * Property params: identifiers to values in either form, plain (`"Power": "on"`) or timed
 * (`"Power": {"value": "on", "time": 1524448722000}`). An object with exactly the members
 * `value` and `time` is the timed form, so its `time` must be an integer.
 *
 * This is the hot path of every property post: one loop, no allocation unless it finds a
 * problem, and when `json` is given it also does the JSON walk's work (depth, `__proto__`,
 * integers beyond 2^53) for the values, so that the params object is iterated only once.
 * Returns true if an integer beyond 2^53 may have been rounded.
 */
export function checkProperties(v: unknown, path: string, issues: Issue[], json?: { readonly maxDepth: number; readonly depth: number }): boolean {
  if (!isRecord(v)) return void issues.push({ path, code: 'expected_object', message: `${path} must be an object` }), false;
  let rounded = false;
  let count = 0;
  for (const k in v) {
    count++;
    if (json !== undefined && k === '__proto__') throw forbiddenProto();
    const x = v[k];
    if (typeof x === 'object') {
      if (x !== null) {
        if (json !== undefined && checkJsonTree(x, json.maxDepth, json.depth + 1)) rounded = true;
        if ('time' in x && 'value' in x) {
          const time = (x as Record<string, unknown>)['time'];
          if (!(typeof time === 'number' && Number.isInteger(time)) && typeof time !== 'bigint' && Object.keys(x).length === 2) {
            issues.push({ path: `${path}.${k}.time`, code: 'expected_integer', message: `${path}.${k}.time must be an integer` });
          }
        }
      }
    } else if (typeof x === 'number' && (!Number.isFinite(x) || x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER)) {
      if (!Number.isFinite(x)) issues.push({ path: `${path}.${k}`, code: 'expected_number', message: `${path}.${k} must be finite` });
      else rounded = true;
    }
    if (k.length === 0) issues.push({ path, code: 'empty_key', message: `${path} has an empty identifier` });
  }
  if (count > MAX_PROPERTIES) issues.push({ path, code: 'too_many_properties', message: `${path} has ${count} properties, at most ${MAX_PROPERTIES} are allowed (platform code 6106)` });
  return rounded;
}

const properties: Check = (v, path, issues) => void checkProperties(v, path, issues);

/** Topics whose params are a property map: their decode walks and validates in one pass. */
export const PROPERTY_TOPICS: ReadonlySet<TopicName> = new Set<TopicName>(['propertyPost', 'propertySet']);

const identity = obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr });
const device = obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr });
const enosDevice = obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr });
const anyDevice = all(obj({ productKey: nonEmptyStr }), oneOfMembers(['deviceName', 'deviceKey'], nonEmptyStr));
const objectParams = obj({});
const signMethod = oneOfMembers(['signMethod', 'signmethod'], nonEmptyStr);
const timestamp = intOrDigits;
const cleanSession = either(bool, literal('true', 'false'));
/** A sub-device's credentials in topo add, login and batch login (seed §9.3, §9.4; EnOS login info). */
const credentials = all(anyDevice, obj({ sign: nonEmptyStr }, { clientId: str, timestamp, cleanSession }));
const loginInfo = all(credentials, signMethod);
const otaStep = range(-5, 100);
const measurepoints = obj({ measurepoints: map(anyValue) }, { time: int });
const measurepointBatch = arr(obj({ measurepoints: map(anyValue) }, { productKey: nonEmptyStr, deviceKey: nonEmptyStr, time: int }));
const stringList = arr(str);
const tagKeyValue = arr(obj({ tagKey: nonEmptyStr, tagValue: str }));
const attrKey = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const deviceinfoKey: Check = (v, path, issues) => {
  if (typeof v !== 'string' || !attrKey.test(v)) issues.push({ path, code: 'invalid_tag_key', message: `${path} must be 1-100 letters, digits or _, not starting with a digit (seed §9.8)` });
};

type RequestCheck = (r: AlinkRequest, issues: Issue[]) => void;
const params = (check: Check): RequestCheck => (r, issues) => {
  if (r.params === undefined) issues.push({ path: 'params', code: 'missing', message: 'params is required' });
  else check(r.params, 'params', issues);
};
const optionalParams = (check: Check): RequestCheck => (r, issues) => {
  if (r.params !== undefined) check(r.params, 'params', issues);
};
const enosBatch: RequestCheck = (r, issues) => {
  params(measurepointBatch)(r, issues);
  for (const flag of ['allowOfflineSubDevice', 'skipInvalidMeasurepoints']) {
    const v = r.extra?.[flag];
    if (v !== undefined) bool(v, flag, issues);
  }
};

/** Request (and push) checks by topic; a topic not listed accepts any params. */
const REQUESTS: Partial<Record<TopicName, RequestCheck>> = {
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
  configGet: optionalParams(obj({}, { configScope: str, getType: str })),
  configPush: params(obj({ configId: nonEmptyStr, configSize: int, sign: nonEmptyStr, signMethod: nonEmptyStr, url: nonEmptyStr }, { getType: str })),
  modelConfigPush: (r, issues) => {
    const data = r.extra?.['data'];
    if (data === undefined && r.params === undefined) issues.push({ path: 'data', code: 'missing', message: 'data is required (seed §9.6)' });
    if (data !== undefined) obj({ url: str }, { digest: str, digestMethod: str })(data, 'data', issues);
  },
  otaFirmwareGet: optionalParams(obj({}, { module: str })),
  topoAdd: params(arr(loginInfo)),
  topoDelete: params(arr(anyDevice)),
  topoGet: optionalParams(objectParams),
  topoChange: params(objectParams),
  listFound: params(arr(device)),
  topoAddNotify: params(arr(device)),
  subRegister: params(arr(device)),
  proxyProvisioning: params(obj({ proxieds: arr(all(device, obj({ random: nonEmptyStr, sign: nonEmptyStr }), signMethod)) })),
  thingDisable: optionalParams(objectParams),
  thingEnable: optionalParams(objectParams),
  thingDelete: optionalParams(objectParams),
  combineLogin: params(loginInfo),
  combineLogout: params(anyDevice),
  // The batch's signMethod sits beside deviceList (PROTOCOL-NOTES.md), not in each entry.
  combineBatchLogin: params(obj({ deviceList: arr(credentials, 200) }, { signMethod: nonEmptyStr })),
  combineBatchLogout: params(either(obj({ deviceList: arr(device, 200) }), arr(device, 200))),
  otaInform: params(obj({ version: nonEmptyStr }, { module: str })),
  otaProgress: params(obj({ step: otaStep }, { desc: str, module: str })),
  otaRequest: params(obj({ version: nonEmptyStr }, { module: str })),
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
  combineLoginBatch: params(obj({ clientId: nonEmptyStr, signMethod: nonEmptyStr, timestamp, subDevices: arr(obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr, sign: nonEmptyStr }, { secureMode: intOrDigits }), 200) })),
  combineEnable: params(arr(enosDevice)),
  combineDisable: params(arr(enosDevice)),
  combineDelete: params(arr(enosDevice)),
  activateInfo: params(obj({ assetId: str, productKey: nonEmptyStr, deviceKey: nonEmptyStr, deviceSecret: nonEmptyStr })),
  enosOtaInform: params(obj({ version: nonEmptyStr }, { module: str })),
  enosOtaProgress: params(obj({ step: otaStep }, { desc: str, module: str })),
};

const firmware = obj({ url: nonEmptyStr, version: nonEmptyStr }, { size: int, md5: str, sign: str, signMethod: str, module: str });
const enosCredentials = obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr, deviceSecret: nonEmptyStr }, { assetId: str });

/** Data checks of successful replies (code 200) by reply topic; error replies carry what they like. */
const REPLIES: Partial<Record<TopicName, Check>> = {
  propertyGetReply: map(anyValue),
  subRegisterReply: arr(obj({ productKey: nonEmptyStr, deviceName: nonEmptyStr, deviceSecret: nonEmptyStr }, { iotId: str })),
  topoGetReply: arr(anyDevice),
  configGetReply: obj({ configId: nonEmptyStr, configSize: int, sign: nonEmptyStr, signMethod: nonEmptyStr, url: nonEmptyStr }, { getType: str }),
  otaFirmwareGetReply: firmware,
  modelConfigPushReply: obj({}, { digest: str, digestMethod: str, url: str }),
  dsltemplateGetReply: objectParams,
  tslTemplateGetReply: objectParams,
  tagQueryReply: map(anyValue),
  attributeQueryReply: map(anyValue),
  measurepointGetReply: map(anyValue),
  deviceRegisterReply: arr(enosCredentials),
  combineLoginBatchReply: obj({ loginedSubDevices: arr(obj({ productKey: nonEmptyStr, deviceKey: nonEmptyStr }, { assetId: str })), failedSubDevices: arr(obj({ productKey: str, deviceKey: str })) }),
};

// A table lookup by a caller's topic name: only the catalogue's names, never a key such as
// "constructor" from the prototype, and a name of the wrong type is an unknown topic.
function lookup<C>(table: Partial<Record<TopicName, C>>, name: unknown): C | undefined {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(TOPICS, name)) throw new AlinkError('unknown_topic', `no topic named ${describe(name)}`);
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name as TopicName] : undefined;
}

/**
 * Checks the data of a successful reply (code 200) on a catalogue reply topic: the secrets of a
 * sub-device registration, a firmware or configuration download, EnOS batch login results.
 *
 * @example
 * validateReply('subRegisterReply', { id: '1', code: 200, data: [{ productKey: 'pk' }] })[0]?.path // 'data[0].deviceName'
 */
export function validateReply(name: TopicName, reply: { readonly code: number; readonly data: unknown }): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(REPLIES, name);
  if (typeof reply !== 'object' || reply === null) throw new AlinkError('invalid_reply', `a reply must be an object, got ${describe(reply)}`);
  if (check !== undefined && reply.code === 200) check(reply.data, 'data', issues);
  return issues;
}

/** Checks of whole JSON documents on topics that do not carry an Alink request. */
const DOCUMENTS: Partial<Record<TopicName, Check>> = {
  otaUpgrade: obj(
    { data: firmware },
    { id: intOrDigits, code: either(str, int), message: str },
  ),
  ntpRequest: obj({ deviceSendTime: intOrDigits }),
  ntpResponse: obj({ deviceSendTime: intOrDigits, serverRecvTime: intOrDigits, serverSendTime: intOrDigits }),
  register: obj({ deviceSecret: nonEmptyStr }),
  regnwl: obj({ clientId: nonEmptyStr, productKey: nonEmptyStr, deviceName: nonEmptyStr, deviceToken: nonEmptyStr }),
  shadowUpdate: obj({ method: str }),
  shadowGet: obj({ method: str }),
};

/**
 * Checks the params of a request on a catalogue topic (and the top-level members that sit
 * beside them). Returns the issues; an empty list means the shape is what the platform accepts.
 *
 * @example
 * validateRequest('otaProgress', { id: '1', params: { step: '101' } })
 * // [{ path: 'params.step', code: 'out_of_range', message: 'params.step must be an integer from -5 to 100' }]
 */
export function validateRequest(name: TopicName, request: AlinkRequest): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(REQUESTS, name);
  if (typeof request !== 'object' || request === null) throw new AlinkError('invalid_message', `a request must be an object, got ${describe(request)}`);
  check?.(request, issues);
  return issues;
}

/** Checks a JSON document on a topic whose payload is not an Alink envelope (OTA upgrade, NTP, registration, shadow). */
export function validateDocument(name: TopicName, value: AlinkJson): Issue[] {
  const issues: Issue[] = [];
  const check = lookup(DOCUMENTS, name);
  if (check !== undefined) check(value, '$', issues);
  return issues;
}
