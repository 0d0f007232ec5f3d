/** What the EnOS platform holds per product and device; plain data, no IO. */

import type { CommandRecord } from './commands.ts';

/** The slice of a compiled thing model (`compileTsl(model, { dialect: 'enos' })`) the platform validates with. */
export interface EnosPlatformModel {
  measurepointPost(params: unknown): ModelResult;
  attributeUpdate(params: unknown): ModelResult;
  eventPost(eventId: string, params: unknown): ModelResult;
}
export interface ModelResult {
  readonly ok: boolean;
  readonly issues: readonly { readonly path: string; readonly message: string; readonly severity?: string }[];
}

export interface EnosPlatformProduct {
  readonly productKey: string;
  readonly productSecret: string;
  /** Devices of this product may activate with the product secret (mode 3). Default true. */
  readonly dynamicActivation?: boolean;
  /**
   * Certificate-based two-way authentication: its devices connect over TLS (or WSS) with a client
   * certificate from the emulator's CA naming them (`issueDeviceCertificate(pk, dk)`: CN
   * `{productKey}.{deviceKey}`), and sign as in mode 2. Default false.
   */
  readonly certificateAuth?: boolean;
  readonly model?: EnosPlatformModel;
}

export interface EnosPlatformDevice {
  readonly productKey: string;
  readonly deviceKey: string;
  /** Absent: the device is registered but not activated; mode 3 activation issues a secret. */
  readonly deviceSecret?: string;
  readonly assetId?: string;
  /** Sub-devices already in this gateway's topology. */
  readonly subDevices?: readonly { readonly productKey: string; readonly deviceKey: string }[];
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface DeviceState {
  readonly productKey: string;
  readonly deviceKey: string;
  readonly assetId: string;
  deviceSecret: string | undefined;
  /** The secret pushed during activation, until the device acknowledges it. */
  pendingSecret: string | undefined;
  enabled: boolean;
  readonly attributes: Map<string, unknown>;
  readonly tags: Map<string, string>;
  /** The latest value of every measure point, and every post in order (bounded). */
  readonly measurepoints: Map<string, unknown>;
  readonly posts: { method: string; params: unknown }[];
  readonly events: { eventId: string; params: unknown }[];
  /** Gateway: its sub-devices (topology) and which of them are logged in. */
  readonly topology: Set<string>;
  readonly online: Set<string>;
  /** The gateway this sub-device is in, if any. */
  gateway: string | undefined;
  /** OTA: the version the device last reported and every progress report. */
  otaVersion: string | undefined;
  readonly otaProgress: { step: number; desc?: string }[];
  /** Commands sent through the API gateway, oldest first (bounded), with their status. */
  readonly commands: CommandRecord[];
}

/** A firmware as EnOS offers it (`ota.device.upgrade` params, getversion reply entries). */
export interface EnosFirmware {
  readonly version: string;
  readonly fileUrl: string;
  readonly fileSize: number;
  readonly sign: string;
  readonly signMethod: string;
}

/** The emulator's session key of a device (the same as its broker's, so topics map to owners). */
export const keyOf = (productKey: string, deviceKey: string): string => `${productKey}&${deviceKey}`;

const MAX_HISTORY = 1000;

export function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_HISTORY) list.shift();
}

export function createState(devices: readonly EnosPlatformDevice[]): Map<string, DeviceState> {
  const all = new Map<string, DeviceState>();
  let asset = 1;
  const add = (d: EnosPlatformDevice): DeviceState => {
    const s: DeviceState = {
      productKey: d.productKey, deviceKey: d.deviceKey, assetId: d.assetId ?? `asset${String(asset++).padStart(6, '0')}`,
      deviceSecret: d.deviceSecret, pendingSecret: undefined, enabled: true,
      attributes: new Map(Object.entries(d.attributes ?? {})), tags: new Map(Object.entries(d.tags ?? {})),
      measurepoints: new Map(), posts: [], events: [], topology: new Set(), online: new Set(), gateway: undefined, otaVersion: undefined, otaProgress: [], commands: [],
    };
    all.set(keyOf(d.productKey, d.deviceKey), s);
    return s;
  };
  for (const d of devices) add(d);
  for (const d of devices) {
    for (const sub of d.subDevices ?? []) {
      const g = all.get(keyOf(d.productKey, d.deviceKey))!;
      g.topology.add(keyOf(sub.productKey, sub.deviceKey));
      const s = all.get(keyOf(sub.productKey, sub.deviceKey));
      if (s !== undefined) s.gateway = keyOf(d.productKey, d.deviceKey);
    }
  }
  return all;
}
