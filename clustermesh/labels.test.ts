import { expect, test } from 'vitest';
import { formatLabels, labelsFromMap, labelsToMap, parseLabels } from './labels.js';

test('labels text is sorted by key (not source) and ends in ";"', () => {
  const labels = labelsFromMap({
    'k8s:io.kubernetes.pod.namespace': 'bar',
    'k8s:app': 'baz',
    'k8s:io.cilium.k8s.policy.cluster': 'c1',
    'container:zz': 'x',
    'k8s:io.cilium.k8s.namespace.labels.team': '',
  });
  expect(formatLabels(labels)).toBe(
    'k8s:app=baz;k8s:io.cilium.k8s.namespace.labels.team=;k8s:io.cilium.k8s.policy.cluster=c1;k8s:io.kubernetes.pod.namespace=bar;container:zz=x;',
  );
});

test('a security-labels key without a source is unspec', () => {
  expect(labelsFromMap({ app: 'x' })).toEqual([{ source: 'unspec', key: 'app', value: 'x' }]);
});

test('parse inverts format', () => {
  const text = 'k8s:app=a=b;k8s:io.cilium.k8s.policy.cluster=c1;';
  const parsed = parseLabels(text);
  expect(parsed).toEqual({
    ok: true,
    value: [
      { source: 'k8s', key: 'app', value: 'a=b' },
      { source: 'k8s', key: 'io.cilium.k8s.policy.cluster', value: 'c1' },
    ],
  });
  expect(formatLabels(parsed.ok ? parsed.value : [])).toBe(text);
  expect(labelsToMap(parsed.ok ? parsed.value : [])).toEqual({ 'k8s:app': 'a=b', 'k8s:io.cilium.k8s.policy.cluster': 'c1' });
});

test.each([
  ['', 'empty'],
  ['k8s:app=a', 'end in'],
  ['app=a;', 'source:key=value'],
  ['k8s:app;', 'source:key=value'],
  ['k8s:app=a;other:app=b;', 'more than once'],
])('parseLabels(%j) is rejected (%s)', (text, reason) => {
  expect(parseLabels(text)).toMatchObject({ ok: false, error: expect.stringContaining(reason) });
});
