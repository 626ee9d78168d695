import { expect, test } from 'vitest';
import type { DesiredEntry } from './desired.js';
import { egressListRows, formatEgressList, formatEgressRows, rowsFromAgentJson } from './list.js';

function e(src: string, dst: string, len: number, egressIp: string, gatewayIp: string): DesiredEntry {
  return { key: { sourceIp: src, destination: dst, destinationPrefixLen: len }, value: { egressIp, gatewayIp } };
}

test('rows sorted numerically by source then destination, columns aligned', () => {
  const out = formatEgressList([
    e('10.0.10.2', '0.0.0.0', 0, '0.0.0.0', '192.168.0.10'),
    e('10.0.2.15', '10.0.0.0', 8, '0.0.0.0', '0.0.0.1'),
    e('10.0.2.15', '0.0.0.0', 0, '0.0.0.0', '192.168.0.10'),
  ]);
  expect(out).toBe(
    [
      'Source IP  Destination CIDR  Egress IP  Gateway IP',
      '10.0.2.15  0.0.0.0/0         0.0.0.0    192.168.0.10',
      '10.0.2.15  10.0.0.0/8        0.0.0.0    0.0.0.1',
      '10.0.10.2  0.0.0.0/0         0.0.0.0    192.168.0.10',
      '',
    ].join('\n'),
  );
});

test('an empty map prints the header only', () => {
  expect(formatEgressList([])).toBe('Source IP  Destination CIDR  Egress IP  Gateway IP\n');
});

test('agent JSON rows round-trip to the same listing; malformed bodies are refused with a reason', () => {
  const entries = [e('10.0.2.15', '10.0.0.0', 8, '0.0.0.0', '0.0.0.1'), e('10.0.2.15', '0.0.0.0', 0, '0.0.0.0', '192.168.0.10')];
  const rows = rowsFromAgentJson(JSON.parse(JSON.stringify(egressListRows(entries))));
  expect(rows.ok && formatEgressRows(rows.value)).toBe(formatEgressList(entries));
  const bad = rowsFromAgentJson([{ sourceIP: '10.0.0.1', destinationCIDR: '10.0.0.1/8', egressIP: '0.0.0.0', gatewayIP: '0.0.0.1' }]);
  expect(bad.ok).toBe(false);
  expect(!bad.ok && bad.error).toMatch(/not an IPv4 CIDR.*\[0\]\.destinationCIDR/);
  expect(rowsFromAgentJson({ entries: [] }).ok).toBe(false);
});
