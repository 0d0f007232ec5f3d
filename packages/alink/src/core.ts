/**
 * The Alink codec a device client routes and encodes with: topics, envelopes, messages,
 * validators, request ids, the reply tracker, NTP; without the code catalogue (`explainCode`),
 * CBOR, property helpers and topic matching of the full entry, and knowing the device's own
 * topics (thing model, RRPC, NTP, raw, user topics, enable/disable/delete, `/ext/error`) until
 * something loads the complete catalogue (`completeCatalogue()` or any topic function of the
 * main entry: then every area). A browser bundle that imports this subpath loads the code table
 * with the first error reply and the gateway, OTA, shadow, EnOS and registration topics with
 * the parts that use them (esbuild splits by file: through the full entry they would all stay
 * in the first chunk).
 * @module
 */
export { AlinkError } from './errors.ts';
export type { PayloadKind, Platform, TopicDirection, TopicSpec } from './area.ts';
export type { ReplyTopicName, RequestTopicName, TopicName } from './catalogue.ts';
export { replyTopicName } from './registry.ts';
export { formatTopic, formatTopicFilter, parseTopic, propertyPostReplyTopic, propertyPostTopic, segmentProblem, type ParsedTopic, type TopicIds } from './topics.ts';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, decodeJson, encodeJson, stringifyJson, type AlinkJson, type JsonDecodeOptions } from './json.ts';
export { decodeReply, decodeRequest, encodeReply, encodeRequest, replyFromJson, requestFromJson, stringifyReply, stringifyRequest, type AlinkReply, type AlinkRequest } from './envelope.ts';
export { decodeMessage, encodeMessage, expectedMethod, type AlinkMessage, type DecodeMessageOptions, type MessageBody, type OutgoingMessage } from './messages.ts';
export { MAX_PROPERTIES } from './schema.ts';
export { validateDocument, validateReply, validateRequest } from './validate.ts';
export { requestIds, type RequestIdOptions, type RequestIds } from './ids.ts';
export { replyTracker, type ExpiredRequest, type ReplyOutcome, type ReplyTracker, type ReplyTrackerOptions } from './tracker.ts';
export { ntpTime, type NtpResponse } from './ntp.ts';
export type {
  ActivateInfoParams, BatchLoginParams, BodyOf, ConfigPushParams, DeviceInfoTag, DeviceRef, DeviceRegisterItem, DocumentMap, EnosBatchLoginParams, EnosDeviceRef,
  EventParams, LoginInfo, MeasurepointBatchItem, MeasurepointParams, OtaProgressParams, OtaUpgradePush, OtaVersionParams, ParamsOf, PropertyParams, PropertyValue,
  ProxyProvisioningParams, RegisteredDevice, ReplyDataMap, ReplyDataOf, RequestParamsMap,
} from './types.ts';
