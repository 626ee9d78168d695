/**
 * Rotation without restart: a TLS server built on createRotatingTlsContext presents the new
 * certificate to new connections after the files change, both for plain file replacement and
 * for Kubernetes' secret-volume layout (files are symlinks through `..data`, swapped by rename).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, symlink, rename, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, expect, test } from 'vitest';
import {
  createCA, createRotatingTlsContext, issueCertificate, writeCertFiles,
  type CertFiles, type Pem, type RotatingTlsContext,
} from '../../certs/index.js';

let ca: Pem;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  ca = await createCA({ commonName: 'rotation-ca', validityDays: 1 });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const serverCert = () =>
  issueCertificate(ca, { commonName: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1 });

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-certs-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startServer(files: CertFiles): Promise<{ port: number; ctx: RotatingTlsContext }> {
  const r = await createRotatingTlsContext(files, { debounceMs: 20, pollIntervalMs: 0 });
  if (!r.ok) throw new Error(r.error);
  const ctx = r.value;
  const server = tls.createServer(ctx.serverOptions(), (s) => s.end('ok'));
  ctx.attachServer(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { ctx.close(); server.close(() => resolve()); }));
  return { port: (server.address() as AddressInfo).port, ctx };
}

/** Serial of the certificate the server presents to a fresh connection (by IP, so no SNI). */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

const serialOf = (pem: Pem) => new X509Certificate(pem.certPem).serialNumber;

function rotated(ctx: RotatingTlsContext): Promise<void> {
  return new Promise((resolve) => {
    const off = ctx.onRotate(() => { off(); resolve(); });
  });
}

test('replacing the files makes new connections see the new certificate', async () => {
  const dir = await tempDir();
  const first = await serverCert();
  const files = await writeCertFiles(dir, first, ca.certPem);
  const { port, ctx } = await startServer(files);
  expect(await presentedSerial(port)).toBe(serialOf(first));

  const second = await serverCert();
  const done = rotated(ctx);
  await writeCertFiles(dir, second, ca.certPem);
  await done;
  expect(await presentedSerial(port)).toBe(serialOf(second));
  expect(ctx.options().cert).toBe(second.certPem);
});

test('a Kubernetes-style ..data symlink swap is picked up', async () => {
  const dir = await tempDir();
  const first = await serverCert();
  await writeCertFiles(join(dir, '..v1'), first, ca.certPem);
  await symlink('..v1', join(dir, '..data'));
  for (const f of ['tls.crt', 'tls.key', 'ca.crt']) await symlink(join('..data', f), join(dir, f));
  const files: CertFiles = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  const { port, ctx } = await startServer(files);
  expect(await presentedSerial(port)).toBe(serialOf(first));

  const second = await serverCert();
  await mkdir(join(dir, '..v2'));
  await writeCertFiles(join(dir, '..v2'), second, ca.certPem);
  const done = rotated(ctx);
  // What the kubelet does: point a new symlink at the new directory, then rename it over ..data.
  await symlink('..v2', join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  await done;
  expect(await presentedSerial(port)).toBe(serialOf(second));
});

test('a key that does not match the certificate is ignored and the old pair stays in use', async () => {
  const dir = await tempDir();
  const first = await serverCert();
  const files = await writeCertFiles(dir, first, ca.certPem);
  const { port, ctx } = await startServer(files);
  const other = await serverCert();
  let rotations = 0;
  ctx.onRotate(() => rotations++);
  await writeCertFiles(dir, { certPem: other.certPem, keyPem: first.keyPem }, ca.certPem);
  // Wait for a fix-up write to be seen; the mismatched pair in between must not be used.
  const done = rotated(ctx);
  await new Promise((r) => setTimeout(r, 200));
  expect(rotations).toBe(0);
  expect(await presentedSerial(port)).toBe(serialOf(first));
  await writeCertFiles(dir, other, ca.certPem);
  await done;
  expect(await presentedSerial(port)).toBe(serialOf(other));
});

test('missing files give a retryable error, not an exception', async () => {
  const dir = await tempDir();
  const r = await createRotatingTlsContext({ certFile: join(dir, 'a'), keyFile: join(dir, 'b'), caFile: join(dir, 'c') });
  expect(r).toMatchObject({ ok: false, retry: true, error: expect.stringContaining('cannot read') });
});
