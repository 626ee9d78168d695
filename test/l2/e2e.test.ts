/**
 * L2 announcements end to end: the sandbox API server, two `meshlb agent --datapath bpf`
 * processes (nodes n1 and n2 of one cluster, each with its own bpffs root and its own device),
 * and a client namespace on a bridge with both nodes' veths. The client's arping and neighbour
 * table show who answers for the LoadBalancer IP.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubeRequest } from '../../k8s/request.js';
import { mountPrivateBpffs, skipWithReason } from '../datapath/bpf-env.js';
import { withApiServer } from '../k8s/harness.js';
import { l2SkipReason } from './responder-env.js';
import { createLan, type Lan } from './lan.js';

const skip = l2SkipReason();
const BIN = fileURLToPath(new URL('../../bin/meshlb', import.meta.url));
const CRD = fileURLToPath(new URL('../../deploy/crds/cilium.io_ciliuml2announcementpolicies.yaml', import.meta.url));
const VIP = '198.51.100.10';
const VIP_LOCAL = '198.51.100.20';
const NOBODY = '02:00:00:00:00:01';
// Cilium's defaults (15s/5s/2s): with shorter timings a renewal delayed by a loaded machine (CI
// runs two test files at once, each with its own processes) ends holding before it arrives.
const LEASE_S = 15;
const RENEW_S = 5;
const RETRY = '2s';
/** arping sends one request per second: an observed change can lag the real one by that much. */
const PROBE_MS = 1000;

interface AgentProc {
  readonly node: string;
  readonly ifname: string;
  readonly child: ChildProcess;
  statusUrl?: string;
  readonly log: string[];
}

