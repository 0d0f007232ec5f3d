import { describe } from '@linkwire/base';
import { checkValidateOptions, readingModel, TslError } from './errors.ts';
import type { TslValidateOptions } from './compile.ts';
import { PROPERTY_GET_METHOD, PROPERTY_SET_METHOD, TSL_LIMITS, type TslDataType, type TslModel, type TslParam, type TslProperty } from './model.ts';

/** A JSON Schema (draft 2020-12) document or subschema. */
export type JsonSchema = { readonly [keyword: string]: unknown } | boolean;

/** JSON Schemas for every message a model governs; each root carries `$schema`. */
export interface TslJsonSchemas {
  readonly propertyPost: JsonSchema;
  readonly propertySet: JsonSchema;
  readonly propertyGet: JsonSchema;
  /** EnOS `thing.measurepoint.post` params. */
  readonly measurepointPost: JsonSchema;
  /** EnOS `thing.service.measurepoint.set` params. */
  readonly measurepointSet: JsonSchema;
  /** EnOS `thing.attribute.update` params. */
  readonly attributeUpdate: JsonSchema;
  /** EnOS `thing.attribute.query` and `thing.attribute.delete` params. */
  readonly attributeQuery: JsonSchema;
  /** The `data` of an EnOS `thing.attribute.query` reply. */
  readonly attributeQueryReply: JsonSchema;
  /** By event identifier: the schema of `thing.event.{id}.post` params. */
  readonly events: Readonly<Record<string, JsonSchema>>;
  /** By service identifier: the schemas of the call's params and of the reply's data. */
  readonly services: Readonly<Record<string, { readonly call: JsonSchema; readonly reply: JsonSchema }>>;
}

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const DATE_PATTERN = '^[0-9]{1,15}$';

/**
 * Exports a model as JSON Schema (draft 2020-12), one schema per message kind, so other
 * tools (ajv, form generators, documentation) use the same model. Under the same policy a
 * value is valid for the schema exactly when {@link compileTsl}'s validator finds no error,
 * with two exceptions JSON Schema cannot express: `undefined` and non-JSON values.
 *
 * @example
 * ```ts
 * const schemas = toJsonSchema(model);
 * const ajv = new Ajv2020();
 * ajv.validate(schemas.propertyPost, { temp: 21.5 }); // true
 * ```
 */
export function toJsonSchema(model: TslModel, options?: Pick<TslValidateOptions, 'policy' | 'dialect'>): TslJsonSchemas {
  checkValidateOptions(options);
  return readingModel('toJsonSchema', () => modelSchemas(model, options));
}

