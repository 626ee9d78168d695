/**
 * Request paths → what they address, the way kube-apiserver's RequestInfo resolver reads them.
 * Pure: no knowledge of which resources exist (the registry answers that).
 */
import type { ResourceDef } from './resources.js';

export type Route =
  | { readonly kind: 'discovery-root'; readonly legacy: boolean } // /api or /apis
  | { readonly kind: 'discovery-group'; readonly group: string } // /apis/<g>
  | { readonly kind: 'discovery-gv'; readonly group: string; readonly version: string } // /api/v1, /apis/<g>/<v>
  | {
      readonly kind: 'resource';
      readonly group: string;
      readonly version: string;
      readonly resource: string;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
    }
  | { readonly kind: 'unknown' };

/** Subresources of a namespace object itself, not resources inside it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function segmentsOf(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export function parsePath(path: string): Route {
  const parts = segmentsOf(path);
  if (!parts || parts.length === 0) return { kind: 'unknown' };
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'discovery-root', legacy: true };
    if (parts[1] !== 'v1') return { kind: 'unknown' };
    group = '';
    version = 'v1';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'discovery-root', legacy: false };
    if (parts.length === 2) return { kind: 'discovery-group', group: parts[1]! };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'discovery-gv', group, version };
  return resourceRoute(group, version, rest);
}

function resourceRoute(group: string, version: string, rest: string[]): Route {
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return { kind: 'unknown' };
  const [resource, name, subresource] = rest as [string, string?, string?];
  return { kind: 'resource', group, version, resource, namespace, name, subresource };
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** The API verb for a method on a resource route; undefined = 405. */
export function verbOf(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return hasName ? undefined : 'create';
    case 'PUT':
      return hasName ? 'update' : undefined;
    case 'PATCH':
      return hasName ? 'patch' : undefined;
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/** Live set of served resources: the built-ins plus every established CRD's served versions. */
export class ResourceRegistry {
  private readonly crds = new Map<string, readonly ResourceDef[]>();

  constructor(private readonly builtins: readonly ResourceDef[]) {}

  all(): ResourceDef[] {
    return [...this.builtins, ...[...this.crds.values()].flat()];
  }

  find(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.all().find((d) => d.group === group && d.version === version && d.resource === resource);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.all().some((d) => d.group === group && d.version === version);
  }

  setCrd(name: string, defs: readonly ResourceDef[]): void {
    if (defs.length === 0) this.crds.delete(name);
    else this.crds.set(name, defs);
  }

  removeCrd(name: string): readonly ResourceDef[] {
    const defs = this.crds.get(name) ?? [];
    this.crds.delete(name);
    return defs;
  }
}
