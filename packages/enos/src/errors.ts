import { LinkwireError } from '@linkwire/base';

/**
 * Every error the EnOS clients throw or reject with. `code` is stable: `invalid_option`
 * (options, arguments, params that cannot be JSON), `invalid_argument`, `invalid_request`,
 * `not_connected`, `connect_timeout`, `reply_timeout`, `too_many_pending`, `closed`,
 * `publish_failed`, `subscribe_refused`, `activation_failed`, `store_failed`, `relogin_failed`,
 * `invalid_reply`, `unexpected_reply`, `invalid_command`, `handler_failed`, `already_answered`,
 * `model_invalid`, `ota_failed`, `ota_refused`. A refused CONNECT rejects `connect()` with
 * @linkwire/mqtt's `connect_refused` (its `returnCode` is the CONNACK code). A platform reply
 * with a code other than 200 is not an error (it resolves, as the seed's `UpstreamResponse`).
 */
export class EnosError extends LinkwireError {}

/**
 * A REST call the API gateway refused or answered with a code other than 0: `enosCode` is the
 * seed's code (11900 device offline, 11904, 11915 timeouts, 11902, 11810, 11888) or the
 * gateway's; `meaning` is the seed's description of it.
 */
export class EnosRestError extends LinkwireError {
  readonly enosCode: number | undefined;
  readonly meaning: string | undefined;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, details: { enosCode?: number; meaning?: string; httpStatus?: number; requestId?: string } = {}) {
    super(code, message);
    this.enosCode = details.enosCode;
    this.meaning = details.meaning;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
  }
}
