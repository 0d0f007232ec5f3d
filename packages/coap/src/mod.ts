/**
 * A hardened CoAP codec (RFC 7252) with block-wise transfer (RFC 7959) and observe (RFC 7641)
 * helpers, a sans-IO endpoint, and the Alibaba Cloud IoT CoAP auth and publish flows.
 * @module
 */
export { CoapError, CoapDecodeError } from './errors.ts';
export { COAP_TYPES, CoapCode, codeString, isRequestCode, isResponseCode, parseCodeString, type CoapType } from './codes.ts';
export {
  CoapOption, OPTION_DEFINITIONS, decodeOptionString, decodeUint, encodeUint, isCritical, isNoCacheKey, isUnsafe, optionDefinition, uintLength,
  type OptionDefinition, type OptionFormat,
} from './options.ts';
export {
  getOption, getOptions, getStringOption, getUintOption, pathOptions, uriPath, uriPathSegments, uriQuery,
  type CoapMessage, type CoapMessageInit, type CoapOptionEntry, type CoapOptionValue,
} from './message.ts';
export { decodeCoap, peekHeader, type CoapHeader } from './decode.ts';
export { encodeCoap } from './encode.ts';
export {
  blockSize, createBlockAssembler, decodeBlock, encodeBlock, payloadBlock, splitBlocks, szxForSize,
  type BlockAddResult, type BlockAssembler, type BlockOption, type PayloadBlock,
} from './block.ts';
export { OBSERVE_DEREGISTER, OBSERVE_REGISTER, nextObserveSeq, observeFresher, type ObserveStamp } from './observe.ts';
export {
  DEFAULT_TRANSMISSION, createCoapEndpoint, derivedTimes,
  type CoapDerivedTimes, type CoapEndpoint, type CoapEndpointOptions, type CoapExchange, type CoapRequestHandle, type CoapRequestInit,
  type CoapResponseInit, type CoapResult, type CoapTransmissionParameters,
} from './endpoint.ts';
export { ContentFormat, decodeBody, encodeBody, formatOf, type AliyunFormat, type BodyLimits } from './content.ts';
export { ALIYUN_AES_IV, aliyunAesKey, aliyunDecrypt, aliyunEncrypt, decryptSeq, encryptSeq } from './aes.ts';
export {
  aliyunAuthParams, aliyunAuthRequest, aliyunPublisher, aliyunSignContent, parseAliyunAuthResponse, signAlgorithm, verifyAliyunSign,
  type AliyunAuthFailure, type AliyunAuthOptions, type AliyunAuthSuccess, type AliyunPublisher, type AliyunPublisherOptions,
  type AliyunPublishResult, type AliyunSignMethod,
} from './aliyun.ts';
export { createAliyunCoapServer, type AliyunCoapServer, type AliyunCoapServerOptions, type AliyunPublish } from './aliyun-server.ts';
export {
  block2Response, blockwiseRequest, createBlock1Receiver, type Block1Outcome, type Block1Receiver, type BlockwiseOptions, type BlockwiseResult,
} from './blockwise.ts';
export { createAliyunCoapClient, type AliyunCoapClient, type AliyunCoapClientOptions, type AliyunPublishOutcome } from './aliyun-client.ts';
