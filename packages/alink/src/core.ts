/**
 * The Alink codec a device client routes and encodes with, without the code catalogue
 * (`explainCode`), CBOR, property helpers and topic matching of the full entry: the topic
 * catalogue, envelopes, messages, validators, request ids, the reply tracker, NTP. A browser
 * bundle that imports this subpath can load the code table only when an error reply needs it
 * (esbuild splits by file: through the full entry the table would stay in the first chunk).
 * @module
 */
export { AlinkError } from './errors.ts';
export { TOPICS, replyTopicName, type PayloadKind, type Platform, type ReplyTopicName, type RequestTopicName, type TopicDirection, type TopicName, type TopicSpec } from './catalogue.ts';
export { formatTopic, formatTopicFilter, parseTopic, propertyPostReplyTopic, propertyPostTopic, segmentProblem, type ParsedTopic, type TopicIds } from './topics.ts';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, decodeJson, encodeJson, stringifyJson, type AlinkJson, type JsonDecodeOptions } from './json.ts';
export { decodeReply, decodeRequest, encodeReply, encodeRequest, replyFromJson, requestFromJson, stringifyReply, stringifyRequest, type AlinkReply, type AlinkRequest } from './envelope.ts';
export { decodeMessage, encodeMessage, expectedMethod, type AlinkMessage, type DecodeMessageOptions, type MessageBody, type OutgoingMessage } from './messages.ts';
export { MAX_PROPERTIES, validateDocument, validateReply, validateRequest } from './validate.ts';
export { requestIds, type RequestIdOptions, type RequestIds } from './ids.ts';
export { replyTracker, type ExpiredRequest, type ReplyOutcome, type ReplyTracker, type ReplyTrackerOptions } from './tracker.ts';
export { ntpTime, type NtpResponse } from './ntp.ts';
export type {
  ActivateInfoParams, BatchLoginParams, BodyOf, ConfigPushParams, DeviceInfoTag, DeviceRef, DeviceRegisterItem, DocumentMap, EnosBatchLoginParams, EnosDeviceRef,
  EventParams, LoginInfo, MeasurepointBatchItem, MeasurepointParams, OtaProgressParams, OtaUpgradePush, OtaVersionParams, ParamsOf, PropertyParams, PropertyValue,
  ProxyProvisioningParams, RegisteredDevice, ReplyDataMap, ReplyDataOf, RequestParamsMap,
} from './types.ts';
