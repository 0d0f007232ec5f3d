import { LinkwireError } from '@linkwire/base';

const MESSAGES = {
  400: 'Incorrect JSON file.',
  401: 'The method field is not found.',
  402: 'the state field is not found.',
  403: 'Invalid version field.',
  404: 'The reported field is not found.',
  405: 'The reported field is empty.',
  406: 'Invalid method field.',
  407: 'The JSON file is empty.',
  408: 'The reported field contains more than 128 attributes.',
  409: 'Version conflict.',
  500: 'Server exception.',
} as const;

/**
 * The error codes of a shadow reply, exactly as aliyun-iot-platform-device-guide.txt §7.2
 * Table 7-3 lists them (`errorcode` → `errormessage`, wording and punctuation included).
 *
 * @example
 * ```ts
 * SHADOW_ERROR_MESSAGES[409]; // 'Version conflict.'
 * ```
 */
export const SHADOW_ERROR_MESSAGES: typeof MESSAGES = Object.freeze(MESSAGES);

/** One of the numeric codes of Table 7-3. */
export type ShadowErrorCode = keyof typeof SHADOW_ERROR_MESSAGES;

/** The stable `code` string of a {@link ShadowError}, one per row of Table 7-3 plus the local ones. */
export type ShadowErrorName =
  | 'incorrect_json'
  | 'method_missing'
  | 'state_missing'
  | 'invalid_version'
  | 'reported_missing'
  | 'reported_empty'
  | 'invalid_method'
  | 'empty_json'
  | 'too_many_attributes'
  | 'version_conflict'
  | 'server_exception'
  | 'invalid_identifier'
  | 'invalid_message'
  | 'invalid_document';

const names: Record<ShadowErrorCode, ShadowErrorName> = {
  400: 'incorrect_json',
  401: 'method_missing',
  402: 'state_missing',
  403: 'invalid_version',
  404: 'reported_missing',
  405: 'reported_empty',
  406: 'invalid_method',
  407: 'empty_json',
  408: 'too_many_attributes',
  409: 'version_conflict',
  500: 'server_exception',
};

/**
 * Everything this package throws. Request errors carry `errorcode`, the Table 7-3 number the
 * cloud answers with; the local codes (`invalid_identifier`, `invalid_message`,
 * `invalid_document`) have none.
 *
 * @example
 * ```ts
 * try {
 *   parseShadowRequest('{"method":"update","state":{"reported":{}},"version":1}');
 * } catch (e) {
 *   if (e instanceof ShadowError) e.errorcode; // 405
 * }
 * ```
 */
export class ShadowError extends LinkwireError {
  readonly errorcode: ShadowErrorCode | undefined;

  constructor(code: ShadowErrorName, message: string, errorcode?: ShadowErrorCode) {
    super(code, message);
    this.errorcode = errorcode;
  }
}

/** A request error: `detail` says what exactly was wrong, `errormessage` stays the seed's. */
export function requestError(errorcode: ShadowErrorCode, detail: string): ShadowError {
  return new ShadowError(names[errorcode], `${SHADOW_ERROR_MESSAGES[errorcode]} (${detail})`, errorcode);
}
