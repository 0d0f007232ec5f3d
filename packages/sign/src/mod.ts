/**
 * Credentials and signatures for Alibaba Cloud IoT, EnOS and Link IoT Edge.
 * @module
 */
export { SignError } from './errors.ts';
export { signMethodAlgorithm, type SignMethod } from './methods.ts';
export { DEFAULT_EXCLUDED_KEYS, signContent, signParams, signingKey, type SignableParams } from './params.ts';
export {
  mqttCredentials, parseMqttClientId, verifyMqttCredentials,
  type MqttAuthResult, type MqttCredentials, type MqttCredentialsOptions, type ParsedMqttClientId, type SecureMode,
} from './mqtt.ts';
