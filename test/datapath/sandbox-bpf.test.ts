/**
 * `meshlb sandbox up --datapath bpf` as a user runs it: the agent programs pinned maps under
 * the cluster's own bpffs, a Service made with kubectl shows up in `meshlb bpf lb list`, the
 * choice survives a resume, and `down` leaves no mount behind.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bpfMountsUnder } from '../../datapath/bpffs.js';
import { isBpffs } from '../../datapath/pinned/root.js';
import { meshlbBin } from '../../lib/repo.js';
import { bpfSkipReason, skipWithReason } from './bpf-env.js';

const run = promisify(execFile);
const skip = skipWithReason(bpfSkipReason(), 'sandbox up --datapath bpf');
// Made in beforeAll, not at import: a skipped or filtered run leaves nothing behind.
let dir = '';

async function meshlb(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [meshlbBin, ...args], { timeout: 600_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function kubectlApply(manifest: string): Promise<void> {
  const child = execFile('/usr/bin/kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'kubectl-cache'), '--context', 'c1', 'apply', '-f', '-'], {
    timeout: 60_000,
  });
  const done = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply exited ${code}`)))));
  child.stdin!.end(manifest);
  await done;
}

function bpfMountsInDir(): string[] {
  return bpfMountsUnder(readFileSync('/proc/mounts', 'utf8'), dir);
}

interface Env {
  clusters: { name: string; agents: { node: string; status: string; bpfRoot?: string }[] }[];
}
const readEnv = (): Env => JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Env;

async function lbListEventually(root: string, want: readonly string[]): Promise<string> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = await meshlb('bpf', 'lb', 'list', '--bpf-root', root);
    last = r.stdout + r.stderr;
    if (r.code === 0 && want.every((w) => r.stdout.includes(w))) return r.stdout;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`bpf lb list never showed ${want.join(', ')}; last output:\n${last}`);
}

const manifest = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  type: ClusterIP
  clusterIP: 10.96.50.10
  clusterIPs: [10.96.50.10]
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc12
  namespace: default
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
  - addresses: [10.1.1.5]
    conditions: { ready: true }
  - addresses: [10.1.1.6]
    conditions: { ready: true }
`;

describe.skipIf(skip)('meshlb sandbox up --datapath bpf', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshlb-sandbox-bpf-'));
  });

  afterAll(async () => {
    if (!dir) return;
    await meshlb('sandbox', 'down', '--dir', dir, '--purge');
    // Last resort so a failed test never leaves a mount on the machine.
    for (const m of bpfMountsInDir()) await run('umount', ['-l', m]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  test('agent programs its own bpffs; the service is listed; resume keeps bpf; down unmounts', async () => {
    const up = await meshlb('sandbox', 'up', '--clusters', '1', '--dir', dir, '--detach', '--datapath', 'bpf');
    expect(up.stderr + up.stdout).toContain('sandbox ready');
    expect(up.code).toBe(0);

    const agent = readEnv().clusters[0]!.agents[0]!;
    expect(agent.bpfRoot).toBe(join(dir, 'c1', 'bpffs'));
    const root = agent.bpfRoot!;
    expect(isBpffs(root)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ datapath: 'bpf' });

    // The agent's readiness includes its datapath, which is ready (first full programming done).
    const ready = (await (await fetch(`${agent.status}/readyz`)).json()) as { modules: { name: string; healthy: boolean; ready: boolean }[] };
    expect(ready.modules.find((m) => m.name === 'datapath')).toEqual({ name: 'datapath', healthy: true, ready: true });

    await kubectlApply(manifest);
    const listed = await lbListEventually(root, ['10.96.50.10:80', '10.1.1.5:8080', '10.1.1.6:8080']);
    expect(listed).toMatch(/10\.96\.50\.10:80 .*\[ClusterIP/s);

    const down = await meshlb('sandbox', 'down', '--dir', dir);
    expect({ code: down.code, stderr: down.stderr }).toEqual({ code: 0, stderr: '' });
    expect(bpfMountsInDir()).toEqual([]);

    // No --datapath on resume: the sandbox keeps bpf and the agent reprograms from the kept data.
    const again = await meshlb('sandbox', 'up', '--clusters', '1', '--dir', dir, '--detach');
    expect(again.code).toBe(0);
    expect(readEnv().clusters[0]!.agents[0]!.bpfRoot).toBe(root);
    expect(bpfMountsInDir()).toEqual([root]);
    await lbListEventually(root, ['10.96.50.10:80', '10.1.1.5:8080']);

    const downAgain = await meshlb('sandbox', 'down', '--dir', dir);
    expect({ code: downAgain.code, stderr: downAgain.stderr }).toEqual({ code: 0, stderr: '' });
    expect(bpfMountsInDir()).toEqual([]);
  }, 900_000);
});
