/**
 * A multi-member etcd cluster on loopback, each member a supervised child process. Members start
 * together because each one only becomes healthy once a quorum is up.
 */
import { join } from 'node:path';
import { createLogger } from '../../lib/log.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { peerUrl, type EtcdTlsOptions } from './args.js';
import { pickFreePorts } from './ports.js';
import { startEtcd, type EtcdHandle, type EtcdStartError } from './process.js';

export interface EtcdClusterOptions {
  /** Parent directory; member i keeps its data in `<dir>/member-<i>`. */
  readonly dir: string;
  readonly size?: number;
  readonly tls?: EtcdTlsOptions;
  readonly startTimeoutMs?: number;
}

export type MemberCrashListener = (member: EtcdHandle, code: number | null, signal: NodeJS.Signals | null) => void;

export interface EtcdCluster {
  /** One client URL per member. */
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdHandle[];
  /** Members whose last exit was not asked for and that have not been restarted since. */
  crashedMembers(): readonly EtcdHandle[];
  onMemberCrash(listener: MemberCrashListener): () => void;
  stop(): Promise<void>;
}

export async function startEtcdCluster(opts: EtcdClusterOptions): Promise<Result<EtcdCluster, EtcdStartError>> {
  const size = opts.size ?? 3;
  const peerPorts = await pickFreePorts(size * 2);
  const names = Array.from({ length: size }, (_, i) => `member-${i}`);
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(peerPorts[i * 2] as number)}`).join(',');
  const token = `meshlb-cluster-${process.pid}-${Date.now()}`;
  const started = await Promise.all(
    names.map((name, i) =>
      startEtcd({
        name,
        dataDir: join(opts.dir, name),
        peerPort: peerPorts[i * 2] as number,
        clientPort: peerPorts[i * 2 + 1] as number,
        tls: opts.tls,
        initialCluster,
        initialClusterState: 'new',
        initialClusterToken: token,
        startTimeoutMs: opts.startTimeoutMs,
      }),
    ),
  );
  const members: EtcdHandle[] = [];
  let firstError: EtcdStartError | undefined;
  for (const s of started) {
    if (s.ok) members.push(s.value);
    else firstError ??= s.error;
  }
  if (firstError) {
    await Promise.all(members.map((m) => m.stop()));
    return fail(firstError);
  }
  return ok(supervise(members));
}

function supervise(members: readonly EtcdHandle[]): EtcdCluster {
  const log = createLogger({ component: 'etcd-cluster' });
  const crashed = new Set<EtcdHandle>();
  const listeners = new Set<MemberCrashListener>();
  for (const member of members) {
    member.onExit((code, signal, expected) => {
      if (expected) return;
      crashed.add(member);
      log.error('etcd cluster member crashed', { member: member.name, code, signal });
      for (const l of [...listeners]) {
        try {
          l(member, code, signal);
        } catch (err) {
          log.error('member crash listener threw', { err });
        }
      }
    });
  }
  return {
    endpoints: members.flatMap((m) => m.clientUrls),
    members,
    crashedMembers: () => members.filter((m) => crashed.has(m) && !m.running),
    onMemberCrash: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    // One at a time: a leader stopping while its followers also stop waits out etcd's
    // leadership-transfer timeout (seconds); stopped in turn, each hands over at once.
    stop: async () => {
      for (const m of members) await m.stop();
    },
  };
}
