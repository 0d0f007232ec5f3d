/**
 * TSL thing models: parse the documents real products export (quirks included), validate
 * property posts/sets/gets, events and service calls and replies, EnOS measure points and
 * attributes, and multi-device batches (EnOS measure point batches, Alibaba pack and history
 * posts, each device against its own model) with every issue and its path, compile a model
 * into allocation-free validators (no eval), and export JSON Schema.
 * @module
 */
export { TslError, type TslIssue } from './errors.ts';
export {
  PROPERTY_GET_METHOD,
  PROPERTY_POST_METHOD,
  PROPERTY_SET_METHOD,
  TSL_LIMITS,
  type TslArraySpec,
  type TslBoolSpec,
  type TslDataType,
  type TslDateSpec,
  type TslEnumSpec,
  type TslEnumValue,
  type TslEvent,
  type TslModel,
  type TslNumberSpec,
  type TslNumberType,
  type TslParam,
  type TslProfile,
  type TslProperty,
  type TslService,
  type TslStructSpec,
  type TslTextSpec,
  type TslTypeName,
} from './model.ts';
export { isTslIdentifier, parseTsl, type TslParseOptions, type TslParseResult } from './parse.ts';
export { VALID, alinkReplyCode, compileTsl, type TslLookup, type TslResult, type TslValidateOptions, type TslValidator } from './compile.ts';
export {
  validateEventPost,
  validateMeasurepointPost,
  validatePropertyGet,
  validatePropertyPost,
  validatePropertySet,
  validateServiceCall,
  validateServiceReply,
} from './validate.ts';
export { dataTypeSchema, toJsonSchema, type JsonSchema, type TslJsonSchemas } from './schema.ts';
export { dataTypeDoc, toTslDocument } from './format.ts';
export { parseTslExtInfo, type TslExtEntry, type TslExtInfo, type TslExtInfoResult } from './ext.ts';
