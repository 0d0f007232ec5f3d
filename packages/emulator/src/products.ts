import { booleanOption, OptionError, optionsRecord, stringOption } from '@linkwire/base';
import { compileTsl, parseTsl, type TslValidator } from '@linkwire/tsl';

/** A product the platform knows. */
export interface EmulatorProduct {
  readonly productKey: string;
  /** Signs dynamic registration (HTTPS `/auth/register/device`, MQTT `register`/`regnwl`, proxy provisioning). */
  readonly productSecret?: string;
  /** Dynamic registration enabled in the console (seed §2.3). Default: true when a productSecret is given. */
  readonly dynamicRegistration?: boolean;
  /**
   * Registration without pre-registration: a valid registration creates a device the platform
   * did not know (MQTT `regnwl`, HTTPS registration, sub-device proxy provisioning). Default false:
   * only pre-registered devices (added without a secret) are given one.
   */
  readonly registerUnknownDevices?: boolean;
  /** The product's TSL model (the document as JSON text or value): posts, events and service calls are validated against it. */
  readonly tsl?: unknown;
}

export interface ProductRecord {
  readonly productKey: string;
  readonly productSecret: string | undefined;
  readonly dynamicRegistration: boolean;
  readonly registerUnknownDevices: boolean;
  readonly tsl: TslValidator | undefined;
  /** The TSL document as given, for `thing.dsltemplate.get`. */
  readonly tslDocument: unknown;
}

export interface ProductRegistry {
  add(product: EmulatorProduct): ProductRecord;
  get(productKey: string): ProductRecord | undefined;
  /** Every product, in the order they were added. */
  values(): IterableIterator<ProductRecord>;
  /** The secret of a product with dynamic registration enabled. */
  registrationSecret(productKey: string): string | undefined;
  /** The validator of a device named inside a batch post: its product's model, or one that only checks shape (a product without a model). */
  batchValidator(productKey: string): TslValidator;
}

// A model with no features under the platform policy: unknown identifiers are warnings, so a
// device of a product without a model is held to the message's shape only.
let shapeOnly: TslValidator | undefined;
const shapeOnlyValidator = (): TslValidator =>
  (shapeOnly ??= compileTsl(parseTsl({ properties: [], events: [], services: [] }).model, { policy: 'platform' }));

/** A product's fields (OptionError `invalid_option`): products come from configuration files and the admin API as often as from typed code. */
function checkProduct(p: unknown): void {
  const o = optionsRecord('product', p ?? null);
  const pk = o['productKey'];
  if (typeof pk !== 'string' || pk.length === 0 || pk.length > 64) throw new OptionError('product.productKey', 'a productKey (1 to 64 characters)', pk);
  stringOption(`product ${pk} productSecret`, o['productSecret']);
  booleanOption(`product ${pk} dynamicRegistration`, o['dynamicRegistration'], false);
  booleanOption(`product ${pk} registerUnknownDevices`, o['registerUnknownDevices'], false);
}

export function createProductRegistry(products: readonly EmulatorProduct[] = []): ProductRegistry {
  const records = new Map<string, ProductRecord>();
  const registry: ProductRegistry = {
    add(p) {
      checkProduct(p);
      let tsl: TslValidator | undefined;
      let tslDocument: unknown;
      if (p.tsl !== undefined) {
        const parsed = parseTsl(p.tsl as string);
        if (!parsed.ok) throw new OptionError(`product ${p.productKey} tsl`, 'a valid TSL document', parsed.issues.map((i) => `${i.path} ${i.message}`).join('; '));
        tsl = compileTsl(parsed.model, { policy: 'platform' });
        tslDocument = typeof p.tsl === 'string' ? JSON.parse(p.tsl) : p.tsl;
      }
      const record: ProductRecord = {
        productKey: p.productKey, productSecret: p.productSecret,
        dynamicRegistration: p.dynamicRegistration ?? p.productSecret !== undefined,
        registerUnknownDevices: p.registerUnknownDevices ?? false, tsl, tslDocument,
      };
      records.set(p.productKey, record);
      return record;
    },
    get: (pk) => records.get(pk),
    values: () => records.values(),
    registrationSecret(pk) {
      const r = records.get(pk);
      return r !== undefined && r.dynamicRegistration ? r.productSecret : undefined;
    },
    batchValidator: (pk) => records.get(pk)?.tsl ?? shapeOnlyValidator(),
  };
  for (const p of products) registry.add(p);
  return registry;
}
