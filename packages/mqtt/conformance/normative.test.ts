// Every MQTT 3.1.1 normative statement ([MQTT-x.y.z-n]) has a covering test that exists, or
// "not applicable" with a reason; the README table is exactly the rendered data
// (refresh it with `node packages/mqtt/conformance/render-normative.mjs`).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with the command line, without type declarations
import { renderTable, START, END } from './render-normative.mjs';

interface Statement { id: string; role: string; statement: string; test?: string; na?: string }
const root = new URL('../../../', import.meta.url);
const data = JSON.parse(readFileSync(new URL('./normative-statements.json', import.meta.url), 'utf8')) as { source: string; statements: Statement[] };
const peer = JSON.parse(readFileSync(new URL('./mqtt-packet-cases.json', import.meta.url), 'utf8')) as { cases: { kind: string; line: number; name: string }[] };

/** True when `title` names a test in `file`: literally, or as the row of a table-driven test. */
function testExists(file: string, title: string): boolean {
  if (file.endsWith('conformance/mqtt-packet.test.ts')) {
    const m = /^(\w+) line (\d+): (.*)$/.exec(title);
    return m !== null && peer.cases.some((c) => c.kind === m[1] && c.line === Number(m[2]) && c.name === m[3]);
  }
  const text = readFileSync(new URL(file, root), 'utf8');
  if (text.includes(title)) return true;
  // Table rows: `rejects ${name} (${code})` in codec.test.ts.
  const row = /^rejects (.*) \(([a-z0-9_]+)\)$/.exec(title);
  return row !== null && text.includes(`'${row[1]}'`) && text.includes(`'${row[2]}'`);
}

describe(`MQTT 3.1.1 normative statements: ${data.statements.length}`, () => {
  it('every statement has a covering test or a reason it does not apply, never both, never neither', () => {
    const wrong = data.statements.filter((s) => (s.test === undefined) === (s.na === undefined) || (s.na !== undefined && s.na.trim().length < 10));
    expect(wrong.map((s) => s.id)).toEqual([]);
  });

  it('statement ids are unique and well formed', () => {
    const ids = data.statements.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^MQTT-\d\.\d+\.\d+-\d+$/);
  });

  it('every covering test exists', () => {
    const missing: string[] = [];
    for (const s of data.statements) {
      if (s.test === undefined) continue;
      const [file, title] = s.test.split(' › ') as [string, string | undefined];
      if (title === undefined || !existsSync(new URL(file, root)) || !testExists(file, title)) missing.push(`${s.id}: ${s.test}`);
    }
    expect(missing).toEqual([]);
  });

  it('the README table is the rendered data', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const a = readme.indexOf(START as string);
    const b = readme.indexOf(END as string);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(readme.slice(a, b + (END as string).length)).toBe(renderTable(data) as string);
  });
});
