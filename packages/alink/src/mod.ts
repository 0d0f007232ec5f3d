/**
 * Alink topics and messages.
 * @module
 */
export { AlinkError } from './errors.ts';
export { propertyPostTopic, propertyPostReplyTopic } from './topics.ts';
export { decodeReply, encodePropertyPost, type AlinkReply, type PropertyPost } from './property.ts';
