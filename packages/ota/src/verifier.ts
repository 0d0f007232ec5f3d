/**
 * Streaming verification that gates activation. A verifier checks the running size on every
 * chunk (a long image fails at the first surplus byte), the digest at the end, and hands out
 * the only value `activateFirmware` accepts.
 * @module
 */
import { booleanOption, constantTimeEqualHex, describe, fromBase64, integerOption, LinkwireError, OptionError, optionsRecord, toBase64, toHex, type Issue } from '@linkwire/base';
import { hashHex } from '@linkwire/hash';
import { defaultDigestBackend, type DigestBackend, type DigestMethod, type StreamDigest } from './digest.ts';
import { OtaError, throwIssues, type FailureStep } from './errors.ts';
import { checkDigest, checkSize, checkUrl, issue, parseDigestMethod } from './fields.ts';

/**
 * What a download is checked against. Every decoded upgrade, config file and model config
 * push is one; build one by hand for other sources.
 */
export interface VerificationTarget {
  readonly url: string;
  /** The exact byte count, when the platform states it (model config pushes do not). */
  readonly size?: number | undefined;
  readonly digestMethod: DigestMethod;
  /** Hex digest, any case. */
  readonly digest: string;
  /** The firmware version (or, for config files, absent: `configId` names them). */
  readonly version?: string | undefined;
  readonly configId?: string | undefined;
  readonly module?: string | undefined;
}

declare const verified: unique symbol;

/**
 * An image that passed verification. Only a verifier's `finish()` creates one: the type
 * cannot be written as a literal outside this module, and {@link activateFirmware} also
 * checks at runtime that the value came from a verifier.
 */
export interface VerifiedFirmware {
  readonly [verified]: true;
  readonly url: string;
  readonly size: number;
  readonly digestMethod: DigestMethod;
  readonly digest: string;
  readonly version: string | undefined;
  readonly configId: string | undefined;
  readonly module: string | undefined;
}

/** A verifier's resumable state: plain JSON, small enough for a flash sector. */
export interface VerifierState {
  readonly format: 'linkwire-ota-verifier/1';
  readonly version: string | null;
  readonly configId: string | null;
  readonly digestMethod: DigestMethod;
  readonly digest: string;
  readonly size: number | null;
  /** SHA-256 of the url and module, so a state is bound to one download without storing a signed URL. */
  readonly binding: string;
  readonly received: number;
  readonly engine: string;
  /** The digest engine's snapshot, base64. */
  readonly digestState: string;
}

export interface VerifierOptions {
  /** The digest engine. Default: the built-in resumable engine. */
  readonly backend?: DigestBackend;
  /** Upper bound when the target states no size. Default 16 MiB. */
  readonly maxSize?: number;
  /** Accept `http://` target URLs (the local emulator). Default false. */
  readonly allowHttp?: boolean;
}

export interface FirmwareVerifier {
  readonly target: VerificationTarget;
  /** Bytes accepted so far. */
  readonly received: number;
  /** Whole percent received (0–100), or undefined when the size is unknown. */
  readonly percent: number | undefined;
  /**
   * Feeds the next chunk. Throws an {@link OtaError} `size_exceeded` (step −2) before hashing
   * a chunk that would run past the stated size; the verifier is then failed for good.
   */
  update(chunk: Uint8Array): void;
  /**
   * Checks the byte count (`size_short`, step −2) and the digest (`digest_mismatch`, step −3)
   * and returns the verified image.
   */
  finish(): VerifiedFirmware;
  /** The state to persist for a resume. Throws `not_resumable` if the engine cannot snapshot. */
  save(): VerifierState;
  /** The HTTP Range header value that fetches the rest: `bytes=<received>-`. */
  rangeHeader(): string;
}

const issued = new WeakSet<object>();
const DEFAULT_MAX_SIZE = 16 * 1024 * 1024;

interface CheckedTarget {
  readonly target: VerificationTarget;
  readonly method: DigestMethod;
  readonly digest: string;
  readonly limit: number;
}

