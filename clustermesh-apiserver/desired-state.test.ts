import { describe, expect, test } from 'vitest';
import { DesiredState, opsFor, recordOps } from './desired-state.js';

describe('DesiredState', () => {
  test('a unit replacing its entries touches only what changed', () => {
    const s = new DesiredState();
    expect(s.set('svc:a/x', [['k1', 'v1'], ['k2', 'v2']]).sort()).toEqual(['k1', 'k2']);
    expect(s.set('svc:a/x', [['k1', 'v1'], ['k3', 'v3']]).sort()).toEqual(['k2', 'k3']);
    expect([...s.entries]).toEqual([['k1', 'v1'], ['k3', 'v3']]);
    s.set('svc:a/x', []);
    expect(s.entries.size).toBe(0);
  });

  test('a key two units produce stays until both drop it', () => {
    const s = new DesiredState();
    s.set('cep:a/p1', [['ip', 'from-p1']]);
    s.set('cep:a/p2', [['ip', 'from-p2']]);
    expect(s.entries.get('ip')).toBe('from-p2');
    s.set('cep:a/p2', []);
    expect(s.entries.get('ip')).toBe('from-p1');
    s.set('cep:a/p1', []);
    expect(s.entries.has('ip')).toBe(false);
  });
});

describe('opsFor / recordOps', () => {
  test('puts new and changed values, deletes what is no longer wanted, skips equal ones', () => {
    const desired = new Map([['a', '1'], ['b', '2']]);
    const written = new Map([['b', 'old'], ['c', '3'], ['a', '1']]);
    const ops = opsFor(['a', 'b', 'c', 'd'], desired, written);
    expect(ops).toEqual([
      { op: 'put', key: 'b', value: '2' },
      { op: 'delete', key: 'c' },
    ]);
    recordOps(written, ops);
    expect(written).toEqual(desired);
  });
});
