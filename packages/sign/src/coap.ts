import { describe, parseJson, utf8Encode } from '@linkwire/base';
import { signDeviceFields, verifyDeviceFields, type DeviceAuthOptions, type VerifiedDevice } from './auth.ts';
import { decodeFlatCbor, encodeFlatCbor, type FlatValue } from './cbor.ts';
import { replyJson, requireArgument, SignError } from './errors.ts';
import { asRecord, fail, type VerifyOptions, type VerifyResult } from './verify.ts';

/** CoAP Content-Format numbers of the two bodies the platform accepts. */
export const COAP_CONTENT_FORMAT: Readonly<{ json: 50; cbor: 60 }> = Object.freeze({ json: 50, cbor: 60 } as const);

export type CoapBodyFormat = keyof typeof COAP_CONTENT_FORMAT;

export interface CoapAuthOptions extends DeviceAuthOptions {
  /** 0: result with the ACK (default on the platform); 1: ACK first, result later. Signed when given. */
  readonly ackMode?: 0 | 1;
  /** Symmetric-encryption mode (port 5682): the first sequence number, signed and sent as text. */
  readonly seq?: number | string;
  /** Default `json`. */
  readonly format?: CoapBodyFormat;
}

export interface CoapAuthRequest {
  readonly method: 'POST';
  readonly path: '/auth';
  /** 5684 for DTLS, 5682 for the symmetric mode (when `seq` is given). */
  readonly port: 5682 | 5684;
  /** Content-Format and Accept option value. */
  readonly contentFormat: 50 | 60;
  readonly payload: Uint8Array;
}

/**
 * The CoAP auth request body (seed §3.3): POST `/auth` with `{productKey, deviceName, clientId,
 * sign, …}` in JSON or CBOR. clientId defaults to `{productKey}&{deviceName}` as in the seed's
 * symmetric example. Without `signMethod` the body carries no signmethod and is signed with
 * hmacmd5, the platform default, exactly like the seed's examples.
 *
 * @example
 * const req = coapAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', seq: 10 });
 * req.port // 5682
 */
export function coapAuthRequest(options: CoapAuthOptions): CoapAuthRequest {
  requireArgument(options, 'options');
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'cbor') throw new SignError('invalid_field', `format ${describe(format)} is invalid: expected json or cbor`, 'format');
  const { ackMode, seq } = options;
  if (ackMode !== undefined && ackMode !== 0 && ackMode !== 1) throw new SignError('invalid_field', 'ackMode must be 0 or 1', 'ackMode');
  const seqText = seq === undefined ? undefined : String(seq);
  if (seqText !== undefined && !/^\d{1,10}$/.test(seqText)) throw new SignError('invalid_field', 'seq must be 1-10 decimal digits', 'seq');
  const f = signDeviceFields(options, { clientId: (pk, dn) => `${pk}&${dn}`, signMethod: 'hmacmd5' }, {
    ackMode: ackMode === undefined ? undefined : String(ackMode),
    seq: seqText,
  });
  const body: Record<string, FlatValue | undefined> = {
    productKey: f.productKey, deviceName: f.deviceName, clientId: f.clientId, ackMode,
    signmethod: options.signMethod, sign: f.sign, seq: seqText, timestamp: f.timestamp,
  };
  const payload = format === 'json' ? utf8Encode(replyJson(body)) : encodeFlatCbor(body);
  return { method: 'POST', path: '/auth', port: seqText === undefined ? 5684 : 5682, contentFormat: COAP_CONTENT_FORMAT[format], payload };
}

function decodeBody(payload: Uint8Array, format: CoapBodyFormat): Readonly<Record<string, unknown>> {
  if (format === 'cbor') return decodeFlatCbor(payload);
  let v: unknown;
  try {
    v = parseJson(payload, { maxBytes: 8192, maxDepth: 2 });
  } catch (e) {
    throw new SignError('malformed_body', `body is not JSON: ${(e as Error).message}`, 'body');
  }
  const r = asRecord(v);
  if (r === undefined) throw new SignError('malformed_body', 'body must be a JSON object', 'body');
  return r;
}

