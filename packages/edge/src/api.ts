import type { Issue, JsonValue } from '@linkwire/base';
import { validateCredentialFields } from '@linkwire/sign';
import { isTslIdentifier } from '@linkwire/tsl';

/** The version prefix of every Edge HTTP API path (§3). */
export const EDGE_API_PREFIX = '/2019-09-30';
/** The port the gateway serves the API on (§3.1). */
export const EDGE_API_PORT = 9999;
/** GetThingProperties reads at most this many identifiers (§3.4.2). */
export const MAX_IDENTIFIERS = 100;
/** The lifetime of an auth cookie, seconds (`Max-Age=3600` in the seed's example). */
export const COOKIE_MAX_AGE = 3600;
/** The name of the auth cookie (`token=…` in the seed's example). */
export const COOKIE_NAME = 'token';

export type JsonObject = { readonly [key: string]: JsonValue };

/** A device as ListThings returns it (§3.4.1), the seed's member names. */
export interface EdgeThing {
  readonly ProductName: string;
  readonly ProductKey: string;
  readonly DeviceName: string;
  readonly DriverId: string;
  readonly DriverName: string;
  readonly Tags: readonly { readonly [tag: string]: string }[];
  readonly Status: 'Inactivated' | 'Failed' | 'Online' | 'Offline';
  readonly Connected: boolean;
  readonly ConnectTime: string;
}

/** The body every answer carries (§3.3–§3.4): `Code`, `Message` and, on success, `Data`. */
export interface EdgeEnvelope<D> {
  readonly Code: number;
  readonly Message: string;
  readonly Data?: D;
}

export interface ServiceCall {
  readonly Name: string;
  readonly Args?: JsonValue;
}

export interface ServiceReturn {
  readonly Name: string;
  readonly Returns: { readonly Message: string; readonly Data?: JsonValue };
}

/** The action names of BulkActions (§3.4.5 Table 3-1). */
export type BulkActionName = 'GetProperties' | 'SetProperties' | 'CallServices' | 'Watch';
/** What a Watch subscribes to per device; the seed's default is `all`. */
export type WatchKind = 'all' | 'properties' | 'events';

export interface BulkThing {
  readonly ProductKey: string;
  readonly DeviceName: string;
}

export type BulkRequest =
  | { readonly BulkAction: 'GetProperties'; readonly Things: readonly (BulkThing & { readonly Identifiers: readonly string[] })[] }
  | { readonly BulkAction: 'SetProperties'; readonly Things: readonly (BulkThing & { readonly Properties: JsonObject })[] }
  | { readonly BulkAction: 'CallServices'; readonly Things: readonly (BulkThing & { readonly Services: readonly ServiceCall[] })[] }
  | { readonly BulkAction: 'Watch'; readonly Things: readonly (BulkThing & { readonly Watches?: WatchKind })[] };

/** One device's part of a bulk answer: `Returns` for Get/SetProperties, `Services` for CallServices. */
export interface BulkResult extends BulkThing {
  readonly Returns?: { readonly Message: string; readonly Data?: JsonValue };
  readonly Services?: readonly ServiceReturn[];
}

export interface BulkData {
  readonly Results: readonly BulkResult[];
  readonly Timestamp: number;
}

/**
 * The seed's Table 3-1 spells two actions `SetPropertyes` and `GetProperites` while every
 * example uses `SetProperties` and `GetProperties`: the examples' names are canonical and the
 * table's spellings are accepted on input.
 */
export function canonicalBulkAction(name: unknown): BulkActionName | undefined {
  switch (name) {
    case 'GetProperties':
    case 'GetProperites':
      return 'GetProperties';
    case 'SetProperties':
    case 'SetPropertyes':
      return 'SetProperties';
    case 'CallServices':
      return 'CallServices';
    case 'Watch':
      return 'Watch';
    default:
      return undefined;
  }
}

/**
 * A function ARN as InvokeFunction accepts it (§3.5.1), the full or the partial form. The
 * seed's pattern is garbled by extraction (spaces inside it); read as
 * `^(acs:fc:{region}:{16-digit account}?:)?service:{name}:function:{name}$`.
 */
const ARN = /^(?:acs:fc:([a-z]{2}-[a-z]+(?:-\d)?):(\d{16})?:)?service:([a-zA-Z][\w-]{0,127}):function:([a-zA-Z][\w-]{0,127})$/;

export interface FunctionArn {
  readonly region: string | undefined;
  readonly accountId: string | undefined;
  readonly serviceName: string;
  readonly functionName: string;
}

/**
 * @example
 * parseFunctionArn('service:EdgeFC:function:helloworld') // { serviceName: 'EdgeFC', functionName: 'helloworld', … }
 */
export function parseFunctionArn(arn: string): FunctionArn | undefined {
  if (typeof arn !== 'string' || arn.length > 400) return undefined;
  const m = ARN.exec(arn);
  if (m === null) return undefined;
  return { region: m[1], accountId: m[2], serviceName: m[3]!, functionName: m[4]! };
}

/** The partial ARN of a function: `service:{serviceName}:function:{functionName}`. */
export function functionArn(serviceName: string, functionName: string): string {
  return `service:${serviceName}:function:${functionName}`;
}

/** Issues of a device's identity as a request names it. */
export function thingIssues(productKey: unknown, deviceName: unknown, path = ''): Issue[] {
  return validateCredentialFields({ productKey, deviceName }).map((i) => ({ ...i, path: path === '' ? i.path : `${path}.${i.path === 'productKey' ? 'ProductKey' : 'DeviceName'}` }));
}

export function identifierIssues(ids: unknown, path: string): Issue[] {
  if (!Array.isArray(ids) || ids.length === 0) return [{ path, code: 'missing_field', message: 'at least one property identifier is required' }];
  if (ids.length > MAX_IDENTIFIERS) return [{ path, code: 'too_many', message: `at most ${MAX_IDENTIFIERS} identifiers may be read at once` }];
  const out: Issue[] = [];
  ids.forEach((id: unknown, i) => {
    if (typeof id !== 'string' || !isTslIdentifier(id)) out.push({ path: `${path}[${i}]`, code: 'invalid_identifier', message: `${JSON.stringify(id)} is not a TSL identifier` });
  });
  return out;
}
