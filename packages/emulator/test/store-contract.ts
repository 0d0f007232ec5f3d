import { describe, expect, it } from 'vitest';
import { PlatformStoreError, type PlatformStore } from '../src/mod.ts';

/** Awaits a promise (or calls a function) that must fail with a PlatformStoreError, and returns it. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<PlatformStoreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(PlatformStoreError);
    return e as PlatformStoreError;
  }
  throw new Error('expected a PlatformStoreError');
}

/**
 * The contract every PlatformStore keeps: a store's test calls `contract('its name', () => makeStore())`
 * (the memory and directory stores here, a Redis one in cluster mode). Each call of `make` gives an empty store.
 */
export function contract(name: string, make: () => PlatformStore) {
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

