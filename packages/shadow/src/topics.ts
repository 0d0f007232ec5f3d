import { describe } from '@linkwire/base';
import { ShadowError } from './errors.ts';

/** A parsed shadow topic: `update` carries requests to the shadow, `get` its replies and pushes. */
export interface ShadowTopic {
  readonly kind: 'update' | 'get';
  readonly productKey: string;
  readonly deviceName: string;
}

/** Topic segments must not change the topic's shape: no `/`, no wildcards, no control characters. */
function checkIdentifier(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ShadowError('invalid_identifier', `${field} must be a non-empty string`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2f || c === 0x2b || c === 0x23 || c < 0x20 || c === 0x7f) {
      throw new ShadowError('invalid_identifier', `${field} ${describe(value)} contains a character not allowed in a topic segment`);
    }
  }
  return value;
}

/**
 * The topic devices and applications publish shadow requests to (seed §7.2).
 *
 * @example
 * ```ts
 * shadowUpdateTopic('10000', 'lightbulb'); // '/shadow/update/10000/lightbulb'
 * ```
 */
export function shadowUpdateTopic(productKey: string, deviceName: string): string {
  return `/shadow/update/${checkIdentifier('productKey', productKey)}/${checkIdentifier('deviceName', deviceName)}`;
}

/**
 * The topic the shadow answers and pushes on, which the device subscribes to (seed §7.2).
 *
 * @example
 * ```ts
 * shadowGetTopic('10000', 'lightbulb'); // '/shadow/get/10000/lightbulb'
 * ```
 */
export function shadowGetTopic(productKey: string, deviceName: string): string {
  return `/shadow/get/${checkIdentifier('productKey', productKey)}/${checkIdentifier('deviceName', deviceName)}`;
}

/**
 * Recognises a shadow topic; `undefined` for any other topic (including a trailing `/`,
 * which MQTT treats as a different topic).
 *
 * @example
 * ```ts
 * parseShadowTopic('/shadow/get/10000/lightbulb'); // { kind: 'get', productKey: '10000', deviceName: 'lightbulb' }
 * ```
 */
export function parseShadowTopic(topic: string): ShadowTopic | undefined {
  if (typeof topic !== 'string') return undefined;
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'shadow') return undefined;
  const kind = parts[2];
  if (kind !== 'update' && kind !== 'get') return undefined;
  const productKey = parts[3]!;
  const deviceName = parts[4]!;
  try {
    checkIdentifier('productKey', productKey);
    checkIdentifier('deviceName', deviceName);
  } catch {
    return undefined;
  }
  return { kind, productKey, deviceName };
}
