/**
 * OpenAPI v3 documents, just enough for kubectl 1.32: `apply`/`create -f` with the default
 * `--validate=strict` look for a PATCH operation of the object's kind carrying a `fieldValidation`
 * parameter; when found they send `fieldValidation=Strict` and leave validation to the server
 * (without it kubectl falls back to client-side validation, which needs protobuf /openapi/v2).
 *
 * PATCH request bodies deliberately do not list strategic merge patch: kubectl would then build
 * its patch from these (permissive) schemas and lose merge keys. Without it kubectl computes
 * strategic merge patches for built-in kinds from its compiled-in types, and JSON merge patches
 * for custom resources, which is what Kubernetes clients see from a real server.
 */
import { groupVersion, type JSONSchemaProps, type ResourceDef } from '../resources.js';

const PATCH_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

/** The document path kubectl uses for a group-version: `api/v1` or `apis/<group>/<version>`. */
export function openApiPathOf(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

/** Accepts `v1`, `cilium.io/v2`, `api/v1` or `apis/cilium.io/v2`; returns the group-version. */
export function groupVersionOfOpenApiPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/^openapi\/v3\//, '');
  if (trimmed.startsWith('apis/')) return trimmed.slice('apis/'.length);
  if (trimmed.startsWith('api/')) return trimmed.slice('api/'.length);
  return trimmed;
}

/** `/openapi/v3`: one entry per served group-version; hashOf lets clients cache each document. */
export function openApiV3Root(
  defs: readonly ResourceDef[],
  hashOf: (groupVersion: string) => string,
): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of new Set(defs.map(groupVersion))) {
    const path = openApiPathOf(gv);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${encodeURIComponent(hashOf(gv))}` };
  }
  return { paths };
}

/** Component schema name, following Kubernetes' naming (built-ins) and reversed-domain names (CRs). */
export function schemaNameOf(def: ResourceDef): string {
  if (!def.builtin) return [...def.group.split('.').reverse(), def.version, def.kind].join('.');
  if (def.group === 'apiextensions.k8s.io') {
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${def.version}.${def.kind}`;
  }
  const pkg = def.group === '' ? 'core' : (def.group.split('.')[0] ?? def.group);
  return `io.k8s.api.${pkg}.${def.version}.${def.kind}`;
}

function gvk(def: ResourceDef): { group: string; version: string; kind: string } {
  return { group: def.group, version: def.version, kind: def.kind };
}

function itemPath(def: ResourceDef): string {
  const base = def.group === '' ? `/api/${def.version}` : `/apis/${def.group}/${def.version}`;
  const scope = def.namespaced ? '/namespaces/{namespace}' : '';
  return `${base}${scope}/${def.resource}/{name}`;
}

function queryParam(name: string, description: string, type: 'string' | 'boolean' = 'string'): object {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function pathParam(name: string, description: string): object {
  return { name, in: 'path', required: true, description, schema: { type: 'string', uniqueItems: true } };
}

function patchOperation(def: ResourceDef): object {
  const ref = { $ref: `#/components/schemas/${schemaNameOf(def)}` };
  const patchBody = { schema: { $ref: `#/components/schemas/${PATCH_SCHEMA}` } };
  return {
    description: `partially update the specified ${def.kind}`,
    operationId: `patch${def.kind}`,
    parameters: [
      queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
      queryParam('fieldManager', 'The name of the actor or entity making these changes.'),
      queryParam(
        'fieldValidation',
        'How the server handles unknown or duplicate fields in the object: Ignore, Warn or Strict.',
      ),
      queryParam('force', 'Force an apply request, taking over conflicting fields.', 'boolean'),
    ],
    requestBody: {
      content: {
        'application/json-patch+json': patchBody,
        'application/merge-patch+json': patchBody,
        'application/apply-patch+yaml': patchBody,
      },
      required: true,
    },
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ref } } },
      '201': { description: 'Created', content: { 'application/json': { schema: ref } } },
    },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': gvk(def),
  };
}

function pathItem(def: ResourceDef): object {
  const parameters = [pathParam('name', `name of the ${def.kind}`)];
  if (def.namespaced) parameters.push(pathParam('namespace', 'object name and auth scope'));
  return { parameters, patch: patchOperation(def) };
}

/** The CR's own schema with the fields every object has, as the API server publishes it. */
function customResourceSchema(def: ResourceDef, schema: JSONSchemaProps): object {
  return {
    ...schema,
    type: 'object',
    properties: {
      ...schema.properties,
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource.' },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [gvk(def)],
  };
}

function componentSchema(def: ResourceDef): object {
  if (!def.builtin && def.schema) return customResourceSchema(def, def.schema);
  return {
    description: `${def.kind} (schema not published by the sandbox; the server validates)`,
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': [gvk(def)],
  };
}

/** `/openapi/v3/<api/v1 | apis/g/v>`; undefined when the group-version is not served. */
export function openApiV3GroupVersion(defs: readonly ResourceDef[], gvOrPath: string): object | undefined {
  const gv = groupVersionOfOpenApiPath(gvOrPath);
  const served = defs.filter((d) => groupVersion(d) === gv);
  if (served.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = { [PATCH_SCHEMA]: { type: 'object' } };
  for (const def of served) {
    paths[itemPath(def)] = pathItem(def);
    schemas[schemaNameOf(def)] = componentSchema(def);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-meshlb' },
    paths,
    components: { schemas },
  };
}
