/**
 * Certificate creation with node-forge. RSA keys come from Node's crypto because forge's own
 * RSA key generation is pure JavaScript and takes seconds per key; forge only assembles and
 * signs the certificate. Verification never happens here (see verify.ts, which uses Node).
 */
import { generateKeyPair as generateKeyPairCb, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPair = promisify(generateKeyPairCb);

export interface Pem {
  readonly certPem: string;
  readonly keyPem: string;
}

export type Usage = 'server' | 'client';

export interface CAOptions {
  readonly commonName: string;
  /** May be fractional (tests use short-lived certificates). */
  readonly validityDays: number;
  readonly organization?: string;
  /** Start of validity; defaults to the current time. */
  readonly now?: Date;
}

export interface CertificateOptions {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usages: readonly Usage[];
  readonly validityDays: number;
  readonly organization?: string;
  readonly now?: Date;
}

const DAY_MS = 86_400_000;

/** 16 random bytes with the top bit cleared: DER integers are signed and serials must be positive. */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function newRsaKey(): Promise<{ privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string }> {
  const { privateKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { privateKey: forgeKey, publicKey, keyPem: privateKey };
}

function subject(commonName: string, organization?: string): forge.pki.CertificateField[] {
  const attrs: forge.pki.CertificateField[] = [{ name: 'commonName', value: commonName }];
  if (organization !== undefined) attrs.push({ name: 'organizationName', value: organization });
  return attrs;
}

function validity(cert: forge.pki.Certificate, now: Date, validityDays: number): void {
  if (!(validityDays > 0)) throw new Error(`validityDays must be positive, got ${validityDays}`);
  cert.validity.notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + Math.round(validityDays * DAY_MS));
}

/** A self-signed RSA-2048 CA (basicConstraints CA:true, keyCertSign, SKI and AKI). */
export async function createCA(opts: CAOptions): Promise<Pem> {
  const key = await newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, opts.now ?? new Date(), opts.validityDays);
  const name = subject(opts.commonName, opts.organization);
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ]);
  cert.sign(key.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

function altNames(opts: CertificateOptions): { type: number; value?: string; ip?: string }[] {
  const dns = (opts.dnsNames ?? []).map((value) => ({ type: 2, value }));
  const ips = (opts.ipAddresses ?? []).map((ip) => ({ type: 7, ip }));
  return [...dns, ...ips];
}

function leafExtensions(opts: CertificateOptions, caCert: forge.pki.Certificate): object[] {
  if (opts.usages.length === 0) throw new Error('a certificate needs at least one usage');
  const caSki = caCert.generateSubjectKeyIdentifier().getBytes();
  const exts: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    // RSA key exchange (TLS 1.2 RSA suites) needs keyEncipherment on server certificates.
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: opts.usages.includes('server'), clientAuth: opts.usages.includes('client') },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caSki },
  ];
  const names = altNames(opts);
  if (names.length > 0) exts.push({ name: 'subjectAltName', altNames: names });
  return exts;
}

/** Issues a leaf certificate signed by `ca`. Throws only on malformed arguments (programming errors). */
export async function issueCertificate(ca: Pem, opts: CertificateOptions): Promise<Pem> {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const key = await newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, opts.now ?? new Date(), opts.validityDays);
  cert.setSubject(subject(opts.commonName, opts.organization));
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions(leafExtensions(opts, caCert));
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}
