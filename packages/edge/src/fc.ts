import { fromBase64, isRecord, parseJson, utf8Decode, utf8Encode, type Clock, type JsonValue } from '@linkwire/base';
import type { JsonObject } from './api.ts';
import { functionArn } from './api.ts';
import type { EdgeHttpClient } from './client.ts';
import { EdgeError } from './errors.ts';

/**
 * What the Function Compute SDK needs from the gateway it runs on. The gateway's function
 * runtime hands functions an in-process one; {@link httpFunctionTransport} maps it onto the Edge
 * HTTP API for code running elsewhere.
 */
export interface FunctionTransport {
  publish(topic: string, payload: Uint8Array): Promise<void>;
  getThingProperties(productKey: string, deviceName: string, identifiers: readonly string[]): Promise<JsonObject>;
  setThingProperties(productKey: string, deviceName: string, properties: JsonObject): Promise<JsonValue | undefined>;
  callThingService(productKey: string, deviceName: string, service: string, args: JsonValue): Promise<JsonValue | undefined>;
  getThingsWithTags(tags: readonly { readonly [tag: string]: string }[]): Promise<{ productKey: string; deviceName: string }[]>;
  invokeFunction(serviceName: string, functionName: string, payload: Uint8Array, options: { invocationType: 'Sync' | 'Async'; invokerContext: JsonValue | undefined }): Promise<Uint8Array>;
}

type Callback<T> = (err: Error | null, data?: T) => void;

