import { describe, expect, test } from 'vitest';
import { parsePolicy, CONDITION_BAD_SERVICE_IPS } from './policy.js';
import { leaseName, policyStatusWriter, select, type Device, type NodeInfo, type SelectionInputs, type ServiceInfo } from './selection.js';

function policy(name: string, spec: Record<string, unknown>) {
  const r = parsePolicy({ metadata: { name }, spec });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function svc(name: string, o: Partial<ServiceInfo> = {}): ServiceInfo {
  return { namespace: 'default', name, labels: {}, externalIPs: [], ingressIPs: [], externalTrafficPolicy: 'Cluster', ...o };
}

const devices: Device[] = [
  { name: 'eth0', ifindex: 2, up: true },
  { name: 'eth1', ifindex: 3, up: true },
  { name: 'wlan0', ifindex: 4, up: false },
];

function inputs(o: Partial<SelectionInputs>): SelectionInputs {
  return { policies: [], services: [], node: { name: 'n1', labels: { zone: 'a' } }, devices, localEndpoints: new Set(), ...o };
}

describe('select', () => {
  test('a LoadBalancer IP is announced on the matching up interfaces only when the policy asks for LB IPs', () => {
    const s = svc('web', { ingressIPs: ['10.0.0.5'], externalIPs: ['10.0.0.9'] });
    const lb = select(inputs({ policies: [policy('p', { loadBalancerIPs: true, interfaces: ['^eth'] })], services: [s] }));
    expect([...lb.candidates.values()]).toEqual([{
      key: 'default/web', namespace: 'default', name: 'web', leaseName: 'cilium-l2announce-default-web',
      ips: ['10.0.0.5'], interfaces: [{ name: 'eth0', ifindex: 2 }, { name: 'eth1', ifindex: 3 }],
    }]);
    const ext = select(inputs({ policies: [policy('p', { externalIPs: true, interfaces: ['eth1'] })], services: [s] }));
    expect(ext.candidates.get('default/web')?.ips).toEqual(['10.0.0.9']);
    expect(ext.candidates.get('default/web')?.interfaces).toEqual([{ name: 'eth1', ifindex: 3 }]);
    expect(select(inputs({ policies: [policy('p', {})], services: [s] })).candidates.size).toBe(0);
  });

  test('services without an IP get no candidacy (and so no lease)', () => {
    const out = select(inputs({ policies: [policy('p', { loadBalancerIPs: true })], services: [svc('pending')] }));
    expect(out.candidates.size).toBe(0);
    expect(out.standingAside.size).toBe(0);
  });

  test('selectors: service labels plus the namespace/name pseudo-labels, node labels', () => {
    const services = [svc('a', { ingressIPs: ['10.0.0.1'], labels: { tier: 'web' } }), svc('b', { ingressIPs: ['10.0.0.2'] })];
    const byLabel = policy('p', { loadBalancerIPs: true, serviceSelector: { matchLabels: { tier: 'web' } } });
    expect([...select(inputs({ policies: [byLabel], services })).candidates.keys()]).toEqual(['default/a']);
    const byName = policy('p', { loadBalancerIPs: true, serviceSelector: { matchLabels: { 'io.kubernetes.service.name': 'b' } } });
    expect([...select(inputs({ policies: [byName], services })).candidates.keys()]).toEqual(['default/b']);
    const otherZone = policy('p', { loadBalancerIPs: true, nodeSelector: { matchLabels: { zone: 'b' } } });
    expect(select(inputs({ policies: [otherZone], services })).candidates.size).toBe(0);
  });

  test('a load balancer class other than io.cilium/l2-announcer is not ours', () => {
    const p = policy('p', { loadBalancerIPs: true });
    const services = [
      svc('mine', { ingressIPs: ['10.0.0.1'], loadBalancerClass: 'io.cilium/l2-announcer' }),
      svc('theirs', { ingressIPs: ['10.0.0.2'], loadBalancerClass: 'example.com/lb' }),
    ];
    expect([...select(inputs({ policies: [p], services })).candidates.keys()]).toEqual(['default/mine']);
  });

  test('two policies selecting one service: IPs and interfaces are merged', () => {
    const s = svc('web', { ingressIPs: ['10.0.0.5'], externalIPs: ['10.0.0.1'] });
    const out = select(inputs({
      policies: [policy('lb', { loadBalancerIPs: true, interfaces: ['eth0'] }), policy('ext', { externalIPs: true, interfaces: ['eth1'] })],
      services: [s],
    }));
    expect(out.candidates.get('default/web')).toMatchObject({ ips: ['10.0.0.1', '10.0.0.5'], interfaces: [{ name: 'eth0' }, { name: 'eth1' }] });
  });

  test('externalTrafficPolicy Local: only a node with a ready local endpoint competes', () => {
    const s = svc('web', { ingressIPs: ['10.0.0.5'], externalTrafficPolicy: 'Local' });
    const p = policy('p', { loadBalancerIPs: true });
    const without = select(inputs({ policies: [p], services: [s] }));
    expect(without.candidates.size).toBe(0);
    expect(without.standingAside.get('default/web')).toBe('no-local-endpoint');
    const withEp = select(inputs({ policies: [p], services: [s], localEndpoints: new Set(['default/web']) }));
    expect(withEp.candidates.has('default/web')).toBe(true);
  });

  test('all matching interfaces down: the node steps aside', () => {
    const s = svc('web', { ingressIPs: ['10.0.0.5'] });
    const out = select(inputs({ policies: [policy('p', { loadBalancerIPs: true, interfaces: ['wlan'] })], services: [s] }));
    expect(out.candidates.size).toBe(0);
    expect(out.standingAside.get('default/web')).toBe('interfaces-down');
    const none = select(inputs({ policies: [policy('p', { loadBalancerIPs: true, interfaces: ['nothing-like-this'] })], services: [s] }));
    expect(none.standingAside.get('default/web')).toBe('no-interface');
  });

  test('garbage IPs are reported on the policy; IPv6 is skipped without a problem', () => {
    const s = svc('web', { ingressIPs: ['10.0.0.5', 'not-an-ip', '2001:db8::1'] });
    const out = select(inputs({ policies: [policy('p', { loadBalancerIPs: true })], services: [s] }));
    expect(out.candidates.get('default/web')?.ips).toEqual(['10.0.0.5']);
    expect(out.policyProblems.get('p')).toEqual([{ type: CONDITION_BAD_SERVICE_IPS, message: 'default/web: not an IP address: not-an-ip' }]);
  });
});

test('lease names follow Cilium: cilium-l2announce-<namespace>-<name>', () => {
  expect(leaseName({ namespace: 'kube-system', name: 'dns' })).toBe('cilium-l2announce-kube-system-dns');
});

test('the policy status writer is the first selected node by name, or the first node when none is selected', () => {
  const nodes: NodeInfo[] = [{ name: 'n3', labels: { role: 'lb' } }, { name: 'n2', labels: {} }, { name: 'n1', labels: {} }];
  expect(policyStatusWriter(policy('p', { nodeSelector: { matchLabels: { role: 'lb' } } }), nodes)).toBe('n3');
  expect(policyStatusWriter(policy('p', {}), nodes)).toBe('n1');
  expect(policyStatusWriter(policy('p', { nodeSelector: { matchLabels: { 'bad key!': 'x' } } }), nodes)).toBe('n1');
  expect(policyStatusWriter(policy('p', {}), [])).toBeUndefined();
});
