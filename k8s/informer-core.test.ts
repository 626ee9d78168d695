import { describe, expect, test } from 'vitest';
import { applyWatchEvent, backoffDelay, diffRelist, objectKey, type ObjectLike } from './informer-core.js';

const obj = (name: string, rv: string, uid = `uid-${name}`, namespace?: string): ObjectLike => ({
  metadata: { name, resourceVersion: rv, uid, ...(namespace ? { namespace } : {}) },
});
const cacheOf = (...objs: ObjectLike[]) => new Map(objs.map((o) => [objectKey(o), o]));

describe('objectKey', () => {
  test('namespaced and cluster-scoped', () => {
    expect(objectKey(obj('a', '1', 'u', 'ns'))).toBe('ns/a');
    expect(objectKey(obj('node1', '1'))).toBe('node1');
  });
});

describe('diffRelist', () => {
  test('emits deletes for objects gone while disconnected, adds for new, updates for changed', () => {
    const cache = cacheOf(obj('kept', '1'), obj('gone', '2'), obj('changed', '3'));
    const { next, events } = diffRelist(cache, [obj('kept', '1'), obj('changed', '7'), obj('new', '8')]);
    expect(events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ['delete', 'gone'],
      ['update', 'changed'],
      ['add', 'new'],
    ]);
    expect([...next.keys()].sort()).toEqual(['changed', 'kept', 'new']);
    const update = events.find((e) => e.type === 'update');
    expect(update?.type === 'update' && update.old.metadata?.resourceVersion).toBe('3');
  });

  test('an object deleted and re-created under the same name is a delete then an add', () => {
    const { events } = diffRelist(cacheOf(obj('x', '1', 'old-uid')), [obj('x', '5', 'new-uid')]);
    expect(events.map((e) => [e.type, e.object.metadata?.uid])).toEqual([
      ['delete', 'old-uid'],
      ['add', 'new-uid'],
    ]);
  });

  test('the same name in two namespaces is two objects', () => {
    const { events, next } = diffRelist(new Map(), [obj('a', '1', 'u1', 'n1'), obj('a', '2', 'u2', 'n2')]);
    expect(events).toHaveLength(2);
    expect([...next.keys()]).toEqual(['n1/a', 'n2/a']);
  });

  test('an unchanged list produces no events', () => {
    const cache = cacheOf(obj('a', '1'), obj('b', '2'));
    expect(diffRelist(cache, [obj('a', '1'), obj('b', '2')]).events).toEqual([]);
  });

  test('an empty list deletes everything', () => {
    expect(diffRelist(cacheOf(obj('a', '1'), obj('b', '2')), []).events.map((e) => e.type)).toEqual(['delete', 'delete']);
  });
});

describe('applyWatchEvent', () => {
  test('added, modified, deleted', () => {
    const cache = new Map<string, ObjectLike>();
    expect(applyWatchEvent(cache, 'ADDED', obj('a', '1')).map((e) => e.type)).toEqual(['add']);
    expect(applyWatchEvent(cache, 'MODIFIED', obj('a', '2')).map((e) => e.type)).toEqual(['update']);
    expect(applyWatchEvent(cache, 'DELETED', obj('a', '3')).map((e) => e.type)).toEqual(['delete']);
    expect(cache.size).toBe(0);
  });
  test('a replayed ADDED for a known version is silent; MODIFIED for an unknown key is an add', () => {
    const cache = cacheOf(obj('a', '1'));
    expect(applyWatchEvent(cache, 'ADDED', obj('a', '1'))).toEqual([]);
    expect(applyWatchEvent(cache, 'MODIFIED', obj('b', '4')).map((e) => e.type)).toEqual(['add']);
  });
  test('DELETED for an unknown key is dropped', () => {
    const cache = new Map<string, ObjectLike>();
    expect(applyWatchEvent(cache, 'DELETED', obj('a', '1'))).toEqual([]);
  });
  test('ADDED with a new uid replaces the old object with delete + add', () => {
    const cache = cacheOf(obj('a', '1', 'u1'));
    expect(applyWatchEvent(cache, 'ADDED', obj('a', '5', 'u2')).map((e) => e.type)).toEqual(['delete', 'add']);
  });
});

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
  test('doubles per attempt and is capped', () => {
    expect([0, 1, 2, 3, 4, 10, 100].map((a) => backoffDelay(a, policy, 0))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });
  test('jitter only shortens, down to (1 - jitter) of the delay', () => {
    expect(backoffDelay(2, policy, 1)).toBe(200);
    expect(backoffDelay(2, policy, 0.5)).toBe(300);
  });
});
