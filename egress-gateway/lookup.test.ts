import { expect, test } from 'vitest';
import type { DesiredEntry } from './desired.js';
import { lookupEgress } from './lookup.js';

function e(src: string, dst: string, len: number, gatewayIp: string): DesiredEntry {
  return { key: { sourceIp: src, destination: dst, destinationPrefixLen: len }, value: { egressIp: '0.0.0.0', gatewayIp } };
}

const entries = [e('10.0.0.1', '0.0.0.0', 0, 'gw-any'), e('10.0.0.1', '10.0.0.0', 8, 'excl'), e('10.0.0.1', '10.1.0.0', 16, 'gw-16'), e('10.0.0.2', '10.1.0.0', 16, 'other')];

test.each([
  ['10.0.0.1', '8.8.8.8', 'gw-any'],
  ['10.0.0.1', '10.9.9.9', 'excl'],
  ['10.0.0.1', '10.1.2.3', 'gw-16'],
  ['10.0.0.2', '10.1.2.3', 'other'],
  ['10.0.0.2', '8.8.8.8', undefined],
  ['10.0.0.3', '8.8.8.8', undefined],
  ['10.0.0.1', 'not-an-ip', undefined],
])('%s → %s: longest prefix for that source gives %s', (src, dst, gatewayIp) => {
  expect(lookupEgress(entries, src, dst)?.gatewayIp).toBe(gatewayIp);
});
