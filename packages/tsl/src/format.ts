import { readingModel } from './errors.ts';
import type { TslDataType, TslEvent, TslModel, TslParam, TslProperty, TslService } from './model.ts';

type Doc = Record<string, unknown>;

/**
 * Writes a model back as a TSL document in the platform's own form (spec numbers as strings,
 * struct members as a list, bool and enum labels keyed by value), so a model built or edited
 * in code can be loaded by the console or by another SDK. `parseTsl(toTslDocument(m)).model`
 * equals `m`.
 *
 * @example
 * ```ts
 * JSON.stringify(toTslDocument(model));
 * // {"schema":…,"profile":{"productKey":"a1…"},"properties":[{"identifier":"temp",…}],…}
 * ```
 */
export function toTslDocument(model: TslModel): Doc {
  return readingModel('toTslDocument', () => documentOf(model));
}

function documentOf(model: TslModel): Doc {
  const doc: Doc = {};
  if (model.schema !== undefined) doc['schema'] = model.schema;
  if (model.link !== undefined) doc['link'] = model.link;
  const profile: Doc = {};
  if (model.profile.productKey !== undefined) profile['productKey'] = model.profile.productKey;
  if (model.profile.deviceName !== undefined) profile['deviceName'] = model.profile.deviceName;
  doc['profile'] = profile;
  doc['properties'] = model.properties.map(propertyDoc);
  doc['events'] = model.events.map(eventDoc);
  doc['services'] = model.services.map(serviceDoc);
  if (model.attributes !== undefined) doc['attributes'] = model.attributes.map(propertyDoc);
  return doc;
}

function paramDoc(p: TslParam): Doc {
  const d: Doc = { identifier: p.identifier };
  if (p.name !== undefined) d['name'] = p.name;
  d['dataType'] = dataTypeDoc(p.dataType);
  return d;
}

function propertyDoc(p: TslProperty): Doc {
  const d = paramDoc(p);
  d['accessMode'] = p.accessMode;
  d['required'] = p.required;
  if (p.desc !== undefined) d['desc'] = p.desc;
  return d;
}

function eventDoc(e: TslEvent): Doc {
  const d: Doc = { identifier: e.identifier };
  if (e.name !== undefined) d['name'] = e.name;
  if (e.desc !== undefined) d['desc'] = e.desc;
  d['type'] = e.type;
  d['required'] = e.required;
  d['outputData'] = e.outputData.map(paramDoc);
  d['method'] = e.method;
  return d;
}

function serviceDoc(s: TslService): Doc {
  const d: Doc = { identifier: s.identifier };
  if (s.name !== undefined) d['name'] = s.name;
  if (s.desc !== undefined) d['desc'] = s.desc;
  d['required'] = s.required;
  d['callType'] = s.callType;
  d['method'] = s.method;
  d['inputData'] = s.inputIdentifiers !== undefined ? [...s.inputIdentifiers] : s.inputData.map(paramDoc);
  d['outputData'] = s.outputData.map(paramDoc);
  return d;
}

/** A data type in document form: `{type, specs}` with the platform's string-encoded numbers. */
export function dataTypeDoc(t: TslDataType): Doc {
  return readingModel('dataTypeDoc', () => typeDoc(t));
}

function typeDoc(t: TslDataType): Doc {
  const specs: Doc = {};
  switch (t.type) {
    case 'int':
    case 'float':
    case 'double':
      if (t.min !== undefined) specs['min'] = String(t.min);
      if (t.max !== undefined) specs['max'] = String(t.max);
      if (t.step !== undefined) specs['step'] = String(t.step);
      if (t.unit !== undefined) specs['unit'] = t.unit;
      if (t.unitName !== undefined) specs['unitName'] = t.unitName;
      break;
    case 'text':
      specs['length'] = String(t.length);
      break;
    case 'date':
      break;
    case 'bool':
      if (t.labels[0] !== undefined) specs['0'] = t.labels[0];
      if (t.labels[1] !== undefined) specs['1'] = t.labels[1];
      break;
    case 'enum':
      for (const v of t.values) specs[String(v.value)] = v.label;
      break;
    case 'struct':
      return { type: 'struct', specs: t.members.map(paramDoc) };
    case 'array':
      return { type: 'array', specs: { size: String(t.size), item: dataTypeDoc(t.item) } };
  }
  return { type: t.type, specs };
}
