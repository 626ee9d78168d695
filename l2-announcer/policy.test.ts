import { describe, expect, test } from 'vitest';
import {
  CONDITION_BAD_INTERFACE_REGEX, CONDITION_BAD_NODE_SELECTOR, CONDITION_BAD_SERVICE_SELECTOR, interfaceMatches, parsePolicy,
} from './policy.js';

function policy(spec: Record<string, unknown>, name = 'p') {
  const r = parsePolicy({ metadata: { name, generation: 3 }, spec });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('parsePolicy', () => {
  test('absent selectors select everything, flags default to false, no interfaces means every device', () => {
    const p = policy({});
    expect(p.problems).toEqual([]);
    expect(p.serviceSelector.nothing).toBe(false);
    expect(p.serviceSelector.requirements).toEqual([]);
    expect(p.nodeSelector.requirements).toEqual([]);
    expect(p.loadBalancerIPs).toBe(false);
    expect(p.externalIPs).toBe(false);
    expect(p.generation).toBe(3);
    expect(interfaceMatches(p, 'eth0')).toBe(true);
  });

  test('interface regexes are OR-ed and unanchored like Go regexp.MatchString', () => {
    const p = policy({ interfaces: ['^eth[0-9]+$', 'bond'] });
    expect(interfaceMatches(p, 'eth1')).toBe(true);
    expect(interfaceMatches(p, 'mybond0')).toBe(true);
    expect(interfaceMatches(p, 'veth1')).toBe(false);
  });

  test('a bad interface regex becomes a condition and the good ones still work', () => {
    const p = policy({ interfaces: ['eth(', 'veth.*'] });
    expect(p.problems).toEqual([{ type: CONDITION_BAD_INTERFACE_REGEX, message: expect.stringContaining('interfaces[0] "eth("') }]);
    expect(interfaceMatches(p, 'veth3')).toBe(true);
    expect(interfaceMatches(p, 'eth0')).toBe(false);
  });

  test('only bad interface regexes match no device at all (not "all devices")', () => {
    const p = policy({ interfaces: ['[', 7] });
    expect(p.problems[0]?.message).toContain('interfaces[1]: not a string');
    expect(interfaceMatches(p, 'eth0')).toBe(false);
  });

  test('bad selectors become conditions and select nothing', () => {
    const p = policy({
      serviceSelector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] },
      nodeSelector: { matchLabels: { 'bad key!': 'x' } },
    });
    expect(p.problems.map((x) => x.type).sort()).toEqual([CONDITION_BAD_NODE_SELECTOR, CONDITION_BAD_SERVICE_SELECTOR]);
    expect(p.serviceSelector.nothing).toBe(true);
    expect(p.nodeSelector.nothing).toBe(true);
  });

  test('an object without a name is refused, not thrown', () => {
    expect(parsePolicy({ spec: {} }).ok).toBe(false);
    expect(parsePolicy('nope').ok).toBe(false);
    expect(parsePolicy({ metadata: { name: 'x' }, spec: { loadBalancerIPs: 'yes' } }).ok).toBe(false);
  });
});
