import { LinkwireError } from '@linkwire/base';

/**
 * Everything the device client rejects or reports: a request's reply carried an error code
 * (`reply_error`, with `replyCode`), no reply came (`reply_timeout`), the connection dropped
 * while a reply was awaited (`disconnected`), the client ended (`closed`), or the platform sent
 * something the client could not use (`invalid_message`, `unknown_command`, …).
 */
export class DeviceError extends LinkwireError {
  /** The reply's code, for `reply_error`; the platform's meaning is in the message. */
  readonly replyCode: number | undefined;
  /** The topic the trouble is about, when there is one. */
  readonly topic: string | undefined;

  constructor(code: string, message: string, details?: { readonly replyCode?: number; readonly topic?: string }) {
    super(code, message);
    this.replyCode = details?.replyCode;
    this.topic = details?.topic;
  }
}

/** How the seed explains a reply code (alink's `explainCode`, loaded with the first error reply). */
export type ExplainCode = (code: number, scope: 'alink', message?: string) => string;

/** A reply whose code is not 200: the code, and the seed's meaning of it when `explain` is given. */
export function replyError(topic: string, code: number, message: string | undefined, explain?: ExplainCode): DeviceError {
  const text = explain === undefined ? `${code} ${message ?? 'error'}` : explain(code, 'alink', message);
  return new DeviceError('reply_error', `${topic}: ${text}`, { replyCode: code, topic });
}

/**
 * What a command handler throws to answer with an error code instead of 200: the reply carries
 * `code`, `message` and, when given, `data`. Any other exception is answered with 500.
 *
 * @example
 * device.onService('reboot', () => { throw new CommandError(100001, 'busy updating') });
 */
export class CommandError extends DeviceError {
  readonly data: unknown;
  constructor(replyCode: number, message: string, data?: unknown) {
    super('command_failed', message, { replyCode });
    this.data = data;
  }
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new DeviceError('error', String(e));
}
