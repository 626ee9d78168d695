import { describe, expect, test } from 'vitest';
import { decide, DEFAULT_OPTIONS, type Condition, type Options, type Outcome } from './desired.js';
import { poolFromObject, serviceFromObject, type Pool, type Service } from './inputs.js';

let clock = 0;
const stamp = (): string => new Date(Date.UTC(2024, 0, 1, 0, 0, clock++)).toISOString();

function pool(name: string, blocks: object[], extra: { spec?: object; annotations?: Record<string, string> } = {}): Pool {
  const p = poolFromObject({
    metadata: { name, generation: 1, creationTimestamp: stamp(), annotations: extra.annotations ?? {} },
    spec: { blocks, ...(extra.spec ?? {}) },
  });
  if (!p) throw new Error('pool did not parse');
  return p;
}

interface SvcOpts {
  ns?: string; ips?: string; lbIP?: string; key?: string; cross?: string; ports?: { port: number; protocol?: string }[];
  policy?: string; families?: string[]; etp?: string; selector?: Record<string, string>; labels?: Record<string, string>;
  cls?: string; type?: string; ingress?: string[]; conditions?: object[];
}

function svc(name: string, o: SvcOpts = {}): Service {
  const annotations: Record<string, string> = {};
  if (o.ips) annotations['lbipam.cilium.io/ips'] = o.ips;
  if (o.key) annotations['lbipam.cilium.io/sharing-key'] = o.key;
  if (o.cross) annotations['lbipam.cilium.io/sharing-cross-namespace'] = o.cross;
  const s = serviceFromObject({
    metadata: { name, namespace: o.ns ?? 'default', generation: 1, creationTimestamp: stamp(), labels: o.labels ?? {}, annotations },
    spec: {
      type: o.type ?? 'LoadBalancer', ports: o.ports ?? [{ port: 80 }], externalTrafficPolicy: o.etp ?? 'Cluster',
      selector: o.selector ?? { app: name }, ipFamilies: o.families ?? ['IPv4'], ipFamilyPolicy: o.policy ?? 'SingleStack',
      ...(o.cls ? { loadBalancerClass: o.cls } : {}), ...(o.lbIP ? { loadBalancerIP: o.lbIP } : {}),
    },
    status: { loadBalancer: { ingress: (o.ingress ?? []).map((ip) => ({ ip })) }, conditions: o.conditions ?? [] },
  });
  if (!s) throw new Error('service did not parse');
  return s;
}

const run = (pools: Pool[], services: Service[], options: Options = DEFAULT_OPTIONS): Outcome => decide({ pools, services, options });
const ingress = (out: Outcome, name: string, ns = 'default'): readonly string[] | undefined => out.services.get(`${ns}/${name}`)?.ingress;
const cond = (out: Outcome, name: string, ns = 'default'): Pick<Condition, 'status' | 'reason' | 'message'> | undefined => {
  const c = out.services.get(`${ns}/${name}`)?.condition;
  return c && { status: c.status, reason: c.reason, message: c.message };
};
const poolCond = (out: Outcome, name: string, type: string): Condition | undefined => out.pools.get(name)?.find((c) => c.type === `cilium.io/${type}`);

