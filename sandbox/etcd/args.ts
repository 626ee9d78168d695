/**
 * Pure: the etcd 3.4 command line for one member. Kept apart from the process code so a parent
 * can spawn etcd detached from the same options, and so the flags are unit-tested.
 */
export interface EtcdTlsOptions {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** With client-cert-auth etcd takes the client certificate's CN as the user name. */
  readonly clientCertAuth: boolean;
}

export interface EtcdMemberPorts {
  readonly client: number;
  readonly peer: number;
  /** Plain-HTTP /health and /metrics, so health checks need no client certificate. */
  readonly metrics: number;
}

export interface EtcdArgsInput {
  readonly name: string;
  readonly dataDir: string;
  readonly ports: EtcdMemberPorts;
  readonly tls?: EtcdTlsOptions;
  /** `name=peerUrl,...`; defaults to this member alone. */
  readonly initialCluster?: string;
  readonly initialClusterState?: 'new' | 'existing';
  readonly initialClusterToken?: string;
}

export const etcdBinary = '/usr/bin/etcd';

export function peerUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * The URL clients dial. With TLS it names `localhost` because the server certificate carries
 * DNS:localhost and Node warns when a TLS servername is an IP address.
 */
export function clientUrl(port: number, tls: boolean): string {
  return tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
}

export function metricsUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export function buildEtcdArgs(input: EtcdArgsInput): string[] {
  const { ports, tls } = input;
  const scheme = tls ? 'https' : 'http';
  const args = [
    '--name', input.name,
    '--data-dir', input.dataDir,
    '--listen-client-urls', `${scheme}://127.0.0.1:${ports.client}`,
    '--advertise-client-urls', clientUrl(ports.client, tls !== undefined),
    '--listen-peer-urls', peerUrl(ports.peer),
    '--initial-advertise-peer-urls', peerUrl(ports.peer),
    '--listen-metrics-urls', metricsUrl(ports.metrics),
    '--initial-cluster', input.initialCluster ?? `${input.name}=${peerUrl(ports.peer)}`,
    '--initial-cluster-state', input.initialClusterState ?? 'new',
    '--initial-cluster-token', input.initialClusterToken ?? `meshlb-${input.name}`,
    // Fast elections: a member is ready in about 0.1 s, which keeps tests and restarts quick.
    '--heartbeat-interval', '10',
    '--election-timeout', '100',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
  ];
  if (tls) {
    args.push('--cert-file', tls.certFile, '--key-file', tls.keyFile, '--trusted-ca-file', tls.caFile);
    if (tls.clientCertAuth) args.push('--client-cert-auth');
  }
  return args;
}

/** Whether an etcd log says it could not bind one of its ports (so new ports may help). */
export function isAddressInUse(logText: string): boolean {
  return /address already in use/i.test(logText);
}

/** The port named in etcd's "bind: address already in use" line, if any. */
export function conflictingPort(logText: string): number | undefined {
  const matches = [...logText.matchAll(/listen tcp [^\s]*:(\d+): bind: address already in use/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : undefined;
}
