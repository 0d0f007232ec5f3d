/**
 * Bytes helpers every linkwire package shares, and its CBOR codec. Nothing here needs
 * TextEncoder, Buffer or any other platform global, so it runs in Node, Deno, browsers, Bun and
 * QuickJS alike.
 * @module
 */
export { LinkwireError, type Issue } from './errors.ts';
export { DESCRIBE_MAX_LENGTH, describe } from './describe.ts';
export { OptionError, booleanOption, enumOption, functionOption, integerOption, numberOption, optionsRecord, requiredFunction, requiredOption, stringListOption, stringOption } from './options.ts';
export { Utf8Error, utf8Decode, utf8Encode, utf8EncodeInto, utf8Length, type Utf8DecodeOptions } from './utf8.ts';
export { EncodingError, concatBytes, constantTimeEqual, constantTimeEqualHex, fromBase64, fromHex, toBase64, toHex } from './bytes.ts';
export { CborError, decodeCbor, encodeCbor, type CborDecodeOptions, type CborValue } from './cbor.ts';
export { JSON_DEPTH_CEILING, JsonError, checkJsonTree, isRecord, jsonReadOptions, parseExactJson, parseExactJsonChecked, parseJson, type ExactJsonValue, type JsonLimits, type JsonReadOptions, type JsonValue, type JsonWalk } from './json.ts';
export { manualClock, seededRandom, type ByteTransport, type Clock, type Dialer, type ManualClock, type Random, type TransportEvents } from './runtime.ts';
