/**
 * Allocation through the real kubectl against the sandbox API server, with the controller
 * running in-process: every service condition reason, requested IPs, dual stack, classes.
 */
import { describe, expect, test } from 'vitest';
import { eventually, poolYaml, serviceYaml, withLbIpamWorld } from './harness.js';

const w = withLbIpamWorld();

const NO_POOL = 'There are no enabled CiliumLoadBalancerIPPools that match this service';

describe('LB-IPAM allocation', () => {
  test('a service gets the lowest free address of its pool and a satisfied condition', async () => {
    await w.namespace('alloc');
    await w.apply(poolYaml('alloc', { namespace: 'alloc', blocks: [{ cidr: '198.51.100.0/29' }] }));
    await w.apply(serviceYaml('alloc', 'a'), serviceYaml('alloc', 'b'));
    await eventually(async () => expect((await w.ingress('alloc', 'a')).length + (await w.ingress('alloc', 'b')).length).toBe(2));
    const all = [...(await w.ingress('alloc', 'a')), ...(await w.ingress('alloc', 'b'))].sort();
    expect(all).toEqual(['198.51.100.0', '198.51.100.1']);
    await expect(w.condition('alloc', 'a')).resolves.toMatchObject({ status: 'True', reason: 'satisfied', message: '', observedGeneration: 1 });
    await eventually(async () => {
      const conds = await w.poolConditions('alloc');
      expect(conds.find((c) => c.type === 'cilium.io/IPsUsed')).toMatchObject({ status: 'Unknown', reason: 'noreason', message: '2' });
      expect(conds.find((c) => c.type === 'cilium.io/IPsAvailable')?.message).toBe('6');
      expect(conds.find((c) => c.type === 'cilium.io/IPsTotal')?.message).toBe('8');
    });
  });

  test('no pool, out of IPs, and requests outside or not selected by a pool', async () => {
    await w.namespace('short');
    await w.apply(poolYaml('short', { namespace: 'short', blocks: [{ start: '198.51.101.10' }] }));
    await w.apply(serviceYaml('short', 'first'));
    await eventually(async () => expect(await w.ingress('short', 'first')).toEqual(['198.51.101.10']));
    await w.apply(serviceYaml('short', 'second'));
    await eventually(async () => expect(await w.condition('short', 'second')).toMatchObject({
      status: 'False', reason: 'out_of_ips', message: 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs',
    }));
    await w.namespace('nopool');
    await w.apply(serviceYaml('nopool', 'lonely'));
    await eventually(async () => expect(await w.condition('nopool', 'lonely')).toMatchObject({ status: 'False', reason: 'no_pool', message: NO_POOL }));
    await w.apply(serviceYaml('nopool', 'outside', { ips: '203.0.113.200' }));
    await eventually(async () => expect(await w.condition('nopool', 'outside')).toMatchObject({
      status: 'False', reason: 'no_pool', message: "No pool exists with a CIDR containing '203.0.113.200'",
    }));
    await w.apply(serviceYaml('nopool', 'notselected', { ips: '198.51.101.10' }));
    await eventually(async () => expect(await w.condition('nopool', 'notselected')).toMatchObject({
      status: 'False', reason: 'pool_selector_mismatch', message: "The pool with the CIDR containing '198.51.101.10', doesn't select this service",
    }));
    expect(await w.ingress('nopool', 'notselected')).toEqual([]);
  });

  test('requested IPs inside a pool, from the annotation and spec.loadBalancerIP', async () => {
    await w.namespace('asks');
    await w.apply(poolYaml('asks', { namespace: 'asks', blocks: [{ cidr: '198.51.102.0/24' }] }));
    await w.apply(
      serviceYaml('asks', 'annotated', { ips: '198.51.102.77,198.51.102.78' }),
      serviceYaml('asks', 'legacy', { loadBalancerIP: '198.51.102.99' }),
    );
    await eventually(async () => expect(await w.ingress('asks', 'annotated')).toEqual(['198.51.102.77', '198.51.102.78']));
    await eventually(async () => expect(await w.ingress('asks', 'legacy')).toEqual(['198.51.102.99']));
    await expect(w.condition('asks', 'legacy')).resolves.toMatchObject({ status: 'True', reason: 'satisfied' });
    // Changing the request moves the service to the new address and frees the old one.
    await w.apply(serviceYaml('asks', 'annotated', { ips: '198.51.102.5' }));
    await eventually(async () => expect(await w.ingress('asks', 'annotated')).toEqual(['198.51.102.5']));
    await eventually(async () => expect((await w.poolConditions('asks')).find((c) => c.type === 'cilium.io/IPsUsed')?.message).toBe('2'));
  });

  test('dual stack: single, preferred and required', async () => {
    await w.namespace('dual');
    await w.apply(poolYaml('dual', { namespace: 'dual', blocks: [{ cidr: '198.51.103.0/30' }, { cidr: '2001:db8:103::/126' }] }));
    await w.apply(
      serviceYaml('dual', 'six', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] }),
      serviceYaml('dual', 'prefer', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
      serviceYaml('dual', 'require', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }),
    );
    const family = (ips: string[]): string[] => ips.map((ip) => (ip.includes(':') ? '6' : '4')).sort();
    await eventually(async () => {
      expect(family(await w.ingress('dual', 'six'))).toEqual(['6']);
      expect(family(await w.ingress('dual', 'prefer'))).toEqual(['4', '6']);
      expect(family(await w.ingress('dual', 'require'))).toEqual(['4', '6']);
    });
    for (const ip of await w.ingress('dual', 'six')) expect(ip).toMatch(/^2001:db8:103::[0-3]?$/);
    // A v6-only pool cannot satisfy RequireDualStack: the v6 address is given, the condition says what is missing.
    await w.namespace('dual6');
    await w.apply(poolYaml('dual6', { namespace: 'dual6', blocks: [{ cidr: '2001:db8:104::/120' }] }));
    await w.apply(serviceYaml('dual6', 'require', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }));
    await eventually(async () => expect(await w.condition('dual6', 'require')).toMatchObject({ status: 'False', reason: 'no_pool', message: NO_POOL }));
    expect(await w.ingress('dual6', 'require')).toEqual(['2001:db8:104::']);
  });

  test('a class that is not ours is left untouched; our classes are served', async () => {
    await w.namespace('classes');
    await w.apply(poolYaml('classes', { namespace: 'classes', blocks: [{ cidr: '198.51.105.0/29' }] }));
    await w.apply(
      serviceYaml('classes', 'foreign', { loadBalancerClass: 'example.com/metal' }),
      serviceYaml('classes', 'bgp', { loadBalancerClass: 'io.cilium/bgp-control-plane' }),
    );
    await eventually(async () => expect(await w.ingress('classes', 'bgp')).toEqual(['198.51.105.0']));
    // Settle: the foreign service must still have no address and no condition of ours.
    await new Promise((r) => setTimeout(r, 500));
    const foreign = JSON.parse((await w.kubectl(['get', 'service', '-n', 'classes', 'foreign', '-o', 'json'])).stdout) as { status: unknown };
    expect(foreign.status).toEqual({ loadBalancer: {} });
  });

  test('a service that stops being a LoadBalancer loses its address and condition', async () => {
    await w.namespace('leaving');
    await w.apply(poolYaml('leaving', { namespace: 'leaving', blocks: [{ cidr: '198.51.106.0/29' }] }));
    await w.apply(serviceYaml('leaving', 'x'));
    await eventually(async () => expect(await w.ingress('leaving', 'x')).toEqual(['198.51.106.0']));
    await w.apply(serviceYaml('leaving', 'x', { type: 'NodePort' }));
    await eventually(async () => {
      expect(await w.ingress('leaving', 'x')).toEqual([]);
      expect(await w.condition('leaving', 'x')).toBeUndefined();
    });
  });

  test('allowFirstLastIPs: No keeps the network and broadcast address back', async () => {
    await w.namespace('edges');
    await w.apply(poolYaml('edges', { namespace: 'edges', blocks: [{ cidr: '198.51.107.0/30' }], allowFirstLastIPs: 'No' }));
    await w.apply(serviceYaml('edges', 'net', { ips: '198.51.107.0' }), serviceYaml('edges', 'any'));
    await eventually(async () => expect(await w.ingress('edges', 'any')).toEqual(['198.51.107.1']));
    await eventually(async () => expect(await w.condition('edges', 'net')).toMatchObject({ status: 'False', reason: 'already_allocated' }));
  });
});
