/**
 * Device shadows (aliyun-iot-platform-device-guide §7): the document, its requests and
 * replies, a pure versioned reducer for the cloud side, the desired/reported delta, and the
 * device side of the seed's flow. No IO, no clock: time is a parameter.
 * @module
 */
export { SHADOW_ERROR_MESSAGES, ShadowError, type ShadowErrorCode, type ShadowErrorName } from './errors.ts';
export type {
  ShadowAckPayload,
  ShadowAttributes,
  ShadowAttributeTimes,
  ShadowControl,
  ShadowDeleteRequest,
  ShadowDocument,
  ShadowErrorPayload,
  ShadowGetRequest,
  ShadowLimits,
  ShadowMessage,
  ShadowMetadata,
  ShadowReply,
  ShadowRequest,
  ShadowSectionWrite,
  ShadowState,
  ShadowStatePayload,
  ShadowUpdateRequest,
  ShadowWriteRequest,
} from './types.ts';
export { DEFAULT_SHADOW_LIMITS, parseShadowRequest } from './request.ts';
export { applyShadowRequest, cloneShadow, emptyShadow, shadowErrorReply, type ShadowResult } from './reducer.ts';
export { shadowDelta } from './delta.ts';
export { documentOf, encodeShadow, parseShadowDocument, parseShadowMessage } from './messages.ts';
export { parseShadowTopic, shadowGetTopic, shadowUpdateTopic, type ShadowTopic } from './topics.ts';
export {
  deviceShadow,
  receiveShadowMessage,
  reportShadow,
  type DeviceShadow,
  type DeviceShadowAction,
  type DeviceShadowOptions,
  type DeviceShadowStep,
} from './device.ts';
