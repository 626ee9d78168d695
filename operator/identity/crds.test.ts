import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

// Parsed YAML is walked freely in assertions; a wrong path fails the assertion, not the types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const crd = (file: string) =>
  parse(readFileSync(new URL(`../../deploy/crds/${file}`, import.meta.url), 'utf8')) as {
    metadata: { name: string };
    spec: { group: string; scope: string; names: Record<string, unknown>; versions: { name: string; schema: { openAPIV3Schema: Record<string, Json> } }[] };
  };

test('CiliumIdentity CRD: cluster-scoped, ciliumid, top-level security-labels map', () => {
  const c = crd('cilium.io_ciliumidentities.yaml');
  expect(c.metadata.name).toBe('ciliumidentities.cilium.io');
  expect(c.spec).toMatchObject({ group: 'cilium.io', scope: 'Cluster', names: { kind: 'CiliumIdentity', plural: 'ciliumidentities', shortNames: ['ciliumid'] } });
  const schema = c.spec.versions[0]!.schema.openAPIV3Schema;
  expect(schema.required).toContain('security-labels');
  expect(schema.properties['security-labels']).toEqual(expect.objectContaining({ type: 'object', additionalProperties: { type: 'string' } }));
});

test('CiliumEndpoint CRD: namespaced, cep/ciliumep, status with identity, networking and named ports', () => {
  const c = crd('cilium.io_ciliumendpoints.yaml');
  expect(c.metadata.name).toBe('ciliumendpoints.cilium.io');
  expect(c.spec).toMatchObject({ group: 'cilium.io', scope: 'Namespaced', names: { kind: 'CiliumEndpoint', shortNames: ['cep', 'ciliumep'] } });
  const status = c.spec.versions[0]!.schema.openAPIV3Schema.properties.status.properties;
  expect(Object.keys(status)).toEqual(expect.arrayContaining(['identity', 'networking', 'named-ports', 'encryption', 'state', 'service-account']));
  expect(status.networking.properties.addressing.items.properties).toEqual({ ipv4: { type: 'string' }, ipv6: { type: 'string' } });
});