describe.skipIf(skipWithReason(skip, 'L2 announcements e2e'))('L2 announcements on a bridged segment', () => {
  const h = withApiServer();
  const cleanups: (() => unknown)[] = [];
  const agents = new Map<string, AgentProc>();
  let lan: Lan;
  let bpfDir: string;

  // Asynchronous: the API server runs in this process, a blocking spawn would stall it.
  const kubectl = (args: readonly string[], stdin?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile('kubectl', ['--kubeconfig', h.kubeconfigPath, ...args], (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`));
        else resolve(stdout);
      });
      child.stdin?.end(stdin ?? '');
    });
  // The test API server has no /openapi/v2, which kubectl's client-side validation needs.
  const apply = (obj: unknown): Promise<string> => kubectl(['apply', '--validate=false', '-f', '-'], JSON.stringify(obj));

  const startAgent = (node: string, ifname: string): AgentProc => {
    const root = join(bpfDir, node);
    mkdirSync(root, { recursive: true });
    const child = spawn(process.execPath, [
      BIN, 'agent', '--kubeconfig', h.kubeconfigPath, '--node-name', node, '--cluster-name', 'c1', '--cluster-id', '1',
      '--status-port', '0', '--datapath', 'bpf', '--bpf-root', root, '--devices', ifname,
      '--l2-announcements-lease-duration', `${LEASE_S}s`, '--l2-announcements-renew-deadline', `${RENEW_S}s`,
      '--l2-announcements-retry-period', RETRY,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const a: AgentProc = { node, ifname, child, log: [] };
    child.stdout?.on('data', (d: Buffer) => {
      const m = /agent status: (\S+)/.exec(d.toString());
      if (m) a.statusUrl = m[1];
    });
    child.stderr?.on('data', (d: Buffer) => a.log.push(d.toString()));
    agents.set(node, a);
    return a;
  };

  const lease = async (svc: string): Promise<string | undefined> => {
    const r = await kubeRequest<{ spec?: { holderIdentity?: string } }>(h.kc, {
      method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/cilium-l2announce-default-${svc}`,
    });
    return r.ok ? r.value.spec?.holderIdentity || undefined : undefined;
  };

  const until = async <T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await get();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; agent logs:\n${[...agents.values()].map((a) => `${a.node}: ${a.log.join('').split('\n').filter((l) => !l.includes('egress-gateway')).join('\n').slice(-3000)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const lbService = (name: string, etp: 'Cluster' | 'Local') => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: etp, selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] },
  });

  const setIngress = async (name: string, ip: string): Promise<void> => {
    const r = await kubeRequest(h.kc, {
      method: 'PATCH', path: `/api/v1/namespaces/default/services/${name}/status`,
      contentType: 'application/merge-patch+json', body: { status: { loadBalancer: { ingress: [{ ip }] } } },
    });
    if (!r.ok) throw new Error(`status of ${name}: ${r.error.message}`);
  };

  const slice = (svc: string, node: string) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${svc}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.0.5'], nodeName: node, conditions: { ready: true } }],
  });

  const ifOf = (node: string): string => agents.get(node)!.ifname;
  const other = (node: string): string => (node === 'n1' ? 'n2' : 'n1');

  beforeAll(async () => {
    const fs = mountPrivateBpffs();
    cleanups.push(() => fs.cleanup());
    bpfDir = fs.dir;
    lan = createLan(2);
    cleanups.push(() => lan.cleanup());
    // Interfaces first: an attached XDP program must go before its bpffs is unmounted.
    cleanups.push(() => { for (const i of lan.nodeIfs) lan.xdpOff(i); });
    await kubectl(['apply', '-f', CRD]);
    await until('policy CRD served', async () => {
      const r = await kubeRequest(h.kc, { method: 'GET', path: '/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies' });
      return r.ok ? true : undefined;
    }, 20_000);
    for (const n of ['n1', 'n2']) await apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
    await apply({
      apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumL2AnnouncementPolicy', metadata: { name: 'lan' },
      spec: { loadBalancerIPs: true, interfaces: [`^m${process.pid}n[0-9]$`] },
    });
    startAgent('n1', lan.nodeIfs[0]!);
    startAgent('n2', lan.nodeIfs[1]!);
    cleanups.push(() => { for (const a of agents.values()) a.child.kill('SIGKILL'); });
    await until('agents up', () => ([...agents.values()].every((a) => a.statusUrl) ? true : undefined), 120_000);
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`cleanup: ${String(err)}\n`);
      }
    }
  });

  test('the lease holder answers ARP for the LoadBalancer IP with its MAC; the other node stays silent', async () => {
    await apply(lbService('web', 'Cluster'));
    await setIngress('web', VIP);
    const holder = await until('a holder of web', () => lease('web'), 30_000);
    const mac = lan.mac(ifOf(holder));
    const replies = await until('replies', async () => { const r = await lan.arping(VIP, 3); return r.length === 3 ? r : undefined; }, 20_000);
    expect(replies).toEqual([mac, mac, mac]);
    const status = await fetch(`${agents.get(holder)!.statusUrl}/v1/l2/announcements`).then((r) => r.json() as Promise<unknown[]>);
    expect(status).toContainEqual({
      service: 'default/web', ips: [VIP], interfaces: [ifOf(holder)], lease: 'cilium-l2announce-default-web', holder, thisNode: true,
    });
  });

  test('externalTrafficPolicy Local: only the node with the ready endpoint announces, and it follows the endpoint', async () => {
    await apply(lbService('local', 'Local'));
    await apply(slice('local', 'n2'));
    await setIngress('local', VIP_LOCAL);
    await until('n2 holds local', async () => ((await lease('local')) === 'n2' ? true : undefined), 30_000);
    expect(await lan.arping(VIP_LOCAL, 3)).toEqual(Array(3).fill(lan.mac(ifOf('n2'))));
    await new Promise((r) => setTimeout(r, LEASE_S * 1000));
    expect(await lease('local')).toBe('n2');
    await apply(slice('local', 'n1'));
    await until('n1 holds local', async () => ((await lease('local')) === 'n1' ? true : undefined), 30_000);
    const mac1 = lan.mac(ifOf('n1'));
    await until('replies from n1', async () => { const r = await lan.arping(VIP_LOCAL, 2); return r.length === 2 && r.every((m) => m === mac1) ? true : undefined; }, 20_000);
  });

  test("taking the holder's interface down moves the announcement to the other node", async () => {
    const holder = await until('holder of web', () => lease('web'), 10_000);
    const next = other(holder);
    lan.setLink(ifOf(holder), false);
    cleanups.push(() => lan.setLink(ifOf(holder), true));
    const downAt = Date.now();
    await until('the other node holds web', async () => ((await lease('web')) === next ? true : undefined), 30_000);
    // Released on purpose, so nobody has to wait for the lease to expire.
    expect(Date.now() - downAt).toBeLessThan(LEASE_S * 1000 + PROBE_MS);
    const mac = lan.mac(ifOf(next));
    await until('replies from the other node', async () => { const r = await lan.arping(VIP, 2); return r.length === 2 && r.every((m) => m === mac) ? true : undefined; }, 20_000);
    lan.setLink(ifOf(holder), true);
  });

  test('killing the holder: the other node takes over within lease duration + renew deadline and the client sees its gratuitous ARP', async () => {
    const holder = await until('holder of web', () => lease('web'), 10_000);
    const next = other(holder);
    const nextMac = lan.mac(ifOf(next));
    lan.plantNeighbour(VIP, NOBODY);
    const killedAt = Date.now();
    agents.get(holder)!.child.kill('SIGKILL');
    // A dead node's datapath is gone too; a killed agent alone leaves its program answering.
    lan.xdpOff(ifOf(holder));
    // No arping until the neighbour entry changed: only the gratuitous ARP can have changed it.
    await until('the client neighbour entry to point at the new holder', async () => ((await lan.neighbour(VIP)) === nextMac ? true : undefined), (LEASE_S + RENEW_S) * 1000 + 10_000);
    const took = Date.now() - killedAt;
    expect(took).toBeLessThanOrEqual((LEASE_S + RENEW_S) * 1000);
    expect(await lease('web')).toBe(next);
    expect(await lan.arping(VIP, 2)).toEqual([nextMac, nextMac]);
  });
});
