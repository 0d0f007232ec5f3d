/**
 * Sans-IO building blocks for device and gateway clients.
 * @module
 */
export { DeviceError, createReplyWaiter, type ReplyWaiter, type ReplyWaiterOptions } from './replies.ts';
