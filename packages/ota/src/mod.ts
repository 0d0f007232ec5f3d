/**
 * Firmware updates and remote configuration for Alibaba Cloud IoT and EnOS: typed,
 * validated OTA and config messages, streaming verification whose result is the only thing
 * activation accepts, resumable downloads, paced progress reports, version ordering, and
 * the OPC UA channel password cipher of the gateway model config.
 * @module
 */
export { OtaError, type FailureStep } from './errors.ts';
export type { DecodeOptions, JsonObject, MessageId } from './fields.ts';
export { parseDigestMethod } from './fields.ts';
export type { Reply } from './envelope.ts';
export { defaultDigestBackend, hashDigestBackend, streamingDigestBackend, type DigestBackend, type DigestMethod, type StreamDigest } from './digest.ts';
export {
  activateFirmware, createFirmwareVerifier, isVerifiedFirmware, resumeFirmwareVerifier,
  type FirmwareVerifier, type VerificationTarget, type VerifiedFirmware, type VerifierOptions, type VerifierState,
} from './verifier.ts';
export {
  decodeFirmwareGet, decodeFirmwareGetReply, decodeFirmwareRequest, decodeProgress, decodeUpgradePush, decodeVersionInform,
  encodeFirmwareGet, stringifyFirmwareGet, encodeFirmwareGetReply, stringifyFirmwareGetReply, encodeFirmwareRequest, stringifyFirmwareRequest, encodeProgress, stringifyProgress, encodeUpgradePush, stringifyUpgradePush, encodeVersionInform, stringifyVersionInform,
  type FirmwareGet, type FirmwareUpgrade, type ProgressMessage, type UpgradePush, type VersionReport,
} from './alibaba.ts';
export {
  decodeEnosGetVersionReply, decodeEnosProgress, decodeEnosUpgrade, decodeEnosVersionInform,
  encodeEnosGetVersion, stringifyEnosGetVersion, encodeEnosGetVersionReply, stringifyEnosGetVersionReply, encodeEnosProgress, stringifyEnosProgress, encodeEnosReply, stringifyEnosReply, encodeEnosUpgrade, stringifyEnosUpgrade, encodeEnosVersionInform, stringifyEnosVersionInform,
  type EnosUpgradeCommand,
} from './enos.ts';
export {
  CONFIG_ERROR_CODES, decodeConfigGet, decodeConfigGetReply, decodeConfigPush, decodeConfigPushReply,
  encodeConfigGet, stringifyConfigGet, encodeConfigGetReply, stringifyConfigGetReply, encodeConfigPush, stringifyConfigPush, encodeConfigPushReply, stringifyConfigPushReply,
  type ConfigFile, type ConfigGet, type ConfigPush,
} from './config.ts';
export {
  decodeModelConfigPush, decodeModelConfigPushReply, encodeModelConfigPush, stringifyModelConfigPush, encodeModelConfigPushReply, stringifyModelConfigPushReply,
  parseModelConfigDocument, validateModelConfigDocument,
  type DeviceListItem, type ModelConfigDocument, type ModelConfigPush, type ModelConfigTarget, type ModelEntry,
  type ModelListItem, type ServerChannel, type TslListItem,
} from './model-config.ts';
export { decryptOpcUaPassword, encryptOpcUaPassword } from './opcua.ts';
export { progressStepIssue, type OtaPlatform } from './progress-step.ts';
export { createProgressReporter, type ProgressReport, type ProgressReporter, type ProgressReporterOptions } from './progress.ts';
export { checkUpgrade, compareVersions, type UpgradeDecision, type UpgradeRefusal } from './version.ts';
export { enosOtaTopics, otaTopics, parseOtaTopic, type EnosOtaTopics, type OtaTopicKind, type OtaTopics, type ParsedOtaTopic } from './topics.ts';
