/**
 * The additions beyond Cilium, through kubectl: pool priority and explicit-only pools (pool
 * annotations) and protocol-aware sharing (a controller option, on in this file's world).
 */
import { describe, expect, test } from 'vitest';
import { eventually, poolYaml, serviceYaml, withLbIpamWorld } from './harness.js';

const w = withLbIpamWorld({ sharing: { protocolAware: true } });

describe('LB-IPAM beyond Cilium', () => {
  test('the pool with the lowest priority number is used first, whatever its age', async () => {
    await w.namespace('prio');
    await w.apply(poolYaml('prio-old', { namespace: 'prio', blocks: [{ cidr: '198.51.130.0/30' }] }));
    await w.apply(poolYaml('prio-new', { namespace: 'prio', blocks: [{ cidr: '198.51.131.0/30' }], annotations: { 'lbipam.meshlb.io/priority': '-10' } }));
    await w.apply(serviceYaml('prio', 'a'));
    await eventually(async () => expect(await w.ingress('prio', 'a')).toEqual(['198.51.131.0']));
  });

  test('an explicit-only pool serves only services that request one of its IPs', async () => {
    await w.namespace('vip');
    await w.apply(poolYaml('vip', { namespace: 'vip', blocks: [{ cidr: '198.51.132.0/30' }], annotations: { 'lbipam.meshlb.io/explicit-only': 'true' } }));
    await w.apply(serviceYaml('vip', 'any'), serviceYaml('vip', 'asks', { ips: '198.51.132.2' }));
    await eventually(async () => {
      expect(await w.ingress('vip', 'asks')).toEqual(['198.51.132.2']);
      expect(await w.condition('vip', 'any')).toMatchObject({ status: 'False', reason: 'no_pool' });
    });
  });

  test('protocol-aware sharing: 53/UDP and 53/TCP share, 53/TCP twice does not', async () => {
    await w.namespace('dns');
    await w.apply(poolYaml('dns', { namespace: 'dns', blocks: [{ cidr: '198.51.133.0/30' }] }));
    await w.apply(serviceYaml('dns', 'tcp', { ips: '198.51.133.1', sharingKey: 'dns', ports: [{ port: 53, protocol: 'TCP' }] }));
    await eventually(async () => expect(await w.ingress('dns', 'tcp')).toEqual(['198.51.133.1']));
    await w.apply(
      serviceYaml('dns', 'udp', { ips: '198.51.133.1', sharingKey: 'dns', ports: [{ port: 53, protocol: 'UDP' }] }),
      serviceYaml('dns', 'tcp-again', { ips: '198.51.133.1', sharingKey: 'dns', ports: [{ port: 53, protocol: 'TCP' }] }),
    );
    await eventually(async () => {
      expect(await w.ingress('dns', 'udp')).toEqual(['198.51.133.1']);
      expect(await w.condition('dns', 'tcp-again')).toMatchObject({ reason: 'already_allocated_incompatible_service' });
    });
  });
});
