import { enumOption, integerOption, OptionError, optionsRecord, requiredOption, stringOption } from '@linkwire/base';
import { aliyunAuthRequest, aliyunPublisher, checkPublishTopic, parseAliyunAuthResponse, type AliyunAuthOptions, type AliyunPublisher } from './aliyun.ts';
import { CoapCode } from './codes.ts';
import type { CoapEndpoint, CoapResult } from './endpoint.ts';
import { CoapError } from './errors.ts';

export interface AliyunCoapClientOptions {
  readonly endpoint: CoapEndpoint;
  /** The platform's peer key, as the adapter names it. Default ''. */
  readonly peer?: string;
  /** `dtls` (port 5684) or `aes` (port 5682, needs `auth.seq`). */
  readonly mode: 'dtls' | 'aes';
  readonly auth: AliyunAuthOptions;
  /** Publishes waiting for authentication, at most. Default 16. */
  readonly maxQueued?: number;
}

/** How a publish ended. */
export type AliyunPublishOutcome =
  | { readonly ok: true; readonly code: number; readonly messageId: string | undefined; readonly payload: Uint8Array }
  | {
    readonly ok: false;
    readonly error: 'auth_refused' | 'refused' | 'invalid_response' | 'queue_full' | 'timeout' | 'reset' | 'cancelled' | 'closed';
    /** The response code, when there was a response. */
    readonly code?: number;
  };

/** A device's CoAP session with the platform: authenticates on demand, publishes, re-authenticates once on 4.01. */
export interface AliyunCoapClient {
  /** Publishes `payload` to `topic` (`/{pk}/{dn}/…`), authenticating first if needed. */
  publish(topic: string, payload: Uint8Array | string, onResult: (outcome: AliyunPublishOutcome) => void): void;
  /** The current token, if authenticated. */
  readonly token: string | undefined;
  /** Forgets the session; the next publish authenticates again. */
  reset(): void;
}

interface Pending {
  readonly topic: string;
  readonly payload: Uint8Array | string;
  readonly onResult: (outcome: AliyunPublishOutcome) => void;
  retried: boolean;
}

/**
 * The device side of seed §3.3 on top of an endpoint: the first publish triggers `/auth`,
 * publishes wait (bounded) until it answers, and a publish refused with 4.01 (token lost or
 * expired, as the seed warns) re-authenticates and is retried once.
 *
 * @example
 * const client = createAliyunCoapClient({ endpoint: ep, mode: 'aes', auth: { productKey, deviceName, deviceSecret, seq: 1 } });
 * client.publish(`/${productKey}/${deviceName}/pub`, '{"temp":21.5}', (o) => console.log(o));
 */
export function createAliyunCoapClient(options: AliyunCoapClientOptions): AliyunCoapClient {
  const o = optionsRecord('options', options ?? null);
  const endpoint = o['endpoint'] as CoapEndpoint;
  if (typeof endpoint !== 'object' || endpoint === null || typeof endpoint.request !== 'function') throw new OptionError('endpoint', 'a CoapEndpoint', endpoint);
  const mode = enumOption('mode', requiredOption('mode', o['mode']), ['dtls', 'aes'] as const);
  const auth = optionsRecord('auth', requiredOption('auth', o['auth'])) as unknown as AliyunAuthOptions;
  const peer = stringOption('peer', o['peer'], '');
  const maxQueued = integerOption('maxQueued', o['maxQueued'], 16, 0);
  if (mode === 'aes' && auth.seq === undefined) throw new CoapError('invalid_argument', 'symmetric (aes) mode needs auth.seq');
  // Validate the identity now rather than at the first publish.
  const authRequest = { ...aliyunAuthRequest(auth), peer };
  let publisher: AliyunPublisher | undefined;
  let authenticating = false;
  const queue: Pending[] = [];

  const failAll = (outcome: AliyunPublishOutcome): void => {
    for (const p of queue.splice(0)) p.onResult(outcome);
  };

  const authenticate = (): void => {
    authenticating = true;
    const done = (r: CoapResult): void => {
      authenticating = false;
      if (!r.ok) return failAll({ ok: false, error: r.error });
      const a = parseAliyunAuthResponse(r.response);
      if (!a.ok) return failAll({ ok: false, error: a.reason === 'refused' ? 'auth_refused' : 'invalid_response', code: a.code });
      if (mode === 'aes' && (a.random === undefined || a.seqOffset === undefined)) return failAll({ ok: false, error: 'invalid_response', code: r.response.code });
      publisher = aliyunPublisher({
        token: a.token, format: auth.format, accept: auth.accept,
        ...(mode === 'aes' ? { aes: { deviceSecret: auth.deviceSecret, random: a.random!, seqOffset: a.seqOffset! } } : {}),
      });
      pump();
    };
    try {
      endpoint.request(authRequest, done);
    } catch (e) {
      authenticating = false;
      failAll({ ok: false, error: e instanceof CoapError && e.code === 'too_many_requests' ? 'queue_full' : 'closed' });
    }
  };

  const send = (p: Pending, pub: AliyunPublisher): void => {
    const onResult = (r: CoapResult): void => {
      if (!r.ok) return p.onResult({ ok: false, error: r.error });
      if (r.response.code === CoapCode.Unauthorized && !p.retried) {
        if (publisher === pub) publisher = undefined;
        p.retried = true;
        queue.unshift(p);
        return pump();
      }
      let read: ReturnType<AliyunPublisher['readPublishResponse']>;
      try {
        read = pub.readPublishResponse(r.response);
      } catch {
        return p.onResult({ ok: false, error: 'invalid_response', code: r.response.code });
      }
      if (!read.ok) return p.onResult({ ok: false, error: 'refused', code: read.code });
      p.onResult({ ok: true, code: read.code, messageId: read.messageId, payload: read.payload });
    };
    try {
      endpoint.request({ ...pub.publishRequest(p.topic, p.payload), peer }, onResult);
    } catch (e) {
      p.onResult({ ok: false, error: e instanceof CoapError && e.code === 'too_many_requests' ? 'queue_full' : 'closed' });
    }
  };

  const pump = (): void => {
    if (publisher === undefined) {
      if (!authenticating && queue.length > 0) authenticate();
      return;
    }
    const pub = publisher;
    for (const p of queue.splice(0)) send(p, pub);
  };

  return {
    publish(topic, payload, onResult) {
      // A malformed topic throws here, before anything is queued.
      checkPublishTopic(topic);
      if (queue.length >= maxQueued) return onResult({ ok: false, error: 'queue_full' });
      queue.push({ topic, payload, onResult, retried: false });
      pump();
    },
    get token() {
      return publisher?.token;
    },
    reset() {
      publisher = undefined;
    },
  };
}
