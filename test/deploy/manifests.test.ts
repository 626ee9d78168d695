/**
 * Every manifest under deploy/ is accepted by the sandbox API server through the real kubectl:
 * first `apply --dry-run=server -R`, then for real, and what is read back is what was sent
 * (the fields a node needs from the agent DaemonSet, the RBAC rules as written).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../lib/repo.js';
import { withApiServer } from '../k8s/harness.js';
import { KUBECTL, kubectlAvailable } from '../kubectl/run.js';

const run = promisify(execFile);
const DEPLOY = join(repoRoot, 'deploy');
const missing = kubectlAvailable() ? undefined : `${KUBECTL} not found`;
if (missing) console.log(`test/deploy/manifests: skipped: ${missing}`);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => join(e.parentPath, e.name)).sort();
}

async function manifests(): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const f of await yamlFiles(DEPLOY)) {
    for (const doc of parseAllDocuments(await readFile(f, 'utf8'))) {
      const m = doc.toJS() as Manifest | null;
      if (m) out.push(m);
    }
  }
  return out;
}

/** What `kubectl ... -o name` prints for an object: kind.group/name, lower case. */
function nameOf(m: Manifest): string {
  const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  return `${m.kind.toLowerCase()}${group ? `.${group}` : ''}/${m.metadata.name}`;
}

describe.skipIf(missing !== undefined)('deploy/ on the sandbox API server', () => {
  const h = withApiServer();
  const kubectl = async (...args: string[]): Promise<string> => {
    const r = await run(KUBECTL, ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(h.dir, 'kubectl-cache'), ...args], {
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    return r.stdout;
  };

  test('server-side dry run accepts every object, then applying for real stores them as written', async () => {
    const all = await manifests();
    expect(all.length).toBeGreaterThan(15);
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'DaemonSet', 'Service', 'CustomResourceDefinition', 'ConfigMap']) {
      expect(all.map((m) => m.kind), kind).toContain(kind);
    }
    // kube-system exists from the server's bootstrap, as on a real cluster. CRDs first: kubectl needs them established before anything uses them (nothing does here,
    // but a real install goes in this order too).
    await kubectl('apply', '--server-side', '-f', join(DEPLOY, 'crds'));

    const dry = await kubectl('apply', '--dry-run=server', '-R', '-f', DEPLOY, '-o', 'name');
    expect(dry.trim().split('\n').sort()).toEqual(all.map(nameOf).sort());

    await kubectl('apply', '-R', '-f', DEPLOY);
    const ds = JSON.parse(await kubectl('get', '-n', 'kube-system', 'daemonset', 'meshlb-agent', '-o', 'json')) as {
      spec: { template: { spec: { hostNetwork: boolean; containers: { securityContext: { privileged: boolean }; volumeMounts: { mountPath: string }[] }[]; volumes: { name: string; hostPath?: { path: string } }[] } } };
    };
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.containers[0]!.securityContext.privileged).toBe(true);
    expect(pod.containers[0]!.volumeMounts.map((v) => v.mountPath)).toContain('/sys/fs/bpf');
    expect(pod.volumes.find((v) => v.name === 'bpffs')?.hostPath?.path).toBe('/sys/fs/bpf');

    for (const m of all.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
      const ns = m.metadata.namespace ? ['-n', m.metadata.namespace] : [];
      const got = JSON.parse(await kubectl('get', ...ns, m.kind.toLowerCase(), m.metadata.name, '-o', 'json')) as { rules: unknown };
      expect(got.rules, `${m.kind} ${m.metadata.name}`).toEqual(m.rules);
    }

    const listed = await kubectl('get', '-n', 'kube-system', 'deployments,daemonsets,serviceaccounts', '-o', 'name');
    expect(listed.trim().split('\n').sort()).toEqual(
      all.filter((m) => ['Deployment', 'DaemonSet', 'ServiceAccount'].includes(m.kind)).map(nameOf).sort(),
    );
  });

  test('a manifest with a field the schema does not know is refused by the dry run', async () => {
    await kubectl('apply', '--server-side', '-f', join(DEPLOY, 'crds', 'cilium.io_ciliumloadbalancerippools.yaml'));
    const bad = join(h.dir, 'bad.yaml');
    await writeFile(bad, 'apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: bad}\nspec: {blocks: [{cidr: 10.0.0.0/24}], noSuchField: 1}\n');
    await expect(kubectl('apply', '--dry-run=server', '-f', bad)).rejects.toThrow(/noSuchField/);
  });
});
