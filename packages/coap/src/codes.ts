import { describe } from '@linkwire/base';
import { CoapError } from './errors.ts';

/** The four message types of RFC 7252 §3, in wire order (T = 0..3). */
export type CoapType = 'CON' | 'NON' | 'ACK' | 'RST';

export const COAP_TYPES: readonly CoapType[] = ['CON', 'NON', 'ACK', 'RST'];

/**
 * Method and response codes as the single wire byte `class << 5 | detail`, so a code compares
 * and switches as a number: `CoapCode.Content === 0x45` is 2.05.
 */
export const CoapCode = {
  Empty: 0x00,
  GET: 0x01,
  POST: 0x02,
  PUT: 0x03,
  DELETE: 0x04,
  FETCH: 0x05,
  PATCH: 0x06,
  iPATCH: 0x07,
  Created: 0x41,
  Deleted: 0x42,
  Valid: 0x43,
  Changed: 0x44,
  Content: 0x45,
  Continue: 0x5f,
  BadRequest: 0x80,
  Unauthorized: 0x81,
  BadOption: 0x82,
  Forbidden: 0x83,
  NotFound: 0x84,
  MethodNotAllowed: 0x85,
  NotAcceptable: 0x86,
  RequestEntityIncomplete: 0x88,
  Conflict: 0x89,
  PreconditionFailed: 0x8c,
  RequestEntityTooLarge: 0x8d,
  UnsupportedContentFormat: 0x8f,
  UnprocessableEntity: 0x96,
  TooManyRequests: 0x9d,
  InternalServerError: 0xa0,
  NotImplemented: 0xa1,
  BadGateway: 0xa2,
  ServiceUnavailable: 0xa3,
  GatewayTimeout: 0xa4,
  ProxyingNotSupported: 0xa5,
  HopLimitReached: 0xa8,
} as const;

/**
 * Formats a code byte as `c.dd`.
 *
 * @example
 * codeString(0x45) // '2.05'
 */
export function codeString(code: number): string {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255) throw new CoapError('invalid_code', `not a CoAP code byte: ${describe(code)}`);
  const d = code & 31;
  return `${code >> 5}.${d < 10 ? '0' : ''}${d}`;
}

/**
 * Parses `c.dd` (class 0–7, detail 0–31) into the code byte.
 *
 * @example
 * parseCodeString('4.04') // 0x84
 */
export function parseCodeString(text: string): number {
  const m = typeof text === 'string' ? /^([0-7])\.([0-9]{2})$/.exec(text) : null;
  const detail = m === null ? 32 : Number(m[2]);
  if (m === null || detail > 31) throw new CoapError('invalid_code', `not a CoAP code: ${describe(text)}`);
  return (Number(m[1]) << 5) | detail;
}

/** True for method codes 0.01–0.31. */
export const isRequestCode = (code: number): boolean => typeof code === 'number' && code > 0 && code < 32;

/** True for response codes (classes 2, 3, 4 and 5). */
export const isResponseCode = (code: number): boolean => typeof code === 'number' && code >= 0x40 && code < 0xc0;
