/**
 * One etcd member as a child process: free loopback ports, its own data dir, a log file, a health
 * wait with a clear error, stop/kill/restart, and crash reporting through onExit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../lib/log.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { buildEtcdArgs, clientUrl, conflictingPort, etcdBinary, isAddressInUse, metricsUrl, peerUrl } from './args.js';
import type { EtcdMemberPorts, EtcdTlsOptions } from './args.js';
import { pickFreePorts } from './ports.js';
import { register, unregister } from './registry.js';

/** Plain data only, so a detached supervisor can be started from the same options. */
export interface EtcdOptions {
  /** etcd's --data-dir; created if missing. The log file goes beside the data in it. */
  readonly dataDir: string;
  readonly name?: string;
  /** Fixed ports keep endpoints valid across restarts of a whole sandbox. */
  readonly clientPort?: number;
  readonly peerPort?: number;
  readonly tls?: EtcdTlsOptions;
  readonly initialCluster?: string;
  readonly initialClusterState?: 'new' | 'existing';
  readonly initialClusterToken?: string;
  /** How long to wait for /health; default 15 s. */
  readonly startTimeoutMs?: number;
  /** SIGTERM grace before SIGKILL; default 5 s. */
  readonly stopGraceMs?: number;
}

export interface EtcdStartError {
  readonly kind: 'spawn_failed' | 'exited' | 'timeout' | 'address_in_use';
  readonly message: string;
  readonly logTail: string;
}

export type EtcdExitListener = (code: number | null, signal: NodeJS.Signals | null, expected: boolean) => void;

export interface EtcdHandle {
  readonly name: string;
  /** Client URLs to dial (https://localhost:PORT with TLS, http://127.0.0.1:PORT without). */
  readonly clientUrls: readonly string[];
  readonly peerUrl: string;
  readonly ports: EtcdMemberPorts;
  readonly dataDir: string;
  readonly logFile: string;
  readonly options: EtcdOptions;
  /** Undefined while not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Sends a signal as a fault would: the resulting exit is reported as a crash (expected=false). */
  kill(signal?: NodeJS.Signals): void;
  /** Stops if running, then starts again on the same ports with the same data. */
  restart(): Promise<Result<void, EtcdStartError>>;
  /** Returns an unsubscribe function. */
  onExit(listener: EtcdExitListener): () => void;
  logTail(lines?: number): string;
}

const defaultStartTimeoutMs = 15_000;
const defaultStopGraceMs = 5_000;
const maxPortAttempts = 5;

export async function startEtcd(options: EtcdOptions): Promise<Result<EtcdHandle, EtcdStartError>> {
  const member = new EtcdMember(options);
  const started = await member.start();
  if (!started.ok) return started;
  return ok(member);
}

class EtcdMember implements EtcdHandle {
  readonly name: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly options: EtcdOptions;
  private child: ChildProcess | undefined;
  private currentPorts: EtcdMemberPorts | undefined;
  private stopping = false;
  /** Set during start: an exit then is a failed start (returned), not a crash. */
  private starting = false;
  /** Client and peer ports of the first successful start, reused by restarts. */
  private restartPorts: EtcdMemberPorts | undefined;
  private readonly listeners = new Set<EtcdExitListener>();
  private readonly log: Logger;

  constructor(options: EtcdOptions) {
    this.options = options;
    this.name = options.name ?? 'default';
    this.dataDir = options.dataDir;
    this.logFile = join(options.dataDir, 'etcd.log');
    this.log = createLogger({ component: 'etcd-supervisor', member: this.name });
  }

  get ports(): EtcdMemberPorts {
    if (!this.currentPorts) throw new Error('etcd member has no ports before its first start');
    return this.currentPorts;
  }
  get clientUrls(): readonly string[] {
    return [clientUrl(this.ports.client, this.options.tls !== undefined)];
  }
  get peerUrl(): string {
    return peerUrl(this.ports.peer);
  }
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<Result<void, EtcdStartError>> {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.starting = true;
    try {
      const r = await this.startAttempts();
      if (r.ok) this.restartPorts ??= this.currentPorts;
      return r;
    } finally {
      this.starting = false;
    }
  }

