import { describe, expect, test } from 'vitest';
import type { ClusterConfig } from '../clustermesh/cluster-config.js';
import { checkRemote, type LocalCluster, type RemoteCandidate } from './remote-checks.js';

const local: LocalCluster = { name: 'c1', id: 1, maxConnectedClusters: 255 };
const config = (
  id: number,
  caps: ClusterConfig['capabilities'] = { syncedCanaries: true, maxConnectedClusters: 255 },
) => ({
  id,
  capabilities: caps,
});
const others = new Map([['c3', 3]]);

describe('checkRemote', () => {
  test('accepts a remote with a fresh ID and matching limits', () => {
    expect(checkRemote({ configuredName: 'c2', config: config(2) }, local, others)).toEqual({
      ok: true,
      value: { name: 'c2', id: 2, syncedCanaries: true },
    });
  });

  test('a config without maxConnectedClusters means 255, and no canaries', () => {
    const r = checkRemote({ configuredName: 'c2', config: config(2, {}) }, local, others);
    expect(r).toEqual({ ok: true, value: { name: 'c2', id: 2, syncedCanaries: false } });
  });

  test('its own previous entry in the remote list is not a duplicate', () => {
    const r = checkRemote({ configuredName: 'c3', config: config(3) }, local, others);
    expect(r.ok).toBe(true);
  });

  const refusals: [string, RemoteCandidate, LocalCluster, string, RegExp][] = [
    [
      'no config',
      { configuredName: 'c2', config: undefined },
      local,
      'config-missing',
      /configuration required but not found/,
    ],
    [
      'cluster ID 0',
      { configuredName: 'c2', config: config(0) },
      local,
      'id-unset',
      /^remote cluster c2 has cluster ID 0 \(unset\)$/,
    ],
    [
      'the local ID',
      { configuredName: 'c2', config: config(1) },
      local,
      'id-local',
      /^remote cluster c2 has cluster ID 1, the same as the local cluster c1$/,
    ],
    [
      'an ID used by another remote',
      { configuredName: 'c2', config: config(3) },
      local,
      'id-duplicate',
      /^remote cluster c2 has cluster ID 3, already used by remote cluster c3$/,
    ],
    [
      'an ID out of range',
      { configuredName: 'c2', config: config(300) },
      local,
      'id-out-of-range',
      /outside 1\.\.255/,
    ],
    [
      'a different maxConnectedClusters',
      { configuredName: 'c2', config: config(2, { maxConnectedClusters: 511 }) },
      local,
      'max-connected-mismatch',
      /^remote cluster c2 has maxConnectedClusters 511, the local cluster 255$/,
    ],
    [
      'an implicit 255 against a local 511',
      { configuredName: 'c2', config: config(2, {}) },
      { ...local, maxConnectedClusters: 511 },
      'max-connected-mismatch',
      /maxConnectedClusters 255, the local cluster 511/,
    ],
    [
      'a name mismatch',
      { configuredName: 'c2', reportedName: 'c9', config: config(2) },
      local,
      'name-mismatch',
      /configured as c2 reports its name as c9/,
    ],
    [
      'the local name',
      { configuredName: 'c1', config: config(2) },
      local,
      'local-name',
      /the local cluster's name/,
    ],
  ];
  test.each(refusals)('refuses %s with a clear reason', (_what, remote, loc, code, reason) => {
    const r = checkRemote(remote, loc, others);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.reason).toMatch(reason);
    expect(r.retry).toBe(code === 'config-missing');
  });
});
