import { OptionError, optionsRecord } from '@linkwire/base';
import { validateCredentialFields } from '@linkwire/sign';

/**
 * A device the local platform knows. Without `deviceSecret` it is pre-registered for dynamic
 * registration: the platform issues a secret once, to the first valid registration.
 */
export interface EmulatorDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret?: string;
}

/** A device's identity: what every topic check and session is keyed by. */
export interface Identity {
  readonly productKey: string;
  readonly deviceName: string;
}

/** What the platform keeps about one device. */
export interface DeviceRecord extends Identity {
  readonly key: string;
  secret: string | undefined;
  /** Connected once, or given its secret by registration: registration never answers again. */
  activated: boolean;
  /** `thing.disable` (seed §9.7): a disabled device cannot connect or be logged in. */
  enabled: boolean;
  /** The token of a `regnwl` registration, which `connwl` CONNECTs present (seed §9.2 notes). */
  deviceToken: string | undefined;
  /** For a sub-device: the gateway in whose topology it is (seed §9.3). */
  gateway: string | undefined;
  /** For a sub-device: logged in through its gateway (seed §9.4). */
  online: boolean;
  /** For a sub-device: when its last logins succeeded (at most five within a minute, seed §6). */
  readonly logins: number[];
  /**
   * For a sub-device logged in with `cleanSession: false` (seed §9.4): QoS 1 messages that came
   * while it was offline, delivered at its next login. Bounded; cleared by a clean login.
   */
  held: { readonly topic: string; readonly payload: Uint8Array }[] | undefined;
  /** For a gateway: the keys of its sub-devices. */
  readonly subDevices: Set<string>;
  /** Device tags (seed §9.8). */
  readonly tags: Map<string, string>;
  /** The latest value of each property (seed §9.5), as the platform stores them. */
  readonly properties: Map<string, { value: unknown; time: number }>;
}

export const deviceKey = (productKey: string, deviceName: string): string => `${productKey}&${deviceName}`;

/**
 * The name rules of the seed (§9.4 error 6280, §3.1): a deviceName is 4–32 of letters, digits
 * and `-_@.:`, a productKey 1–32 of the same alphabet. The reason, or undefined when valid.
 */
export function identityProblem(productKey: unknown, deviceName: unknown): string | undefined {
  if (typeof productKey !== 'string' || typeof deviceName !== 'string') return 'productKey and deviceName must be text';
  const issues = validateCredentialFields({ productKey, deviceName });
  return issues.length === 0 ? undefined : issues.map((i) => i.message).join('; ');
}

/** The device registry: look-ups by product key and device name without prototype surprises. */
export interface DeviceRegistry {
  /** Adds (or replaces) a device; throws an OptionError (`invalid_option`) for a name the platform refuses. */
  add(device: EmulatorDevice): DeviceRecord;
  get(productKey: string, deviceName: string): DeviceRecord | undefined;
  byKey(key: string): DeviceRecord | undefined;
  delete(productKey: string, deviceName: string): boolean;
  /** The secret an enabled device signs with; undefined for unknown, disabled or not yet issued. */
  secret(productKey: string, deviceName: string): string | undefined;
  /** Every device, in the order they were added. */
  values(): IterableIterator<DeviceRecord>;
  readonly size: number;
}

export function createDeviceRegistry(devices: readonly EmulatorDevice[] = []): DeviceRegistry {
  const records = new Map<string, DeviceRecord>();
  const registry: DeviceRegistry = {
    add(d) {
      optionsRecord('device', d ?? null);
      const problem = identityProblem(d.productKey, d.deviceName);
      if (problem !== undefined) throw new OptionError('device', `a productKey and deviceName the platform accepts (${problem})`, d);
      if (d.deviceSecret !== undefined && typeof d.deviceSecret !== 'string') throw new OptionError('device.deviceSecret', 'a string', d.deviceSecret);
      const key = deviceKey(d.productKey, d.deviceName);
      const old = records.get(key);
      const record: DeviceRecord = {
        key, productKey: d.productKey, deviceName: d.deviceName, secret: d.deviceSecret, activated: old?.activated ?? false,
        enabled: old?.enabled ?? true, deviceToken: old?.deviceToken, gateway: old?.gateway, online: old?.online ?? false, logins: old?.logins ?? [], held: old?.held,
        subDevices: old?.subDevices ?? new Set(), tags: old?.tags ?? new Map(), properties: old?.properties ?? new Map(),
      };
      records.set(key, record);
      return record;
    },
    get: (pk, dn) => (typeof pk === 'string' && typeof dn === 'string' ? records.get(deviceKey(pk, dn)) : undefined),
    byKey: (key) => records.get(key),
    delete: (pk, dn) => records.delete(deviceKey(pk, dn)),
    secret(pk, dn) {
      const r = records.get(deviceKey(pk, dn));
      return r !== undefined && r.enabled ? r.secret : undefined;
    },
    values: () => records.values(),
    get size() {
      return records.size;
    },
  };
  if (!Array.isArray(devices)) throw new OptionError('devices', 'an array', devices);
  for (const d of devices) registry.add(d);
  return registry;
}
