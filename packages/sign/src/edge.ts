import { fromBase64, toBase64, utf8Decode, utf8Encode } from '@linkwire/base';
import { SignError } from './errors.ts';
import { fail, secretTextEqual, type VerifyResult } from './verify.ts';

/**
 * The `Authorization` header of the Link IoT Edge HTTP API's CreateAuthCookie and
 * DeleteAuthCookie (edge developer guide §3.3): `Basic base64(username:password)` over UTF-8.
 *
 * @example
 * edgeBasicAuthorization('admin', 'admin1234') // 'Basic YWRtaW46YWRtaW4xMjM0'
 */
export function edgeBasicAuthorization(username: string, password: string): string {
  if (typeof username !== 'string' || username === '') throw new SignError('missing_field', 'username is required', 'username');
  // RFC 7617: the user-id cannot contain a colon, or the split would be ambiguous.
  if (username.includes(':') || /[\u0000-\u001f\u007f]/.test(username)) throw new SignError('invalid_field', 'username must not contain : or control characters', 'username');
  if (typeof password !== 'string') throw new SignError('missing_field', 'password is required', 'password');
  if (/[\u0000-\u001f\u007f]/.test(password)) throw new SignError('invalid_field', 'password must not contain control characters', 'password');
  return `Basic ${toBase64(utf8Encode(`${username}:${password}`))}`;
}

/**
 * Reads a Basic `Authorization` header (scheme in any case); undefined when it is not one.
 *
 * @example
 * parseBasicAuthorization('Basic YWRtaW46YWRtaW4xMjM0') // { username: 'admin', password: 'admin1234' }
 */
export function parseBasicAuthorization(header: string): { readonly username: string; readonly password: string } | undefined {
  if (typeof header !== 'string' || header.length > 4096) return undefined;
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (m === null) return undefined;
  let text: string;
  try {
    text = utf8Decode(fromBase64(m[1]!), { fatal: true });
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * The gateway side: checks the header against the password the gateway holds for the user, in
 * constant time.
 *
 * @example
 * verifyEdgeBasicAuthorization('Basic YWRtaW46YWRtaW4xMjM0', (u) => (u === 'admin' ? 'admin1234' : undefined)).ok // true
 */
export function verifyEdgeBasicAuthorization(header: string, passwordOf: (username: string) => string | undefined): VerifyResult<{ readonly username: string }> {
  const creds = parseBasicAuthorization(header);
  if (creds === undefined) return fail('malformed', 'not a Basic authorization header');
  const expected = passwordOf(creds.username);
  // Fixed-length digests are compared, an unknown user's against the stand-in: neither the
  // user's existence nor the password's length shows in the time taken.
  const equal = secretTextEqual(expected, creds.password);
  if (expected === undefined) return fail('unknown_device', 'unknown user');
  if (!equal) return fail('signature_mismatch', 'wrong password');
  return { ok: true, username: creds.username };
}