function checkTarget(target: VerificationTarget, options: VerifierOptions | undefined): CheckedTarget {
  const issues: Issue[] = [];
  if (typeof target !== 'object' || target === null) throw new OtaError('invalid_target', 'the verification target is not an object');
  const method = typeof target.digestMethod === 'string' ? parseDigestMethod(target.digestMethod) : undefined;
  if (method === undefined) issue(issues, 'digestMethod', 'unknown_digest_method', `digest method ${describe(target.digestMethod)} is not md5 or sha256`);
  // Text fields end up in the saved state and its binding hash: strings or absent, nothing else.
  for (const key of ['version', 'configId', 'module'] as const) {
    const v = target[key];
    if (v !== undefined && typeof v !== 'string') issue(issues, key, 'invalid_type', `${key} must be a string, got ${describe(v)}`);
  }
  const digest = typeof target.digest !== 'string' ? issue(issues, 'digest', 'missing_digest', 'digest is missing')
    : method === undefined ? undefined : checkDigest(target.digest, method, 'digest', issues);
  if (target.size !== undefined) {
    if (typeof target.size !== 'number') issue(issues, 'size', 'invalid_size', 'size must be a number');
    else checkSize(target.size, 'size', issues);
  }
  if (typeof target.url !== 'string') issue(issues, 'url', 'invalid_url', 'url is missing');
  else checkUrl(target.url, 'url', issues, { allowHttp: options?.allowHttp, allowPath: true });
  const maxSize = checkOptions(options).maxSize;
  if (issues.length > 0) throwIssues('invalid verification target', issues);
  // A copy, so that changing the caller's object later cannot change what is verified.
  return { target: Object.freeze({ ...target }), method: method!, digest: digest!, limit: target.size ?? maxSize };
}

/** Options checked once per verifier: an `OptionError` names a wrong one. */
function checkOptions(options: VerifierOptions | undefined): { maxSize: number; backend: DigestBackend } {
  const o = optionsRecord('options', options);
  booleanOption('allowHttp', o['allowHttp'], false);
  const maxSize = integerOption('maxSize', o['maxSize'], DEFAULT_MAX_SIZE, 0);
  const backend = o['backend'] as DigestBackend | undefined;
  if (backend !== undefined && (typeof backend !== 'object' || backend === null || typeof backend.name !== 'string' || typeof backend.create !== 'function' || (backend.restore !== undefined && typeof backend.restore !== 'function'))) {
    throw new OptionError('backend', 'a DigestBackend (name, create, optional restore)', backend);
  }
  return { maxSize, backend: backend ?? defaultDigestBackend };
}

// A custom backend's digest must have the methods the verifier calls.
function streamDigest(d: unknown, backend: DigestBackend, what: string): StreamDigest {
  const x = d as StreamDigest | undefined;
  if (typeof x !== 'object' || x === null || typeof x.update !== 'function' || typeof x.digest !== 'function') {
    throw new OptionError('backend', `a DigestBackend whose ${what} returns a StreamDigest (update, digest), not ${describe(d)}`, backend);
  }
  return x;
}

function bindingOf(t: VerificationTarget): string {
  return hashHex('sha256', JSON.stringify([t.url, t.module ?? null]));
}

function fail(code: string, message: string, step: FailureStep, offset?: number): OtaError {
  return new OtaError(code, message, { step, offset });
}

function makeVerifier(c: CheckedTarget, backend: DigestBackend, digest: StreamDigest, start: number): FirmwareVerifier {
  const { target, limit } = c;
  let received = start;
  let binding: string | undefined;
  let failure: OtaError | undefined;
  let done = false;
  const guard = () => {
    if (failure) throw failure;
    if (done) throw new OtaError('verifier_finished', 'the verifier has already finished');
  };
  const self: FirmwareVerifier = {
    target,
    get received() {
      return received;
    },
    get percent() {
      if (target.size === undefined) return undefined;
      return target.size === 0 ? 100 : Math.floor((received * 100) / target.size);
    },
    update(chunk) {
      guard();
      if (!(chunk instanceof Uint8Array)) throw new OtaError('invalid_chunk', 'a chunk must be a Uint8Array');
      if (received + chunk.length > limit) {
        const what = target.size === undefined ? `the limit of ${limit} bytes` : `the stated size of ${limit} bytes`;
        failure = fail('size_exceeded', `download failed: the image runs past ${what} (byte ${limit} arrived)`, -2, limit);
        throw failure;
      }
      digest.update(chunk);
      received += chunk.length;
    },
    finish() {
      guard();
      if (target.size !== undefined && received < target.size) {
        failure = fail('size_short', `download failed: the image ended after ${received} of ${target.size} bytes`, -2, received);
        throw failure;
      }
      const got = toHex(digest.digest());
      if (!constantTimeEqualHex(got, c.digest)) {
        failure = fail('digest_mismatch', `verification failed: the ${c.method} digest of the image is ${got}, expected ${c.digest}`, -3, received);
        throw failure;
      }
      done = true;
      const fw = Object.freeze({
        url: target.url, size: received, digestMethod: c.method, digest: c.digest,
        version: target.version, configId: target.configId, module: target.module,
      }) as unknown as VerifiedFirmware;
      issued.add(fw);
      return fw;
    },
    save() {
      guard();
      if (digest.snapshot === undefined) throw new OtaError('not_resumable', `the digest engine ${backend.name} cannot save its state`);
      return {
        format: 'linkwire-ota-verifier/1',
        version: target.version ?? null,
        configId: target.configId ?? null,
        digestMethod: c.method,
        digest: c.digest,
        size: target.size ?? null,
        binding: (binding ??= bindingOf(target)),
        received,
        engine: backend.name,
        digestState: toBase64(digest.snapshot()),
      };
    },
    rangeHeader: () => `bytes=${received}-`,
  };
  return self;
}

