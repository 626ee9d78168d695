/**
 * Pools through kubectl: overlaps (the later pool CONFLICTING), the `kubectl get ippools`
 * columns, a /64's 20-digit count, disabling and deleting, and bad pool or service input.
 */
import { describe, expect, test } from 'vitest';
import { eventually, poolYaml, serviceYaml, withLbIpamWorld } from './harness.js';

const w = withLbIpamWorld();

/** `kubectl get ippools` as rows of named columns (the headers are split on runs of 2+ spaces). */
async function ippools(): Promise<Record<string, string>[]> {
  const r = await w.kubectl(['get', 'ippools']);
  if (r.code !== 0) throw new Error(r.stderr);
  const [header, ...rows] = r.stdout.trimEnd().split('\n');
  const names = header!.trim().split(/\s{2,}/);
  return rows.map((row) => Object.fromEntries(row.trim().split(/\s{2,}/).map((v, i) => [names[i]!, v])));
}

const row = async (name: string): Promise<Record<string, string> | undefined> => (await ippools()).find((r) => r.NAME === name);

describe('LB-IPAM pools', () => {
  test('two overlapping pools: the later one is CONFLICTING and allocates nothing; a /64 shows its 20-digit count', async () => {
    await w.namespace('overlap');
    await w.apply(poolYaml('older', { namespace: 'overlap', blocks: [{ cidr: '198.51.120.0/29' }, { cidr: '2001:db8:120::/64' }] }));
    await eventually(async () => expect(await row('older')).toMatchObject({ DISABLED: 'false', CONFLICTING: 'False', 'IPS AVAILABLE': '18446744073709551624' }));
    await new Promise((r) => setTimeout(r, 1100)); // creation timestamps have second resolution
    await w.apply(poolYaml('newer', { namespace: 'overlap', blocks: [{ cidr: '198.51.121.0/29' }, { start: '198.51.120.6', stop: '198.51.120.9' }] }));
    await eventually(async () => expect(await row('newer')).toMatchObject({ DISABLED: 'false', CONFLICTING: 'True' }));
    const conflict = (await w.poolConditions('newer')).find((c) => c.type === 'cilium.io/PoolConflict');
    expect(conflict).toMatchObject({
      status: 'True', reason: 'cidr_overlap',
      message: "Pool conflicts since range '198.51.120.6 - 198.51.120.9' overlaps range '198.51.120.0 - 198.51.120.7' from IP Pool 'older'",
    });
    // Its non-overlapping block is not used either.
    await w.apply(serviceYaml('overlap', 'wants', { ips: '198.51.121.1' }));
    await eventually(async () => expect(await w.condition('overlap', 'wants')).toMatchObject({ reason: 'no_pool' }));
    // Two services on the older pool: v4 /29 + /64 minus the two shows above 2^64.
    await w.apply(serviceYaml('overlap', 'a'), serviceYaml('overlap', 'b'));
    await eventually(async () => expect((await row('older'))?.['IPS AVAILABLE']).toBe('18446744073709551622'));
    // Removing the overlap resolves the conflict.
    await w.apply(poolYaml('newer', { namespace: 'overlap', blocks: [{ cidr: '198.51.121.0/29' }] }));
    await eventually(async () => expect(await row('newer')).toMatchObject({ CONFLICTING: 'False' }));
    expect((await w.poolConditions('newer')).find((c) => c.type === 'cilium.io/PoolConflict')).toMatchObject({ status: 'False', reason: 'resolved' });
    await eventually(async () => expect(await w.ingress('overlap', 'wants')).toEqual(['198.51.121.1']));
  });

  test('a disabled pool keeps existing allocations and makes no new ones; deleting it frees its services', async () => {
    await w.namespace('dis');
    await w.apply(poolYaml('dis', { namespace: 'dis', blocks: [{ cidr: '198.51.122.0/29' }] }));
    await w.apply(serviceYaml('dis', 'kept'));
    await eventually(async () => expect(await w.ingress('dis', 'kept')).toEqual(['198.51.122.0']));
    await w.apply(poolYaml('dis', { namespace: 'dis', blocks: [{ cidr: '198.51.122.0/29' }], disabled: true }));
    await eventually(async () => expect((await row('dis'))?.DISABLED).toBe('true'));
    await w.apply(serviceYaml('dis', 'late'));
    await eventually(async () => expect(await w.condition('dis', 'late')).toMatchObject({ reason: 'no_pool' }));
    expect(await w.ingress('dis', 'kept')).toEqual(['198.51.122.0']);
    const del = await w.kubectl(['delete', 'ippool', 'dis']);
    expect(del.code).toBe(0);
    await eventually(async () => {
      expect(await w.ingress('dis', 'kept')).toEqual([]);
      expect(await w.condition('dis', 'kept')).toMatchObject({ status: 'False', reason: 'no_pool' });
    });
  });

  test('bad pools get a clear condition, malformed requests a clear service condition; other pools keep allocating', async () => {
    await w.namespace('bad');
    await w.apply(poolYaml('broken', {
      namespace: 'bad',
      blocks: [{ cidr: '10.250.0.0/33' }, { start: '10.250.1.9', stop: '10.250.1.1' }, { start: '10.250.2.1', stop: '2001:db8::1' }],
    }));
    await w.apply(poolYaml('badprio', { namespace: 'nobody', blocks: [{ cidr: '10.251.0.0/30' }], annotations: { 'lbipam.meshlb.io/priority': 'soon' } }));
    await w.apply(poolYaml('fine', { namespace: 'bad', blocks: [{ cidr: '198.51.123.0/29' }] }));
    await w.apply(serviceYaml('bad', 'typo', { ips: '198.51.123.1,banana' }), serviceYaml('bad', 'ok'));
    await eventually(async () => {
      expect((await w.poolConditions('broken')).find((c) => c.type === 'lbipam.meshlb.io/PoolInvalid')).toMatchObject({
        status: 'True', reason: 'invalid_spec',
        message: "spec.blocks[0]: invalid CIDR '10.250.0.0/33': prefix length 33 exceeds 32; spec.blocks[1]: block '10.250.1.9 - 10.250.1.1' has start after stop; spec.blocks[2]: block '10.250.2.1 - 2001:db8::1' mixes IPv4 and IPv6",
      });
      expect((await w.poolConditions('badprio')).find((c) => c.type === 'lbipam.meshlb.io/PoolInvalid')?.message).toBe(
        "annotation lbipam.meshlb.io/priority: 'soon' is not an integer",
      );
      expect(await w.condition('bad', 'typo')).toMatchObject({ status: 'False', reason: 'malformed_request', message: "annotation lbipam.cilium.io/ips: 'banana' is not an IP address" });
      expect(await w.ingress('bad', 'ok')).toEqual(['198.51.123.0']);
    });
    // (A malformed spec.loadBalancerIP never gets this far: the API server refuses it.)
    expect(w.controller?.health()).toMatchObject({ healthy: true, ready: true });
    // Fixing the request is enough.
    await w.apply(serviceYaml('bad', 'typo', { ips: '198.51.123.1' }));
    await eventually(async () => expect(await w.ingress('bad', 'typo')).toEqual(['198.51.123.1']));
  });
});