export type CoapAuthVerification = VerifyResult<VerifiedDevice & { readonly seq?: string; readonly ackMode?: 0 | 1 }>;

/**
 * The platform side of {@link coapAuthRequest}: decodes the JSON or CBOR body and verifies the
 * sign over every field but sign/signmethod/version/resources. Answer a failure with 4.01
 * (`signature_mismatch`, `unknown_device`) or 4.00 (the rest).
 *
 * @example
 * const r = verifyCoapAuthRequest(request.payload, 'json', lookup);
 * if (r.ok) respond(2.05, coapAuthReply({ token, random, seqOffset: 1 }));
 */
export function verifyCoapAuthRequest(
  payload: Uint8Array,
  format: CoapBodyFormat,
  deviceSecret: (productKey: string, deviceName: string) => string | undefined,
  options?: VerifyOptions,
): CoapAuthVerification {
  let body: Readonly<Record<string, unknown>>;
  try {
    body = decodeBody(payload, format);
  } catch (e) {
    if (e instanceof SignError) return fail('malformed', e.message);
    throw e;
  }
  const r = verifyDeviceFields(body, deviceSecret, options);
  if (!r.ok) return r;
  const seq = r.fields['seq'];
  if (seq !== undefined && !/^\d{1,10}$/.test(seq)) return fail('malformed', 'seq must be decimal digits');
  const ackText = r.fields['ackMode'];
  if (ackText !== undefined && ackText !== '0' && ackText !== '1') return fail('malformed', 'ackMode must be 0 or 1');
  return { ...r, ...(seq === undefined ? {} : { seq }), ...(ackText === undefined ? {} : { ackMode: ackText === '1' ? 1 : 0 }) };
}

export interface CoapAuthReply {
  readonly token: string;
  /** Symmetric mode: the text the AES key is derived from. */
  readonly random?: string;
  /** Symmetric mode: sequence numbers must exceed it. */
  readonly seqOffset?: number;
}

/**
 * The platform's 2.05 payload: `{"token":…}` (DTLS) or `{"random":…,"seqOffset":…,"token":…}`
 * (symmetric mode), in the seed's key order.
 */
export function coapAuthReply(reply: CoapAuthReply, format: CoapBodyFormat = 'json'): Uint8Array {
  requireArgument(reply, 'reply');
  const body: Record<string, FlatValue | undefined> = { random: reply.random, seqOffset: reply.seqOffset, token: reply.token };
  return format === 'cbor' ? encodeFlatCbor(body) : utf8Encode(replyJson(body));
}

/**
 * Reads the auth reply payload; a body without a token, or with a non-integer seqOffset, is a
 * `malformed_reply` SignError.
 *
 * @example
 * parseCoapAuthReply(bytesOf('{"random":"ad2b3a5eb51d64f7","seqOffset":1,"token":"MZ8m…"}'), 'json')
 * // { token: 'MZ8m…', random: 'ad2b3a5eb51d64f7', seqOffset: 1 }
 */
export function parseCoapAuthReply(payload: Uint8Array, format: CoapBodyFormat = 'json'): CoapAuthReply {
  let body: Readonly<Record<string, unknown>>;
  try {
    body = decodeBody(payload, format);
  } catch (e) {
    throw new SignError('malformed_reply', (e as Error).message, 'reply', (e as SignError).offset);
  }
  const { token, random, seqOffset } = body;
  if (typeof token !== 'string' || token === '') throw new SignError('malformed_reply', 'reply lacks token', 'token');
  if (random !== undefined && typeof random !== 'string') throw new SignError('malformed_reply', 'random must be text', 'random');
  if (seqOffset !== undefined && (typeof seqOffset !== 'number' || !Number.isSafeInteger(seqOffset) || seqOffset < 0)) {
    throw new SignError('malformed_reply', 'seqOffset must be a non-negative integer', 'seqOffset');
  }
  return { token, ...(random === undefined ? {} : { random }), ...(seqOffset === undefined ? {} : { seqOffset }) };
}
