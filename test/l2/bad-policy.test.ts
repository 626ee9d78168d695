/**
 * Bad CiliumL2AnnouncementPolicies against the sandbox API server: each gets the reference's
 * condition on its status, the announcer keeps running, and a good policy next to them still
 * announces its service. The node's devices come from a fake /sys/class/net; the map backend
 * is in memory (nothing here needs the kernel).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryBackend } from '../../datapath/memory-backend.js';
import { kubeRequest } from '../../k8s/request.js';
import { createL2Announcer, type L2Announcer } from '../../l2-announcer/index.js';
import { silentLogger } from '../../lib/log.js';
import { withApiServer } from '../k8s/harness.js';

const CRD = fileURLToPath(
  new URL('../../deploy/crds/cilium.io_ciliuml2announcementpolicies.yaml', import.meta.url),
);
const POLICIES = '/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly message?: string;
}

describe('L2 announcement policies with bad input', () => {
  const h = withApiServer();
  let sysDir: string;
  let announcer: L2Announcer | undefined;

  const kubectl = (args: readonly string[], stdin?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', h.kubeconfigPath, ...args],
        (err, stdout, stderr) => {
          if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`));
          else resolve(stdout);
        },
      );
      child.stdin?.end(stdin ?? '');
    });
  const apply = (obj: unknown): Promise<string> =>
    kubectl(['apply', '--validate=false', '-f', '-'], JSON.stringify(obj));

  const until = async <T>(
    what: string,
    get: () => Promise<T | undefined> | T | undefined,
    ms: number,
  ): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await get();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const conditionsOf = async (name: string): Promise<Condition[]> => {
    const r = await kubeRequest<{ status?: { conditions?: Condition[] } }>(h.kc, {
      method: 'GET',
      path: `${POLICIES}/${name}`,
    });
    return r.ok ? (r.value.status?.conditions ?? []) : [];
  };

  const policy = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'cilium.io/v2alpha1',
    kind: 'CiliumL2AnnouncementPolicy',
    metadata: { name },
    spec,
  });

  beforeAll(async () => {
    sysDir = mkdtempSync(join(tmpdir(), 'l2-sys-'));
    const eth0 = join(sysDir, 'eth0');
    mkdirSync(eth0);
    writeFileSync(join(eth0, 'ifindex'), '7\n');
    writeFileSync(join(eth0, 'operstate'), 'up\n');
    writeFileSync(join(eth0, 'type'), '1\n');
    await kubectl(['apply', '-f', CRD]);
    await until(
      'policy CRD served',
      async () => ((await kubeRequest(h.kc, { method: 'GET', path: POLICIES })).ok ? true : undefined),
      20_000,
    );
    await apply({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
    });
    const status = await kubeRequest(h.kc, {
      method: 'PATCH',
      path: '/api/v1/namespaces/default/services/web/status',
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
    if (!status.ok) throw new Error(`service status: ${status.error.message}`);
    await apply(policy('bad-regex', { loadBalancerIPs: true, interfaces: ['eth('] }));
    await apply(
      policy('bad-node-selector', {
        loadBalancerIPs: true,
        nodeSelector: { matchLabels: { 'bad key!': 'x' } },
      }),
    );
    await apply(
      policy('bad-service-selector', {
        loadBalancerIPs: true,
        serviceSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] },
      }),
    );
    await apply(
      policy('good', {
        loadBalancerIPs: true,
        serviceSelector: { matchLabels: { app: 'web' } },
        interfaces: ['^eth0$'],
      }),
    );
    announcer = createL2Announcer({
      kc: h.kc,
      nodeName: 'n1',
      leaseNamespace: 'default',
      timing: { leaseDurationMs: 6000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
      devices: () => true,
      backend: createMemoryBackend(),
      registry: new Registry(),
      log: silentLogger,
      sysClassNet: sysDir,
    });
    await announcer.start(new AbortController().signal);
  });

  afterAll(async () => {
    await announcer?.stop();
    rmSync(sysDir, { recursive: true, force: true });
  });

  test.each([
    ['bad-regex', 'io.cilium/bad-interface-regex', 'eth('],
    ['bad-node-selector', 'io.cilium/bad-node-selector', 'bad key!'],
    ['bad-service-selector', 'io.cilium/bad-service-selector', 'matchExpressions[0].values'],
  ])('%s gets the %s condition naming the culprit', async (name, type, culprit) => {
    const found = await until(
      `${type} on ${name}`,
      async () => (await conditionsOf(name)).find((c) => c.type === type && c.status === 'True'),
      60_000,
    );
    expect(found.message).toContain(culprit);
  });

  test('the good policy next to them announces its service and reports no problem', async () => {
    const entries = await until(
      'responder entry for 192.0.2.10',
      () => {
        const e = announcer!.responderEntries();
        return e.length > 0 ? e : undefined;
      },
      60_000,
    );
    expect(entries).toEqual([{ ip: '192.0.2.10', ifname: 'eth0', ifindex: 7 }]);
    const good = await conditionsOf('good');
    expect(good.filter((c) => c.status === 'True')).toEqual([]);
    expect(announcer!.health().healthy).toBe(true);
  });
});