/** Runs `work` and answers both ways: the seed's Node callback `(err, data)` if given, and the Promise. */
function both<T>(work: () => Promise<T>, callback: Callback<T> | undefined): Promise<T> {
  const p = work();
  if (callback !== undefined) {
    p.then(
      (v) => callback(null, v),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
    // The callback has the error; the returned promise must not also be an unhandled rejection.
    p.catch(() => undefined);
  }
  return p;
}

const need = (params: unknown, name: string): string => {
  const v = isRecord(params) ? params[name] : undefined;
  if (typeof v !== 'string' || v === '') throw new EdgeError('invalid_request', `params.${name} must be a non-empty string`);
  return v;
};

/** A `String | Buffer` payload read as JSON where an object is expected (callThingService's `payload`). */
function jsonPayload(v: unknown): JsonValue {
  if (typeof v === 'string' || v instanceof Uint8Array) {
    try {
      return parseJson(v);
    } catch (e) {
      throw new EdgeError('invalid_request', `params.payload is not JSON: ${(e as Error).message}`);
    }
  }
  if (v === undefined) return {};
  return v as JsonValue;
}

function bytesOf(v: unknown, name: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8Encode(v);
  if (v === undefined) return new Uint8Array(0);
  throw new EdgeError('invalid_request', `params.${name} must be a string or bytes`);
}

/**
 * seed §2.2.1–§2.2.5 / §2.3.1–§2.3.5 `IoTData`: device operations and message publishing for a
 * function. Every method takes the seed's params object, returns a Promise and also calls the
 * Node-style `callback(err, data)` when one is passed.
 *
 * @example
 * const iotData = new IoTData(transport);
 * const data = await iotData.getThingProperties({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', payload: ['LightSwitch'] });
 */
export class IoTData {
  readonly #t: FunctionTransport;
  constructor(transport: FunctionTransport) {
    this.#t = transport;
  }

  /** `publish({topic, payload}, callback(err))`. */
  publish(params: { topic: string; payload?: string | Uint8Array }, callback?: Callback<void>): Promise<void> {
    return both(async () => {
      const topic = need(params, 'topic');
      if (/[+#\u0000]/.test(topic)) throw new EdgeError('invalid_request', 'a publish topic cannot contain + # or NUL');
      await this.#t.publish(topic, bytesOf(params.payload, 'payload'));
    }, callback);
  }

  /** `getThingProperties({productKey, deviceName, payload: [identifiers]}, callback(err, data))` → `{LightSwitch: 0}`. */
  getThingProperties(params: { productKey: string; deviceName: string; payload: string[] }, callback?: Callback<JsonObject>): Promise<JsonObject> {
    return both(async () => {
      const ids = params?.payload;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string')) throw new EdgeError('invalid_request', 'params.payload must be a list of property identifiers');
      return this.#t.getThingProperties(need(params, 'productKey'), need(params, 'deviceName'), ids);
    }, callback);
  }

  /** `setThingProperties({productKey, deviceName, payload: {id: value}}, callback(err, data))` → `true` (seed §2.3.3). */
  setThingProperties(params: { productKey: string; deviceName: string; payload: JsonObject }, callback?: Callback<true>): Promise<true> {
    return both(async () => {
      if (!isRecord(params?.payload)) throw new EdgeError('invalid_request', 'params.payload must be an object of properties');
      await this.#t.setThingProperties(need(params, 'productKey'), need(params, 'deviceName'), params.payload);
      return true as const;
    }, callback);
  }

  /** `callThingService({productKey, deviceName, service, payload}, callback(err, data))` → the service's output. */
  callThingService(params: { productKey: string; deviceName: string; service: string; payload?: JsonValue | string | Uint8Array }, callback?: Callback<JsonValue>): Promise<JsonValue> {
    return both(async () => {
      const out = await this.#t.callThingService(need(params, 'productKey'), need(params, 'deviceName'), need(params, 'service'), jsonPayload(params.payload));
      return out ?? {};
    }, callback);
  }

  /** `getThingsWithTags({payload: [{tag: value}]}, callback(err, things))`: devices matching every tag. */
  getThingsWithTags(params: { payload: { [tag: string]: string }[] }, callback?: Callback<{ productKey: string; deviceName: string }[]>): Promise<{ productKey: string; deviceName: string }[]> {
    return both(async () => {
      const tags = params?.payload;
      if (!Array.isArray(tags) || !tags.every((t) => isRecord(t) && Object.values(t).every((v) => typeof v === 'string'))) {
        throw new EdgeError('invalid_request', 'params.payload must be a list of {tag: value} objects');
      }
      return this.#t.getThingsWithTags(tags);
    }, callback);
  }
}

export interface InvokeParams {
  serviceName: string;
  functionName: string;
  /** `Sync` (default) or `Async`. */
  invocationType?: 'Sync' | 'Async';
  /** Node: base64 of a JSON object (the seed's example); Python: the object itself. */
  invokerContext?: string | JsonObject;
  payload?: string | Uint8Array;
}

/** Reads an invokerContext in either of the seed's forms. */
export function readInvokerContext(v: unknown): JsonValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    try {
      return parseJson(utf8Decode(fromBase64(v)));
    } catch {
      throw new EdgeError('invalid_request', 'invokerContext must be base64 of a JSON object');
    }
  }
  if (!isRecord(v)) throw new EdgeError('invalid_request', 'invokerContext must be an object or its base64 JSON');
  return v as JsonObject;
}

/**
 * seed §2.2.6 / §2.3.6 `FCClient` (Python `lecoresdk.Client`): calls another function.
 * `invokeFunction(params, callback(err, data))` → `{payload}` (a string when the output is text).
 */
export class FCClient {
  readonly #t: FunctionTransport;
  constructor(transport: FunctionTransport) {
    this.#t = transport;
  }

  invokeFunction(params: InvokeParams, callback?: Callback<{ payload: string | Uint8Array }>): Promise<{ payload: string | Uint8Array }> {
    return both(async () => {
      const service = need(params, 'serviceName');
      const fn = need(params, 'functionName');
      if (!/^[a-zA-Z][\w-]{0,127}$/.test(service) || !/^[a-zA-Z][\w-]{0,127}$/.test(fn)) throw new EdgeError('invalid_request', `${functionArn(service, fn)} is not a valid function name`);
      const type = params.invocationType ?? 'Sync';
      if (type !== 'Sync' && type !== 'Async') throw new EdgeError('invalid_request', 'invocationType must be Sync or Async');
      const out = await this.#t.invokeFunction(service, fn, bytesOf(params.payload, 'payload'), { invocationType: type, invokerContext: readInvokerContext(params.invokerContext) });
      let text: string | undefined;
      try {
        text = utf8Decode(out, { fatal: true });
      } catch {
        text = undefined;
      }
      return { payload: text ?? out };
    }, callback);
  }

  /** The Python SDK's spelling. */
  invoke_function(params: InvokeParams): Promise<{ payload: string | Uint8Array }> {
    return this.invokeFunction(params);
  }
}

/** seed §2.2.7 credential: `{accessKeyId, accessKeySecret, securityToken}`. */
export interface Credential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

/** One place credentials may come from; undefined when it has none. */
export type CredentialProvider = () => Promise<Credential | undefined> | Credential | undefined;

/**
 * Credentials from environment variables (passed in: the core reads no `process`): the
 * function runtime's `FC_ACCESS_KEY_ID` / `FC_ACCESS_KEY_SECRET` / `FC_SECURITY_TOKEN`, then the
 * Alibaba Cloud SDKs' `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
 * `ALIBABA_CLOUD_SECURITY_TOKEN`.
 */
export function environmentCredentials(env: { readonly [name: string]: string | undefined }): CredentialProvider {
  return () => {
    for (const prefix of ['FC_', 'ALIBABA_CLOUD_']) {
      const id = env[`${prefix}ACCESS_KEY_ID`];
      const secret = env[`${prefix}ACCESS_KEY_SECRET`];
      if (id && secret) {
        const token = env[`${prefix}SECURITY_TOKEN`];
        return token ? { accessKeyId: id, accessKeySecret: secret, securityToken: token } : { accessKeyId: id, accessKeySecret: secret };
      }
    }
    return undefined;
  };
}

/**
 * Credentials from a function's `context.credentials` (how Function Compute hands a function its
 * group role's temporary credentials), in either spelling of the members.
 */
export function contextCredentials(context: unknown): CredentialProvider {
  return () => {
    const c = isRecord(context) ? context['credentials'] : undefined;
    if (!isRecord(c)) return undefined;
    const id = c['accessKeyId'] ?? c['accessKeyID'];
    const secret = c['accessKeySecret'];
    const token = c['securityToken'];
    if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') return undefined;
    return typeof token === 'string' && token !== '' ? { accessKeyId: id, accessKeySecret: secret, securityToken: token } : { accessKeyId: id, accessKeySecret: secret };
  };
}

/** The seed's refresh period of the temporary credential: 15 minutes. */
export const CREDENTIAL_REFRESH_MS = 15 * 60_000;

/**
 * seed §2.2.7 / §2.3.7 `CredentialProviderChain`: asks each provider in turn and keeps the first
 * credential for 15 minutes (the seed's refresh period), then asks again.
 * `resolvePromise()` (Node) and `get_credential()` (Python) are the seed's two spellings.
 */
export class CredentialProviderChain {
  readonly #providers: readonly CredentialProvider[];
  readonly #clock: Clock | undefined;
  #cached: { credential: Credential; at: number } | undefined;

  constructor(providers: readonly CredentialProvider[], clock?: Clock) {
    this.#providers = providers;
    this.#clock = clock;
  }

  async resolvePromise(): Promise<Credential> {
    const now = this.#clock?.now();
    if (this.#cached !== undefined && now !== undefined && now - this.#cached.at < CREDENTIAL_REFRESH_MS) return this.#cached.credential;
    for (const p of this.#providers) {
      const c = await p();
      if (c !== undefined) {
        if (now !== undefined) this.#cached = { credential: c, at: now };
        return c;
      }
    }
    throw new EdgeError('no_credentials', 'no credential provider has credentials (FC_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_ID or context.credentials)');
  }

  get_credential(): Promise<Credential> {
    return this.resolvePromise();
  }
}

/**
 * A {@link FunctionTransport} over the Edge HTTP API, for code that is not a function on the
 * gateway. The API has no publish and no tag query: `publish` must be given (or it rejects),
 * and tags are matched on ListThings' `Tags`.
 */
export function httpFunctionTransport(client: EdgeHttpClient, publish?: (topic: string, payload: Uint8Array) => Promise<void>): FunctionTransport {
  return {
    publish: publish ?? (async () => {
      throw new EdgeError('unsupported', 'the Edge HTTP API has no publish operation');
    }),
    async getThingProperties(pk, dn, ids) {
      return (await client.getThingProperties(pk, dn, ids)).Properties;
    },
    async setThingProperties(pk, dn, props) {
      return (await client.setThingProperties(pk, dn, props)).Data;
    },
    async callThingService(pk, dn, service, args) {
      const r = await client.callThingServices(pk, dn, [{ Name: service, Args: args }]);
      const ret = r.Services[0]?.Returns;
      if (ret === undefined || ret.Message !== 'success') throw new EdgeError('service_failed', ret?.Message ?? 'no answer for the service');
      return ret.Data;
    },
    async getThingsWithTags(tags) {
      const things = await client.listThings();
      return things
        .filter((t) => tags.every((want) => Object.entries(want).every(([k, v]) => t.Tags.some((have) => have[k] === v))))
        .map((t) => ({ productKey: t.ProductKey, deviceName: t.DeviceName }));
    },
    async invokeFunction(service, fn, payload) {
      return (await client.invokeFunction(functionArn(service, fn), payload)).body;
    },
  };
}
