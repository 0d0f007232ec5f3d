import { LinkwireError, type Issue } from '@linkwire/base';

/**
 * A topic or message that is not valid Alink: `code` says why (`invalid_json`, `too_large`,
 * `too_deep`, `invalid_utf8`, `forbidden_key`, `duplicate_key`, `invalid_message`,
 * `invalid_reply`, `invalid_id`, `method_mismatch`, `invalid_params`, `unknown_topic`,
 * `invalid_topic_segment`, `invalid_topic`, `invalid_topic_filter`, `invalid_value`,
 * `invalid_cbor`, `tracker_full`, `duplicate_request`), `offset` where in the payload, and
 * `issues` the validation findings behind an `invalid_params`.
 */
export class AlinkError extends LinkwireError {
  readonly issues: readonly Issue[] | undefined;
  constructor(code: string, message: string, offset?: number, issues?: readonly Issue[]) {
    super(code, message, offset);
    this.issues = issues;
  }
}
