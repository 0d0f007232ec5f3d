/**
 * Credentials and signatures for Alibaba Cloud IoT, EnOS and Link IoT Edge: the device side
 * builds them, the platform side (`verify…`) recomputes and compares in constant time.
 * @module
 */
export { SignError } from './errors.ts';
export { enosDigestAlgorithm, signMethodAlgorithm, type EnosSignMethod, type SignMethod } from './methods.ts';
export { DEFAULT_EXCLUDED_KEYS, compareCodePoints, enosSign, signContent, signParams, signingKey, type SignableParams } from './params.ts';
export { validateCredentialFields, type CredentialFields, type Secret } from './validate.ts';
export { DEFAULT_WINDOW_MS, timestampMillis, type VerifyFailure, type VerifyFailureCode, type VerifyOptions, type VerifyResult } from './verify.ts';
export { verifyParams } from './verify-params.ts';
export { decodeForm, encodeForm } from './form.ts';
export {
  mqttBroker, mqttSigningInput,
  type MqttBroker, type MqttBrokerOptions, type MqttCredentials, type MqttCredentialsOptions, type MqttSigningInput, type MqttTransport, type SecureMode,
} from './mqtt-connect.ts';
export { mqttCredentials, parseMqttClientId, parseMqttUsername, verifyMqttCredentials, type MqttAuthResult, type ParsedMqttClientId } from './mqtt.ts';
export type { DeviceAuthOptions, VerifiedDevice } from './auth.ts';
export {
  DEVICENAME_AUTH_ERRORS, HTTP_ERRORS, deviceNameAuthReply, deviceNameAuthRequest, httpAuthReply, httpAuthRequest, mqttTokenCredentials,
  parseDeviceNameAuthReply, parseHttpAuthReply, verifyDeviceNameAuthRequest, verifyHttpAuthRequest, verifyMqttTokenCredentials,
  type DeviceNameAuthOptions, type DeviceNameAuthReply, type DeviceNameAuthSuccess, type DeviceNameAuthVerification, type HttpAuthOptions,
  type HttpAuthReply, type HttpAuthVerification, type HttpRequest, type VerifyFailureWithReply,
} from './https.ts';
export {
  COAP_CONTENT_FORMAT, coapAuthReply, coapAuthRequest, parseCoapAuthReply, verifyCoapAuthRequest,
  type CoapAuthOptions, type CoapAuthReply, type CoapAuthRequest, type CoapAuthVerification, type CoapBodyFormat,
} from './coap.ts';
export {
  mqttAuthType, mqttConnwlCredentials, mqttRegisterCredentials, mqttRegistrationReply, parseMqttRegistrationReply, parseRegisterDeviceReply,
  registerDeviceReply, registerDeviceRequest, verifyMqttConnwl, verifyMqttRegistration, verifyRegisterDeviceRequest,
  type MqttAuthType, type MqttRegistrationMode, type MqttRegistrationOptions, type MqttRegistrationReply, type RegisteredDevice,
  type RegistrationOptions, type VerifiedRegistration,
} from './register.ts';
export {
  combineBatchLoginParams, combineBatchLogoutParams, combineLoginParams, combineLogoutParams, proxyProvisioningParams, subRegisterParams,
  topoAddEntry, verifyCombineBatchLogin, verifyCombineLogin, verifyProxyProvisioning, verifyTopoAddEntry,
  type CleanSessionForm, type CombineLoginOptions, type SubDeviceCredentialOptions, type SubDeviceVerifyOptions, type VerifiedSubDevice,
} from './subdevice.ts';
export { edgeBasicAuthorization, parseBasicAuthorization, verifyEdgeBasicAuthorization } from './edge.ts';
export {
  ENOS_CHANNEL_KEY, enosBatchLoginParams, enosLoginInfo, enosMqttCredentials, enosTopoAddParams, verifyEnosBatchLogin, verifyEnosLoginInfo,
  verifyEnosMqttCredentials, type EnosLoginInfo, type EnosLoginInfoOptions, type EnosMqttCredentialsOptions, type EnosSecrets,
  type EnosSecureMode, type EnosSubDeviceOptions,
} from './enos.ts';
export {
  ENOS_TOKEN_PATH, enosApimHeaders, enosApimSignature, enosTokenReply, enosTokenRequest, parseEnosTokenReply, verifyEnosApimRequest,
  verifyEnosTokenRequest, type ApiGatewayRequest, type ApimQuery,
} from './enos-rest.ts';
