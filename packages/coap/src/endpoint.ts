import { functionOption, integerOption, numberOption, OptionError, optionsRecord, requiredFunction, toHex, type Clock, type Random } from '@linkwire/base';
import { CoapCode, isRequestCode, isResponseCode, type CoapType } from './codes.ts';
import { decodeCoap, peekHeader } from './decode.ts';
import { encodeCoap } from './encode.ts';
import { CoapDecodeError, CoapError } from './errors.ts';
import type { CoapMessage, CoapMessageInit } from './message.ts';
import { observeFresher, type ObserveStamp } from './observe.ts';
import { CoapOption, decodeUint, isCritical, optionDefinition } from './options.ts';

/** RFC 7252 §4.8 transmission parameters (milliseconds). */
export interface CoapTransmissionParameters {
  readonly ackTimeout: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
  readonly nstart: number;
  readonly maxLatency: number;
  readonly processingDelay: number;
}

/** The RFC 7252 §4.8 defaults. */
export const DEFAULT_TRANSMISSION: CoapTransmissionParameters = {
  ackTimeout: 2000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  nstart: 1,
  maxLatency: 100_000,
  processingDelay: 2000,
};

// Timers run on 32-bit milliseconds in every host; a longer one fires at once in some.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Transmission parameters with defaults filled in, each checked (an `OptionError` names a wrong one). */
function transmissionParameters(t: unknown): CoapTransmissionParameters {
  if (t === undefined) return DEFAULT_TRANSMISSION;
  const o = optionsRecord('transmission', t);
  const d = DEFAULT_TRANSMISSION;
  return {
    ackTimeout: numberOption('transmission.ackTimeout', o['ackTimeout'], d.ackTimeout, 1, MAX_TIMER_MS),
    ackRandomFactor: numberOption('transmission.ackRandomFactor', o['ackRandomFactor'], d.ackRandomFactor, 1, 16),
    maxRetransmit: integerOption('transmission.maxRetransmit', o['maxRetransmit'], d.maxRetransmit, 0, 20),
    nstart: integerOption('transmission.nstart', o['nstart'], d.nstart, 1, 1024),
    maxLatency: numberOption('transmission.maxLatency', o['maxLatency'], d.maxLatency, 0, MAX_TIMER_MS),
    processingDelay: numberOption('transmission.processingDelay', o['processingDelay'], d.processingDelay, 0, MAX_TIMER_MS),
  };
}

/** The RFC 7252 §4.8.2 derived times (milliseconds). */
export interface CoapDerivedTimes {
  readonly maxTransmitSpan: number;
  readonly maxTransmitWait: number;
  readonly maxRtt: number;
  readonly exchangeLifetime: number;
  readonly nonLifetime: number;
}

/**
 * Derives MAX_TRANSMIT_SPAN (45 s), MAX_TRANSMIT_WAIT (93 s), MAX_RTT (202 s),
 * EXCHANGE_LIFETIME (247 s) and NON_LIFETIME (145 s) from the parameters.
 *
 * @example
 * derivedTimes(DEFAULT_TRANSMISSION).exchangeLifetime // 247000
 */
export function derivedTimes(p: CoapTransmissionParameters): CoapDerivedTimes {
  if (p !== DEFAULT_TRANSMISSION) p = transmissionParameters(p);
  const maxTransmitSpan = p.ackTimeout * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
  const maxTransmitWait = p.ackTimeout * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
  return {
    maxTransmitSpan,
    maxTransmitWait,
    maxRtt: 2 * p.maxLatency + p.processingDelay,
    exchangeLifetime: maxTransmitSpan + 2 * p.maxLatency + p.processingDelay,
    nonLifetime: maxTransmitSpan + p.maxLatency,
  };
}

/** A request to send: the endpoint adds the message id and token. */
export interface CoapRequestInit {
  /** CON (default, retransmitted until acknowledged) or NON. */
  readonly type?: 'CON' | 'NON';
  readonly code: number;
  readonly options?: CoapMessageInit['options'];
  readonly payload?: Uint8Array | string;
  /** Opaque peer key handed back to `send` (an address, say). Default ''. */
  readonly peer?: string;
  /** Keep the exchange open for RFC 7641 notifications until cancelled. */
  readonly observe?: boolean;
}

