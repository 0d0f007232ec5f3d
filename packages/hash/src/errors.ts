import { LinkwireError } from '@linkwire/base';

/**
 * Every failure of this package. Callers branch on `code`:
 * - `invalid_input`: data or key is neither a string nor a Uint8Array
 * - `unknown_algorithm`: not one of `md5`, `sha1`, `sha256`
 * - `finished`: `update`, `digest` or `snapshot` after `digest`
 * - `invalid_snapshot`: snapshot bytes that are truncated, corrupt or from another format version
 * - `snapshot_unsupported`: `snapshot()` on a hasher running on a native backend
 * - `backend_unavailable`: a backend was forced that this runtime does not have
 * - `invalid_backend`: `registerNativeHash` got something that is not a backend
 */
export class HashError extends LinkwireError {}
