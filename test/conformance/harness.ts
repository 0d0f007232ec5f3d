/**
 * The runtime matrix runs the same conformance cases in Node, Deno, Chromium and QuickJS.
 * A case is a name and a function that throws on failure. Assertions here use no platform
 * API (no node:assert, no TextEncoder), so the harness itself runs in every engine.
 */
export interface ConformanceCase {
  readonly name: string;
  run(): void;
}

export class ConformanceFailure extends Error {}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).join(',')}]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export function equal(actual: unknown, expected: unknown, what = 'value'): void {
  if (!deepEqual(actual, expected)) throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function ok(condition: unknown, what: string): void {
  if (!condition) throw new ConformanceFailure(`${what}: expected a truthy value`);
}

/** Expects `fn` to throw an error whose `code` is `code`. */
export function throwsCode(fn: () => unknown, code: string, what = 'call'): void {
  try {
    fn();
  } catch (e) {
    const got = (e as { code?: unknown }).code;
    if (got !== code) throw new ConformanceFailure(`${what}: expected error code ${code}, got ${String(got)} (${String(e)})`);
    return;
  }
  throw new ConformanceFailure(`${what}: expected error code ${code}, but nothing was thrown`);
}

export interface ConformanceResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

export function runCases(cases: readonly ConformanceCase[]): ConformanceResult[] {
  return cases.map((c) => {
    try {
      c.run();
      return { name: c.name, ok: true };
    } catch (e) {
      return { name: c.name, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  });
}
