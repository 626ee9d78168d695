import { expect, test } from 'vitest';
import { diffEntries } from './diff.js';
import { entryId, type DesiredEntry } from './desired.js';

function e(src: string, dst: string, egressIp: string, gatewayIp: string): DesiredEntry {
  const [destination = '', len = '0'] = dst.split('/');
  return { key: { sourceIp: src, destination, destinationPrefixLen: Number(len) }, value: { egressIp, gatewayIp } };
}

function desired(...entries: DesiredEntry[]): Map<string, DesiredEntry> {
  return new Map(entries.map((x) => [entryId(x.key), x]));
}

const show = (x: DesiredEntry): string => `${entryId(x.key)} ${x.value.gatewayIp}`;

test.each<[string, DesiredEntry[], DesiredEntry[], string[], string[]]>([
  ['nothing to do', [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')], [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')], [], []],
  ['new entries, most specific first', [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10'), e('10.0.0.1', '10.0.0.0/8', '0.0.0.0', '0.0.0.1')], [], ['10.0.0.1 10.0.0.0/8 0.0.0.1', '10.0.0.1 0.0.0.0/0 192.168.0.10'], []],
  ['changed value (failover) is rewritten', [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.11')], [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')], ['10.0.0.1 0.0.0.0/0 192.168.0.11'], []],
  ['changed egress IP is rewritten', [e('10.0.0.1', '0.0.0.0/0', '198.51.100.1', '192.168.0.10')], [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')], ['10.0.0.1 0.0.0.0/0 192.168.0.10'], []],
  ['stale entries deleted, least specific first', [], [e('10.0.0.1', '10.0.0.0/8', '0.0.0.0', '0.0.0.1'), e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')], [], ['10.0.0.1 0.0.0.0/0', '10.0.0.1 10.0.0.0/8']],
])('%s', (_what, want, have, upserts, deletes) => {
  const d = diffEntries(desired(...want), have);
  expect(d.upserts.map(show)).toEqual(upserts);
  expect(d.deletes.map(entryId)).toEqual(deletes);
});

test('applying the diff to the current entries gives the desired entries', () => {
  const want = desired(e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.11'), e('10.0.0.2', '0.0.0.0/0', '0.0.0.0', '192.168.0.11'));
  const have = [e('10.0.0.1', '0.0.0.0/0', '0.0.0.0', '192.168.0.10'), e('10.0.0.3', '0.0.0.0/0', '0.0.0.0', '192.168.0.10')];
  const d = diffEntries(want, have);
  const result = new Map(have.map((x) => [entryId(x.key), x]));
  for (const u of d.upserts) result.set(entryId(u.key), u);
  for (const k of d.deletes) result.delete(entryId(k));
  expect([...result.values()].map(show).sort()).toEqual([...want.values()].map(show).sort());
});
