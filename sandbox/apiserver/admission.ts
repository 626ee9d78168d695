/**
 * What happens to an object between decoding and storage: defaults, allocation (Service IPs and
 * node ports), validation (built-ins) or pruning + schema validation (custom resources), and the
 * status the apiextensions controllers would give a CRD.
 */
import { ok } from '../../lib/result.js';
import type { ApiContext } from './context.js';
import { acceptedCrdStatus, parseCrd } from './crd.js';
import { allocateService, applyStaticDefaults, serviceAddresses } from './defaults.js';
import { type ApiResult, type StatusCause, apiFail, errors } from './errors.js';
import { type KObject, metadataOf, splitStatusWrite } from './objects.js';
import { BUILTIN_RESOURCES, type ResourceDef } from './resources.js';

const SERVICES = BUILTIN_RESOURCES.find((d) => d.resource === 'services')!;
const NAMESPACES = BUILTIN_RESOURCES.find((d) => d.resource === 'namespaces')!;

function isCrd(def: ResourceDef): boolean {
  return def.group === 'apiextensions.k8s.io' && def.resource === 'customresourcedefinitions';
}

function nameOf(obj: KObject): string {
  const m = metadataOf(obj);
  return String(m.name ?? m.generateName ?? '');
}

/** Validation of a generateName-only object sees a name of the final length (the suffix is 5 characters). */
function forValidation(obj: KObject): KObject {
  const m = metadataOf(obj);
  if (m.name || typeof m.generateName !== 'string') return obj;
  return { ...obj, metadata: { ...m, name: `${m.generateName}x0000` } };
}

async function servicesInUse(
  ctx: ApiContext,
  except?: KObject,
): Promise<ApiResult<{ clusterIPs: Set<string>; nodePorts: Set<number> }>> {
  const listed = await ctx.store.list(SERVICES, undefined);
  if (!listed.ok) return listed;
  const clusterIPs = new Set<string>();
  const nodePorts = new Set<number>();
  const exceptUid = except ? metadataOf(except).uid : undefined;
  for (const svc of listed.value.items) {
    if (exceptUid && metadataOf(svc).uid === exceptUid) continue;
    const a = serviceAddresses(svc);
    a.clusterIPs.forEach((ip) => clusterIPs.add(ip));
    a.nodePorts.forEach((p) => nodePorts.add(p));
  }
  return ok({ clusterIPs, nodePorts });
}

function validate(
  ctx: ApiContext,
  def: ResourceDef,
  obj: KObject,
  old?: KObject,
): { object: KObject; causes: StatusCause[] } {
  if (!def.builtin) {
    const r = ctx.machinery.pruneAndValidateCustom(def, obj);
    const meta = ctx.machinery.validateObject(def, forValidation(r.object), old);
    return { object: r.object, causes: [...meta, ...r.errors] };
  }
  const causes = ctx.machinery.validateObject(def, forValidation(obj), old);
  if (isCrd(def)) {
    const crd = parseCrd(obj);
    if (!crd.ok) causes.push(...crd.error);
  }
  return { object: obj, causes };
}

/**
 * A write that leaves the spec as stored (a status write, a label change) keeps the addresses it
 * has; listing every Service to re-check them made each such write cost O(services).
 */
function specKept(next: KObject, old: KObject | undefined): boolean {
  return old !== undefined && JSON.stringify(next.spec) === JSON.stringify(old.spec);
}

async function finish(
  ctx: ApiContext,
  def: ResourceDef,
  obj: KObject,
  old: KObject | undefined,
): Promise<ApiResult<KObject>> {
  let out = applyStaticDefaults(def, obj);
  // Allocation comes first, as in Kubernetes: an update that omits clusterIP/nodePort keeps the
  // stored ones instead of failing the "immutable" checks.
  if (def.builtin && def.group === '' && def.kind === 'Service' && !specKept(out, old)) {
    const inUse = await servicesInUse(ctx, old);
    if (!inUse.ok) return inUse;
    const allocated = allocateService(out, old, inUse.value, ctx.random);
    if (allocated.causes.length > 0) return apiFail(errors.invalid(def, nameOf(obj), [...allocated.causes]));
    out = allocated.object;
  }
  const checked = validate(ctx, def, out, old);
  if (checked.causes.length > 0) return apiFail(errors.invalid(def, nameOf(obj), checked.causes));
  out = checked.object;
  if (isCrd(def))
    out = {
      ...out,
      status: acceptedCrdStatus(
        out,
        ctx
          .now()
          .toISOString()
          .replace(/\.\d+Z$/, 'Z'),
      ),
    };
  return ok(out);
}

export async function admitCreate(
  ctx: ApiContext,
  def: ResourceDef,
  obj: KObject,
): Promise<ApiResult<KObject>> {
  const meta = metadataOf(obj);
  if (!meta.name && !meta.generateName)
    return apiFail(
      errors.invalid(def, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]),
    );
  if (def.namespaced) {
    const ns = await ctx.store.get(NAMESPACES, undefined, String(meta.namespace));
    if (!ns.ok) return ns;
  }
  return finish(ctx, def, withoutClientStatus(def, obj), undefined);
}

/**
 * Status of custom resources and Services is the controllers' to write, so a create cannot set
 * it (as in Kubernetes). Nodes and Pods keep theirs: the sandbox has no kubelet to report it.
 */
function withoutClientStatus(def: ResourceDef, obj: KObject): KObject {
  if (!def.statusSubresource || !(def.kind === 'Service' || !def.builtin)) return obj;
  const rest = { ...obj };
  delete rest.status;
  return rest;
}

/** `next` is the client's full object for the main resource or /status (already patched for PATCH). */
export async function admitUpdate(
  ctx: ApiContext,
  def: ResourceDef,
  current: KObject,
  next: KObject,
  subresource: string | undefined,
): Promise<ApiResult<KObject>> {
  return finish(ctx, def, splitStatusWrite(def, current, next, subresource), current);
}