/** A response to send from a request handler. */
export interface CoapResponseInit {
  readonly code: number;
  readonly options?: CoapMessageInit['options'];
  readonly payload?: Uint8Array | string;
}

/** How a request ended: a response, or why there is none. */
export type CoapResult =
  | { readonly ok: true; readonly response: CoapMessage }
  | { readonly ok: false; readonly error: 'timeout' | 'reset' | 'cancelled' | 'closed' };

/** A request in flight. */
export interface CoapRequestHandle {
  readonly token: Uint8Array;
  /** The message id of the first transmission (undefined while queued behind NSTART). */
  readonly messageId: number | undefined;
  cancel(): void;
}

/** A received request, handed to `onRequest`. */
export interface CoapExchange {
  readonly request: CoapMessage;
  readonly peer: string;
  /**
   * Answers the request. Called before `onRequest` returns, a CON request gets a piggybacked
   * response in its ACK; later, the endpoint has already sent an empty ACK and the response
   * goes out as a separate CON (retransmitted until acknowledged), as Alibaba's ackMode 1 does.
   */
  respond(response: CoapResponseInit): void;
  /** Sends the empty ACK now (a CON request only), promising a separate response. */
  accept(): void;
}

export interface CoapEndpointOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Hands a datagram to the adapter. */
  send(datagram: Uint8Array, peer: string): void;
  /** Serves requests; without it every request is answered 4.04. */
  onRequest?(exchange: CoapExchange): void;
  /** Told about datagrams that were dropped or rejected (diagnostics only). */
  onError?(error: CoapError, peer: string): void;
  readonly transmission?: Partial<CoapTransmissionParameters>;
  /** Token length for requests, 0–8 bytes. Default 4 (RFC 7252 §5.3.1: ≥ 32 random bits). */
  readonly tokenLength?: number;
  /** How long to wait for a response after the empty ACK or after a NON. Default EXCHANGE_LIFETIME. */
  readonly responseTimeout?: number;
  /** Bound on requests in flight plus queued. Default 64. */
  readonly maxRequests?: number;
  /** Bound on remembered message ids for duplicate detection. Default 1024. */
  readonly maxDuplicates?: number;
  /** Bound on separate responses awaiting their ACK. Default 64. */
  readonly maxSeparate?: number;
  /** Whether a critical option number is understood; default: every registered option. */
  readonly understands?: (number: number) => boolean;
}

/** A sans-IO CoAP endpoint: feed it datagrams, it calls `send` and arms timers on the clock. */
export interface CoapEndpoint {
  /**
   * Sends a request. `onResult` is called once (or, for an observe request, once per
   * notification until an error or cancel). Throws `CoapError('too_many_requests')` when
   * `maxRequests` are already in flight or queued.
   */
  request(request: CoapRequestInit, onResult: (result: CoapResult) => void): CoapRequestHandle;
  /** Processes one received datagram from `peer`. Never throws for any input. */
  receive(datagram: Uint8Array, peer?: string): void;
  /** Cancels every timer and fails every request with `closed`. */
  close(): void;
  /** Sizes of the bounded state, for tests and monitoring. */
  stats(): { readonly requests: number; readonly queued: number; readonly duplicates: number; readonly separate: number };
}

interface Exchange {
  readonly token: Uint8Array;
  readonly tokenKey: string;
  readonly peer: string;
  readonly init: CoapRequestInit;
  readonly onResult: (r: CoapResult) => void;
  messageId: number | undefined;
  /** RFC 7252 §4.7: counts against NSTART until acknowledged or answered. */
  outstanding: boolean;
  transmission: Transmission | undefined;
  cancelWait: (() => void) | undefined;
  last: ObserveStamp | undefined;
  done: boolean;
}

interface Transmission {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly peer: string;
  attempts: number;
  timeout: number;
  cancelTimer: () => void;
  /** The client exchange this CON carries, if it is a request. */
  readonly exchange: Exchange | undefined;
}

interface Seen {
  readonly expires: number;
  reply: Uint8Array | undefined;
}

const midKey = (peer: string, mid: number): string => `${mid}\u0000${peer}`;

