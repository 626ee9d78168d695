import { expect, test } from 'vitest';
import type { DesiredEntry } from './desired.js';
import { formatEgressList } from './list.js';

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
