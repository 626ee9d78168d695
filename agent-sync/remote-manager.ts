import { existsSync } from 'node:fs';
/**
 * Follows the clustermesh config directory (the `cilium-clustermesh` Secret mounted as a
 * volume) and keeps one RemoteCluster per config file: added → connect, changed (content
 * hash) → reconnect, removed → disconnect and drain.
 *
 * The directory is watched, not the files: kubelet updates a Secret volume by writing a new
 * `..<timestamp>` directory and renaming the `..data` symlink over the old one, so the visible
 * names (symlinks into `..data`) never change and only a directory event says anything
 * happened. fs.watch is not reliable everywhere (some volume types, a directory that does not
 * exist yet), so a periodic rescan backs it up; scans are cheap and diffed by hash.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import {
  diffConfigs,
  parseConfigDir,
  resolveConfigPaths,
  type ConfigFile,
  type RejectedFile,
  type RemoteConfig,
} from './config-dir.js';
import { RemoteCluster, type RemoteClusterOptions } from './remote-cluster.js';

export interface RemoteManagerOptions {
  readonly dir: string;
  /** Remote settings shared by every cluster; the manager supplies the duplicate-ID lookup. */
  readonly remote: Omit<RemoteClusterOptions, 'otherRemoteIds'>;
  readonly pollIntervalMs?: number;
  readonly debounceMs?: number;
  readonly log: Logger;
}

export class RemoteManager {
  private readonly remotes = new Map<string, RemoteCluster>();
  private configs: ReadonlyMap<string, RemoteConfig> = new Map();
  private rejectedFiles: readonly RejectedFile[] = [];
  private reported = new Set<string>();
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;
  private scanned = false;

  constructor(private readonly o: RemoteManagerOptions) {}

  /** Resolves after the first scan, so the remotes present at start are known. */
  async start(): Promise<void> {
    await this.rescan();
    this.ensureWatch();
    this.poll = setInterval(() => {
      this.ensureWatch();
      void this.rescan();
    }, this.o.pollIntervalMs ?? 2_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
    await this.scanning;
    await Promise.all([...this.remotes.values()].map((r) => r.stop()));
  }

  list(): RemoteCluster[] {
    return [...this.remotes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  rejected(): readonly RejectedFile[] {
    return this.rejectedFiles;
  }

  /** True once the directory has been read at least once. */
  get initialScanDone(): boolean {
    return this.scanned;
  }

  /** Scans are serialised: a change during a scan is picked up by the next one. */
  rescan(): Promise<void> {
    this.scanning = this.scanning
      .then(() => this.scan())
      .catch((err: unknown) => {
        this.o.log.error('clustermesh config scan failed', { dir: this.o.dir, err });
      });
    return this.scanning;
  }

  private otherRemoteIds = (self: string): ReadonlyMap<string, number> => {
    const ids = new Map<string, number>();
    for (const r of this.remotes.values()) {
      const id = r.acceptedId;
      // A disconnected remote still serves its cached data under its ID, so it keeps the ID.
      if (r.name !== self && id !== undefined) ids.set(r.name, id);
    }
    return ids;
  };

  private ensureWatch(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.o.dir, { persistent: false }, () => this.scheduleScan());
      this.watcher.on('error', (err) => {
        this.o.log.warn('clustermesh config directory watch failed; polling', { dir: this.o.dir, err });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.o.log.debug('cannot watch the clustermesh config directory yet; polling', {
        dir: this.o.dir,
        err,
      });
    }
  }

  private scheduleScan(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescan(), this.o.debounceMs ?? 50);
  }

  private async readDir(): Promise<ConfigFile[]> {
    let names: string[];
    try {
      names = await readdir(this.o.dir);
    } catch (err) {
      if (!this.scanned)
        this.o.log.warn('clustermesh config directory not readable', { dir: this.o.dir, err });
      return [];
    }
    const files: ConfigFile[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(this.o.dir, name);
      try {
        // stat follows the secret volume's symlinks into ..data.
        if (!(await stat(path)).isFile()) continue;
        files.push({ name, content: await readFile(path, 'utf8') });
      } catch {
        // Removed between readdir and read (a swap in progress): the next event rescans.
      }
    }
    return files;
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    const listing = await this.readDir();
    const contents = parseConfigDir(listing, this.o.remote.local.name);
    if (this.stopped) return;
    this.reportRejected(contents.rejected);
    const names = new Set(listing.map((f) => f.name));
    const configs = new Map(
      [...contents.configs].map(
        ([cluster, c]) => [cluster, resolveConfigPaths(c, this.o.dir, names, existsSync)] as const,
      ),
    );
    const diff = diffConfigs(this.configs, configs);
    this.configs = configs;
    this.scanned = true;
    for (const cluster of diff.disconnect) {
      const remote = this.remotes.get(cluster);
      this.remotes.delete(cluster);
      this.o.log.info('remote cluster config removed: disconnecting and draining', { remote: cluster });
      await remote?.remove();
    }
    for (const config of diff.reconnect) {
      this.o.log.info('remote cluster config changed: reconnecting', { remote: config.cluster });
      this.remotes.get(config.cluster)?.reconfigure(config);
    }
    for (const config of diff.connect) {
      this.o.log.info('remote cluster configured: connecting', {
        remote: config.cluster,
        endpoints: config.endpoints,
      });
      const remote = new RemoteCluster(config, { ...this.o.remote, otherRemoteIds: this.otherRemoteIds });
      this.remotes.set(config.cluster, remote);
      remote.start();
    }
  }

  /** Each distinct rejection is logged once, not on every poll. */
  private reportRejected(rejected: readonly RejectedFile[]): void {
    this.rejectedFiles = rejected;
    const now = new Set(rejected.map((r) => `${r.file}\0${r.reason}`));
    for (const r of rejected) {
      if (!this.reported.has(`${r.file}\0${r.reason}`)) {
        this.o.log.warn('clustermesh config file rejected', { file: r.file, reason: r.reason });
      }
    }
    this.reported = now;
  }
}
