import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, test } from 'vitest';
import { createCA, issueCertificate, type Pem } from './issue.js';
import { loadCA, needsReissue, remainingLifetimeFraction, verifyChain } from './verify.js';

const DAY = 86_400_000;
let ca: Pem;
let otherCa: Pem;
let server: Pem;
const t0 = new Date('2030-01-01T00:00:00Z');

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([
    createCA({ commonName: 'test-ca', validityDays: 30, now: t0 }),
    createCA({ commonName: 'other-ca', validityDays: 30, now: t0 }),
  ]);
  server = await issueCertificate(ca, {
    commonName: 'srv',
    dnsNames: ['localhost', '*.mesh.cilium.io'],
    ipAddresses: ['127.0.0.1', '::1'],
    usages: ['server'],
    validityDays: 3,
    organization: 'meshlb',
    now: t0,
  });
});

const at = (ms: number) => new Date(t0.getTime() + ms);

describe('createCA', () => {
  test('is a CA with keyCertSign, positive serial and matching key', () => {
    const x = new X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.subject).toBe('CN=test-ca');
    expect(Number.parseInt(x.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
    const f = forge.pki.certificateFromPem(ca.certPem);
    expect(f.getExtension('keyUsage')).toMatchObject({ keyCertSign: true, cRLSign: true, critical: true });
    expect(loadCA(ca.certPem, ca.keyPem)).toEqual({ ok: true, value: ca });
  });

  test('serials differ between certificates', () => {
    expect(new X509Certificate(ca.certPem).serialNumber).not.toBe(new X509Certificate(otherCa.certPem).serialNumber);
  });
});

describe('issueCertificate', () => {
  test('has SANs, extKeyUsage, subject and key identifiers linking to the CA', () => {
    const x = new X509Certificate(server.certPem);
    expect(x.ca).toBe(false);
    expect(x.subject).toBe('CN=srv\nO=meshlb');
    expect(x.subjectAltName).toBe('DNS:localhost, DNS:*.mesh.cilium.io, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const f = forge.pki.certificateFromPem(server.certPem);
    const caSki = forge.pki.certificateFromPem(ca.certPem).generateSubjectKeyIdentifier().getBytes();
    const aki = f.getExtension('authorityKeyIdentifier') as { value: string };
    // AKI value is a DER SEQUENCE whose [0] holds the key identifier: its tail is the CA's SKI.
    expect(aki.value.endsWith(caSki)).toBe(true);
    expect(f.getExtension('subjectKeyIdentifier')).toBeTruthy();
    expect(f.getExtension('basicConstraints')).toMatchObject({ cA: false });
  });

  test('client usage gives clientAuth only', async () => {
    const c = await issueCertificate(ca, { commonName: 'remote', usages: ['client'], validityDays: 1 });
    expect(new X509Certificate(c.certPem).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });
});

describe('verifyChain', () => {
  test('accepts a certificate from its CA inside the validity window', () => {
    expect(verifyChain(server.certPem, ca.certPem, at(DAY))).toEqual({ ok: true, value: undefined });
  });
  test('rejects a certificate from another CA', () => {
    const r = verifyChain(server.certPem, otherCa.certPem, at(DAY));
    expect(r.ok).toBe(false);
  });
  test('rejects before notBefore and after notAfter', () => {
    expect(verifyChain(server.certPem, ca.certPem, at(-1000))).toMatchObject({ ok: false, error: expect.stringContaining('not valid before') });
    expect(verifyChain(server.certPem, ca.certPem, at(3 * DAY + 1000))).toMatchObject({ ok: false, error: expect.stringContaining('expired') });
  });
  test('rejects a forged certificate with the right issuer name but another key', async () => {
    const impostorCa = await createCA({ commonName: 'test-ca', validityDays: 30, now: t0 });
    const forged = await issueCertificate(impostorCa, { commonName: 'srv', usages: ['server'], validityDays: 3, now: t0 });
    expect(verifyChain(forged.certPem, ca.certPem, at(DAY)).ok).toBe(false);
  });
  test('rejects garbage with a clear error', () => {
    expect(verifyChain('not a pem', ca.certPem)).toMatchObject({ ok: false, error: expect.stringContaining('not a valid PEM') });
  });
});

describe('loadCA', () => {
  test('rejects a key that does not belong to the CA', () => {
    expect(loadCA(ca.certPem, otherCa.keyPem)).toMatchObject({ ok: false, error: expect.stringContaining('does not match') });
  });
  test('rejects a leaf certificate', () => {
    expect(loadCA(server.certPem, server.keyPem)).toMatchObject({ ok: false, error: expect.stringContaining('not a CA') });
  });
  test('rejects a malformed key', () => {
    expect(loadCA(ca.certPem, '-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----\n').ok).toBe(false);
  });
});

describe('lifetime', () => {
  test('fraction runs from 1 to 0 over the validity window', () => {
    expect(remainingLifetimeFraction(server.certPem, t0)).toBe(1);
    expect(remainingLifetimeFraction(server.certPem, at(1.5 * DAY))).toBeCloseTo(0.5, 5);
    expect(remainingLifetimeFraction(server.certPem, at(10 * DAY))).toBe(0);
  });
  test('needsReissue once less than a third is left (past 2/3 of the lifetime)', () => {
    expect(needsReissue(server.certPem, at(1.9 * DAY))).toBe(false);
    expect(needsReissue(server.certPem, at(2.1 * DAY))).toBe(true);
    expect(needsReissue('garbage', t0)).toBe(true);
  });
});
