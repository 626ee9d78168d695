import { expect, test } from 'vitest';
import { parseDuration, parseOperatorFlags, type OperatorFlags } from './options.js';

const flags: OperatorFlags = {
  clusterName: 'c1', clusterId: '1', maxConnectedClusters: '255', namespace: 'kube-system', healthPort: '0',
  identityGcInterval: '15m', identityGcGrace: '1h30m', leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '500ms',
};

test('durations in Go notation', () => {
  expect(parseDuration('250ms')).toEqual({ ok: true, value: 250 });
  expect(parseDuration('1h30m')).toEqual({ ok: true, value: 5_400_000 });
  expect(parseDuration('1.5s')).toEqual({ ok: true, value: 1_500 });
  for (const bad of ['', '15', '10x', 's', '5m ', '-1s']) expect(parseDuration(bad).ok).toBe(false);
});

test('flags become settings; identity defaults to hostname-pid', () => {
  const r = parseOperatorFlags(flags, 42, 'node-a');
  expect(r).toEqual({
    ok: true,
    value: {
      clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, leaseNamespace: 'kube-system', identity: 'node-a-42',
      healthPort: 0, gcIntervalMs: 900_000, gcGraceMs: 5_400_000, leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 0.5,
    },
  });
});

test.each([
  [{ clusterId: '0' }, '--cluster-id: cluster ID 0 means unset and cannot be used in a mesh'],
  [{ clusterId: '300' }, '--cluster-id must be an integer from 0 to 255, got "300"'],
  [{ maxConnectedClusters: '100' }, '--max-connected-clusters must be 255 or 511, got "100"'],
  [{ clusterName: 'Bad_Name' }, "--cluster-name: cluster name \"Bad_Name\" must be lower-case alphanumerics and '-', starting and ending alphanumeric"],
  [{ identityGcGrace: 'soon' }, '--identity-gc-grace: "soon" is not a duration like 30s, 15m or 250ms'],
  [{ identityGcInterval: '0s' }, '--identity-gc-interval must be positive'],
  [{ renewDeadline: '20s' }, 'leader election: leaseDuration must be longer than renewDeadline'],
  [{ leaseDuration: '15500ms' }, 'leader election: leaseDuration must be whole seconds (Lease field is an integer)'],
  [{ healthPort: '70000' }, '--health-port must be an integer from 0 to 65535, got "70000"'],
])('rejects %o', (over, message) => {
  expect(parseOperatorFlags({ ...flags, ...over })).toEqual({ ok: false, error: message, retry: false });
});
