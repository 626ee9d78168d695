import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCA, issueCertificate } from '../../certs/index.js';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, KvConnectOptions } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';
import { eventKey, must } from '../helpers/kv.js';

/** Certificates are written before the fixture's etcd starts (hooks run in order). */
const certDir = { path: '' };
const files = {
  get ca() {
    return join(certDir.path, 'ca.crt');
  },
  get serverCert() {
    return join(certDir.path, 'server.crt');
  },
  get serverKey() {
    return join(certDir.path, 'server.key');
  },
};
const pems: Record<string, { certPem: string; keyPem: string }> = {};

beforeAll(async () => {
  const { makeTempDir } = await import('../helpers/etcd.js');
  certDir.path = makeTempDir('meshlb-tls-certs-');
  const ca = await createCA({ commonName: 'meshlb test CA', validityDays: 1 });
  const server = await issueCertificate(ca, { commonName: 'etcd', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server', 'client'], validityDays: 1 });
  pems.ca = ca;
  pems.client = await issueCertificate(ca, { commonName: 'root', usages: ['client'], validityDays: 1 });
  const rogueCa = await createCA({ commonName: 'some other CA', validityDays: 1 });
  pems.rogue = await issueCertificate(rogueCa, { commonName: 'root', usages: ['client'], validityDays: 1 });
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.serverCert, server.certPem);
  writeFileSync(files.serverKey, server.keyPem, { mode: 0o600 });
});
afterAll(async () => {
  const { rmSync } = await import('node:fs');
  if (certDir.path) rmSync(certDir.path, { recursive: true, force: true });
});

const fixture = withEtcd({
  get tls() {
    return { caFile: files.ca, certFile: files.serverCert, keyFile: files.serverKey, clientCertAuth: true };
  },
});

const clients: KvClient[] = [];
function client(opts: Partial<KvConnectOptions>): KvClient {
  const c = connectKv({ endpoints: fixture.endpoints, callTimeoutMs: 2000, ...opts });
  clients.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('etcd with TLS and client-certificate auth', () => {
  test('serves https on localhost', () => {
    expect(fixture.endpoints[0]).toMatch(/^https:\/\/localhost:\d+$/);
  });

  test('a client with a certificate from the cluster CA can read, write and watch', async () => {
    const kv = client({ tls: { ca: Buffer.from(pems.ca!.certPem), cert: Buffer.from(pems.client!.certPem), key: Buffer.from(pems.client!.keyPem) } });
    const seen: string[] = [];
    const w = kv.watch('tls/', 0, { onEvents: (evs) => seen.push(...evs.map(eventKey)), onError: () => {} });
    try {
      await w.ready;
      must(await kv.put('tls/a', 'secure'));
      expect(must(await kv.get('tls/a'))?.value.toString()).toBe('secure');
      // applyBatched goes over its own gRPC channel with the same certificates.
      must(await kv.applyBatched([{ op: 'put', key: 'tls/b', value: 'bulk' }, { op: 'put', key: 'tls/c', value: 'bulk' }]));
      expect(must(await kv.get('tls/c'))?.value.toString()).toBe('bulk');
      await expect.poll(() => seen).toEqual(['tls/a', 'tls/b', 'tls/c']);
    } finally {
      await w.cancel();
    }
  });

  test('files work as well as inline PEM', async () => {
    const dir = certDir.path;
    writeFileSync(join(dir, 'client.crt'), pems.client!.certPem);
    writeFileSync(join(dir, 'client.key'), pems.client!.keyPem, { mode: 0o600 });
    const kv = client({ tls: { caFile: files.ca, certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') } });
    must(await kv.put('tls/files', '1'));
  });

  test.each([
    // etcd rejects the handshake with a "bad certificate" alert: retrying cannot help.
    ['a certificate from another CA', 'unauthenticated', false, () => ({ tls: { ca: Buffer.from(pems.ca!.certPem), cert: Buffer.from(pems.rogue!.certPem), key: Buffer.from(pems.rogue!.keyPem) } })],
    ['no client certificate', 'unauthenticated', false, () => ({ tls: { ca: Buffer.from(pems.ca!.certPem) } })],
    // A plaintext client only sees a connection that never comes up.
    ['plaintext', 'unavailable', true, () => ({ endpoints: fixture.endpoints.map((e) => e.replace('https://', 'http://')) })],
  ] as const)('a client with %s is refused with a typed error (%s)', async (_name, kind, retry, opts) => {
    const kv = client(opts());
    const r = await kv.get('tls/a');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe(kind);
      expect(r.retry).toBe(retry);
      expect(r.error.message).toMatch(/^etcd get: /);
    }
    const bulk = await kv.applyBatched([{ op: 'put', key: 'tls/refused', value: 'x' }]);
    expect(bulk).toMatchObject({ ok: false, retry, error: { kind } });
  });
});
