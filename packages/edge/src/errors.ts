import { LinkwireError } from '@linkwire/base';

/**
 * Every error @linkwire/edge throws or rejects with. `code` is stable: the driver SDK's seed
 * constants (`ERROR_CONNECT`, `ERROR_GET_TSL`, …) for the calls the seed names them for, and
 * lower-case codes for the rest (`invalid_config`, `reply_timeout`, `watch_truncated`, …).
 */
export class EdgeError extends LinkwireError {}

/**
 * The Edge HTTP API's status codes (edge developer guide §3.2), with the response message the
 * seed gives each. A gateway answers with one of these; a client reports any other as it is.
 */
export const EDGE_STATUS = {
  200: 'Success',
  201: 'Created',
  302: 'Move temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  421: 'Too Many Connections',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
} as const;

export type EdgeStatus = keyof typeof EDGE_STATUS;

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  421: 'too_many_connections',
  500: 'internal_error',
  503: 'service_unavailable',
};

/**
 * A refusal from the Edge HTTP API: `status` is the HTTP status (§3.2), `code` its stable name
 * (`unauthorized` for 401, `too_many_connections` for 421, …; `http_{status}` for a status the
 * seed does not list), `message` the `Message` of the error body when there was one.
 * InvokeFunction errors also carry `errorType` (`Handled` / `Unhandled`, the `X-Fc-Error-Type`
 * header) and the function's `stackTrace`.
 */
export class EdgeHttpError extends EdgeError {
  readonly status: number;
  readonly errorType: 'Handled' | 'Unhandled' | undefined;
  readonly stackTrace: readonly string[] | undefined;
  constructor(status: number, message: string, extra?: { errorType?: 'Handled' | 'Unhandled'; stackTrace?: readonly string[] }) {
    super(STATUS_CODES[status] ?? `http_${status}`, message);
    this.status = status;
    this.errorType = extra?.errorType;
    this.stackTrace = extra?.stackTrace;
  }
}
