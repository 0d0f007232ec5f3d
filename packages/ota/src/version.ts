import { booleanOption, describe, optionsRecord } from '@linkwire/base';
/**
 * Firmware version ordering: dotted numbers (`1.2.10` > `1.2.9`) and semver-like versions
 * (`2.0.0-rc.1` < `2.0.0`, build metadata ignored), with an optional alphabetic prefix
 * (`v1.2`, `version2.0` as in the seed's C example).
 * @module
 */

interface ParsedVersion {
  readonly prefix: string;
  readonly core: readonly number[];
  readonly pre: readonly (number | string)[];
}

const VERSION = /^([A-Za-z]*[-_]?)(\d+(?:\.\d+)*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

function parse(v: string): ParsedVersion | undefined {
  if (typeof v !== 'string' || v.length > 128) return undefined;
  const m = VERSION.exec(v.trim());
  if (m === null) return undefined;
  const core = m[2]!.split('.').map(Number);
  if (core.some((n) => !Number.isSafeInteger(n))) return undefined;
  const pre = m[3] === undefined ? [] : m[3].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { prefix: m[1]!.toLowerCase().replace(/[-_]$/, ''), core, pre };
}

/**
 * Compares two versions: −1, 0 or 1, or undefined when they cannot be ordered (not
 * version-like, or different prefixes such as `mcu1.0` and `wifi1.0`). Missing components
 * count as 0 (`1.2` = `1.2.0`); a prefix `v` is the same as none.
 *
 * @example
 * ```ts
 * compareVersions('1.2.10', '1.2.9'); // 1
 * compareVersions('v2.0.0-rc.1', '2.0.0'); // -1
 * ```
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) return undefined;
  const px = x.prefix === 'v' ? '' : x.prefix;
  const py = y.prefix === 'v' ? '' : y.prefix;
  if (px !== py) return undefined;
  for (let i = 0; i < Math.max(x.core.length, y.core.length); i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // semver §11: a pre-release sorts before its release; identifiers compare numerically,
  // numbers before strings, strings by ASCII, a shorter list first.
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p < q ? -1 : 1;
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** Why an offered version is refused. */
export type UpgradeRefusal = 'downgrade' | 'same_version' | 'incomparable';

export type UpgradeDecision = { readonly ok: true } | { readonly ok: false; readonly reason: UpgradeRefusal; readonly message: string };

/**
 * The downgrade guard: an offered version is accepted only when it is newer than the
 * running one. `allowDowngrade` turns the guard off (a rollback the operator ordered).
 *
 * @example
 * ```ts
 * const d = checkUpgrade('1.4.0', upgrade.version);
 * if (!d.ok) return reporter.fail(-1, d.message);
 * ```
 */
export function checkUpgrade(current: string, offered: string, options?: { allowDowngrade?: boolean }): UpgradeDecision {
  if (booleanOption('allowDowngrade', optionsRecord('options', options)['allowDowngrade'], false)) return { ok: true };
  if (typeof current !== 'string' || typeof offered !== 'string') return { ok: false, reason: 'incomparable', message: `cannot order version ${describe(offered)} against the running ${describe(current)}` };
  const c = compareVersions(offered, current);
  if (c === 1) return { ok: true };
  if (c === undefined) return { ok: false, reason: 'incomparable', message: `cannot order version ${offered} against the running ${current}` };
  if (c === 0) return { ok: false, reason: 'same_version', message: `version ${offered} is already running` };
  return { ok: false, reason: 'downgrade', message: `version ${offered} is older than the running ${current}` };
}
