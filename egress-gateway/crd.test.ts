/** The shipped CRD: names as Cilium's, and a schema that keeps every field the parser reads. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseEgressPolicy } from './policy.js';

const CRD_PATH = fileURLToPath(new URL('../deploy/crds/cilium.io_ciliumegressgatewaypolicies.yaml', import.meta.url));

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  required?: string[];
}
const schemaShape: z.ZodType<Schema> = z.lazy(() =>
  z.object({
    type: z.string().optional(),
    properties: z.record(z.string(), schemaShape).optional(),
    items: schemaShape.optional(),
    additionalProperties: schemaShape.optional(),
    required: z.array(z.string()).optional(),
  }),
);
const crdShape = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    group: z.string(),
    scope: z.string(),
    names: z.object({ kind: z.string(), plural: z.string(), singular: z.string(), listKind: z.string() }),
    versions: z.array(z.object({ name: z.string(), served: z.boolean(), storage: z.boolean(), schema: z.object({ openAPIV3Schema: schemaShape }) })),
  }),
});

const crd = crdShape.parse(parse(readFileSync(CRD_PATH, 'utf8')));
const root = crd.spec.versions[0]?.schema.openAPIV3Schema ?? {};

/** Paths in `value` that structural pruning would drop under `schema`. */
function pruned(value: unknown, schema: Schema, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => (schema.items ? pruned(v, schema.items, `${path}[${i}]`) : [`${path}[${i}]`]));
  if (value === null || typeof value !== 'object') return [];
  if (path === '.metadata') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const sub = schema.properties?.[k] ?? schema.additionalProperties;
    return sub === undefined ? [`${path}.${k}`] : pruned(v, sub, `${path}.${k}`);
  });
}

test('names and scope match Cilium', () => {
  expect(crd.metadata.name).toBe('ciliumegressgatewaypolicies.cilium.io');
  expect(crd.spec).toMatchObject({
    group: 'cilium.io',
    scope: 'Cluster',
    names: { kind: 'CiliumEgressGatewayPolicy', plural: 'ciliumegressgatewaypolicies', listKind: 'CiliumEgressGatewayPolicyList' },
  });
  expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v2', true, true]]);
  expect(root.properties?.spec?.required).toEqual(['selectors', 'destinationCIDRs']);
});

const full = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumEgressGatewayPolicy',
  metadata: { name: 'full' },
  spec: {
    selectors: [
      {
        namespaceSelector: { matchLabels: { team: 'x' } },
        podSelector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      },
    ],
    destinationCIDRs: ['0.0.0.0/0'],
    excludedCIDRs: ['10.0.0.0/8'],
    egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } }, interface: 'eth1' },
  },
};
const many = {
  ...full,
  metadata: { name: 'many' },
  spec: {
    ...full.spec,
    egressGateway: undefined,
    egressGateways: [
      { nodeSelector: { matchLabels: { zone: 'a' } }, egressIP: '192.0.2.1' },
      { nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } },
    ],
  },
};

test.each([
  ['egressGateway', full],
  ['egressGateways[]', many],
])('a policy using every field (%s) survives pruning and parses', (_what, obj) => {
  expect(pruned(JSON.parse(JSON.stringify(obj)), root, '')).toEqual([]);
  expect(parseEgressPolicy(obj).ok).toBe(true);
});

test('the pruning check itself notices an unknown field', () => {
  expect(pruned({ spec: { selectors: [], bogus: 1 } }, root, '')).toEqual(['.spec.bogus']);
});
