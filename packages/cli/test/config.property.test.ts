import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEmulatorConfig } from '../src/emulator-config.ts';
import { childPath, locateJson, parentPath } from '../src/json-locate.ts';
import { numRuns } from '../../../test/support/fast-check.ts';

// The locator behind `linkwire emulator --config`'s line:column messages, and the reader itself
// on hostile files: every located position is where that value's text starts; nothing throws.

/** Every (path, value) of a JSON value, in document order. */
function walk(v: unknown, path = '', out: [string, unknown][] = []): [string, unknown][] {
  out.push([path, v]);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, childPath(path, i), out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, childPath(path, k), out);
  return out;
}

const offsetOf = (text: string, at: { line: number; column: number }) => {
  const lines = text.split('\n');
  return lines.slice(0, at.line - 1).reduce((n, l) => n + l.length + 1, 0) + at.column - 1;
};

// Keys exclude "__proto__" (refused by every linkwire JSON reader, see base/src/testing.ts).
const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).includes('"__proto__"'));

describe('locateJson', () => {
  it('puts every path at the first character of its value, in any layout (property)', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(0, 1, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const where = locateJson(text);
        for (const [path, v] of walk(value)) {
          const at = offsetOf(text, where.at(path));
          // The value's own text starts there: a scalar's whole text, an object's or array's bracket.
          const rest = text.slice(at);
          if (v === null || typeof v !== 'object') expect(rest.startsWith(JSON.stringify(v)), `${path} in ${text}`).toBe(true);
          else expect(rest[0], `${path} in ${text}`).toBe(Array.isArray(v) ? '[' : '{');
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('falls back to the nearest existing ancestor for a path that is not there', () => {
    const text = '{\n  "a": {\n    "b": [1, 2]\n  }\n}';
    const where = locateJson(text);
    expect(where.at('a.b[1]')).toEqual({ line: 3, column: 14 });
    expect(where.at('a.b[7].c')).toEqual({ line: 3, column: 10 });
    expect(where.at('a.zz')).toEqual({ line: 2, column: 8 });
    expect(where.at('nothing')).toEqual({ line: 1, column: 1 });
    expect(parentPath('a["x.y"]')).toBe('a');
    expect(parentPath('a.b[3]')).toBe('a.b');
  });
});

describe('readEmulatorConfig on hostile files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-config-'));
  it('never throws: any bytes, any JSON, any shape give issues with a line and column inside the file (property)', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          json.map((v) => JSON.stringify(v, null, 1)),
          fc.record({ products: fc.array(fc.dictionary(fc.constantFrom('productKey', 'productSecret', 'tsl', 'dynamicRegistration', 'x'), json), { maxLength: 3 }), devices: fc.array(fc.dictionary(fc.constantFrom('productKey', 'deviceName', 'deviceSecret', 'y'), json), { maxLength: 3 }) })
            .filter((v) => !JSON.stringify(v).includes('"__proto__"')).map((v) => JSON.stringify(v, null, 2)),
        ),
        (text) => {
          const file = `c${n++}.json`;
          writeFileSync(join(dir, file), text);
          const r = readEmulatorConfig(file, dir, {});
          const lines = text.split('\n');
          for (const i of r.issues) {
            if (i.file !== file) continue;
            expect(i.line).toBeGreaterThanOrEqual(1);
            expect(i.line).toBeLessThanOrEqual(lines.length);
            expect(i.column).toBeGreaterThanOrEqual(1);
            expect(i.column).toBeLessThanOrEqual(lines[i.line - 1]!.length + 1);
          }
          expect(r.config === undefined).toBe(r.issues.some((i) => i.severity === 'error'));
        },
      ),
      { numRuns: numRuns(200) },
    );
  });
});
