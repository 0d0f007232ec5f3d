/**
 * What a device's MQTT CONNECT needs apart from the HMAC: the checked clientId, username and
 * signed content ({@link mqttSigningInput}) and the regional endpoint ({@link mqttBroker}).
 * Without the hash package: a browser computes the HMAC with Web Crypto, and a bundler that
 * splits by file (esbuild) keeps the rest of `@linkwire/sign` out of the first download.
 * @module
 */
export {
  mqttBroker, mqttSigningInput,
  type MqttBroker, type MqttBrokerOptions, type MqttCredentialsOptions, type MqttSigningInput, type MqttTransport, type SecureMode,
} from './mqtt-connect.ts';
export type { SignMethod } from './methods.ts';
