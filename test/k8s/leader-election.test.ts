/**
 * Leader election between candidates in separate processes (test/k8s/fixtures/candidate.mjs,
 * which runs the built dist/): one leader at a time; a SIGKILLed leader is replaced within
 * leaseDuration + retryPeriod; a leader that stops releases the Lease and is replaced at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { getObject } from '../../k8s/patch.js';
import { withApiServer } from './harness.js';

const h = withApiServer();
const fixture = fileURLToPath(new URL('./fixtures/candidate.mjs', import.meta.url));
const built = fileURLToPath(new URL('../../dist/k8s/leader-election.js', import.meta.url));
const LEASE_DURATION = 4;
const RETRY_PERIOD = 0.5;
const LEASE = 'election-test';

interface Line { event: string; t: number; leader?: string; error?: string; who: string }
interface Candidate { id: string; proc: ChildProcess; exited: Promise<void> }

const children: Candidate[] = [];
const lines: Line[] = [];

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
});

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

function spawnCandidate(id: string): Candidate {
  const proc = spawn(process.execPath, [fixture], {
    env: {
      ...process.env, KUBECONFIG: h.kubeconfigPath, IDENTITY: id, LEASE_NAME: LEASE, LEASE_NAMESPACE: 'default',
      LEASE_DURATION: String(LEASE_DURATION), RENEW_DEADLINE: '3', RETRY_PERIOD: String(RETRY_PERIOD), MESHLB_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface(proc.stdout!).on('line', (l) => lines.push({ ...(JSON.parse(l) as Omit<Line, 'who'>), who: id }));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const c = { id, proc, exited };
  children.push(c);
  return c;
}

async function waitForLine(pred: (l: Line) => boolean, what: string, timeoutMs = 20_000): Promise<Line> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find(pred);
    if (found) return found;
    const err = lines.find((l) => l.event === 'error');
    if (err) throw new Error(`candidate ${err.who} failed: ${err.error}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; lines: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Leadership intervals from the lines; a killed process's interval ends at the kill time. */
function leadersOverlap(killedAt: Map<string, number>): boolean {
  const intervals = lines
    .filter((l) => l.event === 'started')
    .map((s) => {
      const end = lines.find((l) => l.who === s.who && l.event === 'stopped' && l.t >= s.t)?.t ?? killedAt.get(s.who) ?? Infinity;
      return { start: s.t, end };
    })
    .sort((a, b) => a.start - b.start);
  return intervals.some((iv, i) => i > 0 && iv.start < intervals[i - 1]!.end);
}

interface LeaseSpec { holderIdentity?: string; leaseTransitions?: number }

async function leaseSpec(): Promise<LeaseSpec> {
  const r = await getObject<{ spec?: LeaseSpec }>(h.kc, { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'default', name: LEASE });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.spec ?? {};
}

test('one leader at a time; a killed leader is replaced within leaseDuration + retryPeriod; a stopped one at once', async () => {
  const a = spawnCandidate('a');
  const b = spawnCandidate('b');
  // Generous: it includes loading Node and the built modules in two fresh processes.
  const first = await waitForLine((l) => l.event === 'started', 'a first leader', 120_000);
  // Give the other candidate several retry periods to (wrongly) also claim leadership.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(lines.filter((l) => l.event === 'started').map((l) => l.who)).toEqual([first.who]);
  expect(await leaseSpec()).toMatchObject({ holderIdentity: first.who, leaseTransitions: 0 });
  await waitForLine((l) => l.who !== first.who && l.event === 'leader' && l.leader === first.who, 'the other to observe the leader');

  const [leader, follower] = first.who === 'a' ? [a, b] : [b, a];
  const killedAt = new Map<string, number>();
  killedAt.set(leader.id, Date.now());
  leader.proc.kill('SIGKILL');
  await leader.exited;
  const second = await waitForLine((l) => l.who === follower.id && l.event === 'started', 'the follower to take over');
  const handover = second.t - killedAt.get(leader.id)!;
  expect(handover).toBeLessThanOrEqual((LEASE_DURATION + RETRY_PERIOD) * 1000);
  expect(await leaseSpec()).toMatchObject({ holderIdentity: follower.id, leaseTransitions: 1 });

  // A candidate that stops gracefully releases the Lease: the next one need not wait for expiry.
  const c = spawnCandidate('c');
  await waitForLine((l) => l.who === 'c' && l.event === 'leader' && l.leader === follower.id, 'c to observe the leader');
  const stopAt = Date.now();
  follower.proc.kill('SIGTERM');
  await waitForLine((l) => l.who === follower.id && l.event === 'exited', 'the leader to release and exit');
  const third = await waitForLine((l) => l.who === 'c' && l.event === 'started', 'c to take over');
  expect(third.t - stopAt).toBeLessThan(LEASE_DURATION * 1000);
  expect(await leaseSpec()).toMatchObject({ holderIdentity: 'c', leaseTransitions: 2 });
  expect(lines.some((l) => l.who === follower.id && l.event === 'stopped')).toBe(true);

  expect(leadersOverlap(killedAt)).toBe(false);
  c.proc.kill('SIGTERM');
  await c.exited;
}, 240_000);
