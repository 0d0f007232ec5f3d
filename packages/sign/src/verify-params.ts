import { SignError } from './errors.ts';
import { signMethodAlgorithm } from './methods.ts';
import { hmacWith, signContent, type SignableParams } from './params.ts';
import { STAND_IN_SECRET, checkMethod, checkSignature, checkTimestamp, fail, fieldText, type VerifyOptions, type VerifyResult } from './verify.ts';

/**
 * The generic platform side of {@link signParams}: recomputes the sign of `params` under
 * `method` and compares it with `sign` in constant time, case-insensitively. The timestamp
 * window applies to `params.timestamp` when `options.now` is given.
 *
 * @example
 * verifyParams({ clientId: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' },
 *   'FAFD82A3D602B37FB0FA8B7892F24A477F851A14', 'secret', 'hmacsha1').ok // true
 */
export function verifyParams(
  params: SignableParams,
  sign: string,
  secret: string,
  method: string,
  options?: VerifyOptions & { readonly exclude?: readonly string[] },
): VerifyResult {
  const algorithm = checkMethod(method, options, signMethodAlgorithm);
  if (typeof algorithm !== 'string') return algorithm;
  if (typeof params !== 'object' || params === null) return fail('malformed', 'the parameters are not an object');
  const ts = params['timestamp'];
  const late = checkTimestamp(ts === undefined ? undefined : fieldText(ts) ?? ts, options);
  if (late !== undefined) return late;
  const known = typeof secret === 'string' && secret !== '';
  let content: string;
  try {
    content = signContent(params, options?.exclude);
  } catch (e) {
    // A parameter value with no text form (an object, a symbol): the request is malformed.
    if (e instanceof SignError && e.code === 'invalid_field') return fail('malformed', e.message);
    throw e;
  }
  // Without a secret the sign is computed and compared anyway (STAND_IN_SECRET): timing does not tell.
  const mismatch = checkSignature(hmacWith(known ? secret : STAND_IN_SECRET, algorithm, content), sign);
  if (!known) return fail('unknown_device', 'no secret');
  return mismatch ?? { ok: true };
}
