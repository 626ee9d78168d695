/**
 * `npm run bench -- <name>`: runs bench/<name>.ts and prints one JSON object on stdout.
 * Benchmarks report ratios against a raw baseline measured in the same run, because these
 * machines are shared and noisy; progress goes to stderr.
 */
const benches: Record<string, () => Promise<{ run: () => Promise<unknown> }>> = {
  sandbox: () => import('./sandbox.js'),
  apiserver: () => import('./apiserver.js'),
  datapath: () => import('./datapath.js'),
  bgp: () => import('./bgp.js'),
  lbipam: () => import('./lbipam.js'),
  mesh: () => import('./mesh.js'),
  egress: () => import('./egress.js'),
  l2: () => import('./l2.js'),
};

async function main(): Promise<number> {
  const name = process.argv[2];
  const load = name ? benches[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
    return 2;
  }
  const mod = await load();
  const result = await mod.run();
  process.stdout.write(JSON.stringify({ bench: name, at: new Date().toISOString(), ...(result as object) }, null, 2) + '\n');
  return 0;
}

process.exitCode = await main();
