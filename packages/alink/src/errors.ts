import { LinkwireError } from '@linkwire/base';

/** A topic or message that is not valid Alink: `code` says why. */
export class AlinkError extends LinkwireError {}
