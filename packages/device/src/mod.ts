/**
 * Sans-IO building blocks for device and gateway clients.
 * @module
 */
export { DeviceError, createReplyTracker, messageIds, type ReplyTracker, type ReplyTrackerOptions } from './replies.ts';
