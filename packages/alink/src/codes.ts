/**
 * The code catalogue, also its own entry (`@linkwire/alink/codes`): what each result and error
 * code of the seeds means. A browser device client imports it with the first error reply, and
 * without the topic catalogue that the main entry would bring along.
 * @module
 */
import { describe, enumOption, OptionError } from '@linkwire/base';

/**
 * Result and error codes of the seeds, so that a reply can be explained to a human. The same
 * number means different things in different places (400 is "request error" in an Alink reply
 * and "Incorrect JSON file" in a shadow reply), so every code belongs to a scope.
 */

/** Where a code comes from. */
export type CodeScope =
  /** Alink replies between device and platform (seed §9.12 and the per-topic tables of §9). */
  | 'alink'
  /** Sub-device login, logout and messaging errors pushed to the gateway (seed §6, §9.2–9.4). */
  | 'subdevice'
  /** Device shadow replies (seed §7, Table 7-3). */
  | 'shadow'
  /** HTTPS device authentication and publishing (seed §3.4, Tables 3-9 and 3-11). */
  | 'https'
  /** CoAP response codes of /auth and /topic (seed §3.3, Table 3-3). */
  | 'coap'
  /** EnOS MQTT replies (PROTOCOL-NOTES.md, EnOS). */
  | 'enos'
  /** EnOS REST invokeService (enos-rest-invoke-service.txt). */
  | 'enos-rest';

export interface CodeInfo {
  readonly scope: CodeScope;
  /** The code as the peer writes it: a number, or `"4.01"` for CoAP. */
  readonly code: number | string;
  readonly message: string;
  readonly description: string;
}

type Row = readonly [code: number | string, message: string, description: string];

const G = 'aliyun-iot-platform-device-guide.txt';

const TABLES: Readonly<Record<CodeScope, readonly Row[]>> = {
  alink: [
    [200, 'success', 'The request is successful.'],
    [400, 'request error', 'Internal service error.'],
    [460, 'request parameter error', 'The request parameters are invalid.'],
    [429, 'too many requests', 'The system is busy: the device or platform is too busy to process the request.'],
    [401, 'request auth error', 'Signature verification has failed.'],
    [6100, 'device not found', 'The device does not exist.'],
    [6106, 'map size must less than 200', 'Up to 200 properties can be reported at a time.'],
    [6250, 'product not found', 'The product of the sub-device does not exist.'],
    [6280, 'devicename not meet specs', 'Device names are 4-32 letters, digits, -, _, @, . or :.'],
    [6313, 'tsl service not available', 'The TSL verification service is not available.'],
    [6321, 'tsl: device not exist in product', 'The device does not exist.'],
    [6402, 'topo relation cannot add by self', 'A device cannot be added to itself as a sub-device.'],
    [6710, 'no data', 'No configuration has been set.'],
    [6713, 'thing config function is not available', 'Remote configuration is disabled for the product.'],
  ],
  subdevice: [
    [460, 'request parameter error', 'Invalid parameter format, for example invalid JSON or invalid authentication parameters.'],
    [429, 'too many requests', 'Authentication throttled: the sub-device came online more than five times in one minute.'],
    [428, 'too many subdevices under gateway', 'The gateway has reached its maximum number of sub-devices.'],
    [6401, 'topo relation not exist', 'No topological relationship exists between the sub-device and the gateway.'],
    [6100, 'device not found', 'The specified sub-device does not exist.'],
    [521, 'device deleted', 'The sub-device has been deleted.'],
    [522, 'device forbidden', 'The sub-device has been disabled.'],
    [6287, 'invalid sign', 'Authentication failed: invalid username or password (signature).'],
    [500, 'server error', 'An exception occurred on IoT Platform.'],
    [520, 'device no session', 'The sub-device session does not exist, or was not established through this gateway.'],
    [427, 'device connect in elsewhere', 'Another connection with the same device certificate forced this session offline.'],
  ],
  shadow: [
    [400, 'Incorrect JSON file.', 'The shadow document is not valid JSON.'],
    [401, 'The method field is not found.', 'The shadow request has no method.'],
    [402, 'the state field is not found.', 'The shadow request has no state.'],
    [403, 'Invalid version field.', 'The version is not a valid number.'],
    [404, 'The reported field is not found.', 'The state has no reported member.'],
    [405, 'The reported field is empty.', 'The reported member is empty.'],
    [406, 'Invalid method field.', 'The method is not one the shadow accepts.'],
    [407, 'The JSON file is empty.', 'The shadow document is empty.'],
    [408, 'The reported field contains more than 128 attributes.', 'At most 128 reported attributes.'],
    [409, 'Version conflict.', 'The version is not later than the shadow\'s current version.'],
    [500, 'Server exception.', 'An exception occurred on IoT Platform.'],
  ],
  https: [
    [0, 'success', 'The request is successful.'],
    [10000, 'common error', 'Unknown error.'],
    [10001, 'param error', 'A parameter exception occurred during the request.'],
    [20000, 'auth check error', 'An error occurred while authenticating the device.'],
    [20001, 'token is expired', 'The token is invalid: authenticate again to obtain a new token.'],
    [20002, 'token is null', 'The request header contains no token.'],
    [20003, 'check token error', 'The token does not identify a device: authenticate again.'],
    [20004, 'update session error', 'An error occurred while updating the session.'],
    [30001, 'publish message error', 'An error occurred while publishing data.'],
    [40000, 'request too many', 'Too many requests: throttled.'],
  ],
  coap: [
    ['2.05', 'Content', 'The request is successful; /auth carries the token in the payload.'],
    ['4.00', 'Bad Request', 'The payload in the request is invalid.'],
    ['4.01', 'Unauthorized', 'The request is unauthorized.'],
    ['4.03', 'Forbidden', 'The request is forbidden.'],
    ['4.04', 'Not Found', 'The requested path does not exist.'],
    ['4.05', 'Method Not Allowed', 'The request method is not allowed.'],
    ['4.06', 'Not Acceptable', 'The Accept option is not a supported format.'],
    ['4.15', 'Unsupported Content-Format', 'The Content-Format option is not a supported format.'],
    ['5.00', 'Internal Server Error', 'The authentication request timed out or the authentication server failed.'],
  ],
  enos: [
    [200, 'success', 'The request is successful.'],
    [702, 'deviceKey exists', 'A device with this deviceKey already exists.'],
    [705, 'device not exist', 'The device does not exist.'],
    [723, 'device disabled', 'The device is disabled.'],
    [740, 'not a sub-device of this gateway', 'The device is not a sub-device of this gateway.'],
    [742, 'sign check failed', 'The signature does not match.'],
    [746, 'must log in over TLS', 'The device must log in over TLS.'],
    [770, 'dynamic activation not allowed', 'Dynamic activation is not allowed for this device.'],
    [1008, 'message too large', 'The payload exceeds the 512 KB limit.'],
    [1204, 'model validation failed', 'The payload does not match the thing model.'],
    [1220, 'payload format error', 'The payload is not in the expected format.'],
    [1251, 'payload empty', 'The payload is empty.'],
    [1260, 'method and topic mismatch', 'The method in the payload does not belong to the topic it was published on.'],
  ],
  'enos-rest': [
    [0, 'Success', 'The request is successful.'],
    [11810, 'encoding failed', 'The command cannot be converted to the product\'s custom data format.'],
    [11888, 'device not activated', 'The device is not activated: the instant command cannot be sent.'],
    [11900, 'device offline', 'The device is offline: the instant command cannot be sent.'],
    [11902, 'cache full', 'The number of cached commands reached the upper limit.'],
    [11904, 'instant command timeout', 'The command was not sent: the instant command timed out.'],
    [11915, 'response timeout', 'The command was sent, but the response timed out.'],
  ],
};

