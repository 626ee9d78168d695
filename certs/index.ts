export { createCA, issueCertificate, randomSerialHex } from './issue.js';
export type { Pem, Usage, CAOptions, CertificateOptions } from './issue.js';
export { loadCA, verifyChain, remainingLifetimeFraction, needsReissue } from './verify.js';
export {
  issueClustermeshCerts,
  issueClustermeshCert,
  clustermeshSecrets,
  caSecret,
  tlsSecret,
  caFromSecret,
  pemFromTlsSecret,
  rolesNeedingReissue,
  renewClustermeshCerts,
  certSecretName,
  etcdUserFor,
  serverDnsNamesFor,
  CA_SECRET_NAME,
  DEFAULT_CERT_VALIDITY_DAYS,
} from './clustermesh.js';
export type { ClustermeshCerts, ClustermeshCertOptions, SecretObject, CertRole } from './clustermesh.js';
export { writeCertFiles, readCertFiles, watchCertFiles } from './files.js';
export type { CertFiles, CertContents, CertWatcher, WatchOptions } from './files.js';
export { createRotatingTlsContext } from './tls-context.js';
export type { RotatingTlsContext, TlsMaterial } from './tls-context.js';
