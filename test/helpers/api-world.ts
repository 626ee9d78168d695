/**
 * The world most controller tests start from: a real etcd and the sandbox API server
 * (test/k8s/harness.ts), the real kubectl pointed at it, and every CRD of deploy/crds applied
 * with `kubectl apply` as a user installs them, waited on until the named kinds are served.
 * Call it at the top of a test file; it registers its own beforeAll/afterAll, and whatever the
 * caller registers after it runs after it starts and is torn down before it stops.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { kubeRequest } from '../../k8s/request.js';
import { collectionPath, type ResourceType } from '../../k8s/resource.js';
import { withApiServer, type Harness } from '../k8s/harness.js';
import { createKubectl, type Kubectl, type KubectlResult } from '../kubectl/run.js';

const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));

export interface ApiWorld {
  readonly h: Harness;
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** Runs kubectl and throws with its stderr unless it exits 0; resolves with its stdout. */
  must(args: readonly string[], stdin?: string): Promise<string>;
  /** `kubectl get <what> -o json`, or undefined when it is not there. */
  getJson(...what: string[]): Promise<Record<string, unknown> | undefined>;
}

export interface ApiWorldOptions {
  /** Kinds the file's tests use: beforeAll ends only once each of them is served. */
  readonly served: readonly ResourceType[];
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { token: string } }[];
}

/** CRDs are served a moment after they are stored. */
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

export function withApiWorld(o: ApiWorldOptions): ApiWorld {
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
    const config = JSON.parse(readFileSync(h.kubeconfigPath, 'utf8')) as KubeconfigFile;
    kubectl = await createKubectl({
      server: config.clusters[0]!.cluster.server,
      token: config.users[0]!.user.token,
      caPem: Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
    });
    await must(['apply', '-f', crdDir]);
    await waitServed(h, o.served);
  });

  afterAll(async () => {
    await kubectl?.close();
  });

  return {
    h,
    kubectl: run,
    must,
    async getJson(...what) {
      const r = await run(['get', ...what, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined;
    },
  };
}

/** Polls `check` every `everyMs` until it returns without throwing; the last failure is the error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
