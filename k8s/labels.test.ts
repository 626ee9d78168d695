import { describe, expect, test } from 'vitest';
import {
  MATCH_EVERYTHING,
  MATCH_NOTHING,
  fieldValue,
  formatLabelSelector,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorFromObject,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './labels.js';
import type { LabelSelector } from './labels.js';

function sel(s: string): LabelSelector {
  const r = parseLabelSelector(s);
  if (!r.ok) throw new Error(`test setup: ${r.error}`);
  return r.value;
}

describe('isQualifiedName', () => {
  test.each([
    'app',
    'App_1.x-y',
    'a',
    '1',
    'example.com/name',
    'kubernetes.io/service-name',
    'io.cilium/lb-ipam-ips',
    'a'.repeat(63),
    `${'a'.repeat(63)}.${'b'.repeat(63)}/x`,
  ])('accepts %s', (key) => {
    expect(isQualifiedName(key)).toEqual([]);
  });

  test.each([
    ['', /name part must be non-empty/],
    ['/name', /prefix part must be non-empty/],
    ['example.com/', /name part must be non-empty/],
    ['-app', /name part must consist of alphanumeric/],
    ['app-', /name part must consist of alphanumeric/],
    ['a b', /name part must consist/],
    ['a'.repeat(64), /name part must be no more than 63 characters/],
    ['Example.com/name', /prefix part a lowercase RFC 1123 subdomain/],
    ['a/b/c', /a qualified name must consist/],
    [`${'a'.repeat(254)}/x`, /prefix part must be no more than 253 characters/],
  ])('rejects %j', (key, message) => {
    const errs = isQualifiedName(key);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.join('\n')).toMatch(message);
  });
});

describe('isValidLabelValue', () => {
  test.each(['', 'v', 'V_1.2-3', 'a'.repeat(63)])('accepts %j', (v) => {
    expect(isValidLabelValue(v)).toEqual([]);
  });
  test.each([
    ['-v', /a valid label must be an empty string/],
    ['v.', /a valid label/],
    ['a/b', /a valid label/],
    ['has space', /a valid label/],
    ['a'.repeat(64), /must be no more than 63 characters/],
  ])('rejects %j', (v, message) => {
    expect(isValidLabelValue(v).join('\n')).toMatch(message);
  });
});

describe('DNS-1123 names', () => {
  test.each([
    ['my-name', true, true],
    ['a', true, true],
    ['123', true, true],
    ['a.b.c', false, true],
    ['My-name', false, false],
    ['-a', false, false],
    ['a-', false, false],
    ['a..b', false, false],
    ['', false, false],
    ['a'.repeat(64), false, true],
  ])('%j label=%s subdomain=%s', (v, label, subdomain) => {
    expect(isDNS1123Label(v).length === 0).toBe(label);
    expect(isDNS1123Subdomain(v).length === 0).toBe(subdomain);
  });
  test('subdomains are limited to 253 characters', () => {
    const long = Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.');
    expect(isDNS1123Subdomain(long).join()).toMatch(/no more than 253/);
  });
});

