// Builds the bpf(2) addon with node-gyp during `npm ci`/`npm install` (the package's own
// prepare script). Never fails the install: without a compiler or Node headers the pinned map
// backend falls back to `bpftool batch`, so this only prints why the addon is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

// Node installed from a distribution package keeps its headers under /usr/include/node; pointing
// node-gyp there stops it from trying to download them (these machines only reach registries).
function nodeDir() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function main() {
  if (process.platform !== 'linux') return 'not Linux';
  const gyp = findNodeGyp();
  if (!gyp) return 'node-gyp not found';
  const dir = nodeDir();
  const args = [gyp, 'rebuild', ...(dir ? [`--nodedir=${dir}`] : [])];
  const res = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) return `node-gyp failed:\n${(res.stderr || res.stdout || '').split('\n').slice(-8).join('\n')}`;
  return undefined;
}

const why = main();
if (why) process.stderr.write(`meshlb: bpf(2) addon not built (${why}); pinned BPF maps will use bpftool batch\n`);
