/**
 * The EnOS device SDK's API (`DeviceClient`, `GatewayClient`, `DeviceInfo`, `SubDeviceInfo`,
 * `SECURE_MODE`) as a sans-IO core over linkwire's resilient MQTT client, and the EnOS REST
 * invokeService client over an injected fetch. `@linkwire/node/enos` and `@linkwire/web/enos`
 * export the same classes with their runtime filled in.
 * @module
 */
export { EnosError, EnosRestError } from './errors.ts';
export { Emitter } from './emitter.ts';
export { DeviceInfo, SECURE_MODE, SubDeviceInfo, parseBrokerUrl, type BrokerEndpoint, type SecureMode, type SubDeviceCredential, type TlsMaterial } from './info.ts';
export {
  COMMAND_CODES, DeviceClient, memorySecretStore,
  type ClientOptions, type CommonParams, type DeviceClientEvents, type DeviceSecretStore, type EnosRuntime, type MqttOptions, type Replied, type UpstreamResponse,
} from './client.ts';
export { DeviceData, type BatchParams } from './device-data.ts';
export { DeviceCommand, type CommandHandler, type CommandRequest, type CommandResponse } from './device-command.ts';
export { DeviceOta, type UpgradeContext, type UpgradeHandler } from './ota.ts';
export { GatewayClient, SubDeviceManagement, type RegisterSubDevice } from './gateway.ts';
export {
  INVOKE_SERVICE_PATH, createEnosRestClient,
  type EnosRestClient, type EnosRestClientOptions, type FetchLike, type InvokeServiceParams, type InvokeServiceResult, type InvokeTarget,
} from './rest.ts';
