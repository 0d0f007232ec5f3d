/**
 * Alink topics and messages, Alibaba Cloud IoT and the EnOS dialect: the topic catalogue with
 * O(length) parsing and exact MQTT matching, safe decoders and exact encoders for every
 * request, reply and command, request ids, a reply tracker and the code catalogue.
 * @module
 */
export { AlinkError } from './errors.ts';
export {
  TOPICS, formatTopic, formatTopicFilter, parseTopic, replyTopicName, replyTracker,
  type PayloadKind, type Platform, type ReplyTopicName, type RequestTopicName, type TopicDirection, type TopicName, type TopicSpec,
} from './catalogue.ts';
export { completeCatalogue, decodeMessage, encodeMessage, validateDocument, validateReply, validateRequest } from './complete.ts';
export { propertyPostReplyTopic, propertyPostTopic, segmentProblem, type ParsedTopic, type TopicIds } from './topics.ts';
export { matchTopic, topicFilterProblem, topicNameProblem } from './match.ts';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, decodeJson, encodeJson, stringifyJson, type AlinkJson, type JsonDecodeOptions } from './json.ts';
export { decodeReply, decodeRequest, encodeReply, encodeRequest, replyFromJson, requestFromJson, stringifyReply, stringifyRequest, type AlinkReply, type AlinkRequest } from './envelope.ts';
export { expectedMethod, type AlinkMessage, type DecodeMessageOptions, type MessageBody, type OutgoingMessage } from './messages.ts';
export { MAX_PROPERTIES } from './schema.ts';
export { encodePropertyPost, readProperties, timedProperties, type PropertyEntry, type PropertyPost } from './property.ts';
export { requestIds, type RequestIdOptions, type RequestIds } from './ids.ts';
export { type ExpiredRequest, type ReplyOutcome, type ReplyTracker, type ReplyTrackerOptions } from './tracker.ts';
export { CODE_SOURCES, codeInfo, codesOf, explainCode, type CodeInfo, type CodeScope } from './codes.ts';
export { decodeCbor, encodeCbor, type CborDecodeOptions, type CborValue } from './cbor.ts';
export { ntpTime, type NtpResponse } from './ntp.ts';
export type {
  ActivateInfoParams, BatchLoginParams, BodyOf, ConfigPushParams, DeviceInfoTag, DeviceRef, DeviceRegisterItem, DocumentMap, EnosBatchLoginParams, EnosDeviceRef,
  EventParams, LoginInfo, MeasurepointBatchItem, MeasurepointParams, OtaProgressParams, OtaUpgradePush, OtaVersionParams, ParamsOf, PropertyParams, PropertyValue,
  ProxyProvisioningParams, RegisteredDevice, ReplyDataMap, ReplyDataOf, RequestParamsMap,
} from './types.ts';
