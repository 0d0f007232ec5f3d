/** Every public function of @linkwire/tsl under hostile data and hostile options (see test/support/fuzz). */
import { hostileJsonText, hostileValue } from '@linkwire/base/testing';
import * as tsl from '@linkwire/tsl';
import { invalidTslDocument, tslDataType, tslModel } from '@linkwire/tsl/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { examplesModel } from './fixtures/examples.ts';

const model = data(fc.oneof(fc.constant(examplesModel), tslModel()));
const modelVariant = fc.oneof(model, variant(examplesModel));
const params = fc.oneof(hostileValue(), fc.constant({ on: 1, speed: 1200 }), fc.dictionary(fc.string({ maxLength: 6 }), hostileValue(), { maxKeys: 4 }));
const validateOptions = options({ policy: 'platform', coerce: true, dialect: 'enos' });
const id = data(fc.constantFrom('alarm', 'reboot', 'x'));
const doc = data(fc.oneof(hostileJsonText(), invalidTslDocument().map((d) => (d as { document?: unknown }).document ?? d), fc.oneof(fc.constant(examplesModel), tslModel()).map((m) => JSON.stringify(tsl.toTslDocument(m)))));

// A TSL document of about `n` bytes: the examples model's first property repeated under new identifiers.
const tslDocumentOf = (n: number): readonly unknown[] => {
  const doc = tsl.toTslDocument(examplesModel) as unknown as { properties: { identifier: string; name: string }[] };
  const first = doc.properties[0]!;
  const properties: unknown[] = [];
  for (let i = 0, size = 0; size < n; i++) {
    const p = { ...first, identifier: `p${i}`, name: `p${i}` };
    properties.push(p);
    size += JSON.stringify(p).length;
  }
  return [JSON.stringify({ ...doc, properties }), { maxBytes: 1 << 20 }];
};

export const entries: FuzzEntry[] = [
  entry('tsl.isTslIdentifier', tsl.isTslIdentifier, [data(fc.string())]),
  decoder('TSL documents', entry('tsl.parseTsl', tsl.parseTsl, [doc, options({ maxBytes: 1 << 20, maxDepth: 30_000 })]), tslDocumentOf),
  entry('tsl.compileTsl', (m: unknown, o: unknown, p: unknown) => {
    const v = tsl.compileTsl(m as tsl.TslModel, o as tsl.TslValidateOptions);
    v.propertyPost(p);
    v.propertySet(p);
    v.propertyGet(p);
  }, [modelVariant, validateOptions, params]),
  entry('tsl.alinkReplyCode', tsl.alinkReplyCode, [variant({ ok: true, value: {}, issues: [] }, { ok: false, issues: [{ path: 'a', code: 'x', message: 'm', severity: 'error' }] })]),
  entry('tsl.validatePropertyPost', tsl.validatePropertyPost, [modelVariant, params, validateOptions]),
  entry('tsl.validatePropertySet', tsl.validatePropertySet, [modelVariant, params, validateOptions]),
  entry('tsl.validatePropertyGet', tsl.validatePropertyGet, [modelVariant, params, validateOptions]),
  entry('tsl.validateEventPost', tsl.validateEventPost, [modelVariant, id, params, validateOptions]),
  entry('tsl.validateServiceCall', tsl.validateServiceCall, [modelVariant, id, params, validateOptions]),
  entry('tsl.validateServiceReply', tsl.validateServiceReply, [modelVariant, id, params, validateOptions]),
  entry('tsl.validateMeasurepointPost', tsl.validateMeasurepointPost, [modelVariant, params, validateOptions]),
  entry('tsl.toJsonSchema', tsl.toJsonSchema, [modelVariant, validateOptions]),
  entry('tsl.dataTypeSchema', tsl.dataTypeSchema, [data(tslDataType()), data(fc.string())]),
  entry('tsl.toTslDocument', tsl.toTslDocument, [modelVariant]),
  entry('tsl.dataTypeDoc', tsl.dataTypeDoc, [data(tslDataType())]),
  decoder('TSL documents', entry('tsl.parseTslExtInfo', tsl.parseTslExtInfo, [data(fc.oneof(hostileJsonText(), fc.constant('{"profile":{"productKey":"pk"},"properties":[]}'))), fc.oneof(fc.constant(undefined), modelVariant)])),
];