/**
 * Creates a streaming verifier for a firmware image, config file or model config document.
 *
 * @example
 * ```ts
 * const upgrade = decodeUpgradePush(payload);
 * const verifier = createFirmwareVerifier(upgrade);
 * for await (const chunk of download(upgrade.url)) {
 *   verifier.update(chunk);        // throws OtaError size_exceeded (step −2) at once
 *   flash.write(chunk);
 * }
 * const firmware = verifier.finish(); // throws size_short (−2) or digest_mismatch (−3)
 * activateFirmware(firmware, (fw) => bootloader.switchTo(fw.version));
 * ```
 */
export function createFirmwareVerifier(target: VerificationTarget, options?: VerifierOptions): FirmwareVerifier {
  const c = checkTarget(target, options);
  const { backend } = checkOptions(options);
  return makeVerifier(c, backend, streamDigest(backend.create(c.method), backend, 'create'), 0);
}

/**
 * Rebuilds a verifier from a saved state, so a download resumes with an HTTP Range request
 * (`verifier.rangeHeader()`) instead of starting over. A state saved for another upgrade
 * (other version, config id, url, module, digest or size) is refused with `state_mismatch`;
 * a damaged one with `corrupt_state`.
 *
 * @example
 * ```ts
 * const verifier = resumeFirmwareVerifier(upgrade, JSON.parse(stored));
 * const res = await fetch(upgrade.url, { headers: { Range: verifier.rangeHeader() } });
 * ```
 */
export function resumeFirmwareVerifier(target: VerificationTarget, state: VerifierState, options?: VerifierOptions): FirmwareVerifier {
  const c = checkTarget(target, options);
  if (typeof state !== 'object' || state === null || state.format !== 'linkwire-ota-verifier/1') {
    throw new OtaError('corrupt_state', 'the saved state is not a linkwire verifier state');
  }
  const mismatch = (what: string) => new OtaError('state_mismatch', `the saved state belongs to another download: ${what} differs`);
  if (state.version !== (target.version ?? null)) throw mismatch('version');
  if (state.configId !== (target.configId ?? null)) throw mismatch('configId');
  if (state.digestMethod !== c.method) throw mismatch('digest method');
  if (typeof state.digest !== 'string' || state.digest.toLowerCase() !== c.digest) throw mismatch('digest');
  if (state.size !== (target.size ?? null)) throw mismatch('size');
  if (state.binding !== bindingOf(target)) throw mismatch('url or module');
  const received = state.received;
  if (typeof received !== 'number' || !Number.isSafeInteger(received) || received < 0 || received > c.limit) {
    throw new OtaError('corrupt_state', 'the saved byte count is out of range');
  }
  const backend = [options?.backend, defaultDigestBackend].find((b) => b?.name === state.engine);
  if (backend?.restore === undefined) throw new OtaError('state_mismatch', `no digest engine named ${describe(state.engine)} can restore this state`);
  let snapshot: Uint8Array;
  try {
    if (typeof state.digestState !== 'string') throw new TypeError('not a string');
    snapshot = fromBase64(state.digestState);
  } catch {
    throw new OtaError('corrupt_state', 'the saved digest state is not base64');
  }
  let digest: StreamDigest;
  try {
    digest = streamDigest(backend.restore(c.method, snapshot), backend, 'restore');
  } catch (e) {
    // A foreign engine's own error for a damaged snapshot becomes the documented one.
    if (e instanceof LinkwireError) throw e;
    throw new OtaError('corrupt_state', `the saved digest state does not restore: ${describe(e instanceof Error ? e.message : e)}`);
  }
  return makeVerifier(c, backend, digest, received);
}

/** True when `value` is a {@link VerifiedFirmware} issued by a verifier in this module instance. */
export function isVerifiedFirmware(value: unknown): value is VerifiedFirmware {
  return typeof value === 'object' && value !== null && issued.has(value);
}

/**
 * The activation gate: runs `install` only with a verified image. A value that did not come
 * from a verifier's `finish()` (a cast, a copy, a deserialized object) is refused with
 * `not_verified`, whatever its type claims.
 *
 * @example
 * ```ts
 * const firmware = verifier.finish();
 * activateFirmware(firmware, (fw) => setBootSlot(fw.version));
 * ```
 */
export function activateFirmware<T>(firmware: VerifiedFirmware, install: (firmware: VerifiedFirmware) => T): T {
  if (!isVerifiedFirmware(firmware)) {
    throw new OtaError('not_verified', 'refusing to activate an image that no verifier has accepted', { step: -3 });
  }
  return install(firmware);
}