  private async startAttempts(): Promise<Result<void, EtcdStartError>> {
    let last: Result<void, EtcdStartError> = fail({ kind: 'spawn_failed', message: 'not attempted', logTail: '' });
    for (let attempt = 0; attempt < maxPortAttempts; attempt++) {
      this.currentPorts = await this.choosePorts();
      last = await this.spawnAndWait();
      if (last.ok || last.error.kind !== 'address_in_use') return last;
      // Only a port picked here can be swapped; a fixed port that is taken stays taken.
      const taken = conflictingPort(last.error.logTail);
      if (taken === undefined || this.isFixedPort(taken)) return last;
      this.log.warn('etcd port taken, retrying with other ports', { attempt, ports: this.currentPorts });
    }
    return last;
  }

  private isFixedPort(port: number): boolean {
    const fixed = [this.options.clientPort, this.options.peerPort, this.restartPorts?.client, this.restartPorts?.peer];
    return fixed.includes(port);
  }

  /** Fixed ports (from options or an earlier start) are kept; the rest are picked fresh. */
  private async choosePorts(): Promise<EtcdMemberPorts> {
    const [client, peer, metrics] = await pickFreePorts(3);
    if (client === undefined || peer === undefined || metrics === undefined) throw new Error('pickFreePorts(3) gave fewer ports');
    const known = this.restartPorts;
    return {
      client: this.options.clientPort ?? known?.client ?? client,
      peer: this.options.peerPort ?? known?.peer ?? peer,
      metrics,
    };
  }

  private async spawnAndWait(): Promise<Result<void, EtcdStartError>> {
    const args = buildEtcdArgs({
      name: this.name,
      dataDir: this.dataDir,
      ports: this.ports,
      tls: this.options.tls,
      initialCluster: this.options.initialCluster,
      initialClusterState: this.options.initialClusterState,
      initialClusterToken: this.options.initialClusterToken,
    });
    const logFd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      // Own process group: a Ctrl-C in the terminal reaches the supervisor only, which then
      // stops members in order instead of racing their deaths with crash restarts.
      child = spawn(etcdBinary, args, { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    this.stopping = false;
    this.child = child;
    register(this);
    child.once('error', (err) => this.log.error('etcd spawn error', { err }));
    child.once('exit', (code, signal) => this.handleExit(child, code, signal));
    const healthy = await this.waitHealthy(child);
    if (!healthy.ok) await this.stopChild(child);
    return healthy;
  }

  private handleExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    const expected = this.stopping;
    if (!expected && !this.starting) this.log.error('etcd exited unexpectedly', { code, signal, pid: child.pid, tail: this.logTail(5) });
    if (this.child === child) unregister(this);
    for (const listener of [...this.listeners]) {
      try {
        listener(code, signal, expected);
      } catch (err) {
        this.log.error('etcd exit listener threw', { err });
      }
    }
  }

  private async waitHealthy(child: ChildProcess): Promise<Result<void, EtcdStartError>> {
    const timeoutMs = this.options.startTimeoutMs ?? defaultStartTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const url = `${metricsUrl(this.ports.metrics)}/health`;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        const tail = this.logTail();
        const kind = isAddressInUse(tail) ? 'address_in_use' : child.pid === undefined ? 'spawn_failed' : 'exited';
        return fail({ kind, message: `etcd ${this.name} exited during start (code ${child.exitCode}, signal ${child.signalCode})`, logTail: tail });
      }
      if (await probeHealth(url)) return ok(undefined);
      await sleep(50);
    }
    return fail({
      kind: 'timeout',
      message: `etcd ${this.name} not healthy at ${url} after ${timeoutMs} ms`,
      logTail: this.logTail(),
    });
  }

  async stop(): Promise<void> {
    if (this.child) await this.stopChild(this.child);
  }

  private async stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      unregister(this);
      return;
    }
    if (this.child === child) this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const grace = this.options.stopGraceMs ?? defaultStopGraceMs;
    const timer = setTimeout(() => child.kill('SIGKILL'), grace);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
      unregister(this);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  async restart(): Promise<Result<void, EtcdStartError>> {
    await this.stop();
    return this.start();
  }

  onExit(listener: EtcdExitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

async function probeHealth(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
