/**
 * Seeds the demo into a running sandbox: creates what is missing (existing objects are left as
 * they are, so seeding a resumed sandbox again changes nothing), gives the pods their IPs,
 * connects every cluster to every other, then waits until the mesh shows it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, loadKubeConfig, patchStatus, type KubeObject } from '../../k8s/index.js';
import type { Logger } from '../../lib/log.js';
import { meshlbBin } from '../../lib/repo.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { collectSnapshot } from '../../ui/collect.js';
import { globalServices, meshConnected, poolUsage, type Snapshot } from '../../ui/snapshot.js';
import type { UiEnv } from '../../ui/sources.js';
import { clusterDemo, DEMO_NAMESPACE, PODS, type ClusterDemo } from './objects.js';

const run = promisify(execFile);

async function seedCluster(kc: KubeConfig, demo: ClusterDemo): Promise<Result<number>> {
  let created = 0;
  for (const o of demo.objects) {
    const r = await createObject(kc, o.type, o.body as KubeObject);
    if (r.ok) created++;
    else if (r.error.kind !== 'already_exists') return fail(`${demo.cluster}: creating ${o.type.resource} ${o.body.metadata.name}: ${r.error.message}`);
  }
  for (const p of demo.pods) {
    const status = { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] };
    const r = await patchStatus(kc, { ...PODS, namespace: DEMO_NAMESPACE, name: p.name }, { status });
    if (!r.ok) return fail(`${demo.cluster}: setting the IP of pod ${p.name}: ${r.error.message}`);
  }
  return ok(created);
}

/** Bidirectional: one connect per cluster towards every later one covers every pair. */
async function connectAll(env: UiEnv): Promise<Result<void>> {
  const names = env.clusters.map((c) => c.context);
  for (let i = 0; i < names.length - 1; i++) {
    const args = ['clustermesh', 'connect', '--kubeconfig', env.kubeconfig, '--context', names[i]!];
    for (const d of names.slice(i + 1)) args.push('--destination-context', d);
    try {
      await run(process.execPath, [meshlbBin, ...args], { timeout: 120_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      return fail(`meshlb ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
    }
  }
  return ok(undefined);
}

/** The demo is visible: mesh up, rebel-base merged from every cluster everywhere, deathstar has an IP. */
export function demoVisible(s: Snapshot): boolean {
  if (!meshConnected(s)) return false;
  const rebels = globalServices(s).filter((g) => g.service === `${DEMO_NAMESPACE}/rebel-base`);
  const everywhere = s.clusters.every((c) => rebels.some((r) => r.cluster === c.name && r.backends.size === s.clusters.length));
  const deathstar = s.clusters.some((c) => poolUsage(c).some((p) => p.services.some((x) => x.startsWith(`${DEMO_NAMESPACE}/deathstar `))));
  return everywhere && deathstar;
}

export async function seedDemo(env: UiEnv, log: Logger, opts: { timeoutMs?: number } = {}): Promise<Result<Snapshot>> {
  for (const [i, c] of env.clusters.entries()) {
    const kc = loadKubeConfig({ kubeconfig: env.kubeconfig, context: c.context });
    if (!kc.ok) return fail(`${c.name}: ${kc.error}`);
    const r = await seedCluster(kc.value, clusterDemo(c, i));
    if (!r.ok) return r;
    log.info('demo objects in place', { cluster: c.name, created: r.value });
  }
  if (env.clusters.length > 1) {
    const connected = await connectAll(env);
    if (!connected.ok) return connected;
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  let last = await collectSnapshot(env);
  while (!demoVisible(last)) {
    if (Date.now() > deadline) return ok(last); // the summary shows what is missing
    await new Promise((r) => setTimeout(r, 500));
    last = await collectSnapshot(env);
  }
  return ok(last);
}
