/**
 * The BGP control plane's test world: the shared API world (a real etcd, the sandbox API
 * server, the real kubectl, every CRD of deploy/crds applied with `kubectl apply`) plus a
 * YAML apply of plain objects.
 */
import { stringify } from 'yaml';
import type { ResourceType } from '../../k8s/resource.js';
import { withApiWorld, type ApiWorld } from '../helpers/api-world.js';

export { eventually } from '../helpers/api-world.js';

export interface BgpWorld extends ApiWorld {
  /** `kubectl apply -f -` of objects as one YAML stream (YAML 1.1 quoting: kubectl reads a bare on/No as a boolean). */
  apply(...docs: readonly object[]): Promise<void>;
}

export function withBgpWorld(served: readonly ResourceType[]): BgpWorld {
  const world = withApiWorld({ served });
  return {
    ...world,
    async apply(...docs) {
      await world.must(['apply', '-f', '-'], docs.map((d) => stringify(d, { version: '1.1' })).join('\n---\n'));
    },
  };
}
