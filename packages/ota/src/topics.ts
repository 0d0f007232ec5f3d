import { describe } from '@linkwire/base';
/**
 * OTA and remote-config topics of both platforms, built from validated identifiers and
 * parsed back for routing.
 * @module
 */
import { OtaError } from './errors.ts';

/** Alibaba topics for one device. Replies are the request topic + `_reply`. */
export interface OtaTopics {
  /** ↑ `/ota/device/inform/{pk}/{dn}` */
  readonly inform: string;
  /** ↓ `/ota/device/upgrade/{pk}/{dn}` */
  readonly upgrade: string;
  /** ↑ `/ota/device/progress/{pk}/{dn}` */
  readonly progress: string;
  /** ↑ `/ota/device/request/{pk}/{dn}` */
  readonly request: string;
  /** ↑ `/sys/{pk}/{dn}/thing/ota/firmware/get` */
  readonly firmwareGet: string;
  readonly firmwareGetReply: string;
  /** ↑ `/sys/{pk}/{dn}/thing/config/get` */
  readonly configGet: string;
  readonly configGetReply: string;
  /** ↓ `/sys/{pk}/{dn}/thing/config/push` */
  readonly configPush: string;
  readonly configPushReply: string;
  /** ↓ `/sys/{pk}/{dn}/thing/model/config/push` */
  readonly modelConfigPush: string;
  readonly modelConfigPushReply: string;
}

/** EnOS topics for one device under `/sys/{pk}/{dk}/ota/device/`. */
export interface EnosOtaTopics {
  readonly inform: string;
  readonly informReply: string;
  readonly upgrade: string;
  readonly upgradeReply: string;
  readonly progress: string;
  readonly progressReply: string;
  readonly getVersion: string;
  readonly getVersionReply: string;
}

// Identifiers go into topic levels: no level separator, no wildcards, no control characters,
// no leading $ (reserved by brokers), within the platforms' 64-character limits.
// eslint-disable-next-line no-control-regex
const BAD = /[/+#\u0000-\u001f\u007f]/;

function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 64 || BAD.test(value) || value.startsWith('$')) {
    throw new OtaError('invalid_identifier', `${name} ${describe(value)} cannot be a topic level`);
  }
  return value;
}

/**
 * @example
 * ```ts
 * otaTopics('a1B2c3', 'dev1').upgrade; // '/ota/device/upgrade/a1B2c3/dev1'
 * ```
 */
export function otaTopics(productKey: string, deviceName: string): OtaTopics {
  const pk = segment('productKey', productKey);
  const dn = segment('deviceName', deviceName);
  const sys = `/sys/${pk}/${dn}/thing`;
  return {
    inform: `/ota/device/inform/${pk}/${dn}`,
    upgrade: `/ota/device/upgrade/${pk}/${dn}`,
    progress: `/ota/device/progress/${pk}/${dn}`,
    request: `/ota/device/request/${pk}/${dn}`,
    firmwareGet: `${sys}/ota/firmware/get`,
    firmwareGetReply: `${sys}/ota/firmware/get_reply`,
    configGet: `${sys}/config/get`,
    configGetReply: `${sys}/config/get_reply`,
    configPush: `${sys}/config/push`,
    configPushReply: `${sys}/config/push_reply`,
    modelConfigPush: `${sys}/model/config/push`,
    modelConfigPushReply: `${sys}/model/config/push_reply`,
  };
}

/** EnOS OTA topics for a device key. */
export function enosOtaTopics(productKey: string, deviceKey: string): EnosOtaTopics {
  const base = `/sys/${segment('productKey', productKey)}/${segment('deviceKey', deviceKey)}/ota/device`;
  return {
    inform: `${base}/inform`, informReply: `${base}/inform_reply`,
    upgrade: `${base}/upgrade`, upgradeReply: `${base}/upgrade_reply`,
    progress: `${base}/progress`, progressReply: `${base}/progress_reply`,
    getVersion: `${base}/getversion`, getVersionReply: `${base}/getversion_reply`,
  };
}

export type OtaTopicKind =
  | 'inform' | 'upgrade' | 'progress' | 'request' | 'firmwareGet' | 'configGet' | 'configPush' | 'modelConfigPush' | 'getVersion';

/** What a topic is, for routing an incoming message. */
export interface ParsedOtaTopic {
  readonly platform: 'alibaba' | 'enos';
  readonly kind: OtaTopicKind;
  readonly reply: boolean;
  readonly productKey: string;
  readonly deviceName: string;
}

const ALIBABA_OTA: Record<string, OtaTopicKind> = { inform: 'inform', upgrade: 'upgrade', progress: 'progress', request: 'request' };
const ALIBABA_SYS: Record<string, OtaTopicKind> = {
  'ota/firmware/get': 'firmwareGet', 'config/get': 'configGet', 'config/push': 'configPush', 'model/config/push': 'modelConfigPush',
};
const ENOS: Record<string, OtaTopicKind> = { inform: 'inform', upgrade: 'upgrade', progress: 'progress', getversion: 'getVersion' };

const ok = (s: string | undefined): s is string => s !== undefined && s !== '' && !BAD.test(s);

/**
 * Recognizes the OTA and config topics of both platforms; undefined for anything else.
 *
 * @example
 * ```ts
 * parseOtaTopic('/sys/pk/dn/thing/config/push');
 * // { platform: 'alibaba', kind: 'configPush', reply: false, productKey: 'pk', deviceName: 'dn' }
 * ```
 */
export function parseOtaTopic(topic: string): ParsedOtaTopic | undefined {
  if (typeof topic !== 'string' || topic.length > 512) return undefined;
  const p = topic.split('/');
  if (p[0] !== '') return undefined;
  const last = p[p.length - 1]!;
  const reply = last.endsWith('_reply');
  if (reply) p[p.length - 1] = last.slice(0, -'_reply'.length);
  const [, a, b, c, d, e] = p;
  if (a === 'ota' && b === 'device' && p.length === 6 && ok(d) && ok(e) && c !== undefined && Object.hasOwn(ALIBABA_OTA, c)) {
    return { platform: 'alibaba', kind: ALIBABA_OTA[c]!, reply, productKey: d, deviceName: e };
  }
  if (a !== 'sys' || !ok(b) || !ok(c)) return undefined;
  if (d === 'thing') {
    const rest = p.slice(5).join('/');
    if (Object.hasOwn(ALIBABA_SYS, rest)) return { platform: 'alibaba', kind: ALIBABA_SYS[rest]!, reply, productKey: b, deviceName: c };
  }
  if (d === 'ota' && e === 'device' && p.length === 7 && Object.hasOwn(ENOS, p[6]!)) {
    return { platform: 'enos', kind: ENOS[p[6]!]!, reply, productKey: b, deviceName: c };
  }
  return undefined;
}
