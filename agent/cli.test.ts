import { describe, expect, test } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { startAgent } from './agent.js';
import { parseDuration } from './cli.js';

describe('parseDuration', () => {
  test('Go-style units and bare seconds', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('0')).toBe(0);
  });

  test('anything else is refused with the value named', () => {
    expect(() => parseDuration('2 days')).toThrow('invalid duration "2 days"');
    expect(() => parseDuration('-1s')).toThrow('invalid duration');
  });
});

describe('startAgent', () => {
  const base = {
    kc: new KubeConfig(),
    nodeName: 'n1',
    clusterName: 'c1',
    clusterId: 1,
    maxConnectedClusters: 255 as const,
    statusPort: 0,
  };

  test('refuses an invalid identity before touching anything', async () => {
    expect(await startAgent({ ...base, clusterName: 'Not_Valid' })).toMatchObject({ ok: false, error: expect.stringContaining('--cluster-name') });
    expect(await startAgent({ ...base, clusterId: 0 })).toMatchObject({ ok: false, error: expect.stringContaining('--cluster-id') });
    expect(await startAgent({ ...base, clusterId: 300 })).toMatchObject({ ok: false, error: expect.stringContaining('out of range 1..255') });
    expect(await startAgent({ ...base, nodeName: '' })).toMatchObject({ ok: false, error: '--node-name is required' });
  });
});
