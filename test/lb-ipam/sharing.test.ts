/** IP sharing through kubectl: compatible services share, each incompatibility is named. */
import { describe, expect, test } from 'vitest';
import { eventually, poolYaml, serviceYaml, withLbIpamWorld } from './harness.js';

const w = withLbIpamWorld();

const incompatible = (ip: string, reason: string): object => ({
  status: 'False',
  reason: 'already_allocated_incompatible_service',
  message: `The IP '${ip}' is already allocated to an incompatible service. Reason: ${reason}`,
});

describe('LB-IPAM sharing', () => {
  test('a service asking for a taken IP without a sharing key is refused', async () => {
    await w.namespace('empire');
    await w.apply(poolYaml('empire', { namespace: 'empire', blocks: [{ cidr: '198.51.110.0/29' }] }));
    await w.apply(serviceYaml('empire', 'a', { ips: '198.51.110.3' }));
    await eventually(async () => expect(await w.ingress('empire', 'a')).toEqual(['198.51.110.3']));
    await w.apply(serviceYaml('empire', 'b', { ips: '198.51.110.3', ports: [{ port: 443 }] }));
    await eventually(async () => expect(await w.condition('empire', 'b')).toMatchObject({
      status: 'False', reason: 'already_allocated', message: "The IP '198.51.110.3' is already allocated to another service",
    }));
  });

  test('compatible services share; every incompatible reason is reported', async () => {
    const ip = '198.51.111.5';
    await w.namespace('share');
    await w.namespace('share-other');
    await w.apply(poolYaml('share', { selector: { matchExpressions: [{ key: 'io.kubernetes.service.namespace', operator: 'In', values: ['share', 'share-other'] }] }, blocks: [{ cidr: '198.51.111.0/29' }] }));
    await w.apply(serviceYaml('share', 'web', { ips: ip, sharingKey: 'k', ports: [{ port: 80 }] }));
    await eventually(async () => expect(await w.ingress('share', 'web')).toEqual([ip]));
    await w.apply(
      serviceYaml('share', 'api', { ips: ip, sharingKey: 'k', ports: [{ port: 8080 }] }),
      serviceYaml('share', 'same-port', { ips: ip, sharingKey: 'k', ports: [{ port: 80, protocol: 'UDP' }] }),
      serviceYaml('share', 'other-key', { ips: ip, sharingKey: 'other', ports: [{ port: 81 }] }),
      serviceYaml('share', 'local', { ips: ip, sharingKey: 'k', ports: [{ port: 82 }], externalTrafficPolicy: 'Local' }),
      serviceYaml('share-other', 'foreign', { ips: ip, sharingKey: 'k', ports: [{ port: 83 }] }),
    );
    await eventually(async () => {
      expect(await w.ingress('share', 'api')).toEqual([ip]);
      await expect(w.condition('share', 'api')).resolves.toMatchObject({ status: 'True', reason: 'satisfied' });
      expect(await w.condition('share', 'same-port')).toMatchObject(incompatible(ip, 'same port'));
      expect(await w.condition('share', 'other-key')).toMatchObject(incompatible(ip, 'different sharing key'));
      expect(await w.condition('share', 'local')).toMatchObject(incompatible(ip, 'different ExternalTrafficPolicy'));
      expect(await w.condition('share-other', 'foreign')).toMatchObject(incompatible(ip, 'different and not permitted namespace'));
    });
    const used = (await w.poolConditions('share')).find((c) => c.type === 'cilium.io/IPsUsed');
    expect(used?.message).toBe('1');
  });

  test('Local services share only when they select the same pods; cross-namespace needs both sides', async () => {
    const ip = '198.51.112.2';
    await w.namespace('loc');
    await w.namespace('loc-b');
    await w.apply(poolYaml('loc', { selector: { matchExpressions: [{ key: 'io.kubernetes.service.namespace', operator: 'In', values: ['loc', 'loc-b'] }] }, blocks: [{ cidr: '198.51.112.0/29' }] }));
    await w.apply(serviceYaml('loc', 'one', { ips: ip, sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'same' }, crossNamespace: 'loc-b' }));
    await eventually(async () => expect(await w.ingress('loc', 'one')).toEqual([ip]));
    await w.apply(
      serviceYaml('loc', 'two', { ips: ip, sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'same' }, ports: [{ port: 81 }] }),
      serviceYaml('loc', 'three', { ips: ip, sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'different' }, ports: [{ port: 82 }] }),
      serviceYaml('loc-b', 'four', { ips: ip, sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'same' }, ports: [{ port: 83 }], crossNamespace: '*' }),
    );
    await eventually(async () => {
      expect(await w.ingress('loc', 'two')).toEqual([ip]);
      expect(await w.condition('loc', 'three')).toMatchObject(incompatible(ip, 'compatible ExternalTrafficPolicy local but selecting different set of pods'));
      // 'two' does not allow loc-b, so 'four' may not join the group even though 'one' allows it.
      expect(await w.condition('loc-b', 'four')).toMatchObject(incompatible(ip, 'different and not permitted namespace'));
    });
  });

  test('without a request, a service with a sharing key joins a compatible group', async () => {
    await w.namespace('join');
    await w.apply(poolYaml('join', { namespace: 'join', blocks: [{ cidr: '198.51.113.0/29' }] }));
    await w.apply(serviceYaml('join', 'first', { sharingKey: 'team' }));
    await eventually(async () => expect(await w.ingress('join', 'first')).toEqual(['198.51.113.0']));
    await w.apply(serviceYaml('join', 'second', { sharingKey: 'team', ports: [{ port: 443 }] }), serviceYaml('join', 'clash', { sharingKey: 'team' }));
    await eventually(async () => {
      expect(await w.ingress('join', 'second')).toEqual(['198.51.113.0']);
      // Same port as 'first': it gets an address of its own instead.
      expect(await w.ingress('join', 'clash')).toEqual(['198.51.113.1']);
    });
  });
});
