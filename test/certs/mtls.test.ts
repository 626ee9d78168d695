/** Certificates from certs/ against Node's real TLS stack: a mutual-TLS server on loopback. */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCA, issueCertificate, type Pem } from '../../certs/index.js';

let ca: Pem;
let server: tls.Server;
let port: number;
let goodClient: Pem;
let strangerClient: Pem;

beforeAll(async () => {
  const otherCa = await createCA({ commonName: 'other-ca', validityDays: 1 });
  ca = await createCA({ commonName: 'mesh-ca', validityDays: 1 });
  const serverCert = await issueCertificate(ca, {
    commonName: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1,
  });
  goodClient = await issueCertificate(ca, { commonName: 'remote', usages: ['client'], validityDays: 1 });
  strangerClient = await issueCertificate(otherCa, { commonName: 'remote', usages: ['client'], validityDays: 1 });
  server = tls.createServer(
    { cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`hello ${peer.subject.CN}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

function connect(client: Pem | undefined, servername: string | undefined = 'localhost'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: ca.certPem,
      ...(servername ? { servername } : {}),
      ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('end', () => (data ? resolve(data) : reject(new Error('connection closed without data'))));
    socket.on('error', reject);
  });
}

test('a client certificate from the CA is accepted and its CN reaches the server', async () => {
  await expect(connect(goodClient)).resolves.toBe('hello remote');
});

test('a client certificate from another CA is refused', async () => {
  await expect(connect(strangerClient)).rejects.toThrow();
});

test('a client without a certificate is refused', async () => {
  await expect(connect(undefined)).rejects.toThrow();
});

test('the server certificate verifies for its IP and DNS SANs and fails for a name it lacks', async () => {
  await expect(connect(goodClient, undefined)).resolves.toBe('hello remote');
  await expect(connect(goodClient, 'localhost')).resolves.toBe('hello remote');
  await expect(connect(goodClient, 'elsewhere.example')).rejects.toThrow(/altnames|Hostname/i);
});
