/**
 * The shapes of the params and documents of the catalogue, as TypeScript types. They describe
 * what `validateRequest` / `validateDocument` check at run time, so that `encodeMessage` is
 * typed per topic. Members the platforms add later pass through (`[key: string]: unknown`
 * where the seeds show open objects).
 */
import type { ReplyTopicName, TopicName } from './catalogue.ts';
import type { AlinkReply, AlinkRequest } from './envelope.ts';
import type { AlinkJson } from './json.ts';

/** A property value, plain or timed (seed §9.5). */
export type PropertyValue = AlinkJson | { readonly value: AlinkJson; readonly time: number };
/** Property identifiers to values: `thing.event.property.post` and `thing.service.property.set`. */
export type PropertyParams = { readonly [identifier: string]: PropertyValue };

/** Event params: §9.5 `{value, time}`, §4's flat output map, or EnOS `{events, time?}`. */
export type EventParams =
  | { readonly value: { readonly [output: string]: AlinkJson }; readonly time?: number }
  | { readonly events: { readonly [output: string]: AlinkJson }; readonly time?: number }
  | { readonly [output: string]: AlinkJson };

/** A device by its triple's public part (Alibaba). */
export interface DeviceRef {
  readonly productKey: string;
  readonly deviceName: string;
}

/** A device on EnOS. */
export interface EnosDeviceRef {
  readonly productKey: string;
  readonly deviceKey: string;
}

/** Sub-device credentials of topo add, combine login and batch login (seed §9.3, §9.4; EnOS login info). */
export interface LoginInfo {
  readonly productKey: string;
  readonly deviceName?: string;
  readonly deviceKey?: string;
  readonly clientId?: string;
  readonly timestamp?: string | number;
  readonly signMethod?: string;
  /** §9.3 writes it in lower case. */
  readonly signmethod?: string;
  readonly sign: string;
  readonly cleanSession?: 'true' | 'false' | boolean;
}

export interface BatchLoginParams {
  readonly deviceList: readonly LoginInfo[];
  readonly signMethod?: string;
}

export interface ProxyProvisioningParams {
  readonly proxieds: readonly (DeviceRef & { readonly random: string; readonly signMethod: string; readonly sign: string })[];
}

export interface DeviceInfoTag {
  readonly attrKey: string;
  readonly attrValue: string;
}

export interface OtaVersionParams {
  readonly version: string;
  readonly module?: string;
}

export interface OtaProgressParams {
  /** 1..100 percent, or −1 (update failed), −2 (download), −3 (verification), −4 (flash), −5 (EnOS). */
  readonly step: string | number;
  readonly desc?: string;
  readonly module?: string;
}

/** The push on `/ota/device/upgrade/{pk}/{dn}` (seed §9.10). */
export interface OtaUpgradePush {
  readonly id?: string | number;
  readonly code?: string | number;
  readonly message?: string;
  readonly data: {
    readonly size?: number;
    readonly version: string;
    readonly url: string;
    readonly md5?: string;
    readonly sign?: string;
    /** `Md5`, `MD5`, `md5`, `SHA256`, `Sha256`…: compare without case. */
    readonly signMethod?: string;
    readonly module?: string;
    readonly extData?: AlinkJson;
  };
}

export interface ConfigPushParams {
  readonly configId: string;
  readonly configSize: number;
  readonly sign: string;
  readonly signMethod: string;
  readonly url: string;
  readonly getType?: string;
}

export interface MeasurepointParams {
  readonly measurepoints: { readonly [id: string]: AlinkJson };
  readonly time?: number;
}

export interface MeasurepointBatchItem extends MeasurepointParams {
  readonly productKey?: string;
  readonly deviceKey?: string;
}

export interface DeviceRegisterItem {
  readonly productKey: string;
  readonly deviceKey?: string;
  readonly deviceName: { readonly defaultValue: string; readonly i18nValue?: { readonly en_US?: string; readonly zh_CN?: string } };
  readonly timezone: string;
  readonly deviceAttributes?: { readonly [id: string]: AlinkJson };
  readonly deviceDesc?: string;
}

export interface EnosBatchLoginParams {
  readonly clientId: string;
  readonly signMethod: string;
  readonly timestamp: string | number;
  readonly subDevices: readonly (EnosDeviceRef & { readonly sign: string; readonly secureMode?: string | number })[];
}

export interface ActivateInfoParams extends EnosDeviceRef {
  readonly assetId: string;
  readonly deviceSecret: string;
}

