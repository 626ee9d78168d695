import { describe, expect, test } from 'vitest';
import { authPlan, grantRange, permissionChange, prefixEnd } from './auth-plan.js';

describe('authPlan', () => {
  test('admin is root, local and remote are read-only with the reference prefixes', () => {
    const plan = authPlan('c1');
    expect(plan.users).toEqual([
      { name: 'root', roles: ['root'] },
      { name: 'admin-c1', roles: ['root'] },
      { name: 'local-c1', roles: ['local'] },
      { name: 'remote', roles: ['remote'] },
    ]);
    const remote = plan.roles.find((r) => r.name === 'remote')!;
    expect(remote.reads).toEqual([
      { key: 'cilium/.heartbeat' },
      { prefix: 'cilium/state/' },
      { key: 'cilium/cluster-config/c1' },
      { prefix: 'cilium/synced/c1/' },
    ]);
    const local = plan.roles.find((r) => r.name === 'local')!;
    expect(local.reads).toEqual([
      { key: 'cilium/.heartbeat' },
      { prefix: 'cilium/cache/' },
      { prefix: 'cilium/cluster-config/' },
      { prefix: 'cilium/synced/' },
    ]);
  });
});

describe('ranges', () => {
  test('a prefix ends before the next byte after its last character', () => {
    expect(prefixEnd('cilium/state/')).toBe('cilium/state0');
    expect(grantRange({ prefix: 'a/' })).toEqual({ key: 'a/', rangeEnd: 'a0' });
    expect(grantRange({ key: 'k' })).toEqual({ key: 'k', rangeEnd: '' });
  });
});

describe('permissionChange', () => {
  test('grants what is missing, revokes what is extra or not read-only, keeps the rest', () => {
    const change = permissionChange(
      [{ key: 'a' }, { prefix: 'b/' }, { prefix: 'c/' }],
      [
        { key: 'a', rangeEnd: '', type: 'Read' },
        { key: 'b/', rangeEnd: 'b0', type: 'Readwrite' },
        { key: 'z', rangeEnd: '', type: 'Read' },
      ],
    );
    expect(change.grant).toEqual([
      { key: 'b/', rangeEnd: 'b0' },
      { key: 'c/', rangeEnd: 'c0' },
    ]);
    expect(change.revoke).toEqual([
      { key: 'b/', rangeEnd: 'b0' },
      { key: 'z', rangeEnd: '' },
    ]);
  });

  test('nothing to do when the role already matches', () => {
    expect(permissionChange([{ key: 'a' }], [{ key: 'a', rangeEnd: '', type: 'Read' }])).toEqual({ grant: [], revoke: [] });
  });
});
