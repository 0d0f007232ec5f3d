import { LinkwireError } from '@linkwire/base';

/** A credential could not be built: `field` names the input at fault. */
export class SignError extends LinkwireError {
  readonly field: string | undefined;

  constructor(code: string, message: string, field?: string) {
    super(code, message);
    this.field = field;
  }
}
