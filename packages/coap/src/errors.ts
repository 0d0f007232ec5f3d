import { LinkwireError } from '@linkwire/base';

/**
 * Every error @linkwire/coap throws. `code` is stable: callers branch on it (for example
 * `repeated_critical_option` is what a server answers with 4.02 Bad Option).
 */
export class CoapError extends LinkwireError {}

/**
 * Thrown by {@link decodeCoap} for a malformed datagram. `offset` is the byte where decoding
 * failed; for a truncation it is the input length (where the missing bytes should have been).
 */
export class CoapDecodeError extends CoapError {
  declare readonly offset: number;
}
