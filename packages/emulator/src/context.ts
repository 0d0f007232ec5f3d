import type { TopicName } from '@linkwire/alink';
import type { Broker } from './broker.ts';
import type { PendingCommands } from './cloud.ts';
import type { DeviceRecord, DeviceRegistry } from './devices.ts';
import type { ProductRegistry } from './products.ts';
import type { ShadowOutput, ShadowService } from './shadow.ts';
import type { ReadRequest } from './replies.ts';
import type { OtaService } from './ota.ts';

/** Everything a responder may touch: the platform's state and its way to devices. */
export interface PlatformContext {
  readonly devices: DeviceRegistry;
  readonly products: ProductRegistry;
  readonly broker: Broker;
  readonly shadows: ShadowService;
  readonly pending: PendingCommands;
  readonly ota: OtaService;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  readonly timestampWindowMs: number;
  /** Remote configuration files set by the application, per product (seed §9.11). */
  readonly configs: Map<string, RemoteConfig>;
  /** Publishes a platform message to a device (reported as a `reply` event). */
  send(topic: string, payload: Uint8Array): number;
  emit(event: { type: 'reply'; topic: string; payload: string } | { type: 'invalid'; topic: string; reason: string }): void;
  /** Whether a device can be reached now: connected, or a sub-device logged in through a connected gateway. */
  reachable(record: DeviceRecord): boolean;
  /** Configuration and model documents the HTTP listener serves, by path. */
  readonly files: Map<string, Uint8Array>;
  /** A random path segment: served files are reachable only by the URL the platform gave out. */
  unguessable(): string;
  /** Cluster mode: shadow writes ordered through Redis (otherwise `shadows.apply`, synchronously). */
  sharedShadow?: (productKey: string, deviceName: string, request: Uint8Array, now: number) => Promise<ShadowOutput>;
  /** `http://{host}:{httpPort}`; throws when the emulator has no HTTP listener. */
  baseUrl(): string;
}

/** A remote configuration file (seed §9.11), as `thing.config.get` and `thing.config.push` describe it. */
export interface RemoteConfig {
  readonly configId: string;
  readonly configSize: number;
  readonly sign: string;
  readonly signMethod: 'Sha256';
  readonly url: string;
  readonly getType: 'file';
}

/** One upstream message, already authorised: who sent it, whose topic it is, and the request when it is one. */
export interface Upstream {
  readonly from: DeviceRecord;
  readonly owner: DeviceRecord;
  readonly topic: string;
  readonly name: TopicName;
  readonly ids: Readonly<Record<string, string>>;
  readonly payload: Uint8Array;
}

export type Responder = (ctx: PlatformContext, up: Upstream) => void;

/** A responder for an Alink request: gets the request read leniently, or answers 460 itself. */
export type RequestResponder = (ctx: PlatformContext, up: Upstream, request: ReadRequest, reply: (code: number, data?: unknown, message?: string) => void) => void;
