import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { fastCiliumEndpoint, fastCiliumIdentity, fastEndpointSlice, fastService, parseService } from './fast-parse.js';
import { ciliumEndpointSchema, ciliumIdentitySchema, endpointSliceSchema, serviceSchema } from './k8s-objects.js';
import { loadGoldenInputs, runGolden } from './testdata/golden.js';

const golden = loadGoldenInputs();
const { identities, endpoints } = runGolden(golden);

const meta = { name: 'web', namespace: 'default', uid: 'u', labels: { app: 'web' }, annotations: { a: 'b' } };
const extra = {
  services: [
    { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: 'web' } } },
    { metadata: meta, spec: { ports: [{ port: 80 }] } }, // protocol left to zod's default
  ],
  slices: [
    {
      metadata: meta,
      addressType: 'IPv6',
      endpoints: [{ addresses: ['fd00::1'], conditions: { ready: false, serving: true, terminating: null }, hostname: 'h', nodeName: null, zone: 'z' }],
      ports: [{ name: null, port: null, protocol: 'UDP' }],
    },
  ],
  endpoints: [
    {
      metadata: meta,
      status: {
        identity: { id: 70000 },
        encryption: { key: 3 },
        networking: { addressing: [{ ipv4: '10.1.0.1', ipv6: 'fd00::1' }], node: '172.18.0.2' },
        'named-ports': [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 53 }],
        'service-account': 'default',
      },
    },
    { metadata: meta, status: null },
  ],
  identities: [{ metadata: { name: '65537', labels: null }, 'security-labels': { 'k8s:app': 'web' } }],
};

/** Values that break some field's type or range somewhere. */
const replacements: unknown[] = [undefined, null, '', 'x', 0, -1, 1.5, 70_000, 2 ** 33, true, [], [1], {}, { x: 1 }, ['a']];

/** The object with the value at each path (objects and arrays, all depths) replaced in turn. */
function* mutations(o: unknown, path: (string | number)[] = []): Generator<unknown> {
  if (typeof o !== 'object' || o === null) return;
  for (const key of Object.keys(o)) {
    const child = (o as Record<string, unknown>)[key];
    for (const r of replacements) yield setAt(o, key, r);
    for (const m of mutations(child, [...path, key])) yield setAt(o, key, m);
  }
}

function setAt(o: unknown, key: string, value: unknown): unknown {
  if (Array.isArray(o)) return o.map((x, i) => (String(i) === key ? value : x));
  return { ...(o as object), [key]: value };
}

const cases: [string, (o: unknown) => unknown, z.ZodType, unknown[]][] = [
  ['Service', fastService, serviceSchema, [...golden.services, ...extra.services]],
  ['EndpointSlice', fastEndpointSlice, endpointSliceSchema, [...golden.endpointSlices, ...extra.slices]],
  ['CiliumEndpoint', fastCiliumEndpoint, ciliumEndpointSchema, [...endpoints, ...extra.endpoints]],
  ['CiliumIdentity', fastCiliumIdentity, ciliumIdentitySchema, [...identities, ...extra.identities]],
];

describe.each(cases)('fast %s validation', (_kind, fast, schema, fixtures) => {
  const all = fixtures.flatMap((f) => [f, ...mutations(f)]);

  test('accepts only what the zod schema accepts, and returns what zod would (plus unknown fields)', () => {
    let accepted = 0;
    for (const o of all) {
      const quick = fast(o);
      if (quick === undefined) continue;
      accepted++;
      const r = schema.safeParse(o);
      expect(r.success, JSON.stringify(o)).toBe(true);
      expect(quick).toMatchObject(r.data as object);
    }
    // The fast path does take the common, valid objects.
    expect(accepted).toBeGreaterThan(fixtures.length / 2);
  });

  test('mutations zod rejects are all left to zod', () => {
    const rejected = all.filter((o) => !schema.safeParse(o).success);
    expect(rejected.length).toBeGreaterThan(10);
    for (const o of rejected) expect(fast(o), JSON.stringify(o)).toBeUndefined();
  });
});

test('parse falls back to zod for defaults and for the rejection reason', () => {
  expect(parseService(extra.services[1])).toMatchObject({ ok: true, value: { spec: { ports: [{ port: 80, protocol: 'TCP' }] } } });
  expect(parseService({ metadata: { name: 'x', namespace: 'd' }, spec: { ports: [{ port: 0 }] } })).toMatchObject({
    ok: false,
    reason: expect.stringContaining('spec.ports.0.port') as unknown,
  });
});
