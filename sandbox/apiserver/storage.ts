/**
 * Objects in etcd, the way kube-apiserver keeps them: JSON under
 * /registry/<group|core>/<resource>/[<namespace>/]<name>, with the etcd mod revision as
 * metadata.resourceVersion (never stored in the value, always set on read).
 */
import { randomUUID, randomInt } from 'node:crypto';
import type { KvClient, KvEntry, KvError } from '../../kvstore/types.js';
import { ok } from '../../lib/result.js';
import { type ApiResult, apiFail, errors } from './errors.js';
import { type KObject, asServed, keepServerMetadata, metadataOf, withMetadata } from './objects.js';
import type { ResourceDef } from './resources.js';

export function resourcePrefix(def: Pick<ResourceDef, 'group' | 'resource'>, namespace?: string): string {
  const base = `/registry/${def.group === '' ? 'core' : def.group}/${def.resource}/`;
  return namespace === undefined ? base : `${base}${namespace}/`;
}

export function objectKey(def: ResourceDef, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${resourcePrefix(def, namespace ?? '')}${name}` : `${resourcePrefix(def)}${name}`;
}

/** Decodes a stored value into the served object; undefined when the bytes are not an object (never written by us). */
export function decodeEntry(def: ResourceDef, value: Buffer, modRevision: number): KObject | undefined {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return withMetadata(asServed(def, parsed as KObject), { resourceVersion: String(modRevision) });
  } catch {
    return undefined;
  }
}

function encode(obj: KObject): string {
  const meta = { ...metadataOf(obj) };
  delete meta.resourceVersion;
  delete meta.selfLink;
  delete meta.managedFields;
  return JSON.stringify({ ...obj, metadata: meta });
}

export function kvToApi(e: KvError): ReturnType<typeof apiFail> {
  if (e.kind === 'compacted') return apiFail(errors.gone(`too old resource version: ${e.message}`));
  if (e.kind === 'unavailable') return apiFail(errors.unavailable(`etcd: ${e.message}`));
  return apiFail(errors.internal(`etcd: ${e.kind}: ${e.message}`));
}

const NAME_SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_CHARS[randomInt(NAME_SUFFIX_CHARS.length)];
  return s;
}

export interface ListOptions {
  readonly limit?: number;
  readonly continueToken?: string;
  readonly filter?: (obj: KObject) => boolean;
}

export interface ListPage {
  readonly items: KObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

interface ContinueState {
  readonly key: string;
  readonly rev: number;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'meshlb.v1', ...state })).toString('base64url');
}

export function decodeContinue(token: string): ContinueState | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const { v: tag, key, rev } = v as Record<string, unknown>;
    if (tag !== 'meshlb.v1' || typeof key !== 'string' || typeof rev !== 'number' || !Number.isInteger(rev))
      return undefined;
    return { key, rev };
  } catch {
    return undefined;
  }
}

export interface WriteOptions {
  readonly dryRun?: boolean;
}

/** Builds the next object from the current one; a failure aborts the update as-is. */
export type Mutation = (current: KObject) => Promise<ApiResult<KObject>> | ApiResult<KObject>;

const MAX_UPDATE_ATTEMPTS = 8;

export class ObjectStore {
  constructor(
    readonly kv: KvClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(def: ResourceDef, namespace: string | undefined, name: string): Promise<ApiResult<KObject>> {
    const got = await this.getEntry(def, namespace, name);
    if (!got.ok) return got;
    return ok(got.value.object);
  }

  private async getEntry(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
  ): Promise<ApiResult<{ object: KObject; entry: KvEntry }>> {
    const r = await this.kv.get(objectKey(def, namespace, name));
    if (!r.ok) return kvToApi(r.error);
    if (!r.value) return apiFail(errors.notFound(def, name));
    const object = decodeEntry(def, r.value.value, r.value.modRevision);
    if (!object) return apiFail(errors.internal(`stored object ${r.value.key} is not valid JSON`));
    return ok({ object, entry: r.value });
  }

  async currentRevision(): Promise<ApiResult<number>> {
    const r = await this.kv.count('/registry/');
    return r.ok ? ok(r.value.revision) : kvToApi(r.error);
  }

  /** One page of matching objects; keeps reading until `limit` objects matched so filters do not shrink pages. */
  async list(
    def: ResourceDef,
    namespace: string | undefined,
    opts: ListOptions = {},
  ): Promise<ApiResult<ListPage>> {
    const prefix = resourcePrefix(def, def.namespaced ? namespace : undefined);
    let startKey: string | undefined;
    let revision: number | undefined;
    if (opts.continueToken !== undefined) {
      const state = decodeContinue(opts.continueToken);
      if (!state || !state.key.startsWith(prefix))
        return apiFail(errors.badRequest('invalid continue token'));
      startKey = state.key;
      revision = state.rev;
    }
    const items: KObject[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    while (true) {
      const page = await this.kv.list(prefix, { limit, startKey, revision });
      if (!page.ok) {
        if (page.error.kind === 'compacted')
          return apiFail(
            errors.gone('The provided continue parameter is too old to display a consistent list result.'),
          );
        return kvToApi(page.error);
      }
      revision = page.value.revision;
      const entries = page.value.entries;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        const obj = decodeEntry(def, entry.value, entry.modRevision);
        if (!obj || (opts.filter && !opts.filter(obj))) continue;
        items.push(obj);
        if (limit !== undefined && items.length >= limit) {
          const more = i < entries.length - 1 || page.value.more;
          const token = more ? encodeContinue({ key: entry.key + '\0', rev: revision }) : undefined;
          return ok({ items, resourceVersion: String(revision), continueToken: token });
        }
      }
      const last = entries[entries.length - 1];
      if (!page.value.more || !last) return ok({ items, resourceVersion: String(revision) });
      startKey = last.key + '\0';
    }
  }

  /** Creates; the object must carry name or generateName (validated before). */
  async create(
    def: ResourceDef,
    namespace: string | undefined,
    input: KObject,
    opts: WriteOptions = {},
  ): Promise<ApiResult<KObject>> {
    const meta = metadataOf(input);
    const generated = !meta.name && typeof meta.generateName === 'string';
    for (let attempt = 0; attempt < (generated ? 5 : 1); attempt++) {
      const name = generated ? `${meta.generateName}${randomNameSuffix()}` : String(meta.name);
      const obj = this.newObject(def, namespace, name, input);
      const key = objectKey(def, namespace, name);
      if (opts.dryRun) {
        const exists = await this.kv.get(key);
        if (!exists.ok) return kvToApi(exists.error);
        if (exists.value) return apiFail(errors.alreadyExists(def, name));
        return ok(obj);
      }
      const r = await this.kv.txn([{ key, modRevision: 0 }], [{ op: 'put', key, value: encode(obj) }]);
      if (!r.ok) return kvToApi(r.error);
      if (r.value.succeeded) return ok(withMetadata(obj, { resourceVersion: String(r.value.revision) }));
      if (!generated) return apiFail(errors.alreadyExists(def, name));
    }
    return apiFail(errors.alreadyExists(def, String(meta.generateName)));
  }

  private newObject(def: ResourceDef, namespace: string | undefined, name: string, input: KObject): KObject {
    const meta = { ...metadataOf(input) };
    delete meta.resourceVersion;
    delete meta.managedFields;
    delete meta.selfLink;
    delete meta.deletionTimestamp;
    meta.name = name;
    if (def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    meta.generation = 1;
    return asServed(def, { ...input, metadata: meta });
  }

  /**
   * Read-modify-write. A resourceVersion in the mutated object is a precondition (409 when
   * stale); without one the update retries on concurrent writes, like GuaranteedUpdate.
   */
  async update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    mutate: Mutation,
    opts: WriteOptions = {},
  ): Promise<ApiResult<KObject>> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const cur = await this.getEntry(def, namespace, name);
      if (!cur.ok) return cur;
      const mutated = await mutate(cur.value.object);
      if (!mutated.ok) return mutated;
      const wantedRv = metadataOf(mutated.value).resourceVersion;
      const precondition = wantedRv !== undefined && wantedRv !== '';
      if (precondition && wantedRv !== String(cur.value.entry.modRevision))
        return apiFail(
          errors.conflict(
            def,
            name,
            'the object has been modified; please apply your changes to the latest version and try again',
          ),
        );
      const next = keepServerMetadata(def, cur.value.object, asServed(def, mutated.value));
      if (opts.dryRun)
        return ok(withMetadata(next, { resourceVersion: String(cur.value.entry.modRevision) }));
      const key = cur.value.entry.key;
      const r = await this.kv.txn(
        [{ key, modRevision: cur.value.entry.modRevision }],
        [{ op: 'put', key, value: encode(next) }],
      );
      if (!r.ok) return kvToApi(r.error);
      if (r.value.succeeded) return ok(withMetadata(next, { resourceVersion: String(r.value.revision) }));
      if (precondition)
        return apiFail(
          errors.conflict(
            def,
            name,
            'the object has been modified; please apply your changes to the latest version and try again',
          ),
        );
    }
    return apiFail(errors.conflict(def, name, 'too many concurrent updates'));
  }

  /** Deletes and returns the last state; `resourceVersion` is an optional precondition. */
  async delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions & { resourceVersion?: string; uid?: string } = {},
  ): Promise<ApiResult<KObject>> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const cur = await this.getEntry(def, namespace, name);
      if (!cur.ok) return cur;
      const { entry, object } = cur.value;
      if (opts.resourceVersion && opts.resourceVersion !== String(entry.modRevision))
        return apiFail(
          errors.conflict(
            def,
            name,
            `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${entry.modRevision}`,
          ),
        );
      if (opts.uid && opts.uid !== metadataOf(object).uid)
        return apiFail(
          errors.conflict(
            def,
            name,
            `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${String(metadataOf(object).uid)}`,
          ),
        );
      if (opts.dryRun) return ok(object);
      const r = await this.kv.txn(
        [{ key: entry.key, modRevision: entry.modRevision }],
        [{ op: 'delete', key: entry.key }],
      );
      if (!r.ok) return kvToApi(r.error);
      if (r.value.succeeded) return ok(object);
    }
    return apiFail(errors.conflict(def, name, 'too many concurrent updates'));
  }

  /** Removes every object of a resource (in a namespace): namespace and CRD deletion. */
  async deleteAll(def: ResourceDef, namespace?: string): Promise<ApiResult<void>> {
    const prefix = resourcePrefix(def, def.namespaced ? namespace : undefined);
    const r = await this.kv.txn([], [{ op: 'deletePrefix', prefix }]);
    return r.ok ? ok(undefined) : kvToApi(r.error);
  }
}
