import { OptionError } from '@linkwire/base';
/** A device the local platform knows, with the secret it verifies signatures against. */
export interface EmulatorDevice {
  readonly productKey: string;
  readonly deviceName: string;
  readonly deviceSecret: string;
}

/** The device registry: look-ups by product key and device name without prototype surprises. */
export interface DeviceRegistry {
  add(device: EmulatorDevice): void;
  secret(productKey: string, deviceName: string): string | undefined;
}

export function createDeviceRegistry(devices: readonly EmulatorDevice[] = []): DeviceRegistry {
  if (!Array.isArray(devices)) throw new OptionError('devices', 'a list of devices', devices);
  const byKey = new Map<string, EmulatorDevice>();
  const key = (pk: string, dn: string): string => `${pk}\u0000${dn}`;
  const registry: DeviceRegistry = {
    add(d) {
      if (typeof d !== 'object' || d === null || typeof d.productKey !== 'string' || typeof d.deviceName !== 'string' || typeof d.deviceSecret !== 'string') {
        throw new OptionError('devices[]', 'a device {productKey, deviceName, deviceSecret} of strings', d);
      }
      byKey.set(key(d.productKey, d.deviceName), d);
    },
    secret(pk, dn) {
      if (typeof pk !== 'string' || typeof dn !== 'string') return undefined;
      return byKey.get(key(pk, dn))?.deviceSecret;
    },
  };
  for (const d of devices) registry.add(d);
  return registry;
}

/**
 * Whether a device may use `topic`: every Alibaba device topic carries the device's own
 * productKey and deviceName as two consecutive levels (`/sys/{pk}/{dn}/…`, `/{pk}/{dn}/user/…`,
 * `/shadow/update/{pk}/{dn}`, `/ota/device/inform/{pk}/{dn}`, `/ext/session/{pk}/{dn}/…`).
 */
export function ownsTopic(productKey: string, deviceName: string, topic: string): boolean {
  if (typeof productKey !== 'string' || typeof deviceName !== 'string' || typeof topic !== 'string') return false;
  const levels = topic.split('/');
  for (let i = 0; i + 1 < levels.length && i < 5; i++) {
    if (levels[i] === productKey && levels[i + 1] === deviceName) return true;
  }
  return false;
}
