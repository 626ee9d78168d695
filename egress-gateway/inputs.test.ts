import { describe, expect, test } from 'vitest';
import { namespaceFromObject, nodeFromObject, podFromObject } from './inputs.js';

describe('podFromObject', () => {
  test('dual-stack pod keeps all IPs; IPv4 filtering happens in decide', () => {
    const r = podFromObject({
      metadata: { name: 'a', namespace: 'ns', labels: { app: 'a' } },
      status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
    });
    expect(r).toEqual({ ok: true, value: { name: 'a', namespace: 'ns', labels: { app: 'a' }, ips: ['10.0.0.1', 'fd00::1'], hostNetwork: false } });
  });

  test.each([
    ['only podIP', { podIP: '10.0.0.2' }, ['10.0.0.2']],
    ['pending, no IP yet', { phase: 'Pending' }, []],
    ['finished pod', { phase: 'Succeeded', podIP: '10.0.0.3' }, []],
  ])('%s', (_what, status, ips) => {
    const r = podFromObject({ metadata: { name: 'a', namespace: 'ns' }, status });
    expect(r.ok && r.value.ips).toEqual(ips);
  });

  test('host network is carried', () => {
    const r = podFromObject({ metadata: { name: 'a', namespace: 'ns' }, spec: { hostNetwork: true } });
    expect(r.ok && r.value.hostNetwork).toBe(true);
  });

  test.each([null, {}, { metadata: { name: 'a' } }, { metadata: { name: 'a', namespace: 'n' }, status: { podIPs: 'x' } }])('%j is refused with a reason', (obj) => {
    const r = podFromObject(obj);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^pod: /);
  });
});

describe('nodeFromObject', () => {
  const base = {
    metadata: { name: 'n1', labels: { egress: 'true' } },
    status: {
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: 'fd00::a' },
        { type: 'InternalIP', address: '192.168.0.10' },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };

  test('first IPv4 InternalIP, ready', () => {
    expect(nodeFromObject(base)).toEqual({ ok: true, value: { name: 'n1', labels: { egress: 'true' }, ip: '192.168.0.10', ready: true } });
  });

  test.each([
    ['Ready False', { ...base, status: { ...base.status, conditions: [{ type: 'Ready', status: 'False' }] } }],
    ['no Ready condition', { ...base, status: { addresses: base.status.addresses } }],
    ['being deleted', { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }],
  ])('%s → not ready', (_what, obj) => {
    const r = nodeFromObject(obj);
    expect(r.ok && r.value.ready).toBe(false);
  });

  test('no IPv4 InternalIP → empty ip (never a gateway)', () => {
    const r = nodeFromObject({ metadata: { name: 'n2' } });
    expect(r.ok && r.value.ip).toBe('');
  });

  test('bad shape is refused', () => {
    expect(nodeFromObject({ metadata: { name: 'n', }, status: { addresses: [{ type: 1 }] } }).ok).toBe(false);
  });
});

test('namespaceFromObject', () => {
  expect(namespaceFromObject({ metadata: { name: 'x', labels: { team: 'x' } } })).toEqual({ ok: true, value: { name: 'x', labels: { team: 'x' } } });
  expect(namespaceFromObject({ metadata: {} }).ok).toBe(false);
});
