import { expect } from 'vitest';
import { SignError } from '@linkwire/sign';

/** Runs `f`; anything thrown must be a SignError (the package's only error type). */
export function onlySignError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SignError);
  }
}

/** The field a builder names when it refuses an input. */
export function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SignError);
    return (e as SignError).field;
  }
  return undefined;
}
