/**
 * A local Link-style IoT platform for tests, demos and offline development.
 * @module
 */
export { createDeviceRegistry, ownsTopic, type DeviceRegistry, type EmulatorDevice } from './devices.ts';
export { propertyPostReply } from './property.ts';
export { startEmulator, type Emulator, type EmulatorEvent, type EmulatorOptions } from './emulator.ts';
export { createHttpAuthHandler, type EmulatorProduct, type HttpAuthDeps } from './http.ts';
export { startEnosPlatform, type CommandReply, type DeviceState as EnosDeviceState, type EnosApp, type EnosFirmware, type EnosPlatform, type EnosPlatformDevice, type EnosPlatformEvent, type EnosPlatformModel, type EnosPlatformOptions, type EnosPlatformProduct } from './enos/platform.ts';
