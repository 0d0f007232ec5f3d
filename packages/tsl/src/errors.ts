import { LinkwireError, type Issue } from '@linkwire/base';

/**
 * Thrown by {@link parseTsl} when its input is not a JSON document at all (`invalid_json`,
 * with `offset` where the JSON layer knows it). Everything wrong inside a well-formed document
 * is reported as issues instead, because a partly usable model is still worth compiling.
 */
export class TslError extends LinkwireError {}

/**
 * An issue with a severity. `error` makes a model or a message invalid; `warning` reports
 * something the platform tolerates (an unknown property it drops, a property-get list naming
 * a property the model lacks) without failing the validation.
 */
export interface TslIssue extends Issue {
  readonly severity: 'error' | 'warning';
}