describe('parseLabelSelector', () => {
  test.each([
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: 'Equals', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: 'Equals', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: 'NotEquals', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: 'Equals', values: [''] }]],
    ['a', [{ key: 'a', operator: 'Exists', values: [] }]],
    ['!a', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    [' ! a ', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    ['a in (y,x)', [{ key: 'a', operator: 'In', values: ['x', 'y'] }]],
    ['a in ( x , y , x )', [{ key: 'a', operator: 'In', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'NotIn', values: ['x'] }]],
    ['a in (x,)', [{ key: 'a', operator: 'In', values: ['', 'x'] }]],
    ['a>5', [{ key: 'a', operator: 'Gt', values: ['5'] }]],
    ['a<-1', [{ key: 'a', operator: 'Lt', values: ['-1'] }]],
    [
      'z=1, example.com/a in (p), !c',
      [
        { key: 'c', operator: 'DoesNotExist', values: [] },
        { key: 'example.com/a', operator: 'In', values: ['p'] },
        { key: 'z', operator: 'Equals', values: ['1'] },
      ],
    ],
  ])('%j', (s, requirements) => {
    const r = parseLabelSelector(s);
    expect(r).toEqual({ ok: true, value: { requirements, nothing: false } });
  });

  test.each([
    ['a=b,', /expected a key/],
    [',a=b', /expected a key/],
    ['a=b c', /expected ','/],
    ['a b', /expected one of/],
    ['a in x', /expected '\('/],
    ['a in (x', /expected ',' or '\)'/],
    ['a in ()', /values set can't be empty/],
    ['a notin ()', /values set can't be empty/],
    ['a in (x y)', /expected ',' or '\)'/],
    ['!', /expected a key after '!'/],
    ['!a=b', /expected ','/],
    ['=b', /expected a key/],
    ['-a=b', /invalid label key "-a"/],
    ['a/b/c=d', /invalid label key/],
    ['a=-b', /invalid label value "-b"/],
    [`a=${'v'.repeat(64)}`, /no more than 63/],
    ['a in (ok,no way)', /expected ',' or '\)'/],
    ['a>b', /exactly one integer value/],
    ['a>', /expected an integer value/],
    ['a=(b)', /found '\(' at position 2, expected ','/],
  ])('rejects %j', (s, message) => {
    const r = parseLabelSelector(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('matchesLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/n': '7', empty: '' };
  test.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (db,web)', true],
    ['app in (db)', false],
    ['missing in (x)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['empty=', true],
    ['empty', true],
    ['missing=', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['example.com/n>5', true],
    ['example.com/n>7', false],
    ['example.com/n<8', true],
    ['app>1', false],
    ['missing<1', false],
  ])('%j → %s', (s, expected) => {
    expect(matchesLabelSelector(sel(s), labels)).toBe(expected);
  });

  test('undefined labels behave as no labels', () => {
    expect(matchesLabelSelector(sel(''), undefined)).toBe(true);
    expect(matchesLabelSelector(sel('!a'), undefined)).toBe(true);
    expect(matchesLabelSelector(sel('a'), undefined)).toBe(false);
    expect(matchesLabelSelector(sel('a!=b'), undefined)).toBe(true);
  });

  test('keys are looked up as own properties only', () => {
    expect(matchesLabelSelector(sel('constructor'), {})).toBe(false);
    expect(matchesLabelSelector(sel('toString'), {})).toBe(false);
  });

  test('MATCH_NOTHING matches nothing; MATCH_EVERYTHING matches everything', () => {
    expect(matchesLabelSelector(MATCH_NOTHING, {})).toBe(false);
    expect(matchesLabelSelector(MATCH_NOTHING, { a: 'b' })).toBe(false);
    expect(matchesLabelSelector(MATCH_EVERYTHING, {})).toBe(true);
    expect(matchesLabelSelector(MATCH_EVERYTHING, undefined)).toBe(true);
  });
});

describe('labelSelectorFromObject', () => {
  test('nil selects nothing, empty selects everything', () => {
    expect(labelSelectorFromObject(null)).toEqual({ ok: true, value: MATCH_NOTHING });
    expect(labelSelectorFromObject(undefined)).toEqual({ ok: true, value: MATCH_NOTHING });
    expect(labelSelectorFromObject({})).toEqual({ ok: true, value: MATCH_EVERYTHING });
    expect(labelSelectorFromObject({ matchLabels: null, matchExpressions: null })).toEqual({
      ok: true,
      value: MATCH_EVERYTHING,
    });
  });

  test('matchLabels and matchExpressions are ANDed', () => {
    const r = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'team', operator: 'Exists', values: [] },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(formatLabelSelector(r.value)).toBe('app=web,!canary,team,tier in (edge,front),zone notin (b)');
    expect(matchesLabelSelector(r.value, { app: 'web', tier: 'edge', team: 'x' })).toBe(true);
    expect(matchesLabelSelector(r.value, { app: 'web', tier: 'edge', team: 'x', zone: 'b' })).toBe(false);
    expect(matchesLabelSelector(r.value, { app: 'web', tier: 'edge', team: 'x', canary: '' })).toBe(false);
    expect(matchesLabelSelector(r.value, { app: 'web', tier: 'back', team: 'x' })).toBe(false);
    expect(matchesLabelSelector(r.value, { app: 'web', tier: 'edge' })).toBe(false);
  });

  test.each([
    [
      { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
      /"Equals" is not a valid label selector operator/,
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, /"in" is not a valid/],
    [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, /must be specified when `operator` is 'In'/],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, /must be specified/],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      /may not be specified when `operator` is 'Exists'/,
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, /may not be specified/],
    [
      { matchExpressions: [{ key: '-a', operator: 'Exists' }] },
      /matchExpressions\[0\]: invalid label key "-a"/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['bad value'] }] },
      /invalid label value "bad value"/,
    ],
    [{ matchLabels: { 'a/b/c': 'x' } }, /matchLabels: invalid label key/],
    [{ matchLabels: { a: '-x' } }, /matchLabels: invalid label value "-x"/],
    [{ matchLabels: { a: 1 } }, /invalid label selector/],
    [{ matchLabels: 'a=b' }, /invalid label selector/],
    [{ matchExpressions: [{ operator: 'Exists' }] }, /invalid label selector/],
    [{ matchExpressions: {} }, /invalid label selector/],
    ['a=b', /invalid label selector/],
    [42, /invalid label selector/],
  ])('rejects %j', (input, message) => {
    const r = labelSelectorFromObject(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('formatLabelSelector', () => {
  test.each([
    ['', ''],
    ['b=2,a=1', 'a=1,b=2'],
    ['a==1', 'a=1'],
    ['a!=1', 'a!=1'],
    ['a in (z,y)', 'a in (y,z)'],
    ['a notin (z)', 'a notin (z)'],
    ['a,!b', 'a,!b'],
    ['a>1,b<2', 'a>1,b<2'],
  ])('%j prints as %j and parses back to the same selector', (input, printed) => {
    const s = sel(input);
    expect(formatLabelSelector(s)).toBe(printed);
    expect(sel(printed)).toEqual(s);
  });
});

describe('parseFieldSelector', () => {
  test.each([
    ['', []],
    [',', []],
    ['metadata.name=foo', [{ field: 'metadata.name', operator: 'Equals', value: 'foo' }]],
    ['metadata.name==foo', [{ field: 'metadata.name', operator: 'Equals', value: 'foo' }]],
    ['status.phase!=Running', [{ field: 'status.phase', operator: 'NotEquals', value: 'Running' }]],
    ['spec.nodeName=', [{ field: 'spec.nodeName', operator: 'Equals', value: '' }]],
    ['a=x\\,y', [{ field: 'a', operator: 'Equals', value: 'x,y' }]],
    ['a=x\\=y\\\\', [{ field: 'a', operator: 'Equals', value: 'x=y\\' }]],
    ['a=b=c', [{ field: 'a', operator: 'Equals', value: 'b=c' }]],
    [
      'metadata.name=a,metadata.namespace!=b',
      [
        { field: 'metadata.name', operator: 'Equals', value: 'a' },
        { field: 'metadata.namespace', operator: 'NotEquals', value: 'b' },
      ],
    ],
  ])('%j', (s, requirements) => {
    expect(parseFieldSelector(s)).toEqual({ ok: true, value: { requirements } });
  });

  test.each([
    ['metadata.name', /can't understand 'metadata.name'/],
    ['=foo', /can't understand '=foo'/],
    ['a=b,c', /can't understand 'c'/],
    ['a=\\x', /invalid escape sequence/],
  ])('rejects %j', (s, message) => {
    const r = parseFieldSelector(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('matchesFieldSelector', () => {
  const pod = {
    type: 'Opaque',
    metadata: { name: 'web-0', namespace: 'default' },
    spec: { nodeName: 'n1', replicas: 3, hostNetwork: false },
    status: { phase: 'Running' },
  };
  test.each([
    ['', true],
    ['metadata.name=web-0', true],
    ['metadata.name=web-1', false],
    ['metadata.name!=web-1', true],
    ['metadata.namespace=default,status.phase=Running', true],
    ['metadata.namespace=default,status.phase!=Running', false],
    ['spec.nodeName=n1', true],
    ['spec.replicas=3', true],
    ['spec.hostNetwork=false', true],
    ['type=Opaque', true],
    ['spec.missing=', true],
    ['spec.missing!=', false],
    ['status.phase.deeper=', true],
    ['metadata=', true],
  ])('%j → %s', (s, expected) => {
    const r = parseFieldSelector(s);
    if (!r.ok) throw new Error(r.error);
    expect(matchesFieldSelector(r.value, pod)).toBe(expected);
  });

  test.each([null, undefined, 'text', 42, []])('a non-object %j reads every field as empty', (obj) => {
    expect(fieldValue(obj, 'metadata.name')).toBe('');
  });
});
