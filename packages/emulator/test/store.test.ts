import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directoryStore, memoryStore } from '../src/mod.ts';
import { contract, rejection } from './store-contract.ts';
import { decodeKey, encodeKey, parseRecord } from '../src/store-directory.ts';
import { PlatformStoreError } from '../src/mod.ts';
import { numRuns } from '../../../test/support/fast-check.ts';

const temp = () => mkdtempSync(join(tmpdir(), 'linkwire-store-'));

contract('memoryStore', memoryStore);
contract('directoryStore', () => directoryStore(temp()));

describe('directoryStore', () => {
  it('writes one file per record atomically: no temporary file is left, and the file is the JSON', async () => {
    const dir = temp();
    const s = directoryStore(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.put('devices', `pk&dev-${i % 5}`, { i })));
    const files = readdirSync(join(dir, 'devices'));
    expect(files.sort()).toEqual(['pk%26dev-0.json', 'pk%26dev-1.json', 'pk%26dev-2.json', 'pk%26dev-3.json', 'pk%26dev-4.json']);
    expect(JSON.parse(readFileSync(join(dir, 'devices', 'pk%26dev-0.json'), 'utf8'))).toHaveProperty('i');
    await s.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('a corrupt record is corrupt_record with the file, line and column where the JSON breaks', async () => {
    const dir = temp();
    const s = directoryStore(dir);
    await s.put('devices', 'pk&dn', { a: 1 });
    const file = join(dir, 'devices', 'pk%26dn.json');
    writeFileSync(file, '{\n  "secret": "s",\n  "activated": tru\n}');
    const e = await rejection(s.get('devices', 'pk&dn'));
    expect(e.code).toBe('corrupt_record');
    expect(e.where).toMatchObject({ file, line: 3, column: 16, collection: 'devices', key: 'pk&dn' });
    expect(e.message).toContain(`${file} is not a valid record at line 3, column 16`);
    expect((await rejection(s.list('devices'))).code).toBe('corrupt_record');
    // Emptied by a lost write, and a prototype key: typed too.
    writeFileSync(file, '');
    expect((await rejection(s.get('devices', 'pk&dn'))).code).toBe('corrupt_record');
    writeFileSync(file, '{"__proto__": {"polluted": true}}');
    expect((await rejection(s.get('devices', 'pk&dn'))).code).toBe('corrupt_record');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await s.close();
  });

  it('ignores temporary and foreign files when listing', async () => {
    const dir = temp();
    const s = directoryStore(dir);
    await s.put('devices', 'k1', { a: 1 });
    writeFileSync(join(dir, 'devices', '.k2.123.1.tmp'), '{"half');
    writeFileSync(join(dir, 'devices', 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'devices', 'not encoded!.json'), '{}');
    expect(await s.list('devices')).toEqual([{ key: 'k1', value: { a: 1 } }]);
    await s.close();
  });

  it('one live process at a time: a second is locked out, a dead owner\'s lock is taken over', async () => {
    const dir = temp();
    // The parent of this test process is alive and is not us.
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    const e = await rejection(() => directoryStore(dir));
    expect(e.code).toBe('locked');
    expect(e.message).toContain(String(process.ppid));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'lock'), `${dead}\n`);
    const s = directoryStore(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    await s.close();
  });

  it('file names round-trip for any key and never leave the collection directory (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }).filter((k) => !/\p{Cs}/u.test(k)), (key) => {
        const name = encodeKey(key);
        expect(name).toMatch(/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/);
        expect(decodeKey(name)).toBe(key);
      }),
      { numRuns: numRuns(100) },
    );
    expect(decodeKey('a%2')).toBeUndefined();
    expect(decodeKey('a%2f')).toBeUndefined();
    expect(decodeKey('a.b')).toBeUndefined();
  });

  it('round-trips any JSON record, and reads any damaged text as corrupt_record or a value, never another error (property)', async () => {
    const s = directoryStore(temp());
    const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).includes('"__proto__"'));
    await fc.assert(
      fc.asyncProperty(json, async (v) => {
        await s.put('records', 'k', v as never);
        // JSON has no -0: it reads back as 0, as JSON.parse(JSON.stringify(v)) does.
        expect(await s.get('records', 'k')).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: numRuns(100) },
    );
    await s.close();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), json.map((v) => JSON.stringify(v).slice(0, -1))), (text) => {
        try {
          parseRecord(text, 'f.json', 'records', 'k');
        } catch (e) {
          expect(e).toBeInstanceOf(PlatformStoreError);
          expect((e as PlatformStoreError).code).toBe('corrupt_record');
        }
      }),
      { numRuns: numRuns(300) },
    );
  });
});