/**
 * Creates a sans-IO CoAP endpoint (RFC 7252 §4–5): message ids from a random start, random
 * tokens, CON retransmission with the exact RFC back-off (initial timeout uniform in
 * [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR], doubled per retransmission, failing after
 * MAX_RETRANSMIT), NSTART, duplicate detection for EXCHANGE_LIFETIME / NON_LIFETIME, responses
 * matched by token (piggybacked or separate), RST for unmatched CON messages and empty-CON
 * pings, 4.02 for unrecognized critical options. All state is bounded.
 *
 * @example
 * const ep = createCoapEndpoint({ clock, random, send: (d) => socket.send(d) });
 * socket.on('message', (d) => ep.receive(d));
 * ep.request({ code: CoapCode.GET, options: pathOptions('/temperature') }, (r) => console.log(r));
 */
export function createCoapEndpoint(options: CoapEndpointOptions): CoapEndpoint {
  // Every option checked once, here: timers and bounds below never meet a bigint, NaN or null.
  const o = optionsRecord('options', options ?? null);
  const clock = o['clock'] as Clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') throw new OptionError('clock', 'a Clock (now, setTimer)', clock);
  // A clock whose setTimer hands back no cancel function would break every exchange later.
  const setTimer = (ms: number, fn: () => void): (() => void) => {
    const cancel = clock.setTimer(ms, fn);
    if (typeof cancel !== 'function') throw new OptionError('clock', 'a Clock whose setTimer returns a cancel function', cancel);
    return cancel;
  };
  const random = requiredFunction<Random>('random', o['random']);
  const send = requiredFunction<CoapEndpointOptions['send']>('send', o['send']);
  functionOption('onRequest', o['onRequest']);
  functionOption('onError', o['onError']);
  const params = transmissionParameters(o['transmission']);
  const times = derivedTimes(params);
  const tokenLength = integerOption('tokenLength', o['tokenLength'], 4, 0, 8);
  const responseTimeout = numberOption('responseTimeout', o['responseTimeout'], times.exchangeLifetime, 1, MAX_TIMER_MS);
  const maxRequests = integerOption('maxRequests', o['maxRequests'], 64, 1);
  const maxDuplicates = integerOption('maxDuplicates', o['maxDuplicates'], 1024, 1);
  const maxSeparate = integerOption('maxSeparate', o['maxSeparate'], 64, 1);
  const understands = functionOption<(n: number) => boolean>('understands', o['understands']) ?? ((n: number) => optionDefinition(n) !== undefined);

  const r: unknown = random(2);
  // A random source that returns no bytes would make every message id and token predictable.
  if (!(r instanceof Uint8Array) || r.length < 2) throw new OptionError('random', 'a function returning the requested random bytes', r);
  let nextMid = ((r[0] ?? 0) << 8) | (r[1] ?? 0);
  const allocateMid = (): number => {
    const mid = nextMid;
    nextMid = (nextMid + 1) & 0xffff;
    return mid;
  };

  const exchanges = new Map<string, Exchange>(); // by peer + token
  const queue: Exchange[] = [];
  const transmissions = new Map<string, Transmission>(); // outgoing CONs by peer + message id
  let separateCount = 0;
  const seen = new Map<string, Seen>(); // received CON/NON by peer + message id
  let closed = false;

  const report = (e: CoapError, peer: string): void => {
    options.onError?.(e, peer);
  };

  const initialTimeout = (): number => {
    const b = random(4);
    const fraction = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
    return Math.floor(params.ackTimeout * (1 + (fraction / 2 ** 32) * (params.ackRandomFactor - 1)));
  };

  // ---- reliable transmission of CON messages -------------------------------------------

  const transmit = (bytes: Uint8Array, peer: string, mid: number, exchange: Exchange | undefined): Transmission => {
    const t: Transmission = { key: midKey(peer, mid), bytes, peer, attempts: 0, timeout: initialTimeout(), cancelTimer: () => {}, exchange };
    transmissions.set(t.key, t);
    if (exchange === undefined) separateCount++;
    const arm = (): void => {
      t.cancelTimer = setTimer(t.timeout, () => {
        if (transmissions.get(t.key) !== t) return;
        if (t.attempts < params.maxRetransmit) {
          t.attempts++;
          t.timeout *= 2;
          send(t.bytes, t.peer);
          arm();
        } else {
          forget(t);
          if (t.exchange !== undefined) finish(t.exchange, { ok: false, error: 'timeout' });
        }
      });
    };
    send(bytes, peer);
    arm();
    return t;
  };

  const forget = (t: Transmission): void => {
    if (transmissions.get(t.key) !== t) return;
    transmissions.delete(t.key);
    t.cancelTimer();
    if (t.exchange === undefined) separateCount--;
    else if (t.exchange.transmission === t) t.exchange.transmission = undefined;
  };

  // ---- client exchanges ---------------------------------------------------------------

  const outstandingTo = (peer: string): number => {
    let n = 0;
    for (const x of exchanges.values()) if (x.peer === peer && x.outstanding) n++;
    return n;
  };

  const pump = (): void => {
    if (closed) return;
    for (let i = 0; i < queue.length; ) {
      const x = queue[i]!;
      if (outstandingTo(x.peer) < params.nstart) {
        queue.splice(i, 1);
        start(x);
      } else i++;
    }
  };

  const settle = (x: Exchange): void => {
    if (x.outstanding) {
      x.outstanding = false;
      pump();
    }
  };

  const finish = (x: Exchange, result: CoapResult): void => {
    if (x.done) return;
    x.done = true;
    if (x.transmission !== undefined) forget(x.transmission);
    x.cancelWait?.();
    exchanges.delete(x.tokenKey);
    const qi = queue.indexOf(x);
    if (qi >= 0) queue.splice(qi, 1);
    // Free the NSTART slot first: a throwing callback must not leak it.
    settle(x);
    x.onResult(result);
  };

  const waitForResponse = (x: Exchange): void => {
    x.cancelWait?.();
    x.cancelWait = setTimer(responseTimeout, () => {
      x.cancelWait = undefined;
      // An observation that has delivered notifications is open-ended: only cancel ends it.
      if (x.last === undefined) finish(x, { ok: false, error: 'timeout' });
    });
  };

  const start = (x: Exchange): void => {
    const type: CoapType = x.init.type ?? 'CON';
    const mid = allocateMid();
    x.messageId = mid;
    x.outstanding = true;
    let opts = x.init.options ?? [];
    if (x.init.observe === true && !opts.some((o) => o.number === CoapOption.Observe)) opts = [...opts, { number: CoapOption.Observe, value: 0 }];
    const bytes = encodeCoap({ type, code: x.init.code, messageId: mid, token: x.token, options: opts, payload: x.init.payload });
    if (type === 'CON') x.transmission = transmit(bytes, x.peer, mid, x);
    else {
      send(bytes, x.peer);
      waitForResponse(x);
    }
  };

  const newToken = (peer: string): { token: Uint8Array; key: string } => {
    for (let attempt = 0; attempt < 16; attempt++) {
      const token = random(tokenLength).slice(0, tokenLength);
      const key = `${toHex(token)}\u0000${peer}`;
      if (!exchanges.has(key)) return { token, key };
    }
    throw new CoapError('token_exhausted', 'could not find an unused token');
  };

  // ---- server side -------------------------------------------------------------------

  const remember = (key: string, lifetime: number): Seen => {
    const now = clock.now();
    // Entries are inserted in time order, so expired ones sit at the front.
    for (const [k, v] of seen) {
      if (v.expires > now && seen.size < maxDuplicates) break;
      seen.delete(k);
    }
    const entry: Seen = { expires: now + lifetime, reply: undefined };
    seen.set(key, entry);
    return entry;
  };

  const lookupSeen = (key: string): Seen | undefined => {
    const s = seen.get(key);
    if (s === undefined) return undefined;
    if (s.expires <= clock.now()) {
      seen.delete(key);
      return undefined;
    }
    return s;
  };

  const reply = (entry: Seen | undefined, bytes: Uint8Array, peer: string): void => {
    if (entry !== undefined) entry.reply = bytes;
    send(bytes, peer);
  };

  const emptyMessage = (type: 'ACK' | 'RST', mid: number): Uint8Array => encodeCoap({ type, code: CoapCode.Empty, messageId: mid });

  const serve = (m: CoapMessage, peer: string): void => {
    const key = midKey(peer, m.messageId);
    const isCon = m.type === 'CON';
    const entry = remember(key, isCon ? times.exchangeLifetime : times.nonLifetime);
    for (const o of m.options) {
      if (isCritical(o.number) && !understands(o.number)) {
        report(new CoapError('unrecognized_option', `unrecognized critical option ${o.number}`), peer);
        // RFC 7252 §5.4.1: 4.02 for a CON; a NON is rejected silently.
        if (isCon) reply(entry, encodeCoap({ type: 'ACK', code: CoapCode.BadOption, messageId: m.messageId, token: m.token }), peer);
        return;
      }
    }
    let responded = false;
    let acked = false;
    let inHandler = true;
    const exchange: CoapExchange = {
      request: m,
      peer,
      respond(res) {
        if (responded) throw new CoapError('already_responded', 'respond called twice');
        if (closed) return;
        responded = true;
        // The request's token and payload are views into the datagram; the response is encoded now.
        if (isCon && inHandler && !acked) {
          reply(entry, encodeCoap({ type: 'ACK', code: res.code, messageId: m.messageId, token: m.token, options: res.options, payload: res.payload }), peer);
        } else if (isCon) {
          if (!acked) exchange.accept();
          if (separateCount >= maxSeparate) {
            report(new CoapError('too_many_separate', 'separate response dropped: too many awaiting ACK'), peer);
            return;
          }
          const mid = allocateMid();
          transmit(encodeCoap({ type: 'CON', code: res.code, messageId: mid, token: token, options: res.options, payload: res.payload }), peer, mid, undefined);
        } else {
          send(encodeCoap({ type: 'NON', code: res.code, messageId: allocateMid(), token: token, options: res.options, payload: res.payload }), peer);
        }
      },
      accept() {
        if (!isCon || acked || responded || closed) return;
        acked = true;
        reply(entry, emptyMessage('ACK', m.messageId), peer);
      },
    };
    // Copied: a separate response may be sent after the adapter reuses the datagram buffer.
    const token = m.token.slice();
    if (options.onRequest === undefined) exchange.respond({ code: CoapCode.NotFound });
    else {
      try {
        options.onRequest(exchange);
      } catch (e) {
        if (!responded) exchange.respond({ code: CoapCode.InternalServerError });
        throw e;
      } finally {
        inHandler = false;
      }
    }
    if (isCon && !responded) exchange.accept();
  };

  // ---- receive -----------------------------------------------------------------------

  const onResponse = (m: CoapMessage, peer: string): void => {
    const isCon = m.type === 'CON';
    let entry: Seen | undefined;
    if (m.type !== 'ACK') {
      const key = midKey(peer, m.messageId);
      const dup = lookupSeen(key);
      if (dup !== undefined) {
        if (isCon && dup.reply !== undefined) send(dup.reply, peer);
        return;
      }
      entry = remember(key, isCon ? times.exchangeLifetime : times.nonLifetime);
    }
    const x = exchanges.get(`${toHex(m.token)}\u0000${peer}`);
    if (x === undefined) {
      // RFC 7252 §4.2: a CON we cannot place is rejected; so is a notification nobody wants.
      if (isCon) reply(entry, emptyMessage('RST', m.messageId), peer);
      return;
    }
    if (isCon) reply(entry, emptyMessage('ACK', m.messageId), peer);
    // A separate response implicitly acknowledges a request whose ACK was lost.
    if (x.transmission !== undefined) forget(x.transmission);
    const observe = m.options.find((o) => o.number === CoapOption.Observe);
    if (x.init.observe === true && observe !== undefined && m.code >= 0x40 && m.code < 0x60) {
      const stamp: ObserveStamp = { seq: decodeUint(observe.value), at: clock.now() };
      if (x.last !== undefined && !observeFresher(x.last, stamp)) return;
      x.last = stamp;
      x.cancelWait?.();
      x.cancelWait = undefined;
      settle(x);
      x.onResult({ ok: true, response: m });
      return;
    }
    finish(x, { ok: true, response: m });
  };

  const onAckOrReset = (m: CoapMessage, peer: string): void => {
    const t = transmissions.get(midKey(peer, m.messageId));
    if (t === undefined) return;
    forget(t);
    const x = t.exchange;
    if (x === undefined) return;
    if (m.type === 'RST') {
      finish(x, { ok: false, error: 'reset' });
      return;
    }
    if (m.code !== CoapCode.Empty && m.token.length === x.token.length && toHex(m.token) === toHex(x.token)) {
      onResponse(m, peer);
      return;
    }
    // Empty ACK: the response will come separately.
    settle(x);
    waitForResponse(x);
  };

  return {
    request(init, onResult) {
      if (closed) throw new CoapError('closed', 'endpoint is closed');
      if (exchanges.size >= maxRequests) throw new CoapError('too_many_requests', `${maxRequests} requests already in flight or queued`);
      if (!isRequestCode(init.code)) throw new CoapError('invalid_message', `code ${init.code} is not a request method`);
      const peer = init.peer ?? '';
      const { token, key } = newToken(peer);
      const x: Exchange = {
        token, tokenKey: key, peer, init, onResult, messageId: undefined, outstanding: false,
        transmission: undefined, cancelWait: undefined, last: undefined, done: false,
      };
      exchanges.set(key, x);
      if (outstandingTo(peer) < params.nstart) {
        try {
          start(x);
        } catch (e) {
          exchanges.delete(key);
          throw e;
        }
      } else {
        // Validate now, not when the queue drains.
        encodeCoap({ type: 'CON', code: init.code, messageId: 0, token, options: init.options, payload: init.payload });
        queue.push(x);
      }
      return {
        token,
        get messageId() {
          return x.messageId;
        },
        cancel() {
          if (!x.done && x.init.observe === true && x.last !== undefined && !closed) {
            // RFC 7641 §3.6: deregister by sending a GET with Observe 1 and the same token.
            const opts = (x.init.options ?? []).filter((o) => o.number !== CoapOption.Observe);
            const mid = allocateMid();
            send(encodeCoap({ type: 'NON', code: x.init.code, messageId: mid, token: x.token, options: [...opts, { number: CoapOption.Observe, value: 1 }] }), x.peer);
          }
          finish(x, { ok: false, error: 'cancelled' });
        },
      };
    },

    receive(datagram, peer = '') {
      if (closed) return;
      let m: CoapMessage;
      try {
        m = decodeCoap(datagram);
      } catch (e) {
        const error = e instanceof CoapError ? e : new CoapDecodeError('invalid', String(e), 0);
        report(error, peer);
        const h = peekHeader(datagram);
        if (h === undefined || h.type !== 'CON') return;
        if (error.code === 'repeated_critical_option' && isRequestCode(h.code)) {
          send(encodeCoap({ type: 'ACK', code: CoapCode.BadOption, messageId: h.messageId, token: h.token }), peer);
        } else send(emptyMessage('RST', h.messageId), peer);
        return;
      }
      try {
        if (m.type === 'ACK' || m.type === 'RST') onAckOrReset(m, peer);
        else if (m.code === CoapCode.Empty) send(emptyMessage('RST', m.messageId), peer); // CoAP ping
        else if (isRequestCode(m.code)) {
          const dup = lookupSeen(midKey(peer, m.messageId));
          if (dup !== undefined) {
            if (m.type === 'CON' && dup.reply !== undefined) send(dup.reply, peer);
            return;
          }
          serve(m, peer);
        } else if (isResponseCode(m.code)) onResponse(m, peer);
      } catch (e) {
        // A handler's bug must not escape into the adapter's socket listener.
        report(e instanceof CoapError ? e : new CoapError('handler_failed', e instanceof Error ? e.message : String(e)), peer);
      }
    },

    close() {
      if (closed) return;
      closed = true;
      for (const t of [...transmissions.values()]) forget(t);
      for (const x of [...exchanges.values()]) finish(x, { ok: false, error: 'closed' });
      seen.clear();
    },

    stats: () => ({ requests: exchanges.size, queued: queue.length, duplicates: seen.size, separate: separateCount }),
  };
}
