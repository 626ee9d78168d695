/** Real etcd child processes for the sandbox and tests. */
export { buildEtcdArgs, clientUrl, etcdBinary, type EtcdArgsInput, type EtcdMemberPorts, type EtcdTlsOptions } from './args.js';
export { startEtcd, type EtcdExitListener, type EtcdHandle, type EtcdOptions, type EtcdStartError } from './process.js';
export { startEtcdCluster, type EtcdCluster, type EtcdClusterOptions, type MemberCrashListener } from './cluster.js';
export { liveEtcdCount, stopAllEtcd } from './registry.js';
export { isPortFree, pickFreePorts } from './ports.js';
