import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directoryStore, memoryStore, PlatformStoreError, type PlatformStore } from '../src/mod.ts';
import { decodeKey, encodeKey } from '../src/store-directory.ts';
import { numRuns } from '../../../test/support/fast-check.ts';

const temp = () => mkdtempSync(join(tmpdir(), 'linkwire-store-'));

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<PlatformStoreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(PlatformStoreError);
    return e as PlatformStoreError;
  }
  throw new Error('expected a PlatformStoreError');
}

// The contract every store keeps (the Redis one of cluster mode runs the same function).
function contract(name: string, make: () => PlatformStore) {
  describe(`${name}: the PlatformStore contract`, () => {
    it('gets, puts, replaces, lists and deletes keyed JSON records per collection', async () => {
      const s = make();
      expect(await s.get('devices', 'pk&dn')).toBeUndefined();
      expect(await s.list('devices')).toEqual([]);
      await s.put('devices', 'pk&dn', { secret: 's', tags: { a: '1' }, n: [1, null, true] });
      await s.put('devices', 'pk&dn2', { secret: 't' });
      await s.put('shadows', 'pk&dn', { version: 3 });
      expect(await s.get('devices', 'pk&dn')).toEqual({ secret: 's', tags: { a: '1' }, n: [1, null, true] });
      await s.put('devices', 'pk&dn', { secret: 'replaced' });
      expect(await s.get('devices', 'pk&dn')).toEqual({ secret: 'replaced' });
      const listed = (await s.list('devices')).sort((a, b) => a.key.localeCompare(b.key));
      expect(listed).toEqual([{ key: 'pk&dn', value: { secret: 'replaced' } }, { key: 'pk&dn2', value: { secret: 't' } }]);
      expect(await s.delete('devices', 'pk&dn')).toBe(true);
      expect(await s.delete('devices', 'pk&dn')).toBe(false);
      expect(await s.get('devices', 'pk&dn')).toBeUndefined();
      expect(await s.list('shadows')).toEqual([{ key: 'pk&dn', value: { version: 3 } }]);
      await s.close();
      expect((await rejection(s.get('devices', 'pk&dn2'))).code).toBe('closed');
    });

    it('stores a copy: mutating what was put or got changes nothing stored', async () => {
      const s = make();
      const v = { tags: { a: '1' } };
      await s.put('devices', 'k', v);
      v.tags.a = 'changed';
      const got = (await s.get('devices', 'k')) as { tags: { a: string } };
      expect(got.tags.a).toBe('1');
      got.tags.a = 'again';
      expect(await s.get('devices', 'k')).toEqual({ tags: { a: '1' } });
      await s.close();
    });

    it('refuses collections and keys outside the rules with invalid_key, and values JSON cannot hold with invalid_record', async () => {
      const s = make();
      for (const [c, k] of [['Devices', 'k'], ['', 'k'], ['a/b', 'k'], ['devices', ''], ['devices', 'a\nb'], ['devices', 'x'.repeat(129)], ['devices', 'a\ud800b'], [1, 'k'], ['devices', 7]] as const) {
        expect((await rejection(s.put(c as string, k as string, {}))).code).toBe('invalid_key');
        expect((await rejection(s.get(c as string, k as string))).code).toBe('invalid_key');
      }
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect((await rejection(s.put('devices', 'k', cyclic as never))).code).toBe('invalid_record');
      expect((await rejection(s.put('devices', 'k', { n: 1n } as never))).code).toBe('invalid_record');
      await s.close();
    });

    it('keeps keys with every character a device name may have, and any other key, apart', async () => {
      const s = make();
      const keys = ['a1B2c3D4e5F&dev-01', 'a1B2c3D4e5F&dev_01', 'pk&a.b:c@d', 'pk&..', '../../etc', '/ota/x/y', 'ключ', 'a%26b', 'a&b'];
      for (const [i, k] of keys.entries()) await s.put('devices', k, { i });
      for (const [i, k] of keys.entries()) expect(await s.get('devices', k)).toEqual({ i });
      expect((await s.list('devices')).length).toBe(keys.length);
      await s.close();
    });
  });
}

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
});
