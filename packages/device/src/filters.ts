// Shared by the client and its gateway part: a module of its own, so that the gateway (loaded on
// demand) imports no values from the client's module.
import { describe } from '@linkwire/base';
import { DeviceError } from './errors.ts';

export const identityKey = (productKey: string, deviceName: string): string => `${productKey}/${deviceName}`;

/** The downstream topics of one thing identity: commands and the replies to its requests. */
export function thingFilters(pk: string, dn: string): string[] {
  if (typeof pk !== 'string' || typeof dn !== 'string') throw new DeviceError('invalid_argument', `thingFilters takes a productKey and a deviceName (strings), got ${describe(pk)} and ${describe(dn)}`);
  const sys = `/sys/${pk}/${dn}`;
  return [
    `${sys}/thing/service/+`, `${sys}/thing/service/property/+`, `${sys}/thing/event/+/post_reply`, `${sys}/thing/event/property/+/post_reply`,
    `${sys}/thing/model/+`, `${sys}/thing/deviceinfo/+`, `${sys}/thing/dsltemplate/get_reply`, `${sys}/rrpc/request/+`, `${sys}/thing/+`,
  ];
}
