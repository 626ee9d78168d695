/**
 * Two `meshlb operator` processes (the built bin/meshlb) on one cluster: only the leader
 * writes and is ready; SIGKILLing it hands over within the lease duration (plus a retry) and
 * the new leader carries on from the existing objects without reallocating anything.
 * Leader election itself is covered by test/k8s/leader-election.test.ts; this checks the
 * operator's use of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { getObject } from '../../k8s/patch.js';
import { eventually, withOperatorWorld } from './harness.js';

const w = withOperatorWorld();
const bin = fileURLToPath(new URL('../../bin/meshlb', import.meta.url));
const built = fileURLToPath(new URL('../../dist/operator/cli.js', import.meta.url));
const LEASE_SECONDS = 3;
const RETRY_SECONDS = 0.5;

interface OperatorProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  readonly url: Promise<string>;
  readonly log: string[];
}

const procs: OperatorProcess[] = [];

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
});

afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
});

function spawnOperator(name: string): OperatorProcess {
  const proc = spawn(process.execPath, [
    bin, 'operator', '--kubeconfig', w.h.kubeconfigPath, '--cluster-name', 'c1', '--cluster-id', '1',
    '--namespace', 'kube-system', '--identity', name, '--health-port', '0',
    '--identity-gc-interval', '1s', '--identity-gc-grace', '1h',
    '--lease-duration', `${LEASE_SECONDS}s`, '--renew-deadline', '2s', '--retry-period', `${RETRY_SECONDS * 1000}ms`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  const url = new Promise<string>((resolve) => {
    createInterface(proc.stderr!).on('line', (l) => {
      log.push(l);
      const m = /health=(http:\/\/127\.0\.0\.1:\d+)/.exec(l);
      if (m) resolve(m[1]!);
    });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const p = { name, proc, exited, url, log };
  procs.push(p);
  return p;
}

async function ready(p: OperatorProcess): Promise<boolean> {
  const res = await fetch(`${await p.url}/readyz`);
  return res.status === 200;
}

async function leaseHolder(): Promise<string | undefined> {
  const lease = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system', name: 'meshlb-operator' };
  const r = await getObject<{ spec?: { holderIdentity?: string } }>(w.h.kc, lease);
  return r.ok ? r.value.spec?.holderIdentity : undefined;
}

async function writes(p: OperatorProcess): Promise<number> {
  const text = await (await fetch(`${await p.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('meshlb_operator_identity_writes_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

test('only the leader writes; killing it hands over and the other carries on without reallocating', async () => {
  await w.createPod('default', 'a', { app: 'a' }, '10.244.1.1');
  const one = spawnOperator('op-a');
  const two = spawnOperator('op-b');
  const leader = await eventually(async () => {
    const states = await Promise.all([ready(one), ready(two)]);
    expect(states.filter(Boolean)).toHaveLength(1);
    return states[0] ? one : two;
  }, 30_000);
  const standby = leader === one ? two : one;
  const firstId = await eventually(async () => (await w.endpoints()).get('default/a')!.identity);

  await w.createPod('default', 'b', { app: 'b' }, '10.244.1.2');
  await eventually(async () => expect((await w.endpoints()).has('default/b')).toBe(true));
  // Give the standby several retry periods in which it must not act.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(await ready(standby)).toBe(false);
  expect(await writes(standby)).toBe(0);
  // Two identities and two endpoints, each written once.
  expect(await writes(leader)).toBe(4);

  const killedAt = Date.now();
  leader.proc.kill('SIGKILL');
  await leader.exited;
  await eventually(async () => expect(await leaseHolder()).toBe(standby.name), 30_000);
  // The lease must run out first; one retry period later the standby holds it (1 s for the API round trips).
  expect(Date.now() - killedAt).toBeLessThan((LEASE_SECONDS + RETRY_SECONDS) * 1000 + 1_000);
  await eventually(async () => expect(await ready(standby)).toBe(true), 30_000);

  await w.createPod('default', 'c', { app: 'a' }, '10.244.1.3');
  const eps = await eventually(async () => {
    const got = await w.endpoints();
    expect(got.has('default/c')).toBe(true);
    return got;
  });
  expect(eps.get('default/a')!.identity).toBe(firstId);
  expect(eps.get('default/c')!.identity).toBe(firstId);
  expect((await w.identities()).map((i) => i.id)).toHaveLength(2);
  // The new leader wrote only the new pod's endpoint: nothing existing was redone.
  expect(await writes(standby)).toBe(1);

  // A leader that is told to stop releases the lease: the next one need not wait for expiry.
  const third = spawnOperator('op-c');
  await third.url;
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await ready(third)).toBe(false);
  const stoppedAt = Date.now();
  standby.proc.kill('SIGTERM');
  await standby.exited;
  expect(standby.proc.exitCode).toBe(0);
  await eventually(async () => expect(await leaseHolder()).toBe(third.name), 30_000);
  expect(Date.now() - stoppedAt).toBeLessThan(LEASE_SECONDS * 1000);
  await eventually(async () => expect(await ready(third)).toBe(true), 30_000);
  expect(await writes(third)).toBe(0);
}, 180_000);
