import { expect, test } from 'vitest';
import type { KvEntry, KvEvent } from '../../kvstore/types.js';
import { toWatchEvent } from './watch.js';
import { BUILTIN_RESOURCES } from './resources.js';

const cm = BUILTIN_RESOURCES.find((d) => d.resource === 'configmaps')!;
const PREFIX = '/registry/core/configmaps/ns/';
const entry = (
  name: string,
  labels: Record<string, string>,
  modRevision: number,
  version: number,
): KvEntry => ({
  key: PREFIX + name,
  value: Buffer.from(JSON.stringify({ metadata: { name, namespace: 'ns', labels } })),
  createRevision: 1,
  modRevision,
  version,
  lease: '0',
});
const blue = (o: Record<string, unknown>) =>
  (o.metadata as { labels: Record<string, string> }).labels.team === 'blue';
const summary = (ev: ReturnType<typeof toWatchEvent>) =>
  ev && `${ev.type}@${(ev.object.metadata as { resourceVersion: string }).resourceVersion}`;

test('puts become ADDED or MODIFIED', () => {
  expect(summary(toWatchEvent(cm, { type: 'put', entry: entry('a', {}, 5, 1) }, PREFIX, undefined))).toBe(
    'ADDED@5',
  );
  const prev = entry('a', {}, 5, 1);
  expect(
    summary(toWatchEvent(cm, { type: 'put', entry: entry('a', {}, 6, 2), prev }, PREFIX, undefined)),
  ).toBe('MODIFIED@6');
});

test('selectors: entering is ADDED, leaving is DELETED with the new state, never matching is nothing', () => {
  const red = entry('a', { team: 'red' }, 5, 1);
  const b = entry('a', { team: 'blue' }, 6, 2);
  expect(summary(toWatchEvent(cm, { type: 'put', entry: b, prev: red }, PREFIX, blue))).toBe('ADDED@6');
  const left = toWatchEvent(
    cm,
    { type: 'put', entry: entry('a', { team: 'green' }, 7, 3), prev: b },
    PREFIX,
    blue,
  );
  expect(summary(left)).toBe('DELETED@7');
  expect((left!.object.metadata as { labels: object }).labels).toEqual({ team: 'green' });
  expect(
    toWatchEvent(cm, { type: 'put', entry: entry('a', { team: 'x' }, 8, 4), prev: red }, PREFIX, blue),
  ).toBeUndefined();
});

test('deletes carry the last state with the deletion revision', () => {
  const ev: KvEvent = {
    type: 'delete',
    key: PREFIX + 'a',
    modRevision: 9,
    prev: entry('a', { team: 'blue' }, 7, 3),
  };
  expect(summary(toWatchEvent(cm, ev, PREFIX, blue))).toBe('DELETED@9');
  expect(toWatchEvent(cm, { ...ev, prev: entry('a', { team: 'red' }, 7, 3) }, PREFIX, blue)).toBeUndefined();
});

test('events outside the watched namespace are dropped', () => {
  expect(
    toWatchEvent(
      cm,
      { type: 'put', entry: entry('a', {}, 5, 1) },
      '/registry/core/configmaps/other/',
      undefined,
    ),
  ).toBeUndefined();
});
