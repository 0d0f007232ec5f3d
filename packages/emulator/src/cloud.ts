import { decodeJson, type AlinkJson } from '@linkwire/alink';
import { isRecord } from '@linkwire/base';
import type { TslIssue } from '@linkwire/tsl';

/** What a command the platform sent to a device came to. */
export type CloudResult<T = AlinkJson> =
  | { readonly status: 'replied'; readonly code: number; readonly data: T; readonly message?: string; readonly id: string }
  | { readonly status: 'timeout'; readonly id: string }
  | { readonly status: 'offline' }
  /** Refused before sending: the params do not fit the product's TSL model (seed §9.1, 460 with the paths). */
  | { readonly status: 'rejected'; readonly code: number; readonly message: string; readonly issues: readonly TslIssue[] };

/** What a raw command (RRPC on `/ext/rrpc`, `down_raw`) came to. */
export type CloudRawResult =
  | { readonly status: 'replied'; readonly payload: Uint8Array; readonly id: string }
  | { readonly status: 'timeout'; readonly id: string }
  | { readonly status: 'offline' };

export interface CallOptions {
  /** How long to wait for the device's reply. Default 5000 ms (the platform's sync call default). */
  readonly timeoutMs?: number;
}

interface Pending {
  readonly settle: (payload: Uint8Array) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Commands the platform sends and the replies that settle them, correlated by (reply topic,
 * id), never by id alone, and bounded: each waits at most its timeout.
 */
export interface PendingCommands {
  nextId(): string;
  /** Waits for a reply on `replyTopic` with `id`; `send` publishes the command and says whether the device is reachable. */
  alink(replyTopic: string, id: string, send: () => boolean, options?: CallOptions): Promise<CloudResult>;
  raw(replyTopic: string, id: string, send: () => boolean, options?: CallOptions): Promise<CloudRawResult>;
  /** A device's message on `topic`: settles the command it answers, if any. Returns whether it did. */
  settle(topic: string, id: string | undefined, payload: Uint8Array): boolean;
  /** Whether a raw reply is expected on this topic (RRPC answers carry no id in their payload). */
  expectsRaw(topic: string): boolean;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5000;

export function createPendingCommands(): PendingCommands {
  const pending = new Map<string, Pending>();
  const rawByTopic = new Map<string, string>();
  let counter = 0;
  const keyOf = (topic: string, id: string): string => `${topic}\n${id}`;

  const wait = <T>(replyTopic: string, id: string, send: () => boolean, options: CallOptions | undefined, read: (p: Uint8Array) => T, timeout: T): Promise<T | { status: 'offline' }> =>
    new Promise((resolve) => {
      const key = keyOf(replyTopic, id);
      const timer = setTimeout(() => {
        pending.delete(key);
        if (rawByTopic.get(replyTopic) === id) rawByTopic.delete(replyTopic);
        resolve(timeout);
      }, options?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      pending.set(key, {
        timer,
        settle: (p) => {
          clearTimeout(timer);
          resolve(read(p));
        },
      });
      if (!send()) {
        clearTimeout(timer);
        pending.delete(key);
        resolve({ status: 'offline' });
      }
    });

  return {
    nextId: () => String((counter = counter >= 4294967295 ? 1 : counter + 1)),
    alink: (replyTopic, id, send, options) =>
      wait<CloudResult>(replyTopic, id, send, options, (p) => readReply(p, id), { status: 'timeout', id }),
    raw(replyTopic, id, send, options) {
      rawByTopic.set(replyTopic, id);
      return wait<CloudRawResult>(replyTopic, id, send, options, (p) => ({ status: 'replied', payload: p.slice(), id }), { status: 'timeout', id });
    },
    settle(topic, id, payload) {
      const rawId = rawByTopic.get(topic);
      const effective = id ?? rawId;
      if (effective === undefined) return false;
      const key = keyOf(topic, effective);
      const p = pending.get(key);
      if (p === undefined) return false;
      pending.delete(key);
      if (rawId === effective) rawByTopic.delete(topic);
      p.settle(payload);
      return true;
    },
    expectsRaw: (topic) => rawByTopic.has(topic),
    close() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
    },
  };
}

function readReply(payload: Uint8Array, id: string): CloudResult {
  try {
    const v = decodeJson(payload, { maxBytes: 256 * 1024, maxDepth: 32 });
    if (isRecord(v) && typeof v['code'] === 'number') {
      const message = typeof v['message'] === 'string' ? v['message'] : undefined;
      return { status: 'replied', code: v['code'], data: (v['data'] ?? {}) as AlinkJson, id, ...(message === undefined ? {} : { message }) };
    }
  } catch {
    // fall through: a reply that is not an Alink reply is reported as such
  }
  return { status: 'replied', code: 460, data: {}, message: 'the device replied with a malformed reply', id };
}
