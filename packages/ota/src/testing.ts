/**
 * fast-check arbitraries for OTA and remote config: valid messages, firmware images with
 * their upgrades, chunkings, and malformed inputs — for property tests of code built on (or
 * competing with) @linkwire/ota. fast-check is a peer dependency of this subpath only.
 * @module
 */
import fc from 'fast-check';
import { hashHex } from '@linkwire/hash';
import { toHex } from '@linkwire/base';
import type { FirmwareUpgrade } from './alibaba.ts';
import type { ConfigFile } from './config.ts';
import type { DigestMethod } from './digest.ts';
import type { MessageId } from './fields.ts';
import type { OtaPlatform } from './progress-step.ts';

/** md5 or sha256. */
export const digestMethod = (): fc.Arbitrary<DigestMethod> => fc.constantFrom('md5', 'sha256');

/** A message id as the platforms send them: a number or a decimal string. */
export const messageId = (): fc.Arbitrary<MessageId> => fc.oneof(fc.nat(), fc.nat().map(String));

// Decoders refuse a `__proto__` key (forbidden_key), which this pattern can spell.
const identifier = fc.stringMatching(/^[A-Za-z0-9_.-]{1,24}$/).filter((k) => k !== '__proto__');

/** Dotted numeric versions with an optional `v` prefix and pre-release. */
export const version = (): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom('', 'v'), fc.array(fc.nat({ max: 999 }), { minLength: 1, maxLength: 4 }), fc.option(fc.stringMatching(/^[a-z]{1,5}(\.\d{1,2})?$/), { nil: undefined }))
    .map(([p, core, pre]) => `${p}${core.join('.')}${pre === undefined ? '' : `-${pre}`}`);

/** https URLs on example hosts, with paths and signed-URL style queries. */
export const httpsUrl = (): fc.Arbitrary<string> =>
  fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9_./%-]{0,60}$/), fc.option(fc.stringMatching(/^[A-Za-z0-9%=&_-]{1,80}$/), { nil: undefined }))
    .map(([host, path, q]) => `https://${host}.example.com/${path}${q === undefined ? '' : `?${q}`}`);

/** Firmware images from 0 bytes up to `maxLength`. */
export const firmwareImage = (maxLength = 4096): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

/** `data` cut into random consecutive chunks (some empty). */
export function chunked(data: Uint8Array): fc.Arbitrary<Uint8Array[]> {
  return fc.array(fc.nat({ max: data.length }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), data.length];
    const out: Uint8Array[] = [];
    for (let i = 1; i < points.length; i++) out.push(data.subarray(points[i - 1]!, points[i]!));
    return out;
  });
}

/** A valid upgrade with an arbitrary (well-formed) digest. */
export const firmwareUpgrade = (): fc.Arbitrary<FirmwareUpgrade> =>
  fc.record({
    version: version(),
    size: fc.nat({ max: 2 ** 31 }),
    url: httpsUrl(),
    method: digestMethod(),
    digestBytes: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    module: fc.option(identifier, { nil: undefined }),
    extData: fc.option(fc.dictionary(identifier, fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 3 }), { nil: undefined }),
  }).map(({ version: v, size, url, method, digestBytes, module, extData }) => {
    const u: FirmwareUpgrade = { version: v, size, url, digestMethod: method, digest: toHex(digestBytes.subarray(0, method === 'md5' ? 16 : 32)) };
    return { ...u, ...(module === undefined ? {} : { module }), ...(extData === undefined ? {} : { extData }) };
  });

/** An image together with the upgrade that describes it exactly. */
export const imageWithUpgrade = (maxLength = 4096): fc.Arbitrary<{ image: Uint8Array; upgrade: FirmwareUpgrade }> =>
  fc.tuple(firmwareImage(maxLength), digestMethod(), version(), httpsUrl()).map(([image, method, v, url]) => ({
    image,
    upgrade: { version: v, size: image.length, url, digestMethod: method, digest: hashHex(method, image) },
  }));

/** A valid remote configuration file announcement. */
export const configFile = (): fc.Arbitrary<ConfigFile> =>
  fc.record({ configId: identifier, size: fc.nat({ max: 2 ** 31 }), url: httpsUrl(), digest: fc.uint8Array({ minLength: 32, maxLength: 32 }) })
    .map(({ configId, size, url, digest }) => ({ configId, size, url, digestMethod: 'sha256', digest: toHex(digest), getType: 'file' }));

/** Any step the platform accepts. */
export const progressStep = (platform: OtaPlatform = 'alibaba'): fc.Arbitrary<number> =>
  platform === 'enos' ? fc.integer({ min: -5, max: 100 }) : fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: -4, max: -1 }));

/** A device secret usable as an AES key: 16, 24 or 32 ASCII characters. */
export const opcUaSecret = (): fc.Arbitrary<string> =>
  fc.constantFrom(16, 24, 32).chain((n) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${n}}$`)));

/**
 * Upgrade push payloads that must be rejected: each breaks one rule (missing digest,
 * negative size, unknown method, plain http, wrong digest length, wrong code).
 */
export const malformedUpgradePush = (): fc.Arbitrary<string> =>
  fc.tuple(firmwareUpgrade(), fc.constantFrom('no-digest', 'negative-size', 'method', 'http', 'digest-length', 'code', 'fraction')).map(([u, flaw]) => {
    const data: Record<string, unknown> = { size: u.size, version: u.version, url: u.url, sign: u.digest, signMethod: u.digestMethod === 'md5' ? 'Md5' : 'SHA256' };
    let code: unknown = '1000';
    if (flaw === 'no-digest') delete data['sign'];
    if (flaw === 'negative-size') data['size'] = -1 - u.size;
    if (flaw === 'fraction') data['size'] = u.size + 0.5;
    if (flaw === 'method') data['signMethod'] = 'sha1';
    if (flaw === 'http') data['url'] = u.url.replace(/^https/, 'http');
    if (flaw === 'digest-length') data['sign'] = u.digest.slice(2);
    if (flaw === 'code') code = '1001';
    return JSON.stringify({ code, data, id: 1, message: 'success' });
  });

/** Arbitrary bytes and text, and valid JSON with random members: decoders must only ever throw OtaError. */
export const malformedPayload = (): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.json({ maxDepth: 4 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ id: 1, code: '1000', data: v, params: v })));
