/**
 * The BGP control plane's test world: a real etcd, the sandbox API server, the real kubectl,
 * and every CRD of deploy/crds applied with `kubectl apply` (as a user installs them).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { kubeRequest } from '../../k8s/request.js';
import { collectionPath, type ResourceType } from '../../k8s/resource.js';
import { withApiServer, type Harness } from '../k8s/harness.js';
import { createKubectl, type Kubectl, type KubectlResult } from '../kubectl/run.js';

const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));

export interface BgpWorld {
  readonly h: Harness;
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** Runs kubectl and throws with its stderr unless it exits 0. */
  must(args: readonly string[], stdin?: string): Promise<string>;
  /** `kubectl apply -f -` of objects as one YAML stream (YAML 1.1 quoting: kubectl reads a bare on/No as a boolean). */
  apply(...docs: readonly object[]): Promise<void>;
  /** `kubectl get <what> -o json`, or undefined when it is not there. */
  getJson(...what: string[]): Promise<Record<string, unknown> | undefined>;
}

async function waitServed(h: Harness, types: readonly ResourceType[]): Promise<void> {
  const until = Date.now() + 10_000;
  for (const t of types) {
    for (;;) {
      const r = await kubeRequest(h.kc, { method: 'GET', path: collectionPath(t) });
      if (r.ok) break;
      if (Date.now() > until) throw new Error(`${t.resource} not served: ${r.error.message}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

export function withBgpWorld(served: readonly ResourceType[]): BgpWorld {
  const h = withApiServer();
  let kubectl: Kubectl | undefined;

  const run = (args: readonly string[], stdin?: string): Promise<KubectlResult> => {
    if (!kubectl) throw new Error('kubectl used before beforeAll ran');
    return kubectl.run(args, stdin);
  };
  const must = async (args: readonly string[], stdin?: string): Promise<string> => {
    const r = await run(args, stdin);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    const config = JSON.parse(readFileSync(h.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    kubectl = await createKubectl({
      server: config.clusters[0]!.cluster.server,
      token: config.users[0]!.user.token,
      caPem: Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
    });
    await must(['apply', '-f', crdDir]);
    await waitServed(h, served);
  });

  afterAll(async () => {
    await kubectl?.close();
  });

  return {
    h,
    kubectl: run,
    must,
    async apply(...docs) {
      await must(['apply', '-f', '-'], docs.map((d) => stringify(d, { version: '1.1' })).join('\n---\n'));
    },
    async getJson(...what) {
      const r = await run(['get', ...what, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined;
    },
  };
}

/** Polls `check` until it returns without throwing; the last failure is the error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
