#!/usr/bin/env node
// Installs what `npm test` / `npm start` need on a fresh machine: npm dependencies and Debian
// packages. As root it installs; otherwise it stops with one line saying what to install.
// Plain Node, no dependencies: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const purpose = process.argv[2] ?? 'test';

// binary → Debian package. `start` needs only what the sandbox runs; tests also need the
// interop peers and BPF tooling.
const forStart = { etcd: 'etcd-server', etcdctl: 'etcd-client' };
const forTest = {
  ...forStart,
  bird: 'bird2',
  birdc: 'bird2',
  '/usr/lib/frr/bgpd': 'frr',
  gobgpd: 'gobgpd',
  bpftool: 'bpftool',
  clang: 'clang',
  '/usr/include/bpf/bpf_helpers.h': 'libbpf-dev',
  arping: 'iputils-arping',
  ip: 'iproute2',
  nsenter: 'util-linux',
  // docker-compose validates docker-compose.yml (no engine needed); chromium runs the status page test.
  'docker-compose': 'docker-compose',
  '/usr/bin/chromium': 'chromium',
};

function has(bin) {
  if (bin.startsWith('/')) return existsSync(bin);
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

const wanted = purpose === 'start' ? forStart : forTest;
const missing = [...new Set(Object.entries(wanted).filter(([bin]) => !has(bin)).map(([, pkg]) => pkg))];
const isRoot = process.getuid?.() === 0;

if (missing.length > 0) {
  if (!isRoot) {
    console.error(`meshlb: missing Debian packages; run: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.error(`meshlb: installing ${missing.join(' ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
}

// A fresh clone has no node_modules: install exactly what the lockfile says (this also builds via `prepare`).
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.error('meshlb: installing npm dependencies (npm ci) ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