describe('decide', () => {
  test('allocates the lowest free address and reports pool counts', () => {
    const out = run([pool('blue', [{ cidr: '198.51.100.0/29' }])], [svc('a'), svc('b')]);
    expect(ingress(out, 'a')).toEqual(['198.51.100.0']);
    expect(ingress(out, 'b')).toEqual(['198.51.100.1']);
    expect(cond(out, 'a')).toEqual({ status: 'True', reason: 'satisfied', message: '' });
    expect(poolCond(out, 'blue', 'IPsTotal')?.message).toBe('8');
    expect(poolCond(out, 'blue', 'IPsAvailable')?.message).toBe('6');
    expect(poolCond(out, 'blue', 'IPsUsed')).toMatchObject({ status: 'Unknown', reason: 'noreason', message: '2' });
    expect(poolCond(out, 'blue', 'PoolConflict')).toMatchObject({ status: 'False', reason: 'resolved', message: '' });
  });

  test('a /64 plus a /29 with two IPs used shows a count above 2^64', () => {
    const out = run([pool('big', [{ cidr: '2001:db8::/64' }, { cidr: '198.51.100.0/29' }])], [svc('a'), svc('b')]);
    expect(poolCond(out, 'big', 'IPsAvailable')?.message).toBe('18446744073709551622');
  });

  test('no pool, selector mismatch, out of IPs', () => {
    const red = pool('red', [{ cidr: '198.51.100.0/31' }], { spec: { serviceSelector: { matchLabels: { color: 'red' } } } });
    const out = run([red], [
      svc('plain'),
      svc('r1', { labels: { color: 'red' } }), svc('r2', { labels: { color: 'red' } }), svc('r3', { labels: { color: 'red' } }),
      svc('asks', { ips: '198.51.100.1' }),
      svc('elsewhere', { ips: '203.0.113.9' }),
    ]);
    expect(cond(out, 'plain')).toEqual({ status: 'False', reason: 'no_pool', message: 'There are no enabled CiliumLoadBalancerIPPools that match this service' });
    expect(cond(out, 'r3')).toEqual({ status: 'False', reason: 'out_of_ips', message: 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs' });
    expect(cond(out, 'asks')).toEqual({ status: 'False', reason: 'pool_selector_mismatch', message: "The pool with the CIDR containing '198.51.100.1', doesn't select this service" });
    expect(cond(out, 'elsewhere')).toEqual({ status: 'False', reason: 'no_pool', message: "No pool exists with a CIDR containing '203.0.113.9'" });
  });

  test('the name/namespace pseudo-labels can be selected on', () => {
    const p = pool('ns', [{ cidr: '198.51.100.0/29' }], { spec: { serviceSelector: { matchLabels: { 'io.kubernetes.service.namespace': 'team' } } } });
    const out = run([p], [svc('a', { ns: 'team' }), svc('b')]);
    expect(ingress(out, 'a', 'team')).toEqual(['198.51.100.0']);
    expect(ingress(out, 'b')).toEqual([]);
  });

  test('sharing: requested IP taken without a key, with an incompatible and a compatible service', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/29' }]);
    const out = run([p], [
      svc('a', { ips: '198.51.100.3', key: 'k' }),
      svc('nokey', { ips: '198.51.100.3', ports: [{ port: 443 }] }),
      svc('clash', { ips: '198.51.100.3', key: 'k' }),
      svc('fits', { ips: '198.51.100.3', key: 'k', ports: [{ port: 443 }] }),
      svc('generic', { key: 'k', ports: [{ port: 8080 }] }),
    ]);
    expect(cond(out, 'nokey')).toEqual({ status: 'False', reason: 'already_allocated', message: "The IP '198.51.100.3' is already allocated to another service" });
    expect(cond(out, 'clash')).toEqual({
      status: 'False', reason: 'already_allocated_incompatible_service',
      message: "The IP '198.51.100.3' is already allocated to an incompatible service. Reason: same port",
    });
    expect(ingress(out, 'fits')).toEqual(['198.51.100.3']);
    // Without a request, a service with a sharing key joins a compatible group first.
    expect(ingress(out, 'generic')).toEqual(['198.51.100.3']);
    expect(poolCond(out, 'p', 'IPsUsed')?.message).toBe('1');
  });

  test('dual stack: prefer takes what exists, require reports what is missing', () => {
    const v4 = pool('v4', [{ cidr: '198.51.100.0/30' }]);
    const v6 = pool('v6', [{ cidr: '2001:db8::/126' }]);
    const out = run([v4, v6], [
      svc('prefer', { policy: 'PreferDualStack', families: ['IPv4', 'IPv6'] }),
      svc('only6', { families: ['IPv6'] }),
    ]);
    expect(ingress(out, 'prefer')).toEqual(['198.51.100.0', '2001:db8::']);
    expect(ingress(out, 'only6')).toEqual(['2001:db8::1']);
    const partial = run([v4], [svc('require', { policy: 'RequireDualStack', families: ['IPv4', 'IPv6'] })]);
    expect(ingress(partial, 'require')).toEqual(['198.51.100.0']);
    expect(cond(partial, 'require')?.reason).toBe('no_pool');
  });

  test('existing addresses are kept, whatever order services come in', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/29' }]);
    const out = run([p], [svc('new'), svc('old', { ingress: ['198.51.100.0'] })]);
    expect(ingress(out, 'old')).toEqual(['198.51.100.0']);
    expect(ingress(out, 'new')).toEqual(['198.51.100.1']);
  });

  test('a disabled pool keeps what it gave out and gives nothing new', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/29' }], { spec: { disabled: true } });
    const out = run([p], [svc('had', { ingress: ['198.51.100.5'] }), svc('wants')]);
    expect(ingress(out, 'had')).toEqual(['198.51.100.5']);
    expect(cond(out, 'wants')?.reason).toBe('no_pool');
  });

  test('overlapping pools: the later one conflicts and allocates nothing new', () => {
    const first = pool('first', [{ cidr: '198.51.100.0/29' }]);
    const later = pool('later', [{ cidr: '198.51.100.4/30' }, { cidr: '203.0.113.0/30' }]);
    const out = run([later, first], [svc('a', { ips: '203.0.113.1' })]);
    expect(poolCond(out, 'later', 'PoolConflict')).toMatchObject({
      status: 'True', reason: 'cidr_overlap',
      message: "Pool conflicts since range '198.51.100.4 - 198.51.100.7' overlaps range '198.51.100.0 - 198.51.100.7' from IP Pool 'first'",
    });
    expect(poolCond(out, 'first', 'PoolConflict')?.status).toBe('False');
    expect(cond(out, 'a')?.reason).toBe('no_pool');
  });

  test('first/last reservation blocks requests for the network address', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/29' }], { spec: { allowFirstLastIPs: 'No' } });
    const out = run([p], [svc('net', { ips: '198.51.100.0' }), svc('any')]);
    expect(cond(out, 'net')?.reason).toBe('already_allocated');
    expect(ingress(out, 'any')).toEqual(['198.51.100.1']);
    expect(poolCond(out, 'p', 'IPsAvailable')?.message).toBe('5');
  });

  test('foreign class untouched; a service that left LB-IPAM is cleaned', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/29' }]);
    const ours = { type: 'cilium.io/IPAMRequestSatisfied', status: 'True' };
    const out = run([p], [
      svc('foreign', { cls: 'example.com/other', ingress: ['192.0.2.1'] }),
      svc('l2', { cls: 'io.cilium/l2-announcer' }),
      svc('left', { type: 'ClusterIP', ingress: ['198.51.100.4'], conditions: [ours] }),
    ]);
    expect(out.services.has('default/foreign')).toBe(false);
    expect(ingress(out, 'l2')).toEqual(['198.51.100.0']);
    expect(out.services.get('default/left')).toEqual({ ingress: [] });
  });

  test('bad input: malformed requests and bad pools get clear conditions, other pools keep working', () => {
    const bad = pool('bad', [{ cidr: '10.0.0.0/33' }, { start: '10.0.1.9', stop: '10.0.1.1' }, { start: '10.0.2.1', stop: '2001:db8::1' }]);
    const good = pool('good', [{ cidr: '198.51.100.0/29' }]);
    const out = run([bad, good], [svc('typo', { ips: '198.51.100.1,banana' }), svc('fine')]);
    expect(out.pools.get('bad')?.find((c) => c.type === 'lbipam.meshlb.io/PoolInvalid')?.message).toBe(
      "spec.blocks[0]: invalid CIDR '10.0.0.0/33': prefix length 33 exceeds 32; spec.blocks[1]: block '10.0.1.9 - 10.0.1.1' has start after stop; spec.blocks[2]: block '10.0.2.1 - 2001:db8::1' mixes IPv4 and IPv6",
    );
    expect(cond(out, 'typo')).toEqual({ status: 'False', reason: 'malformed_request', message: "annotation lbipam.cilium.io/ips: 'banana' is not an IP address" });
    expect(ingress(out, 'typo')).toEqual([]);
    expect(ingress(out, 'fine')).toEqual(['198.51.100.0']);
  });

  test('beyond Cilium: pool priority and explicit-only pools', () => {
    const early = pool('early', [{ cidr: '198.51.100.0/30' }]);
    const preferred = pool('preferred', [{ cidr: '203.0.113.0/30' }], { annotations: { 'lbipam.meshlb.io/priority': '-1' } });
    const vip = pool('vip', [{ cidr: '192.0.2.0/30' }], { annotations: { 'lbipam.meshlb.io/priority': '-5', 'lbipam.meshlb.io/explicit-only': 'true' } });
    const out = run([early, preferred, vip], [svc('a'), svc('asks', { ips: '192.0.2.2' })]);
    expect(ingress(out, 'a')).toEqual(['203.0.113.0']);
    expect(ingress(out, 'asks')).toEqual(['192.0.2.2']);
    const badPrio = pool('odd', [{ cidr: '10.9.0.0/30' }], { annotations: { 'lbipam.meshlb.io/priority': 'high' } });
    expect(badPrio.errors).toEqual(["annotation lbipam.meshlb.io/priority: 'high' is not an integer"]);
  });

  test('protocol-aware sharing is an option', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/30' }]);
    const services = [svc('tcp', { ips: '198.51.100.1', key: 'dns', ports: [{ port: 53, protocol: 'TCP' }] }), svc('udp', { ips: '198.51.100.1', key: 'dns', ports: [{ port: 53, protocol: 'UDP' }] })];
    expect(cond(run([p], services), 'udp')?.reason).toBe('already_allocated_incompatible_service');
    expect(ingress(run([p], services, { ...DEFAULT_OPTIONS, sharing: { protocolAware: true } }), 'udp')).toEqual(['198.51.100.1']);
  });

  test('deciding again from its own result changes nothing', () => {
    const p = pool('p', [{ cidr: '198.51.100.0/28' }]);
    const services = Array.from({ length: 12 }, (_, i) => svc(`s${i}`, { key: i % 3 === 0 ? 'k' : '', ports: [{ port: 1000 + i }] }));
    const first = run([p], services);
    const again = services.map((s) => ({ ...s, ingress: first.services.get(s.key)!.ingress }));
    const second = run([p], [...again].reverse());
    for (const s of services) expect(second.services.get(s.key)?.ingress).toEqual(first.services.get(s.key)?.ingress);
  });
});