function modelSchemas(model: TslModel, options?: Pick<TslValidateOptions, 'policy' | 'dialect'>): TslJsonSchemas {
  const strict = (options?.policy ?? 'strict') === 'strict';
  const eventBody = options?.dialect === 'enos' ? 'events' : 'value';
  const root = (s: Record<string, unknown>): JsonSchema => ({ $schema: DRAFT, ...s });

  const postProps: Record<string, JsonSchema> = {};
  const setProps: Record<string, JsonSchema> = {};
  const getReplyProps: Record<string, JsonSchema> = {};
  const pointProps: Record<string, JsonSchema> = {};
  for (const p of model.properties) {
    const t = dataTypeSchema(p.dataType, p.name);
    postProps[p.identifier] = wrappable(p) ? { anyOf: [t, wrapped(t)] } : t;
    pointProps[p.identifier] = wrappable(p) ? { anyOf: [t, wrappedPoint(t)] } : t;
    setProps[p.identifier] = p.accessMode === 'rw' ? t : false;
    getReplyProps[p.identifier] = t;
  }
  const propertyPost = root({ type: 'object', maxProperties: TSL_LIMITS.maxPropertiesPerPost, properties: postProps, additionalProperties: !strict });
  const propertySetBody = { type: 'object', properties: setProps, additionalProperties: !strict };
  const ids = model.properties.map((p) => p.identifier);
  const propertyGetBody = { type: 'array', items: strict ? (ids.length > 0 ? { enum: ids } : false) : { type: 'string' } };
  const emptyData = [{ type: 'null' }, { const: '' }];

  const events: Record<string, JsonSchema> = {};
  for (const e of model.events) {
    events[e.identifier] = root({
      type: 'object',
      properties: { [eventBody]: paramSetSchema(e.outputData, strict), time: dateSchema() },
      required: [eventBody],
      additionalProperties: !strict,
    });
  }
  const services: Record<string, { call: JsonSchema; reply: JsonSchema }> = {};
  for (const s of model.services) {
    if (s.method === PROPERTY_SET_METHOD) {
      services[s.identifier] = { call: root(propertySetBody), reply: root(replySchema(paramSetSchema(s.outputData, strict), s.outputData.length === 0 || !strict)) };
    } else if (s.method === PROPERTY_GET_METHOD) {
      services[s.identifier] = { call: root(propertyGetBody), reply: root({ anyOf: [...emptyData, { type: 'object', properties: getReplyProps, additionalProperties: !strict }] }) };
    } else {
      services[s.identifier] = {
        call: root(paramSetSchema(s.inputData, strict) as Record<string, unknown>),
        reply: root(replySchema(paramSetSchema(s.outputData, strict), s.outputData.length === 0 || !strict)),
      };
    }
  }
  function replySchema(body: JsonSchema, emptyOk: boolean): Record<string, unknown> {
    return emptyOk ? { anyOf: [...emptyData, body] } : (body as Record<string, unknown>);
  }
  const points = { type: 'object', properties: pointProps, additionalProperties: !strict };
  const measurepointPost = root({
    type: 'object',
    properties: { measurepoints: points, time: dateSchema() },
    required: ['measurepoints'],
    additionalProperties: !strict,
  });
  const attrProps: Record<string, JsonSchema> = {};
  for (const a of model.attributes ?? []) attrProps[a.identifier] = dataTypeSchema(a.dataType, a.name);
  const attrIds = (model.attributes ?? []).map((a) => a.identifier);
  const attrMap = { type: 'object', properties: attrProps, additionalProperties: !strict };
  const attrList = { type: 'array', items: strict ? (attrIds.length > 0 ? { enum: attrIds } : false) : { type: 'string' } };
  const attributesOf = (body: Record<string, unknown>): JsonSchema => root({ type: 'object', properties: { attributes: body }, required: ['attributes'], additionalProperties: !strict });
  return {
    propertyPost,
    propertySet: root(propertySetBody),
    propertyGet: root(propertyGetBody),
    measurepointPost,
    measurepointSet: root(points),
    attributeUpdate: attributesOf(attrMap),
    attributeQuery: attributesOf(attrList),
    attributeQueryReply: root(attrMap),
    events,
    services,
  };
}

/** The JSON Schema of one TSL data type. */
export function dataTypeSchema(t: TslDataType, title?: string): Record<string, unknown> {
  if (title !== undefined && typeof title !== 'string') throw new TslError('invalid_model', `a schema title is a string, got ${describe(title)}`);
  const s = readingModel('dataTypeSchema', () => bare(t));
  return title === undefined ? s : { title, ...s };
}

function bare(t: TslDataType): Record<string, unknown> {
  switch (t.type) {
    case 'int':
      return { type: 'integer', minimum: t.min ?? TSL_LIMITS.int32Min, maximum: t.max ?? TSL_LIMITS.int32Max };
    case 'float':
    case 'double': {
      const limit = t.type === 'float' ? TSL_LIMITS.floatMax : Number.MAX_VALUE;
      return { type: 'number', minimum: t.min ?? -limit, maximum: t.max ?? limit };
    }
    case 'text':
      return { type: 'string', maxLength: t.length };
    case 'date':
      return dateSchema();
    case 'bool':
      return { enum: [0, 1] };
    case 'enum':
      return { enum: t.values.map((v) => v.value) };
    case 'struct':
      return paramSetSchema(t.members, true) as Record<string, unknown>;
    case 'array':
      return { type: 'array', maxItems: t.size, items: dataTypeSchema(t.item) };
  }
}

function dateSchema(): Record<string, unknown> {
  return { anyOf: [{ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, { type: 'string', pattern: DATE_PATTERN }] };
}

function paramSetSchema(params: readonly TslParam[], strict: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const p of params) properties[p.identifier] = dataTypeSchema(p.dataType, p.name);
  const s: Record<string, unknown> = { type: 'object', properties, additionalProperties: !strict };
  if (strict && params.length > 0) s['required'] = params.map((p) => p.identifier);
  return s;
}

function wrappable(p: TslProperty): boolean {
  return p.dataType.type !== 'struct' || !p.dataType.members.some((m) => m.identifier === 'value');
}

function wrapped(t: JsonSchema): JsonSchema {
  return { type: 'object', properties: { value: t, time: dateSchema() }, required: ['value'], additionalProperties: false };
}

function wrappedPoint(t: JsonSchema): JsonSchema {
  return { type: 'object', properties: { value: t, quality: { type: 'integer' } }, required: ['value'], additionalProperties: false };
}
