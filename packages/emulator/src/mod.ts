/**
 * A local Link-style IoT platform for tests, demos and offline development.
 * @module
 */
export { createDeviceRegistry, ownsTopic, type DeviceRegistry, type EmulatorDevice } from './devices.ts';
export { propertyPostReply } from './property.ts';
export { startEmulator, type Emulator, type EmulatorEvent, type EmulatorOptions } from './emulator.ts';
export { createHttpAuthHandler, type EmulatorProduct, type HttpAuthDeps } from './http.ts';
export { startEdgeGateway, type EdgeFunctionContext, type EdgeFunctionHandler, type EdgeGateway, type EdgeGatewayOptions, type EdgeRoute } from './edge/gateway.ts';
