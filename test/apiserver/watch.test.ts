/** Watches against real etcd: order, selectors, synthetic ADDED, bookmarks, timeouts, 410 after compaction. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
const CMS = '/api/v1/namespaces/w/configmaps';
beforeAll(async () => {
  h = await startHarness({ bookmarkIntervalMs: 100 });
  expect((await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'w' } } })).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
});

type Ev = {
  type: string;
  object: { metadata: { name: string; resourceVersion: string; labels?: Record<string, string> } };
};
const summary = (events: Ev[]) =>
  events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`);

async function listRv(path: string): Promise<string> {
  return (await h.req('GET', path)).body.metadata.resourceVersion;
}

test('events from a resourceVersion arrive in order, DELETED carries the deletion revision', async () => {
  await h.req('POST', CMS, { body: { metadata: { name: 'before' } } });
  const rv = await listRv(CMS);
  const w = h.watch(`${CMS}?watch=true&resourceVersion=${rv}`);
  expect(await w.status).toBe(200);
  await h.req('POST', CMS, { body: { metadata: { name: 'a' } } });
  await h.req('PATCH', `${CMS}/a`, {
    contentType: 'application/merge-patch+json',
    body: { data: { k: 'v' } },
  });
  const del = await h.req('DELETE', `${CMS}/a`);
  expect(del.status).toBe(200);
  const events = (await w.waitFor((e) => e.length >= 3)) as Ev[];
  expect(summary(events)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  w.stop();
});

test('a watch from an older revision replays what happened since', async () => {
  const rv = await listRv(CMS);
  await h.req('POST', CMS, { body: { metadata: { name: 'r1' } } });
  await h.req('POST', CMS, { body: { metadata: { name: 'r2' } } });
  const w = h.watch(`${CMS}?watch=1&resourceVersion=${rv}`);
  expect(summary(await w.waitFor((e) => e.length >= 2))).toEqual(['ADDED r1', 'ADDED r2']);
  w.stop();
});

test('resourceVersion 0 starts with synthetic ADDED for the current state; field selectors apply', async () => {
  await h.req('POST', CMS, { body: { metadata: { name: 'target' } } });
  const w = h.watch(`${CMS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dtarget`);
  await w.waitFor((e) => e.length >= 1);
  await h.req('PATCH', `${CMS}/target`, {
    contentType: 'application/merge-patch+json',
    body: { data: { x: '1' } },
  });
  await h.req('PATCH', `${CMS}/before`, {
    contentType: 'application/merge-patch+json',
    body: { data: { x: '1' } },
  });
  await w.waitFor((e) => e.length >= 2);
  await new Promise((r) => setTimeout(r, 200));
  expect(summary(w.events)).toEqual(['ADDED target', 'MODIFIED target']);
  w.stop();
});

test('label selectors: an object that stops matching is DELETED, one that starts is ADDED', async () => {
  const rv = await listRv(CMS);
  const w = h.watch(`${CMS}?watch=true&resourceVersion=${rv}&labelSelector=team%3Dblue`);
  await w.status;
  await h.req('POST', CMS, { body: { metadata: { name: 'sel', labels: { team: 'red' } } } });
  await h.req('PATCH', `${CMS}/sel`, {
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { team: 'blue' } } },
  });
  await h.req('PATCH', `${CMS}/sel`, {
    contentType: 'application/merge-patch+json',
    body: { data: { a: 'b' } },
  });
  await h.req('PATCH', `${CMS}/sel`, {
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { team: 'green' } } },
  });
  const events = (await w.waitFor((e) => summary(e).length >= 3)) as Ev[];
  expect(summary(events)).toEqual(['ADDED sel', 'MODIFIED sel', 'DELETED sel']);
  expect(events.filter((e) => e.type !== 'BOOKMARK')[2]!.object.metadata.labels).toEqual({ team: 'green' });
  w.stop();
});

test('bookmarks are sent periodically and at the end; timeoutSeconds closes the stream', async () => {
  const rv = await listRv(CMS);
  const w = h.watch(`${CMS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`);
  await h.req('POST', CMS, { body: { metadata: { name: 'bm' } } });
  await w.closed;
  const types = w.events.map((e: Ev) => e.type);
  expect(types).toContain('ADDED');
  expect(types.filter((t: string) => t === 'BOOKMARK').length).toBeGreaterThanOrEqual(2);
  expect(types[types.length - 1]).toBe('BOOKMARK');
  const last = w.events[w.events.length - 1] as Ev;
  const added = w.events.find((e: Ev) => e.type === 'ADDED') as Ev;
  expect(Number(last.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
    Number(added.object.metadata.resourceVersion),
  );
});

test('a Table watch sends one-row Tables', async () => {
  const rv = await listRv(CMS);
  const w = h.watch(`${CMS}?watch=true&resourceVersion=${rv}`, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  await w.status;
  await h.req('POST', CMS, { body: { metadata: { name: 'tbl' } } });
  const [ev] = await w.waitFor((e) => e.length >= 1);
  expect(ev.type).toBe('ADDED');
  expect(ev.object.kind).toBe('Table');
  expect(ev.object.rows).toHaveLength(1);
  expect(ev.object.rows[0].object.metadata.name).toBe('tbl');
  w.stop();
});

test('a compacted resourceVersion ends the watch with a 410 Expired status event', async () => {
  const old = await listRv(CMS);
  for (let i = 0; i < 3; i++) await h.req('POST', CMS, { body: { metadata: { name: `c-${i}` } } });
  const now = await listRv(CMS);
  const compacted = await h.kv.compact(Number(now));
  expect(compacted.ok).toBe(true);
  // The shared window still covers `old` only if it started before; a server-wide old revision is always gone.
  const w = h.watch(`/api/v1/namespaces/w/endpoints?watch=true&resourceVersion=${Number(old) - 5}`);
  await w.closed;
  expect(w.events).toHaveLength(1);
  expect(w.events[0]).toMatchObject({
    type: 'ERROR',
    object: { kind: 'Status', code: 410, reason: 'Expired' },
  });
  const list = await h.req(
    'GET',
    `/api/v1/namespaces/w/endpoints?limit=1&continue=${encodeURIComponent(Buffer.from(JSON.stringify({ v: 'meshlb.v1', key: '/registry/core/endpoints/w/\u0000', rev: Number(old) })).toString('base64url'))}`,
  );
  expect(list.status).toBe(410);
});

test('watch counts show in metrics while open', async () => {
  const w = h.watch(`${CMS}?watch=true`);
  await w.status;
  await new Promise((r) => setTimeout(r, 50));
  const m = await h.req('GET', '/metrics');
  expect(m.text).toMatch(/apiserver_registered_watchers\{[^}]*\} [1-9]/);
  w.stop();
});
