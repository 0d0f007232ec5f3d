/**
 * The Alibaba device and gateway client: everything Link Kit does (thing model, services sync
 * and async, RRPC, NTP, shadow, OTA, remote config, gateways and sub-devices), sans IO.
 * `@linkwire/node` and `@linkwire/web` construct it in one line.
 * @module
 */
export { CommandError, DeviceError } from './errors.ts';
export { createReplyWaiter, type ReplyWaiter, type ReplyWaiterOptions } from './replies.ts';
export {
  createDeviceClient, hashPackageHmac,
  type DeviceClient, type HmacHex, type DeviceClientOptions, type DeviceEvent, type DeviceTransport, type TopicMessage,
} from './device.ts';
export { thingFilters } from './filters.ts';
export type {
  CommandContext, DeviceIdentity, PostOptions, PropertyGetHandler, PropertySetHandler, RawDownHandler, RequestOptions, ServiceHandler, Thing,
} from './thing.ts';
export type { DeviceShadowApi } from './shadow.ts';
export type { Download, DownloadOptions, FetchLike, FetchResponse, Ota, OtaOptions } from './ota.ts';
export type { Gateway, GatewayOptions, SubDevice, SubDeviceCredentials } from './gateway.ts';
export { createCoapDevice, createHttpsDevice, type Accepted, type CoapDeviceOptions, type HttpsDevice, type HttpsDeviceOptions, type UpstreamThing } from './upstream.ts';
export {
  connwlCredentials, registerDevice, registerDeviceOverMqtt, storedSecret, tokenCredentials,
  type HttpsRegistrationOptions, type MqttRegistrationOptions, type SecretStore, type TokenCredentialsOptions,
} from './provision.ts';
