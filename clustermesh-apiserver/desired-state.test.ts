import { describe, expect, test } from 'vitest';
import { KeyState } from './desired-state.js';

const keysOf = (records: readonly { key: string }[]) => records.map((r) => r.key).sort();

describe('KeyState: desired side', () => {
  test('a unit replacing its entries touches only what changed', () => {
    const s = new KeyState();
    expect(keysOf(s.setUnit('svc:a/x', [['k1', 'v1'], ['k2', 'v2']]))).toEqual(['k1', 'k2']);
    expect(keysOf(s.setUnit('svc:a/x', [['k1', 'v1'], ['k3', 'v3']]))).toEqual(['k2', 'k3']);
    expect([...s.desiredEntries()].sort()).toEqual([['k1', 'v1'], ['k3', 'v3']]);
    s.setUnit('svc:a/x', []);
    expect(s.desiredEntries().size).toBe(0);
    expect(s.units()).toEqual([]);
  });

  test('a key two units produce stays until both drop it', () => {
    const s = new KeyState();
    s.setUnit('cep:a/p1', [['ip', 'from-p1']]);
    s.setUnit('cep:a/p2', [['ip', 'from-p2']]);
    expect(s.desiredEntries().get('ip')).toBe('from-p2');
    s.setUnit('cep:a/p2', []);
    expect(s.desiredEntries().get('ip')).toBe('from-p1');
    s.setUnit('cep:a/p1', []);
    expect(s.desiredEntries().has('ip')).toBe(false);
  });

  test('three owners: dropping one keeps a remaining owner\'s value', () => {
    const s = new KeyState();
    for (const p of ['p1', 'p2', 'p3']) s.setUnit(`cep:a/${p}`, [['ip', `from-${p}`]]);
    s.setUnit('cep:a/p3', []);
    expect(s.desiredEntries().get('ip')).toBe('from-p2');
    s.setUnit('cep:a/p1', []);
    expect(s.desiredEntries().get('ip')).toBe('from-p2');
  });
});

describe('KeyState: writes', () => {
  test('puts new and changed values, deletes what is no longer wanted, skips equal ones', () => {
    const s = new KeyState();
    s.resetWritten(new Map([['b', 'old'], ['c', '3'], ['a', '1']]));
    expect(s.writtenSize).toBe(3);
    const touched = [...s.setUnit('u:1', [['a', '1'], ['b', '2']]), ...s.setUnit('u:2', [['c', '3']]), ...s.setUnit('u:2', [])];
    const ops = s.opsFor(touched);
    expect(ops).toEqual([
      { op: 'put', key: 'b', value: '2' },
      { op: 'delete', key: 'c' },
    ]);
    s.recordApplied(ops);
    expect(s.writtenSize).toBe(2);
    expect(s.diff()).toEqual({ puts: [], deletes: [] });
    expect(s.opsFor(touched)).toEqual([]);
  });

  test('each touched record yields one op even when touched twice', () => {
    const s = new KeyState();
    const first = s.setUnit('u:1', [['k', 'v1']]);
    const second = s.setUnit('u:1', [['k', 'v2']]);
    expect(s.opsFor([...first, ...second])).toEqual([{ op: 'put', key: 'k', value: 'v2' }]);
  });

  test('diff lists stale keys from a listing and missing ones, sorted', () => {
    const s = new KeyState();
    s.setUnit('u:1', [['k2', 'v'], ['k1', 'v']]);
    s.resetWritten(new Map([['stale/b', 'x'], ['stale/a', 'x'], ['k2', 'v']]));
    expect(s.diff()).toEqual({ puts: [['k1', 'v']], deletes: ['stale/a', 'stale/b'] });
    s.recordApplied([{ op: 'put', key: 'k1', value: 'v' }, { op: 'delete', key: 'stale/a' }, { op: 'delete', key: 'stale/b' }]);
    expect(s.diff()).toEqual({ puts: [], deletes: [] });
    expect(s.writtenSize).toBe(2);
  });

  test('a fresh listing replaces what was known to be written', () => {
    const s = new KeyState();
    s.setUnit('u:1', [['k', 'v']]);
    s.recordApplied(s.opsFor(s.setUnit('u:1', [['k', 'v']])));
    s.recordApplied([{ op: 'put', key: 'k', value: 'v' }]);
    expect(s.writtenSize).toBe(1);
    // etcd lost everything (restored from an old snapshot, wiped): the listing says so.
    s.resetWritten(new Map());
    expect(s.writtenSize).toBe(0);
    expect(s.diff()).toEqual({ puts: [['k', 'v']], deletes: [] });
  });

  test('deletePrefix forgets every written key under the prefix', () => {
    const s = new KeyState();
    s.resetWritten(new Map([['p/a', '1'], ['p/b', '2'], ['q/a', '3']]));
    s.recordApplied([{ op: 'deletePrefix', prefix: 'p/' }]);
    expect(s.writtenSize).toBe(1);
    expect(s.diff()).toEqual({ puts: [], deletes: ['q/a'] });
  });
});
