/**
 * The normalized thing model: numbers are numbers (whatever the document wrote), every list
 * exists, optional strings stay optional. {@link parseTsl} produces it; {@link compileTsl},
 * {@link toJsonSchema} and {@link toTslDocument} consume it.
 * @module
 */

export type TslNumberType = 'int' | 'float' | 'double';

export interface TslNumberSpec {
  readonly type: TslNumberType;
  readonly min?: number;
  readonly max?: number;
  /** The console's input step. The platform does not reject values off the step, nor does linkwire. */
  readonly step?: number;
  readonly unit?: string;
  readonly unitName?: string;
}

export interface TslTextSpec {
  readonly type: 'text';
  /** Maximum length in Unicode code points, 1..10240. */
  readonly length: number;
}

/** UTC milliseconds, sent as a non-negative integer or a string of decimal digits. */
export interface TslDateSpec {
  readonly type: 'date';
}

/** Sent as 0 or 1; the labels name the two states. */
export interface TslBoolSpec {
  readonly type: 'bool';
  readonly labels: { readonly 0?: string; readonly 1?: string };
}

export interface TslEnumValue {
  readonly value: number;
  readonly label: string;
}

export interface TslEnumSpec {
  readonly type: 'enum';
  readonly values: readonly TslEnumValue[];
}

export interface TslStructSpec {
  readonly type: 'struct';
  readonly members: readonly TslParam[];
}

export interface TslArraySpec {
  readonly type: 'array';
  /** Maximum number of elements, 1..512. */
  readonly size: number;
  readonly item: TslDataType;
}

export type TslDataType = TslNumberSpec | TslTextSpec | TslDateSpec | TslBoolSpec | TslEnumSpec | TslStructSpec | TslArraySpec;
export type TslTypeName = TslDataType['type'];

/** A named, typed value: a struct member, an input or output parameter. */
export interface TslParam {
  readonly identifier: string;
  readonly name?: string;
  readonly dataType: TslDataType;
}

export interface TslProperty extends TslParam {
  /** `r` properties cannot be set by the cloud. */
  readonly accessMode: 'r' | 'rw';
  /** A standard (category-mandated) feature; says nothing about whether a post must carry it. */
  readonly required: boolean;
  readonly desc?: string;
}

export interface TslEvent {
  readonly identifier: string;
  readonly name?: string;
  /** `info`, `alert` or `error` in platform models. */
  readonly type: string;
  readonly method: string;
  readonly required: boolean;
  readonly desc?: string;
  readonly outputData: readonly TslParam[];
}

export interface TslService {
  readonly identifier: string;
  readonly name?: string;
  readonly method: string;
  readonly callType: 'async' | 'sync';
  readonly required: boolean;
  readonly desc?: string;
  readonly inputData: readonly TslParam[];
  /** The property-get service lists property identifiers instead of typed parameters. */
  readonly inputIdentifiers?: readonly string[];
  readonly outputData: readonly TslParam[];
}

export interface TslProfile {
  readonly productKey?: string;
  readonly deviceName?: string;
}

export interface TslModel {
  readonly schema?: string;
  readonly link?: string;
  readonly profile: TslProfile;
  readonly properties: readonly TslProperty[];
  readonly events: readonly TslEvent[];
  readonly services: readonly TslService[];
  /**
   * EnOS attributes: static device information (name, model, location, design parameters)
   * set with `thing.attribute.*` and at registration, apart from the measure points, which
   * are the `properties`. Absent in Alibaba models; absent and empty mean the same.
   */
  readonly attributes?: readonly TslProperty[];
}

/** The Alink methods of the system services and event every model carries. */
export const PROPERTY_SET_METHOD = 'thing.service.property.set';
export const PROPERTY_GET_METHOD = 'thing.service.property.get';
export const PROPERTY_POST_METHOD = 'thing.event.property.post';

/** Platform limits the parser and validators enforce. */
export const TSL_LIMITS = {
  /** Properties in one `thing.event.property.post` (Alink code 6106 above it), and in one pack post. */
  maxPropertiesPerPost: 200,
  /** Events in one `thing.event.property.pack.post`. */
  maxEventsPerPack: 20,
  /** Sub-devices in one `thing.event.property.pack.post`. */
  maxSubDevicesPerPack: 20,
  maxTextLength: 10240,
  maxArraySize: 512,
  maxIdentifierLength: 50,
  int32Min: -2147483648,
  int32Max: 2147483647,
  floatMax: 3.4028234663852886e38,
} as const;
