/**
 * The Node.js adapter: sockets and timers for the sans-IO linkwire sessions.
 * @module
 */
export { nodeClock, nodeRandom } from './runtime.ts';
export { connectMqtt, type NodeMqttConnection, type NodeMqttOptions } from './mqtt.ts';
export { nodeHashBackend, registerNodeHash } from './hash.ts';
export { openCoapSocket, type NodeCoapOptions, type NodeCoapSocket } from './coap.ts';
export { nodeDialer, type NodeEndpoint } from './dial.ts';
export { createNodeMqttClient, type NodeMqttClientOptions } from './client.ts';
export { fileStore, type FileStore, type FileStoreOptions } from './file-store.ts';
