// Writes the MQTT 3.1.1 normative-statement table (normative-statements.json) into
// packages/mqtt/README.md between its markers. `normative.test.ts` fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
export const START = '<!-- normative-statements:start -->';
export const END = '<!-- normative-statements:end -->';

export function renderTable(data) {
  const rows = data.statements.map((s) => {
    const cover = s.test !== undefined ? `\`${s.test.replace(/^packages\/mqtt\//, '')}\`` : `not applicable: ${s.na}`;
    return `| ${s.id} | ${s.role} | ${s.statement.replaceAll('|', '\\|')} | ${cover.replaceAll('|', '\\|')} |`;
  });
  const tested = data.statements.filter((s) => s.test !== undefined).length;
  return [
    START,
    `${data.statements.length} statements: ${tested} covered by a test, ${data.statements.length - tested} not applicable to a client codec and client (with the reason). ${data.source}.`,
    '',
    '| statement | party | what it requires (summary) | covering test, or why not applicable |',
    '|---|---|---|---|',
    ...rows,
    END,
  ].join('\n');
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).href === import.meta.url) {
  const data = JSON.parse(readFileSync(new URL('./normative-statements.json', here), 'utf8'));
  const readme = new URL('../README.md', here);
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < 0) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  writeFileSync(readme, text.slice(0, a) + renderTable(data) + text.slice(b + END.length));
  console.log('packages/mqtt/README.md: normative-statement table written');
}
