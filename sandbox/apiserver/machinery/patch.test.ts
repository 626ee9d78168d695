import { describe, expect, test } from 'vitest';
import { applyJsonPatch, applyMergePatch } from './patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A, plus Kubernetes-shaped cases.
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [undefined, { a: 1 }, { a: 1 }],
    [
      { metadata: { name: 'x', labels: { a: '1', b: '2' } } },
      { metadata: { labels: { a: null, c: '3' } } },
      { metadata: { name: 'x', labels: { b: '2', c: '3' } } },
    ],
  ])('%j + %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  test('does not mutate its inputs', () => {
    const target = { a: { b: 1 }, list: [1] };
    const patch = { a: { c: 2 }, list: [2] };
    const out = applyMergePatch(target, patch) as { list: number[] };
    out.list.push(3);
    expect(target).toEqual({ a: { b: 1 }, list: [1] });
    expect(patch).toEqual({ a: { c: 2 }, list: [2] });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, 'x/y': 1, 'm~n': 2, s: 'v' };
  test.each([
    [[{ op: 'add', path: '/c', value: 1 }], { ...doc, c: 1 }],
    [[{ op: 'add', path: '/a/b/0', value: 0 }], { ...doc, a: { b: [0, 1, 2, 3] } }],
    [[{ op: 'add', path: '/a/b/-', value: 4 }], { ...doc, a: { b: [1, 2, 3, 4] } }],
    [[{ op: 'add', path: '/a/b/3', value: 4 }], { ...doc, a: { b: [1, 2, 3, 4] } }],
    [[{ op: 'add', path: '/s', value: 'w' }], { ...doc, s: 'w' }],
    [[{ op: 'add', path: '', value: { new: true } }], { new: true }],
    [[{ op: 'add', path: '/a/', value: 1 }], { ...doc, a: { b: [1, 2, 3], '': 1 } }],
    [[{ op: 'remove', path: '/a/b/1' }], { ...doc, a: { b: [1, 3] } }],
    [[{ op: 'remove', path: '/x~1y' }], { a: doc.a, 'm~n': 2, s: 'v' }],
    [[{ op: 'remove', path: '/m~0n' }], { a: doc.a, 'x/y': 1, s: 'v' }],
    [[{ op: 'replace', path: '/s', value: null }], { ...doc, s: null }],
    [[{ op: 'replace', path: '/a/b/2', value: 9 }], { ...doc, a: { b: [1, 2, 9] } }],
    [[{ op: 'move', from: '/s', path: '/t' }], { a: doc.a, 'x/y': 1, 'm~n': 2, t: 'v' }],
    [[{ op: 'move', from: '/a/b/0', path: '/a/b/-' }], { ...doc, a: { b: [2, 3, 1] } }],
    [[{ op: 'move', from: '/s', path: '/s' }], doc],
    [[{ op: 'copy', from: '/a/b', path: '/c' }], { ...doc, c: [1, 2, 3] }],
    [[{ op: 'test', path: '/a/b', value: [1, 2, 3] }], doc],
    [[{ op: 'test', path: '/x~1y', value: 1 }], doc],
    [
      [
        { op: 'test', path: '/s', value: 'v' },
        { op: 'replace', path: '/s', value: 'w' },
        { op: 'add', path: '/list', value: [] },
        { op: 'add', path: '/list/-', value: 'p' },
      ],
      { ...doc, s: 'w', list: ['p'] },
    ],
    [[], doc],
  ])('%j', (ops, expected) => {
    expect(applyJsonPatch(doc, ops)).toEqual({ ok: true, value: expected });
  });

  test.each([
    [{ op: 'add', path: '/c' }, /missing "value"/],
    [{ op: 'add', value: 1 }, /missing "path"/],
    [{ path: '/a', value: 1 }, /missing "op"/],
    [{ op: 'frobnicate', path: '/a' }, /unsupported op "frobnicate"/],
    [{ op: 'move', path: '/a' }, /missing "from"/],
    [{ op: 'add', path: 'a', value: 1 }, /must be empty or start with '\/'/],
    [{ op: 'add', path: '/a/b/01', value: 1 }, /"01" is not a valid array index/],
    [{ op: 'add', path: '/a/b/5', value: 1 }, /out of bounds/],
    [{ op: 'add', path: '/a/b/x', value: 1 }, /not a valid array index/],
    [{ op: 'add', path: '/missing/x', value: 1 }, /"missing" does not exist/],
    [{ op: 'add', path: '/s/x', value: 1 }, /parent is not an object or array/],
    [{ op: 'remove', path: '/missing' }, /does not exist/],
    [{ op: 'remove', path: '/a/b/-' }, /not a valid array index/],
    [{ op: 'remove', path: '/a/b/3' }, /out of bounds/],
    [{ op: 'replace', path: '/missing', value: 1 }, /does not exist: cannot replace/],
    [{ op: 'test', path: '/s', value: 'other' }, /test failed/],
    [{ op: 'test', path: '/missing', value: null }, /does not exist/],
    [{ op: 'move', from: '/a', path: '/a/b/c' }, /into its own child/],
    [{ op: 'move', from: '/missing', path: '/x' }, /does not exist/],
    [{ op: 'copy', from: '/nope', path: '/x' }, /does not exist/],
    [{ op: 'add', path: '/a~2', value: 1 }, /bad escape/],
    [{ op: 'add', path: '/a~', value: 1 }, /bad escape/],
    ['add', /must be an object/],
  ])('%j fails: %s', (op, message) => {
    const r = applyJsonPatch(doc, [op]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  test.each([{ op: 'add' }, null, 'x', 1])('a non-array patch %j fails', (ops) => {
    expect(applyJsonPatch(doc, ops)).toMatchObject({
      ok: false,
      error: 'a JSON patch must be an array of operations',
    });
  });

  test('is atomic and never mutates the target', () => {
    const target = { a: [1], b: { c: 1 } };
    const r = applyJsonPatch(target, [
      { op: 'add', path: '/a/-', value: 2 },
      { op: 'replace', path: '/b/c', value: 2 },
      { op: 'remove', path: '/nope' },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^operation 2 \(remove \/nope\)/);
    expect(target).toEqual({ a: [1], b: { c: 1 } });
    const r2 = applyJsonPatch(target, [{ op: 'add', path: '/a/-', value: 2 }]);
    expect(r2).toEqual({ ok: true, value: { a: [1, 2], b: { c: 1 } } });
    expect(target.a).toEqual([1]);
  });

  test('values added are copies', () => {
    const value = { deep: [1] };
    const r = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]);
    if (!r.ok) throw new Error(r.error);
    (r.value as { v: { deep: number[] } }).v.deep.push(2);
    expect(value).toEqual({ deep: [1] });
  });
});
