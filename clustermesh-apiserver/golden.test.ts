import { describe, expect, test } from 'vitest';
import { decodeIdentity } from '../clustermesh/identity.js';
import { decodeIpIdentityPair } from '../clustermesh/ipcache.js';
import { decodeNode } from '../clustermesh/node.js';
import { decodeClusterService } from '../clustermesh/service.js';
import { loadGoldenExpected, loadGoldenInputs, runGolden } from './testdata/golden.js';

const inputs = loadGoldenInputs();
const expected = loadGoldenExpected();
const { projection, podsRejected } = runGolden(inputs);

describe('golden: Kubernetes fixtures → etcd contents', () => {
  test('the key set is exactly the expected one', () => {
    expect([...projection.entries.keys()].sort()).toEqual(Object.keys(expected.entries).sort());
  });

  test.each(Object.entries(expected.entries))('%s has the expected value', (key, want) => {
    const got = projection.entries.get(key);
    expect(got).toBeDefined();
    if (typeof want === 'string') expect(got).toBe(want); // identity labels: byte for byte
    else expect(JSON.parse(got!)).toEqual(want);
  });

  test('rejected objects are reported with their reasons, and nothing else is', () => {
    expect(projection.rejected).toEqual(expected.rejected);
    expect(podsRejected).toEqual(expected.podsRejected);
  });

  test("every published entry passes a remote agent's validation", () => {
    const ctx = { cluster: 'c1', clusterId: 1, maxConnectedClusters: 255 } as const;
    for (const [key, value] of projection.entries) {
      const decoded = key.startsWith('cilium/state/identities/')
        ? decodeIdentity(key, value, ctx)
        : key.startsWith('cilium/state/ip/')
          ? decodeIpIdentityPair(key, value, { remote: true })
          : key.startsWith('cilium/state/nodes/')
            ? decodeNode(key, value, ctx)
            : decodeClusterService(key, value, ctx);
      expect(decoded, `${key}: ${decoded.ok ? '' : decoded.error}`).toMatchObject({ ok: true });
    }
  });
});
