/**
 * A local Link-style IoT platform for tests, demos and offline development.
 * @module
 */
export { canPublish, ownerOf, subscriptionOwner, topicAccess, type Principal, type TopicAccess } from './acl.ts';
export { CLIENT_ID_MAX, KEEPALIVE_MAX, KEEPALIVE_MIN } from './auth.ts';
export { createBroker, type Broker, type BrokerEvent, type BrokerHooks, type BrokerLimits, type ConnectOutcome, type Link, type TransportKind } from './broker.ts';
export type { CallOptions, CloudRawResult, CloudResult } from './cloud.ts';
export type { CloudCommands } from './commands.ts';
export type { RemoteConfig } from './context.ts';
export { createDeviceRegistry, identityProblem, type DeviceRegistry, type EmulatorDevice, type Identity } from './devices.ts';
export { startEmulator, type DeviceStatus, type Emulator, type EmulatorEvent, type EmulatorOptions, type EmulatorTls } from './emulator.ts';
export { MAX_ONLINE_SUBDEVICES, MAX_TOPOLOGY } from './gateway.ts';
export { MAX_HTTP_BODY, createHttpAuthHandler, type HttpAuthDeps } from './http.ts';
export type { DeviceOtaState, Firmware, FirmwareOffer, OtaJob } from './ota.ts';
export type { EmulatorProduct } from './products.ts';
export { propertyPostReply } from './thing.ts';
export { generateCertificates, type GeneratedCertificates } from './certs.ts';
export { startEnosPlatform, type CommandRecord as EnosCommandRecord, type CommandResult as EnosCommandResult, type CommandStatus as EnosCommandStatus, type CommandReply, type DeviceState as EnosDeviceState, type EnosApp, type EnosFirmware, type EnosOptions, type EnosPlatform, type EnosPlatformApi, type EnosPlatformDevice, type EnosPlatformEvent, type EnosPlatformModel, type EnosPlatformOptions, type EnosPlatformProduct } from './enos/platform.ts';
export { startEdgeGateway, type EdgeFunctionContext, type EdgeFunctionHandler, type EdgeGateway, type EdgeGatewayOptions, type EdgeRoute } from './edge/gateway.ts';
