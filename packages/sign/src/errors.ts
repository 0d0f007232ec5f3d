import { describe, LinkwireError } from '@linkwire/base';

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

/**
 * An argument that must be an object (options, a reply, a device) or a list: plain JavaScript
 * callers get a typed `invalid_field` instead of a TypeError from reading its fields.
 */
export function requireArgument(value: unknown, field: string, list = false): void {
  if (list ? !Array.isArray(value) : typeof value !== 'object' || value === null) {
    throw new SignError('invalid_field', `${field} must be ${list ? 'a list' : 'an object'}, got ${describe(value)}`, field);
  }
}

/**
 * JSON text of a reply or body built from the caller's values: a bigint, a cycle or deep
 * nesting in them is a typed `invalid_field`, not a TypeError or a RangeError.
 */
export function replyJson(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw new SignError('invalid_field', `the reply cannot be written as JSON: ${describe(e instanceof Error ? e.message : e)}`);
  }
}
