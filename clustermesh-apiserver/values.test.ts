import { describe, expect, test } from 'vitest';
import { encodeIpIdentityPair } from '../clustermesh/ipcache.js';
import { encodeClusterService, type L4Addr } from '../clustermesh/service.js';
import { goQuote, ipcacheHostValue, portsText, serviceValue } from './values.js';

const tricky = ['', 'plain', 'a<b>&c', 'quote"back\\slash', 'line\u2028sep\u2029', 'tab\tnl\n', 'ünïcødé', '\u0001ctl', '10', '2', 'B', 'a'];

describe('direct encoders equal the reference goJson encoders byte for byte', () => {
  test.each(tricky)('goQuote(%j)', (s) => {
    expect(goQuote(s)).toBe(encodeClusterService({ ...base, name: s }).match(/"name":("(?:[^"\\]|\\.)*")/)![1]);
  });

  const http: L4Addr = { protocol: 'TCP', port: 80 };
  const base = {
    cluster: 'c1',
    namespace: 'default',
    name: 'web',
    frontends: {},
    backends: {},
    labels: {},
    selector: {},
    includeExternal: true,
    shared: true,
    clusterID: 7,
  };
  const variants: { what: string; frontends: Record<string, Record<string, L4Addr>>; backends: Record<string, Record<string, L4Addr>>; hostnames: Record<string, string>; labels: Record<string, string> | null; selector: Record<string, string> | undefined }[] = [
    { what: 'empty', frontends: {}, backends: {}, hostnames: {}, labels: null, selector: undefined },
    {
      what: 'dual-stack, several ports, unsorted keys, hostnames',
      frontends: { '10.96.0.10': { http, dns: { protocol: 'UDP', port: 53 }, '': { protocol: 'SCTP', port: 9 } }, 'fd00::10': { http } },
      backends: { '10.0.0.9': { http }, '10.0.0.10': { '10': http, '2': http, b: http, a: http }, '9.0.0.1': {}, 'fd00::1': { http } },
      hostnames: { '10.0.0.9': 'pod-9', '10.0.0.10': 'a<b>' },
      labels: { z: '1', a: '2', 'app.kubernetes.io/name': 'x&y', '10': 'n', '2': 'm' },
      selector: { app: 'web', tier: '\u2028' },
    },
  ];

  test.each(variants)('ClusterService: $what', (v) => {
    const want = encodeClusterService({ ...base, frontends: v.frontends, backends: v.backends, hostnames: v.hostnames, labels: v.labels ?? {}, selector: v.selector ?? {} });
    const encoded = (r: Record<string, Record<string, L4Addr>>) => new Map(Object.entries(r).map(([ip, p]) => [ip, portsText(p)]));
    const got = serviceValue({
      cluster: base.cluster,
      namespace: base.namespace,
      name: base.name,
      frontends: encoded(v.frontends),
      backends: encoded(v.backends),
      hostnames: new Map(Object.entries(v.hostnames)),
      labels: v.labels,
      selector: v.selector,
      clusterID: base.clusterID,
    });
    expect(got).toBe(want);
  });

  const pairs = [
    { ip: '10.0.0.1', hostIP: '172.18.0.2', id: 65792, key: 0, k8sNamespace: 'default', k8sPodName: 'web-1', k8sServiceAccount: 'sa', namedPorts: [{ name: 'z', port: 1, protocol: 'TCP' }, { name: 'a', port: 2, protocol: 'UDP' }, { name: 'a<', port: 3, protocol: 'TCP' }] },
    { ip: 'fd00::1', hostIP: '', id: 1, key: 255, k8sNamespace: '', k8sPodName: '', k8sServiceAccount: undefined, namedPorts: [] },
    { ip: '10.0.0.2', hostIP: 'fd00::2', id: 4294967295, key: 3, k8sNamespace: 'n&s', k8sPodName: 'p', k8sServiceAccount: '', namedPorts: [{ name: 'same', port: 2, protocol: 'TCP' }, { name: 'same', port: 1, protocol: 'UDP' }] },
  ];

  test.each(pairs)('ipcache entry for $ip', (p) => {
    const want = encodeIpIdentityPair({ ...p, hostIP: p.hostIP || undefined, metadata: '' });
    expect(ipcacheHostValue(p)).toBe(want);
  });
});