/** Params by request topic. A topic not listed takes any JSON. */
export interface RequestParamsMap {
  propertyPost: PropertyParams;
  propertySet: PropertyParams;
  propertyGet: readonly string[];
  eventPost: EventParams;
  serviceCall: { readonly [input: string]: AlinkJson };
  deviceinfoUpdate: readonly DeviceInfoTag[];
  deviceinfoDelete: readonly { readonly attrKey: string }[];
  configGet: { readonly configScope?: string; readonly getType?: string };
  configPush: ConfigPushParams;
  otaFirmwareGet: { readonly module?: string };
  topoAdd: readonly LoginInfo[];
  topoDelete: readonly (DeviceRef | EnosDeviceRef)[];
  listFound: readonly DeviceRef[];
  topoAddNotify: readonly DeviceRef[];
  subRegister: readonly DeviceRef[];
  proxyProvisioning: ProxyProvisioningParams;
  combineLogin: LoginInfo;
  combineLogout: DeviceRef | EnosDeviceRef;
  combineBatchLogin: BatchLoginParams;
  combineBatchLogout: { readonly deviceList: readonly DeviceRef[] } | readonly DeviceRef[];
  otaInform: OtaVersionParams;
  otaProgress: OtaProgressParams;
  otaRequest: OtaVersionParams;
  measurepointPost: MeasurepointParams;
  measurepointResume: MeasurepointParams;
  measurepointPostBatch: readonly MeasurepointBatchItem[];
  measurepointResumeBatch: readonly MeasurepointBatchItem[];
  tagQuery: { readonly tags?: readonly string[] };
  tagUpdate: readonly { readonly tagKey: string; readonly tagValue: string }[];
  tagDelete: { readonly tags: readonly string[] };
  attributeQuery: { readonly attributes?: readonly string[] };
  attributeUpdate: { readonly attributes: { readonly [id: string]: AlinkJson } };
  attributeDelete: { readonly attributes: readonly string[] };
  measurepointSet: { readonly [id: string]: AlinkJson };
  deviceRegister: readonly DeviceRegisterItem[];
  combineLoginBatch: EnosBatchLoginParams;
  combineEnable: readonly EnosDeviceRef[];
  combineDisable: readonly EnosDeviceRef[];
  combineDelete: readonly EnosDeviceRef[];
  activateInfo: ActivateInfoParams;
  enosOtaInform: OtaVersionParams;
  enosOtaProgress: OtaProgressParams;
}

/** Documents by topic, for topics whose payload is not an Alink envelope. */
export interface DocumentMap {
  otaUpgrade: OtaUpgradePush;
  ntpRequest: { readonly deviceSendTime: string | number };
  ntpResponse: { readonly deviceSendTime: string | number; readonly serverRecvTime: string | number; readonly serverSendTime: string | number };
  register: { readonly deviceSecret: string };
  regnwl: { readonly clientId: string; readonly productKey: string; readonly deviceName: string; readonly deviceToken: string };
}

/** Sub-device credentials a successful registration returns (seed §9.2; EnOS `thing.device.register`). */
export interface RegisteredDevice {
  readonly productKey: string;
  readonly deviceName?: string;
  readonly deviceKey?: string;
  readonly deviceSecret: string;
  readonly iotId?: string;
  readonly assetId?: string;
}

/** The data of successful replies by reply topic, where the seeds fix it. */
export interface ReplyDataMap {
  subRegisterReply: readonly RegisteredDevice[];
  topoGetReply: readonly (DeviceRef | EnosDeviceRef)[];
  configGetReply: ConfigPushParams;
  otaFirmwareGetReply: OtaUpgradePush['data'];
  deviceRegisterReply: readonly RegisteredDevice[];
  combineLoginBatchReply: {
    readonly loginedSubDevices: readonly (EnosDeviceRef & { readonly assetId?: string })[];
    readonly failedSubDevices: readonly EnosDeviceRef[];
  };
  tagQueryReply: { readonly [tagKey: string]: AlinkJson };
  attributeQueryReply: { readonly [id: string]: AlinkJson };
  propertyGetReply: { readonly [id: string]: AlinkJson };
}

/** The data a successful reply on topic `N` carries. */
export type ReplyDataOf<N extends TopicName> = N extends keyof ReplyDataMap ? ReplyDataMap[N] : AlinkJson;

/** The params a request on topic `N` carries. */
export type ParamsOf<N extends TopicName> = N extends keyof RequestParamsMap ? RequestParamsMap[N] : AlinkJson;

/** What {@link encodeMessage} takes for topic `N`. */
export type BodyOf<N extends TopicName> = N extends ReplyTopicName
  ? AlinkReply<ReplyDataOf<N> | AlinkJson> | Uint8Array
  : N extends keyof DocumentMap
    ? DocumentMap[N]
    : N extends 'rawUp' | 'rawDown' | 'extRrpc' | 'userTopic'
      ? Uint8Array
      : N extends 'shadowUpdate' | 'shadowGet'
        ? AlinkJson
        : N extends 'subDeviceError' | 'rrpcResponse' | 'downlinkReplyMessage'
          ? AlinkReply<unknown>
          : AlinkRequest<ParamsOf<N>>;
