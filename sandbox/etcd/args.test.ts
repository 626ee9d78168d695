import { describe, expect, test } from 'vitest';
import { buildEtcdArgs, clientUrl, conflictingPort, isAddressInUse } from './args.js';

const ports = { client: 2379, peer: 2380, metrics: 2381 };

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildEtcdArgs', () => {
  test('a single plain member listens on loopback and is its own cluster', () => {
    const args = buildEtcdArgs({ name: 'a', dataDir: '/d', ports });
    expect(flag(args, '--listen-client-urls')).toBe('http://127.0.0.1:2379');
    expect(flag(args, '--initial-cluster')).toBe('a=http://127.0.0.1:2380');
    expect(flag(args, '--listen-metrics-urls')).toBe('http://127.0.0.1:2381');
    expect(flag(args, '--heartbeat-interval')).toBe('10');
    expect(flag(args, '--election-timeout')).toBe('100');
    expect(args).not.toContain('--client-cert-auth');
  });

  test('TLS serves https and advertises localhost so the certificate name matches', () => {
    const tls = { caFile: '/ca', certFile: '/c', keyFile: '/k', clientCertAuth: true };
    const args = buildEtcdArgs({ name: 'a', dataDir: '/d', ports, tls });
    expect(flag(args, '--listen-client-urls')).toBe('https://127.0.0.1:2379');
    expect(flag(args, '--advertise-client-urls')).toBe('https://localhost:2379');
    expect(flag(args, '--trusted-ca-file')).toBe('/ca');
    expect(args).toContain('--client-cert-auth');
  });

  test('cluster membership is passed through', () => {
    const args = buildEtcdArgs({ name: 'b', dataDir: '/d', ports, initialCluster: 'a=x,b=y', initialClusterState: 'existing' });
    expect(flag(args, '--initial-cluster')).toBe('a=x,b=y');
    expect(flag(args, '--initial-cluster-state')).toBe('existing');
  });
});

test('clientUrl and address-in-use detection', () => {
  expect(clientUrl(1, false)).toBe('http://127.0.0.1:1');
  expect(clientUrl(1, true)).toBe('https://localhost:1');
  expect(isAddressInUse('listen tcp 127.0.0.1:2379: bind: address already in use')).toBe(true);
  expect(isAddressInUse('ready to serve')).toBe(false);
});

test('conflictingPort names the port etcd could not bind', () => {
  expect(conflictingPort('"error":"listen tcp 127.0.0.1:41577: bind: address already in use"')).toBe(41577);
  expect(conflictingPort('all good')).toBeUndefined();
});
