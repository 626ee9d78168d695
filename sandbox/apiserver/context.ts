/**
 * What request handlers share: storage, the live resource registry, the watch hub and the pure
 * machinery (patching, validation, tables) they call. Built once by server.ts.
 */
import type { Logger } from '../../lib/log.js';
import type { Result } from '../../lib/result.js';
import type { ApiResult, StatusCause } from './errors.js';
import type { KObject } from './objects.js';
import type { ResourceDef } from './resources.js';
import type { ResourceRegistry } from './routing.js';
import type { ObjectStore } from './storage.js';
import type { WatchHub } from './watch.js';

export interface Machinery {
  applyMergePatch(target: KObject, patch: unknown): KObject;
  applyJsonPatch(target: KObject, ops: unknown): Result<KObject, string>;
  applyStrategicMergePatch(target: KObject, patch: unknown, def: ResourceDef): Result<KObject, string>;
  /** Built-in kinds: field errors as Kubernetes words them; `old` on update. */
  validateObject(def: ResourceDef, obj: KObject, old?: KObject): StatusCause[];
  /** Custom resources: drops fields the schema does not know and validates the rest. */
  pruneAndValidateCustom(def: ResourceDef, obj: KObject): { object: KObject; errors: StatusCause[] };
  decodeProtobuf?(buf: Buffer): ApiResult<KObject>;
  wantsTable(accept: string | undefined): boolean;
  toTable(
    def: ResourceDef,
    objects: readonly KObject[],
    opts: { includeObject: 'None' | 'Metadata' | 'Object'; now: Date },
  ): object;
}

export interface ApiContext {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly hub: WatchHub;
  readonly logger: Logger;
  readonly machinery: Machinery;
  readonly now: () => Date;
  readonly random: (n: number) => number;
}
