import { LinkwireError } from '@linkwire/base';

/**
 * A credential could not be built, or a reply could not be read. `field` names the input at
 * fault; `offset` is set when a byte decoder (the CoAP CBOR body) failed at a position.
 *
 * Codes: `missing_field`, `invalid_field`, `unknown_sign_method`, `key_method_mismatch`,
 * `malformed_reply`, `malformed_body`.
 */
export class SignError extends LinkwireError {
  readonly field: string | undefined;

  constructor(code: string, message: string, field?: string, offset?: number) {
    super(code, message, offset);
    this.field = field;
  }
}
