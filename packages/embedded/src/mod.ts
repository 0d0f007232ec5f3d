/**
 * The adapter for embedded JS engines (QuickJS and the like): the host supplies a clock,
 * timers, random bytes and byte streams; linkwire's clients run on top unchanged.
 * @module
 */
export { EmbeddedHostError, createEmbeddedRuntime, type EmbeddedHost, type EmbeddedRuntime } from './runtime.ts';
