/**
 * The base of every typed error linkwire throws. Callers branch on `code`, a stable string;
 * byte decoders also set `offset`, the position in the input where decoding failed.
 */
export class LinkwireError extends Error {
  readonly code: string;
  readonly offset: number | undefined;

  constructor(code: string, message: string, offset?: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.offset = offset;
  }
}

/** A failed validation is data: a path into the value, a stable code and a human message. */
export interface Issue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}
