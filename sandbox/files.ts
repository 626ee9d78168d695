/**
 * What a sandbox keeps on disk in its DIR, so that `up` on the same DIR resumes: the port plan
 * (state.json), the CA and API server certificate (pki/), the bearer token, and the pid of the
 * process that runs it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, issueCertificate, type Pem } from '../certs/index.js';
import { SandboxStateSchema, type StoredSandboxState } from './plan.js';

export interface SandboxPaths {
  readonly dir: string;
  readonly state: string;
  readonly env: string;
  readonly kubeconfig: string;
  readonly token: string;
  readonly pid: string;
  readonly ready: string;
  readonly log: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly meshCaCert: string;
  readonly meshCaKey: string;
  cluster(name: string): string;
}

export function sandboxPaths(dir: string): SandboxPaths {
  const pki = join(dir, 'pki');
  return {
    dir,
    state: join(dir, 'state.json'),
    env: join(dir, 'env.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    token: join(dir, 'token'),
    pid: join(dir, 'sandbox.pid'),
    ready: join(dir, 'ready'),
    log: join(dir, 'sandbox.log'),
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    serverCert: join(pki, 'apiserver.crt'),
    serverKey: join(pki, 'apiserver.key'),
    meshCaCert: join(pki, 'cilium-ca.crt'),
    meshCaKey: join(pki, 'cilium-ca.key'),
    cluster: (name) => join(dir, name),
  };
}

export async function readState(paths: SandboxPaths): Promise<StoredSandboxState | undefined> {
  if (!existsSync(paths.state)) return undefined;
  const parsed = SandboxStateSchema.safeParse(JSON.parse(await readFile(paths.state, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${paths.state} is not a sandbox state file (${parsed.error.issues[0]?.message}); remove the directory`,
    );
  }
  return parsed.data;
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}

export interface SandboxPki {
  /** Signs the API servers' serving certificate (kubeconfig trust). */
  readonly ca: Pem;
  readonly server: Pem;
  /** The clustermesh CA (Secret cilium-ca), shared by all sandbox clusters. */
  readonly meshCa: Pem;
}

/** The CAs and the API servers' certificate are made once per DIR and reused on resume. */
export async function ensurePki(paths: SandboxPaths): Promise<SandboxPki> {
  await mkdir(join(paths.dir, 'pki'), { recursive: true });
  const meshCa = await ensureCA(paths.meshCaCert, paths.meshCaKey, 'cilium-ca');
  if (existsSync(paths.caCert) && existsSync(paths.serverCert)) {
    const [caCert, caKey, cert, key] = await Promise.all(
      [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey].map((p) => readFile(p, 'utf8')),
    );
    return { ca: { certPem: caCert!, keyPem: caKey! }, server: { certPem: cert!, keyPem: key! }, meshCa };
  }
  const ca = await createCA({ commonName: 'meshlb-sandbox-ca', validityDays: 3650 });
  const server = await issueCertificate(ca, {
    commonName: 'meshlb-sandbox-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '::1'],
    usages: ['server'],
    validityDays: 3650,
  });
  await writeFile(paths.caCert, ca.certPem);
  await writeFile(paths.caKey, ca.keyPem, { mode: 0o600 });
  await writeFile(paths.serverCert, server.certPem);
  await writeFile(paths.serverKey, server.keyPem, { mode: 0o600 });
  return { ca, server, meshCa };
}

async function ensureCA(certFile: string, keyFile: string, commonName: string): Promise<Pem> {
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  }
  const ca = await createCA({ commonName, validityDays: 3650 });
  await writeFile(certFile, ca.certPem);
  await writeFile(keyFile, ca.keyPem, { mode: 0o600 });
  return ca;
}

export async function ensureToken(paths: SandboxPaths): Promise<string> {
  if (existsSync(paths.token)) return (await readFile(paths.token, 'utf8')).trim();
  const token = randomBytes(24).toString('hex');
  await writeFile(paths.token, token + '\n', { mode: 0o600 });
  return token;
}

export async function readPid(paths: SandboxPaths): Promise<number | undefined> {
  if (!existsSync(paths.pid)) return undefined;
  const pid = Number((await readFile(paths.pid, 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function removeRunMarkers(paths: SandboxPaths): Promise<void> {
  await rm(paths.pid, { force: true });
  await rm(paths.ready, { force: true });
}
