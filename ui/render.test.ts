import { expect, test } from 'vitest';
import { escapeHtml, renderPage } from './render.js';
import { rowsFrom } from './sources.js';
import type { Snapshot } from './snapshot.js';

function snapshot(bgp: Snapshot['clusters'][number]['agents'][number]['bgpPeers']): Snapshot {
  return {
    takenAt: '2026-01-01T00:00:00.000Z',
    clusters: [
      {
        name: 'c1',
        id: 1,
        agents: [{ node: 'c1-node1', url: 'u', mesh: { state: 'error', error: 'refused' }, services: { state: 'ok', value: [] }, bgpPeers: bgp, l2: { state: 'absent' } }],
        pools: { state: 'error', error: 'HTTP 503' },
        lbServices: { state: 'ok', value: [] },
      },
    ],
  };
}

test('a feature path that 404s shows as not configured; a failing source says why', () => {
  const html = renderPage(snapshot({ state: 'absent' }), 5);
  expect(html).toMatch(/<table id="bgp-peers">[\s\S]*<td>c1-node1<\/td><td><span class="idle">not configured<\/span><\/td>/);
  expect(html).toMatch(/<table id="l2-announcements">[\s\S]*not configured/);
  expect(html).toContain('unavailable: refused');
  expect(html).toContain('c1: unavailable: HTTP 503');
});

test('rows from a feature become columns, values escaped', () => {
  const rows = rowsFrom({ peers: [{ peer: '<b>10.0.0.1</b>', state: 'established', asn: 65001, families: ['ipv4'] }] })!;
  const html = renderPage(snapshot({ state: 'ok', value: rows }), 5);
  expect(html).toContain('<th>peer</th><th>state</th><th>asn</th><th>families</th>');
  expect(html).toContain('<td>&#60;b&#62;10.0.0.1&#60;/b&#62;</td><td>established</td><td>65001</td><td>[&#34;ipv4&#34;]</td>');
});

test('refresh period in a meta tag; 0 turns it off', () => {
  expect(renderPage(snapshot({ state: 'absent' }), 7)).toContain('<meta http-equiv="refresh" content="7">');
  const off = renderPage(snapshot({ state: 'absent' }), 0);
  expect(off).not.toContain('http-equiv="refresh"');
  expect(off).toContain('auto-refresh off');
});

test('rowsFrom takes a bare list or an object holding one list, and nothing else', () => {
  expect(rowsFrom([{ a: 1 }])).toEqual([{ a: 1 }]);
  expect(rowsFrom({ items: [{ a: null }], count: 1 })).toEqual([{ a: null }]);
  expect(rowsFrom({ a: [], b: [] })).toBeUndefined();
  expect(rowsFrom('peers')).toBeUndefined();
  expect(rowsFrom([1, 2])).toBeUndefined();
});

test('escapeHtml covers the characters that break out of text and attributes', () => {
  expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
});
