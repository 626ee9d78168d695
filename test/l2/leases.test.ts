/**
 * Several candidates elect per-service Leases against the sandbox API server (real etcd
 * underneath, real client-node requests). The invariant is checked at every step: each time
 * any candidate's held set changes, and every 10 ms in between, no lease has two holders.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, silentLogger } from '../../lib/log.js';
import type { LeaseTiming } from '../../l2-announcer/lease-core.js';
import { createLeaseManager, type LeaseManager } from '../../l2-announcer/leases.js';
import { l2Metrics, type L2Metrics } from '../../l2-announcer/metrics.js';
import { withApiServer } from '../k8s/harness.js';

const h = withApiServer();
const timing: LeaseTiming = { leaseDurationMs: 3000, renewDeadlineMs: 1000, retryPeriodMs: 200 };

interface Candidate {
  readonly name: string;
  readonly manager: LeaseManager;
  readonly metrics: L2Metrics;
  alive: boolean;
}

let candidates: Candidate[] = [];
let violations: string[] = [];
let sampler: NodeJS.Timeout | undefined;
let namespaceSeq = 0;

function check(): void {
  const holders = new Map<string, string[]>();
  for (const c of candidates)
    for (const l of c.manager.held()) holders.set(l, [...(holders.get(l) ?? []), c.name]);
  for (const [lease, who] of holders)
    if (who.length > 1) violations.push(`${lease}: ${who.join(', ')} at ${Date.now()}`);
}

function holdersOf(lease: string): string[] {
  return candidates.filter((c) => c.manager.held().has(lease)).map((c) => c.name);
}

async function startCandidates(names: readonly string[], wanted: readonly string[]): Promise<string> {
  const namespace = `l2-leases-${++namespaceSeq}`;
  const r = await fetchNamespace(namespace);
  if (!r) throw new Error(`cannot create namespace ${namespace}`);
  for (const name of names) {
    const metrics = l2Metrics(new Registry());
    const manager = createLeaseManager({
      kc: h.kc,
      namespace,
      identity: name,
      timing,
      metrics,
      log: process.env.L2_DEBUG ? createLogger({ node: name }) : silentLogger,
      onHeldChange: check,
    });
    const c: Candidate = { name, manager, metrics, alive: true };
    candidates.push(c);
    await manager.start(new AbortController().signal);
    manager.setWanted(new Set(wanted));
  }
  sampler ??= setInterval(check, 10);
  return namespace;
}

async function fetchNamespace(name: string): Promise<boolean> {
  const { createObject } = await import('../../k8s/patch.js');
  // The API server's etcd client backs off for a moment after timeouts on a loaded machine.
  const end = Date.now() + 15_000;
  for (;;) {
    const r = await createObject(
      h.kc,
      { group: '', version: 'v1', resource: 'namespaces' },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    );
    if (r.ok || r.error.kind === 'already_exists') return true;
    if (Date.now() > end) throw new Error(`namespace ${name}: ${r.error.message}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(candidates.map((c) => [c.name, [...c.manager.held()]]))}`,
      );
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function requests(c: Candidate, verbs: readonly string[]): Promise<number> {
  const m = await c.metrics.apiRequests.get();
  return m.values.filter((v) => verbs.includes(String(v.labels.verb))).reduce((s, v) => s + v.value, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const oneHolder = (lease: string) => () => {
  const w = holdersOf(lease);
  return w.length === 1 ? w[0] : undefined;
};

afterEach(async () => {
  clearInterval(sampler);
  sampler = undefined;
  await Promise.all(candidates.filter((c) => c.alive).map((c) => c.manager.stop(false)));
  candidates = [];
  expect(violations).toEqual([]);
  violations = [];
});

describe('per-service lease election', () => {
  test('three candidates, four leases: each lease gets exactly one holder and keeps it', async () => {
    const leases = [
      'cilium-l2announce-a-s1',
      'cilium-l2announce-a-s2',
      'cilium-l2announce-a-s3',
      'cilium-l2announce-a-s4',
    ];
    await startCandidates(['n1', 'n2', 'n3'], leases);
    const first = await Promise.all(leases.map((l) => until(`holder of ${l}`, oneHolder(l))));
    await sleep(3 * timing.leaseDurationMs);
    expect(leases.map((l) => holdersOf(l))).toEqual(first.map((n) => [n]));
    expect(violations).toEqual([]);
  });

  test('a crashed holder is replaced within lease duration + renew deadline', async () => {
    const lease = 'cilium-l2announce-b-web';
    await startCandidates(['n1', 'n2', 'n3'], [lease]);
    const holder = await until('first holder', oneHolder(lease));
    await sleep(timing.renewDeadlineMs * 1.5); // mid-term, not right after a renewal
    const victim = candidates.find((c) => c.name === holder)!;
    victim.alive = false;
    const crashedAt = Date.now();
    await victim.manager.stop(false);
    const next = await until('next holder', oneHolder(lease));
    const took = Date.now() - crashedAt;
    expect(next).not.toBe(holder);
    expect(took).toBeLessThanOrEqual(timing.leaseDurationMs + timing.renewDeadlineMs);
  });

  test('a holder that stops gracefully releases: the next one takes over before the lease would expire', async () => {
    const lease = 'cilium-l2announce-c-web';
    await startCandidates(['n1', 'n2'], [lease]);
    const holder = await until('first holder', oneHolder(lease));
    const victim = candidates.find((c) => c.name === holder)!;
    victim.alive = false;
    const stoppedAt = Date.now();
    await victim.manager.stop(true);
    await until('next holder', oneHolder(lease));
    expect(Date.now() - stoppedAt).toBeLessThan(timing.leaseDurationMs);
  });

  test('a holder that no longer wants the service gives it up to a candidate that does', async () => {
    const lease = 'cilium-l2announce-d-web';
    await startCandidates(['n1', 'n2'], [lease]);
    const holder = await until('first holder', oneHolder(lease));
    const giver = candidates.find((c) => c.name === holder)!;
    giver.manager.setWanted(new Set());
    expect(giver.manager.held().has(lease)).toBe(false); // withdrawn synchronously, before any request
    const next = await until('next holder', oneHolder(lease));
    expect(next).not.toBe(holder);
  });

  test('lease traffic: waiting candidates send no writes, the holder one renewal per renew deadline', async () => {
    const lease = 'cilium-l2announce-e-web';
    await startCandidates(['n1', 'n2', 'n3'], [lease]);
    const holder = await until('first holder', oneHolder(lease));
    await sleep(timing.renewDeadlineMs);
    const writes = ['create', 'renew', 'takeover', 'release', 'gc'];
    const before = await Promise.all(candidates.map((c) => requests(c, [...writes, 'list'])));
    const windowMs = 10 * timing.renewDeadlineMs;
    await sleep(windowMs);
    const after = await Promise.all(candidates.map((c) => requests(c, [...writes, 'list'])));
    const sent = candidates.map((c, i) => ({ name: c.name, n: after[i]! - before[i]! }));
    for (const s of sent) {
      if (s.name === holder) {
        expect(s.n).toBeGreaterThanOrEqual(windowMs / timing.renewDeadlineMs - 1);
        expect(s.n).toBeLessThanOrEqual(windowMs / timing.renewDeadlineMs + 1);
      } else {
        expect(s.n).toBe(0);
      }
    }
  });

  test('an outside write naming another holder ends holding at once', async () => {
    const lease = 'cilium-l2announce-f-web';
    const namespace = await startCandidates(['n1'], [lease]);
    await until('holder', oneHolder(lease));
    const { kubeRequest } = await import('../../k8s/request.js');
    const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${lease}`;
    const got = await kubeRequest<Record<string, unknown> & { spec: Record<string, unknown> }>(h.kc, {
      method: 'GET',
      path,
    });
    if (!got.ok) throw new Error(got.error.message);
    const now = new Date().toISOString().replace('Z', '000Z');
    const put = await kubeRequest(h.kc, {
      method: 'PUT',
      path,
      body: {
        ...got.value,
        spec: { ...got.value.spec, holderIdentity: 'intruder', renewTime: now, leaseDurationSeconds: 60 },
      },
    });
    expect(put.ok).toBe(true);
    await until('n1 lets go', () => (candidates[0]!.manager.held().size === 0 ? true : undefined), 2000);
    await sleep(timing.leaseDurationMs);
    expect(candidates[0]!.manager.held().size).toBe(0);
  });
});
