import { describe, expect, test } from 'vitest';
import { incompatibility, type SharingView } from './sharing.js';

const base: SharingView = {
  namespace: 'tenant-a',
  sharingKey: 'web',
  crossNamespace: [],
  ports: [{ port: 80, protocol: 'TCP' }],
  externalTrafficPolicy: 'Cluster',
  selector: { app: 'web' },
};
const other = (patch: Partial<SharingView>): SharingView => ({ ...base, ports: [{ port: 443, protocol: 'TCP' }], ...patch });

describe('incompatibility', () => {
  test('same key, namespace and policy with different ports may share', () => {
    expect(incompatibility(base, other({}))).toBeUndefined();
  });

  test('each refusal has Cilium\'s reason', () => {
    expect(incompatibility(base, other({ sharingKey: 'db' }))).toBe('different sharing key');
    expect(incompatibility(base, other({ namespace: 'tenant-b' }))).toBe('different and not permitted namespace');
    expect(incompatibility(base, other({ ports: [{ port: 80, protocol: 'UDP' }] }))).toBe('same port');
    expect(incompatibility(base, other({ externalTrafficPolicy: 'Local' }))).toBe('different ExternalTrafficPolicy');
    const local = { ...base, externalTrafficPolicy: 'Local' };
    expect(incompatibility(local, other({ externalTrafficPolicy: 'Local', selector: { app: 'api' } }))).toBe(
      'compatible ExternalTrafficPolicy local but selecting different set of pods',
    );
    expect(incompatibility({ ...local, selector: {} }, other({ externalTrafficPolicy: 'Local', selector: {} }))).toBe(
      'compatible ExternalTrafficPolicy local but selecting different set of pods',
    );
    expect(incompatibility(local, other({ externalTrafficPolicy: 'Local' }))).toBeUndefined();
  });

  test('cross-namespace sharing needs both services to allow it', () => {
    const b = other({ namespace: 'tenant-b', crossNamespace: ['tenant-a'] });
    expect(incompatibility(base, b)).toBe('different and not permitted namespace');
    expect(incompatibility({ ...base, crossNamespace: ['tenant-b'] }, b)).toBeUndefined();
    expect(incompatibility({ ...base, crossNamespace: ['*'] }, b)).toBeUndefined();
    expect(incompatibility({ ...base, crossNamespace: ['*'] }, other({ namespace: 'tenant-b' }))).toBe('different and not permitted namespace');
  });

  test('protocol-aware sharing lets 53/UDP and 53/TCP share, not 53/TCP twice', () => {
    const dnsTcp = { ...base, ports: [{ port: 53, protocol: 'TCP' }] };
    const dnsUdp = other({ ports: [{ port: 53, protocol: 'UDP' }] });
    expect(incompatibility(dnsTcp, dnsUdp)).toBe('same port');
    expect(incompatibility(dnsTcp, dnsUdp, { protocolAware: true })).toBeUndefined();
    expect(incompatibility(dnsTcp, other({ ports: [{ port: 53, protocol: 'TCP' }] }), { protocolAware: true })).toBe('same port');
  });
});
