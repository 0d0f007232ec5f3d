// JSONTestSuite test_parsing (vendored, see jsontestsuite/test_parsing.json for source, commit
// and licence) against every JSON entry point of @linkwire/base: y_ files are accepted, n_ files
// refused with a typed JsonError, and each i_ file has the outcome decided in I_DECISIONS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsonError, parseExactJson, parseJson } from '@linkwire/base';

const data = JSON.parse(readFileSync(new URL('./jsontestsuite/test_parsing.json', import.meta.url), 'utf8')) as {
  source: { repository: string; commit: string; license: string };
  files: Record<string, string>;
};
const files = Object.entries(data.files).map(([name, b64]) => [name, new Uint8Array(Buffer.from(b64, 'base64'))] as const);

/** Every way in: bytes and (where the bytes are UTF-8) text, the fast path and the exact parser. */
const ENTRY_POINTS: readonly [string, (bytes: Uint8Array) => unknown][] = [
  ['parseJson(bytes)', (b) => parseJson(b)],
  // ignoreBOM keeps a leading U+FEFF in the text, so the string sees what the bytes carry.
  ['parseJson(string)', (b) => parseJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b))],
  ['parseExactJson(bytes)', (b) => parseExactJson(b)],
  ['parseJson(bytes, { duplicateKeys: "reject" })', (b) => parseJson(b, { duplicateKeys: 'reject' })],
  ['parseExactJson(bytes, { duplicateKeys: "reject" })', (b) => parseExactJson(b, { duplicateKeys: 'reject' })],
];

type Outcome = 'accept' | `refuse:${string}` | 'not-text';
function outcome(entry: (b: Uint8Array) => unknown, bytes: Uint8Array): Outcome {
  try {
    entry(bytes);
    return 'accept';
  } catch (e) {
    // The string entry point cannot receive bytes that are not UTF-8 at all.
    if (e instanceof TypeError && /encoded data was not valid/i.test(e.message)) return 'not-text';
    expect(e, 'only JsonError may escape').toBeInstanceOf(JsonError);
    return `refuse:${(e as JsonError).code}`;
  }
}

/**
 * y_ files a reader refuses on purpose: the duplicate-key policy exists to refuse them (signed
 * documents must not carry two values for one key).
 */
const Y_REFUSED: Readonly<Record<string, { readonly when: RegExp; readonly code: string; readonly why: string }>> = {
  'y_object_duplicated_key.json': { when: /reject/, code: 'duplicate_key', why: 'duplicateKeys: "reject" refuses repeated keys by design' },
  'y_object_duplicated_key_and_value.json': { when: /reject/, code: 'duplicate_key', why: 'duplicateKeys: "reject" refuses repeated keys by design' },
};

/**
 * The implementation-defined (i_) files: what linkwire does, and why. `not-text` is the string
 * entry point only: bytes that are not UTF-8 cannot become a JavaScript string to pass in.
 */
const I_RULES: readonly { readonly files: RegExp; readonly outcome: string; readonly why: string }[] = [
  { files: /^i_number_/, outcome: 'accept', why: 'numbers out of double range read as JSON.parse reads them (±Infinity, 0, rounded); parseExactJson keeps integers beyond 2^53 exact as bigint' },
  { files: /^i_(string|object_key)_.*surrogate(?!_U\+D800)/, outcome: 'accept', why: 'a lone or mismatched \\u surrogate escape stays a lone UTF-16 code unit, as JSON.parse does; the text is valid UTF-8' },
  { files: /^i_string_(UTF8_surrogate_U\+D800|UTF-8_invalid_sequence|invalid_utf-8|iso_latin_1|lone_utf8_continuation_byte|not_in_unicode_range|overlong_sequence_.*|truncated-utf-8)\.json$/, outcome: 'refuse:invalid_utf8|not-text', why: 'JSON text is UTF-8 (RFC 8259 §8.1) and the bytes are read strictly: ill-formed, overlong or surrogate sequences are refused' },
  { files: /^i_string_(UTF-16LE_with_BOM|utf16BE_no_BOM|utf16LE_no_BOM)\.json$/, outcome: 'refuse:invalid_utf8|not-text', why: 'UTF-16 is not accepted: JSON exchanged between systems is UTF-8 (RFC 8259 §8.1)' },
  { files: /^i_structure_500_nested_arrays\.json$/, outcome: 'refuse:too_deep', why: 'nesting is bounded (maxDepth, default 64) so untrusted input cannot exhaust the stack' },
  { files: /^i_structure_UTF-8_BOM_empty_object\.json$/, outcome: 'refuse:syntax', why: 'a byte order mark is not JSON text (RFC 8259 §8.1: senders MUST NOT add one); refused rather than skipped' },
];
export const I_DECISIONS: Readonly<Record<string, { readonly outcome: string; readonly why: string }>> = Object.fromEntries(
  files.filter(([name]) => name.startsWith('i_')).map(([name]) => {
    const rules = I_RULES.filter((r) => r.files.test(name));
    if (rules.length !== 1) throw new Error(`${name} matches ${rules.length} decision rules, not one`);
    return [name, rules[0]!];
  }),
);

describe(`JSONTestSuite test_parsing (${data.source.repository} ${data.source.commit.slice(0, 8)}, ${data.source.license}): ${files.length} files`, () => {
  for (const [label, entry] of ENTRY_POINTS) {
    it(`${label}: y_ accepted, n_ refused typed, i_ as decided`, () => {
      const wrong: string[] = [];
      for (const [name, bytes] of files) {
        const got = outcome(entry, bytes);
        if (name.startsWith('y_')) {
          const refused = Y_REFUSED[name];
          const want = refused !== undefined && refused.when.test(label) ? `refuse:${refused.code}` : 'accept';
          if (got !== want) wrong.push(`${name}: ${got}, want ${want}`);
        } else if (name.startsWith('n_')) {
          if (!got.startsWith('refuse:') && got !== 'not-text') wrong.push(`${name}: ${got}, want a refusal`);
        } else {
          const d = I_DECISIONS[name];
          const key = `${label} ${name}`;
          const want = d?.outcome;
          if (process.env['LINKWIRE_JSON_DISCOVER']) console.log(`${key} => ${got}`);
          else if (want === undefined) wrong.push(`${name}: no decision recorded (got ${got})`);
          else if (!want.split('|').includes(got)) wrong.push(`${name}: ${got}, decided ${want}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
