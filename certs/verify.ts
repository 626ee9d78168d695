/**
 * Certificate checks with Node's crypto only: forge's chain verification is not trusted here
 * (it has had signature-verification flaws), and Node's is what TLS itself will use.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { fail, ok, type Result } from '../lib/result.js';
import type { Pem } from './issue.js';

function parseCert(pem: string, what: string): Result<X509Certificate> {
  try {
    return ok(new X509Certificate(pem));
  } catch (err) {
    return fail(`${what} is not a valid PEM certificate: ${(err as Error).message}`);
  }
}

function validAt(cert: X509Certificate, now: Date, what: string): Result<void> {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from) return fail(`${what} is not valid before ${from.toISOString()}`);
  if (now > to) return fail(`${what} expired at ${to.toISOString()}`);
  return ok(undefined);
}

/** Accepts a CA only when the certificate is a CA and the key is the one it certifies. */
export function loadCA(certPem: string, keyPem: string): Result<Pem> {
  const cert = parseCert(certPem, 'CA certificate');
  if (!cert.ok) return cert;
  if (!cert.value.ca) return fail(`certificate ${cert.value.subject.replace(/\n/g, ',')} is not a CA (basicConstraints CA:false)`);
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return fail(`CA key is not a valid PEM private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') return fail(`CA key must be RSA, got ${key.asymmetricKeyType ?? 'unknown'}`);
  if (!cert.value.checkPrivateKey(key)) return fail('CA key does not match the CA certificate');
  return ok({ certPem, keyPem });
}

/** `cert` must be issued and signed by `ca`, and both must be valid at `now`. */
export function verifyChain(certPem: string, caPem: string, now: Date = new Date()): Result<void> {
  const cert = parseCert(certPem, 'certificate');
  if (!cert.ok) return cert;
  const ca = parseCert(caPem, 'CA certificate');
  if (!ca.ok) return ca;
  if (!ca.value.ca) return fail('the issuer certificate is not a CA');
  if (!cert.value.checkIssued(ca.value)) return fail('certificate was not issued by this CA (issuer/subject or key identifiers differ)');
  if (!cert.value.verify(ca.value.publicKey)) return fail("certificate signature does not verify with the CA's public key");
  const caValid = validAt(ca.value, now, 'CA certificate');
  if (!caValid.ok) return caValid;
  return validAt(cert.value, now, 'certificate');
}

/** 1 at notBefore, 0 at (and after) notAfter; a malformed certificate counts as used up. */
export function remainingLifetimeFraction(certPem: string, now: Date = new Date()): number {
  const cert = parseCert(certPem, 'certificate');
  if (!cert.ok) return 0;
  const from = new Date(cert.value.validFrom).getTime();
  const to = new Date(cert.value.validTo).getTime();
  const total = to - from;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (to - now.getTime()) / total));
}

/** Reissue when less than a third of the lifetime is left (so there is time to roll out the new one). */
export function needsReissue(certPem: string, now: Date = new Date()): boolean {
  return remainingLifetimeFraction(certPem, now) < 1 / 3;
}
