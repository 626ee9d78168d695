/**
 * CustomResourceDefinitions → ResourceDefs, so CRDs stored in the server are served by the same
 * code as built-in kinds. Pure; the CRD is external input and is checked with zod here.
 */
import { z } from 'zod';
import type { Result } from '../../lib/result.js';
import { fail, ok } from '../../lib/result.js';
import type { StatusCause } from './errors.js';
import type { KObject } from './objects.js';
import { ALL_VERBS, type JSONSchemaProps, type PrinterColumn, type ResourceDef } from './resources.js';

const names = z.object({
  plural: z.string().min(1),
  singular: z.string().optional(),
  kind: z.string().min(1),
  listKind: z.string().optional(),
  shortNames: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
});

const printerColumn = z.object({
  name: z.string(),
  type: z.enum(['string', 'integer', 'number', 'boolean', 'date']),
  jsonPath: z.string(),
  description: z.string().optional(),
  priority: z.number().int().optional(),
  format: z.string().optional(),
});

const version = z.object({
  name: z.string().min(1),
  served: z.boolean(),
  storage: z.boolean(),
  schema: z.object({ openAPIV3Schema: z.record(z.string(), z.unknown()) }).optional(),
  subresources: z.object({ status: z.record(z.string(), z.unknown()).optional() }).optional(),
  additionalPrinterColumns: z.array(printerColumn).optional(),
});

const crdSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    group: z.string().min(1),
    names,
    scope: z.enum(['Namespaced', 'Cluster']),
    versions: z.array(version).min(1),
  }),
});

export type CrdSpec = z.infer<typeof crdSchema>;

/** Checks the parts of a CRD the server depends on; causes are field-addressed like Kubernetes' validation. */
export function parseCrd(obj: KObject): Result<CrdSpec, StatusCause[]> {
  const parsed = crdSchema.safeParse(obj);
  if (!parsed.success) {
    return fail(
      parsed.error.issues.map((i) => ({
        reason: 'FieldValueInvalid',
        field: i.path.join('.'),
        message: i.message,
      })),
    );
  }
  const crd = parsed.data;
  const causes: StatusCause[] = [];
  const expected = `${crd.spec.names.plural}.${crd.spec.group}`;
  if (crd.metadata.name !== expected)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `must be spec.names.plural+"."+spec.group (${expected})`,
    });
  if (crd.spec.versions.filter((v) => v.storage).length !== 1)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: 'must have exactly one version marked as storage version',
    });
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(crd.spec.names.plural))
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.names.plural',
      message: 'must be a lowercase RFC 1123 label',
    });
  return causes.length > 0 ? fail(causes) : ok(crd);
}

export function crdToResourceDefs(obj: KObject): ResourceDef[] {
  const parsed = parseCrd(obj);
  if (!parsed.ok) return [];
  const { spec } = parsed.value;
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      statusSubresource: v.subresources?.status !== undefined,
      verbs: [...ALL_VERBS],
      builtin: false,
      printerColumns: (v.additionalPrinterColumns ?? []) as PrinterColumn[],
      schema: v.schema?.openAPIV3Schema as JSONSchemaProps | undefined,
    }));
}

/** The status the apiextensions controllers would settle on for an accepted CRD. */
export function acceptedCrdStatus(obj: KObject, now: string): Record<string, unknown> {
  const parsed = parseCrd(obj);
  if (!parsed.ok) return {};
  const { spec } = parsed.value;
  const names = {
    ...spec.names,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
  };
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: names,
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
  };
}
