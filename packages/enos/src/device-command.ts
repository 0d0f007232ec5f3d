import { formatTopic, type ParsedTopic } from '@linkwire/alink';
import { describe } from '@linkwire/base';
import type { TslResult } from '@linkwire/tsl';
import { COMMAND_CODES, type DeviceClient } from './client.ts';
import { EnosError } from './errors.ts';

/** The seed's `CommandRequest`. */
export interface CommandRequest {
  readonly messageId: string;
  readonly version: string;
  readonly method: string;
  readonly params: unknown;
}

/** The seed's `CommandResponse`: `send(code, [data], [callback])` answers the platform once. */
export interface CommandResponse {
  send(code: number, data?: unknown, callback?: (err?: Error) => void): Promise<void>;
  /** True once an answer was sent. */
  readonly sent: boolean;
}

export type CommandHandler = (request: CommandRequest, response: CommandResponse) => unknown;

type Who = { readonly productKey: string; readonly deviceKey: string } | undefined;

/** Model validation of a command before its handler runs: a command the model refuses is answered with 1204. */
const MODEL_INVALID = 1204;

/**
 * The seed's `client.deviceCommand`: handlers for cloud commands to the device or, with a
 * `DeviceInfo`, to a sub-device. Every command is answered: by the handler's `response.send`,
 * with 500 when the handler throws, rejects or does not answer within `commandTimeout`, with
 * 404 when no handler is registered, 1220/1251/1260 when the payload is malformed, empty or
 * carries the wrong method, 1204 when a model is configured and the params do not match it.
 */
export class DeviceCommand {
  readonly #client: DeviceClient;

  constructor(client: DeviceClient) {
    this.#client = client;
  }

  /** Handles `thing.service.{serviceName}`: reply data is the service's output. */
  onInvokeService(serviceName: string, deviceInfoOrCallback: Who | CommandHandler, callback?: CommandHandler): Promise<void> {
    const [who, fn] = split(deviceInfoOrCallback, callback);
    if (typeof serviceName !== 'string' || serviceName === '' || serviceName.endsWith('_reply')) throw new EnosError('invalid_option', 'serviceName is required (and may not end in _reply)');
    return this.#on(formatTopic('serviceCall', { ...this.#client.idsOf(who), serviceId: serviceName }), who, fn);
  }

  /** Handles `thing.service.measurepoint.set`: params are the measure points to set. */
  onSetMeasurepoint(deviceInfoOrCallback: Who | CommandHandler, callback?: CommandHandler): Promise<void> {
    const [who, fn] = split(deviceInfoOrCallback, callback);
    return this.#on(formatTopic('measurepointSet', this.#client.idsOf(who)), who, fn);
  }

  /** Handles `thing.service.measurepoint.get` (linkwire's addition; PROTOCOL-NOTES.md): reply data is the measure points asked for. */
  onGetMeasurepoint(deviceInfoOrCallback: Who | CommandHandler, callback?: CommandHandler): Promise<void> {
    const [who, fn] = split(deviceInfoOrCallback, callback);
    return this.#on(formatTopic('measurepointGet', this.#client.idsOf(who)), who, fn);
  }

  async #on(topic: string, who: Who, fn: CommandHandler): Promise<void> {
    if (typeof fn !== 'function') throw new EnosError('invalid_option', 'a callback(request, response) is required');
    this.#client.handle(topic, fn);
    try {
      await watchCommands(this.#client, who);
    } catch (e) {
      this.#client.error(e);
    }
  }

  /** @internal Runs a handler and guarantees the platform an answer. */
  dispatch(topic: string, handler: CommandHandler, request: CommandRequest, envelope: { readonly id: string; readonly numericId?: boolean }, parsed: ParsedTopic): void {
    const client = this.#client;
    let sent = false;
    let timer: (() => void) | undefined;
    const answer = (code: number, data?: unknown, message?: string): Promise<void> => {
      if (sent) return Promise.reject(new EnosError('already_answered', `command ${request.messageId} on ${topic} was already answered`));
      sent = true;
      timer?.();
      return client.reply(topic, envelope, code, data ?? {}, message);
    };
    const refused = this.#modelCheck(parsed, request.params);
    if (refused !== undefined) {
      answer(MODEL_INVALID, {}, refused).catch(() => {});
      return;
    }
    const response: CommandResponse = {
      send(code, data, callback) {
        const p = typeof code === 'number' && Number.isInteger(code) ? answer(code, data) : Promise.reject(new EnosError('invalid_option', 'code must be an integer'));
        if (callback !== undefined) p.then(() => callback(), (e: Error) => callback(e));
        return p;
      },
      get sent() {
        return sent;
      },
    };
    const failed = (e: unknown): void => {
      client.error(new EnosError('handler_failed', `the handler of ${topic} failed: ${e instanceof Error ? e.message : describe(e)}`));
      if (!sent) answer(COMMAND_CODES.handlerFailed, {}, 'the device failed to handle the command').catch(() => {});
    };
    const unanswered = (): void => {
      if (sent) return;
      const ms = (client.options.commandTimeout ?? 10) * 1000;
      timer = client.runtime.clock.setTimer(ms, () => {
        timer = undefined;
        if (!sent) {
          client.error(new EnosError('handler_failed', `the handler of ${topic} did not answer within ${ms} ms`));
          answer(COMMAND_CODES.handlerFailed, {}, 'the device did not answer in time').catch(() => {});
        }
      });
    };
    let result: unknown;
    try {
      result = handler(request, response);
    } catch (e) {
      return failed(e);
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(unanswered, failed);
    else unanswered();
  }

  #modelCheck(parsed: ParsedTopic, params: unknown): string | undefined {
    const model = this.#client.validator({ productKey: parsed.ids['productKey']!, deviceName: parsed.ids['deviceName']! });
    if (model === undefined) return undefined;
    let r: TslResult | undefined;
    if (parsed.name === 'serviceCall') r = model.serviceCall(parsed.ids['serviceId']!, params);
    else if (parsed.name === 'measurepointSet') r = model.measurepointSet(params);
    if (r === undefined || r.ok) return undefined;
    return r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('; ');
  }
}

function split(a: Who | CommandHandler, b: CommandHandler | undefined): [Who, CommandHandler] {
  return typeof a === 'function' ? [undefined, a] : [a, b!];
}

/** Subscribes to every command topic of a device (or sub-device), so that no command goes unanswered. */
export function watchCommands(client: DeviceClient, who: Who): Promise<unknown> {
  const ids = client.idsOf(who);
  const base = `/sys/${ids.productKey}/${ids.deviceName}/thing/service`;
  return Promise.all([client.want(`${base}/+`), client.want(`${base}/measurepoint/+`)]);
}
