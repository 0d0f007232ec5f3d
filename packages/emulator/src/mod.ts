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
export type { AdminOptions } from './admin/server.ts';
export { AdminError, MAX_FIRMWARE_BODY, MAX_JSON_BODY, type AdminErrorCode } from './admin/http.ts';
export { LOG_CAPACITY, MAX_LOGGED_PAYLOAD, type LogEntry, type MessageEntry, type PresenceEntry } from './admin/log.ts';
export { MAX_DELAYED_REPLIES, startEmulator, type DeviceStatus, type Emulator, type EmulatorEvent, type EmulatorFaults, type EmulatorOptions, type EmulatorTls } from './emulator.ts';
export { createFaults, MAX_FAULT_DELAY_MS, MAX_FAULTS, type Fault, type FaultAction, type FaultReply, type FaultRequest, type FaultSpec, type FaultTable } from './faults.ts';
export { MAX_ONLINE_SUBDEVICES, MAX_TOPOLOGY } from './gateway.ts';
export { MAX_HTTP_BODY, createHttpAuthHandler, type HttpAuthDeps, type HttpToken } from './http.ts';
export type { DeviceOtaState, Firmware, FirmwareOffer, OtaJob } from './ota.ts';
export type { EmulatorProduct } from './products.ts';
export { propertyPostReply } from './thing.ts';
export { checkStoreKey, memoryStore, PlatformStoreError, STORE_KEY_MAX, type PlatformStore } from './store.ts';
export { directoryStore } from './store-directory.ts';
export { COLLECTIONS as STORE_COLLECTIONS } from './persistence.ts';
export { generateCertificates, type GeneratedCertificates } from './certs.ts';
export { startEnosPlatform, type CommandRecord as EnosCommandRecord, type CommandResult as EnosCommandResult, type CommandStatus as EnosCommandStatus, type CommandReply, type DeviceState as EnosDeviceState, type EnosApp, type EnosFirmware, type EnosOptions, type EnosPlatform, type EnosPlatformApi, type EnosPlatformDevice, type EnosPlatformEvent, type EnosPlatformModel, type EnosPlatformOptions, type EnosPlatformProduct } from './enos/platform.ts';
export { startEdgeGateway, type EdgeFunctionContext, type EdgeFunctionHandler, type EdgeGateway, type EdgeGatewayOptions, type EdgeRoute } from './edge/gateway.ts';
export type { ClusterOptions } from './cluster.ts';
