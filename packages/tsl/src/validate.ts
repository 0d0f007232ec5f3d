import { compileTsl, type TslResult, type TslValidateOptions, type TslValidator } from './compile.ts';
import { checkValidateOptions, TslError } from './errors.ts';
import type { TslModel } from './model.ts';
import { describe } from '@linkwire/base';

// The one-shot functions compile once per model and option set; a model dropped by the
// caller takes its validators with it.
const cache = new WeakMap<TslModel, Map<string, TslValidator>>();

function validatorFor(model: TslModel, options?: TslValidateOptions): TslValidator {
  if (typeof model !== 'object' || model === null) throw new TslError('invalid_model', `not a TSL model: ${describe(model)}`);
  checkValidateOptions(options);
  const key = `${options?.policy ?? 'strict'}|${options?.coerce === true ? 1 : 0}|${options?.dialect ?? 'alink'}`;
  let byOptions = cache.get(model);
  if (byOptions === undefined) cache.set(model, (byOptions = new Map()));
  let v = byOptions.get(key);
  if (v === undefined) byOptions.set(key, (v = compileTsl(model, options)));
  return v;
}

/**
 * Validates `thing.event.property.post` params against a model. The one-shot form of
 * {@link compileTsl}: it compiles once per model and options and reuses the validators.
 *
 * @example
 * ```ts
 * const r = validatePropertyPost(model, { PowerSwitch: 1, Unknown: 2 }, { policy: 'platform' });
 * r.ok;      // true: the platform drops unknown properties
 * r.value;   // { PowerSwitch: 1 }
 * r.issues;  // [{ path: 'params.Unknown', code: 'unknown_property', severity: 'warning', … }]
 * ```
 */
export function validatePropertyPost(model: TslModel, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).propertyPost(params);
}

/** Validates `thing.service.property.set` params (only `rw` properties may be set). */
export function validatePropertySet(model: TslModel, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).propertySet(params);
}

/** Validates `thing.service.property.get` params, a list of property identifiers. */
export function validatePropertyGet(model: TslModel, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).propertyGet(params);
}

/** Validates `thing.event.{eventId}.post` params `{value, time?}`. */
export function validateEventPost(model: TslModel, eventId: string, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).eventPost(eventId, params);
}

/** Validates `thing.service.{serviceId}` params against the service's inputData. */
export function validateServiceCall(model: TslModel, serviceId: string, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).serviceCall(serviceId, params);
}

/** Validates the `data` of a service reply against the service's outputData. */
export function validateServiceReply(model: TslModel, serviceId: string, data: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).serviceReply(serviceId, data);
}

/** Validates EnOS `thing.measurepoint.post` params against a model's properties. */
export function validateMeasurepointPost(model: TslModel, params: unknown, options?: TslValidateOptions): TslResult {
  return validatorFor(model, options).measurepointPost(params);
}
