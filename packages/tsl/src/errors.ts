import { booleanOption, describe, enumOption, LinkwireError, optionsRecord, type Issue } from '@linkwire/base';

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

/**
 * Runs a function that reads a model (compiling it, writing it as a document or a schema) and
 * turns any failure to read it into `TslError('invalid_model')`. A model is a typed value, but
 * it reaches these functions from storage and plain JavaScript too, and walking one of the
 * wrong shape (a missing list, a number where a data type belongs, a cycle) would otherwise
 * end in a TypeError or a RangeError. Compile-time only: validators never run under it.
 */
export function readingModel<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof LinkwireError) throw e;
    throw new TslError('invalid_model', `${what}: not a TSL model of the documented shape (${describe(e instanceof Error ? e.message : e)})`);
  }
}

/** Checks validation options once, at compile time (`OptionError` for a wrong value). */
export function checkValidateOptions(options: unknown): void {
  const o = optionsRecord('options', options);
  enumOption('policy', o['policy'], ['strict', 'platform'] as const, 'strict');
  booleanOption('coerce', o['coerce'], false);
  enumOption('dialect', o['dialect'], ['alink', 'enos'] as const, 'alink');
}
