import { applyShadowRequest, cloneShadow, emptyShadow, encodeShadow, type ShadowDocument, type ShadowRequest } from '@linkwire/shadow';

/** What the cloud side of a shadow publishes on `/shadow/get/{pk}/{dn}` after a request. */
export interface ShadowOutput {
  readonly reply: Uint8Array;
  readonly control?: Uint8Array;
}

/**
 * The cloud side of every device's shadow (seed §7), on the pure reducer of @linkwire/shadow:
 * one document per device, created on first use.
 */
export interface ShadowService {
  apply(productKey: string, deviceName: string, request: ShadowRequest | Uint8Array | string, now: number): ShadowOutput;
  document(productKey: string, deviceName: string): ShadowDocument;
  /** Puts back a document kept by the state store. */
  restore(productKey: string, deviceName: string, document: ShadowDocument): void;
  /** The devices whose document `apply` changed since the last call (the state store's one reader). */
  takeChanged(): { readonly productKey: string; readonly deviceName: string }[];
}

export function createShadowService(): ShadowService {
  const documents = new Map<string, ShadowDocument>();
  const names = new Map<string, { productKey: string; deviceName: string }>();
  let changed = new Set<string>();
  const docOf = (pk: string, dn: string): ShadowDocument => {
    const key = `${pk}\u0000${dn}`;
    let d = documents.get(key);
    if (d === undefined) {
      documents.set(key, (d = emptyShadow()));
      names.set(key, { productKey: pk, deviceName: dn });
    }
    return d;
  };
  return {
    apply(pk, dn, request, now) {
      const r = applyShadowRequest(docOf(pk, dn), request, now);
      changed.add(`${pk}\u0000${dn}`);
      return r.control === undefined ? { reply: encodeShadow(r.reply) } : { reply: encodeShadow(r.reply), control: encodeShadow(r.control) };
    },
    document: (pk, dn) => cloneShadow(docOf(pk, dn)),
    takeChanged() {
      const keys = changed;
      changed = new Set();
      return [...keys].flatMap((k) => names.get(k) ?? []);
    },
    restore(pk, dn, document) {
      const key = `${pk}\u0000${dn}`;
      documents.set(key, cloneShadow(document));
      names.set(key, { productKey: pk, deviceName: dn });
    },
  };
}
