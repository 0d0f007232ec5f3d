/**
 * The web adapter (browsers, Deno, Bun): WebSocket transport and web timers for linkwire sessions.
 * @module
 */
export { webClock, webRandom } from './runtime.ts';
export { connectMqttWebSocket, type WebMqttConnection, type WebMqttOptions } from './mqtt.ts';
export { webDialer, type WebEndpoint } from './dial.ts';
export { createWebMqttClient, type WebMqttClientOptions } from './client.ts';
export { indexedDbStore, type IdbFactory } from './idb-store.ts';