const SCOPES = Object.keys(TABLES) as CodeScope[];

const INDEX = new Map<string, CodeInfo>();
for (const [scope, rows] of Object.entries(TABLES) as [CodeScope, readonly Row[]][]) {
  for (const [code, message, description] of rows) INDEX.set(`${scope}:${code}`, Object.freeze({ scope, code, message, description }));
}

/** Where each table comes from, for documentation and error messages. */
export const CODE_SOURCES: Readonly<Record<CodeScope, string>> = {
  alink: `${G} §9.2-§9.12`,
  subdevice: `${G} §6, §9.4`,
  shadow: `${G} §7.2 Table 7-3`,
  https: `${G} §3.4 Tables 3-9, 3-11`,
  coap: `${G} §3.3 Table 3-3`,
  enos: 'PROTOCOL-NOTES.md, EnOS codes',
  'enos-rest': 'enos-rest-invoke-service.txt',
};

/**
 * Looks a code up in its scope. Alink codes 100000-110000 are device-specific (seed §9.12)
 * and EnOS codes of 2000 and above are the device's own (PROTOCOL-NOTES): both are described as such.
 *
 * @example
 * codeInfo(6287, 'subdevice')?.message // 'invalid sign'
 */
export function codeInfo(code: number | string, scope: CodeScope = 'alink'): CodeInfo | undefined {
  enumOption('scope', scope, SCOPES);
  if (typeof code !== 'number' && typeof code !== 'string') return undefined;
  const hit = INDEX.get(`${scope}:${code}`);
  if (hit !== undefined) return hit;
  const n = typeof code === 'number' ? code : NaN;
  if (scope === 'alink' && Number.isInteger(n) && n >= 100000 && n <= 110000) {
    return { scope, code, message: 'device-specific error', description: 'Devices use 100000-110000 for their own error messages.' };
  }
  if (scope === 'enos' && Number.isInteger(n) && n >= 2000) {
    return { scope, code, message: 'user-defined error', description: 'Devices answer cloud commands with their own codes of 2000 and above.' };
  }
  return undefined;
}

/**
 * A one-line explanation of a reply's code for logs and humans.
 *
 * @example
 * explainCode(460) // '460 request parameter error: The request parameters are invalid.'
 */
export function explainCode(code: number | string, scope: CodeScope = 'alink', message?: string): string {
  const info = codeInfo(code, scope);
  if (typeof message !== 'string') message = message === undefined ? undefined : describe(message);
  if (info === undefined) return `${typeof code === 'string' ? code : describe(code)} ${message ?? 'unknown code'}`;
  return `${code} ${info.message}: ${info.description}${message !== undefined && message !== info.message ? ` (${message})` : ''}`;
}

/** Every code of a scope, in the order the source lists them. */
export function codesOf(scope: CodeScope): CodeInfo[] {
  if (!SCOPES.includes(scope)) throw new OptionError('scope', `one of ${SCOPES.join(', ')}`, scope);
  return TABLES[scope].map(([code]) => INDEX.get(`${scope}:${code}`)!);
}
