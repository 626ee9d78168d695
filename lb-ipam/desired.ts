/**
 * Everything LB-IPAM decides, pure: (pools, services with their current ingress) → each
 * service's addresses and condition, each pool's conditions. It is computed from scratch every
 * time, so a restarted operator decides exactly what the last one did: addresses a service
 * already holds are kept first (that is how no IP changes across a restart), then services
 * still missing something are served in creation order.
 */
import { matchesLabelSelector } from '../k8s/labels.js';
import { allocatorFor, type RangeAllocator } from './allocator.js';
import { type Pool, type Service } from './inputs.js';
import { formatRange, formatValue, overlaps, parseAddress, type Family, type Range } from './ranges.js';
import { incompatibility, type SharingOptions } from './sharing.js';

export const CONDITION_SATISFIED = 'cilium.io/IPAMRequestSatisfied';
export const CONDITION_IPS_TOTAL = 'cilium.io/IPsTotal';
export const CONDITION_IPS_AVAILABLE = 'cilium.io/IPsAvailable';
export const CONDITION_IPS_USED = 'cilium.io/IPsUsed';
export const CONDITION_POOL_CONFLICT = 'cilium.io/PoolConflict';
/** Beyond Cilium (which has no such check): the pool's spec has errors; it makes no new allocations. */
export const CONDITION_POOL_INVALID = 'lbipam.meshlb.io/PoolInvalid';

export const POOL_CONDITION_TYPES = [CONDITION_IPS_TOTAL, CONDITION_IPS_AVAILABLE, CONDITION_IPS_USED, CONDITION_POOL_CONFLICT, CONDITION_POOL_INVALID];

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

export interface Options {
  /** Serve services without spec.loadBalancerClass (Cilium's default: yes). */
  readonly defaultClass: boolean;
  /** Classes served besides "none". */
  readonly classes: readonly string[];
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  readonly sharing: SharingOptions;
}

export const DEFAULT_OPTIONS: Options = {
  defaultClass: true,
  classes: ['io.cilium/l2-announcer', 'io.cilium/bgp-control-plane'],
  ipv4: true,
  ipv6: true,
  sharing: { protocolAware: false },
};

export interface Inputs {
  readonly pools: readonly Pool[];
  readonly services: readonly Service[];
  readonly options: Options;
}

export interface ServiceOutcome {
  readonly ingress: readonly string[];
  /** Undefined: LB-IPAM no longer handles the service; its condition is to be removed. */
  readonly condition?: Condition;
}

export interface Outcome {
  /** Services LB-IPAM handles, plus those it handled before and must now clean up. */
  readonly services: ReadonlyMap<string, ServiceOutcome>;
  readonly pools: ReadonlyMap<string, readonly Condition[]>;
}

interface Slot {
  readonly pool: Pool;
  readonly range: Range;
  readonly alloc: RangeAllocator;
  /** New allocations and requests may use it (not disabled, conflicting or invalid). */
  readonly enabled: boolean;
}

interface Held {
  readonly slot: Slot;
  readonly ip: bigint;
}

const byCreation = (a: { createdAt: string; key: string }, b: { createdAt: string; key: string }): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** Later pools (by creation, then name) lose: the first overlap found is what the message names. */
function findConflicts(pools: readonly Pool[]): Map<string, string> {
  const conflicts = new Map<string, string>();
  const ordered = [...pools].sort((a, b) => byCreation({ createdAt: a.createdAt, key: a.name }, { createdAt: b.createdAt, key: b.name }));
  const clean: Pool[] = [];
  const message = (mine: Range, theirs: Range, other: string): string =>
    `Pool conflicts since range '${formatRange(mine)}' overlaps range '${formatRange(theirs)}' from IP Pool '${other}'`;
  for (const pool of ordered) {
    let found: string | undefined;
    for (let i = 0; i < pool.ranges.length && !found; i++) {
      for (let j = i + 1; j < pool.ranges.length && !found; j++) {
        if (overlaps(pool.ranges[i]!, pool.ranges[j]!)) found = message(pool.ranges[i]!, pool.ranges[j]!, pool.name);
      }
    }
    for (const other of clean) {
      if (found) break;
      for (const mine of pool.ranges) {
        const theirs = other.ranges.find((r) => overlaps(mine, r));
        if (theirs) {
          found = message(mine, theirs, other.name);
          break;
        }
      }
    }
    if (found) conflicts.set(pool.name, found);
    else clean.push(pool);
  }
  return conflicts;
}

function isOurs(svc: Service, o: Options): boolean {
  if (svc.type !== 'LoadBalancer') return false;
  return svc.loadBalancerClass === undefined ? o.defaultClass : o.classes.includes(svc.loadBalancerClass);
}

/** Which families a service asks for, as Cilium reads ipFamilyPolicy and ipFamilies. */
export function requestedFamilies(svc: Service, o: Options): Set<Family> {
  const out = new Set<Family>();
  const fam = (f: string): Family | undefined => (f === 'IPv4' ? 4 : f === 'IPv6' ? 6 : undefined);
  const enabled = (f: Family): boolean => (f === 4 ? o.ipv4 : o.ipv6);
  const policy = svc.ipFamilyPolicy;
  if (policy === 'PreferDualStack' || policy === 'RequireDualStack') {
    const listed = policy === 'PreferDualStack' && svc.ipFamilies.length > 0 ? svc.ipFamilies.map(fam) : [4, 6];
    for (const f of listed) if (f && enabled(f as Family)) out.add(f as Family);
    return out;
  }
  const first = svc.ipFamilies.length > 0 ? fam(svc.ipFamilies[0]!) : o.ipv4 ? 4 : o.ipv6 ? 6 : undefined;
  if (first) out.add(first);
  return out;
}

function condition(svc: Service, ok: boolean, reason: string, message: string): Condition {
  return { type: CONDITION_SATISFIED, status: ok ? 'True' : 'False', reason, message, observedGeneration: svc.generation };
}

function hadOurCondition(svc: Service): boolean {
  return svc.conditions.some((c) => (c as { type?: unknown } | null)?.type === CONDITION_SATISFIED);
}

class Decider {
  private readonly slots: Slot[] = [];
  private readonly byKey = new Map<string, Service>();
  private readonly held = new Map<string, Held[]>();
  private readonly failure = new Map<string, Condition>();

  constructor(
    pools: readonly Pool[],
    private readonly conflicts: ReadonlyMap<string, string>,
    private readonly o: Options,
  ) {
    // Allocation order: priority (beyond Cilium), then creation, as Cilium's insertion order.
    const ordered = [...pools].sort((a, b) => a.priority - b.priority || byCreation({ createdAt: a.createdAt, key: a.name }, { createdAt: b.createdAt, key: b.name }));
    for (const pool of ordered) {
      const enabled = !pool.disabled && !conflicts.has(pool.name) && pool.errors.length === 0;
      for (const range of pool.ranges) this.slots.push({ pool, range, alloc: allocatorFor(range, pool.allowFirstLast), enabled });
    }
  }

  private selects(slot: Slot, svc: Service): boolean {
    return matchesLabelSelector(slot.pool.selector, svc.labels);
  }

  private heldBy(svc: Service): Held[] {
    let list = this.held.get(svc.key);
    if (!list) this.held.set(svc.key, (list = []));
    return list;
  }

  /** Takes `ip` in `slot` for `svc`, alone or by joining a compatible sharing group. */
  private claim(svc: Service, slot: Slot, ip: bigint): string | undefined {
    const holders = slot.alloc.holders(ip);
    if (holders === undefined) {
      slot.alloc.allocate(ip, [svc.key]);
    } else {
      const text = formatValue(slot.range.family, ip);
      if (slot.alloc.isReserved(ip) || svc.sharingKey === '') return `already_allocated|The IP '${text}' is already allocated to another service`;
      for (const h of holders) {
        const why = incompatibility(this.byKey.get(h)!, svc, this.o.sharing);
        if (why) return `already_allocated_incompatible_service|The IP '${text}' is already allocated to an incompatible service. Reason: ${why}`;
      }
      slot.alloc.update(ip, [...holders, svc.key]);
    }
    this.heldBy(svc).push({ slot, ip });
    return undefined;
  }

  /** Phase 1: what the service holds now stays if it is still valid for it. */
  keepExisting(svc: Service, families: Set<Family>): void {
    this.byKey.set(svc.key, svc);
    for (const text of svc.ingress) {
      const a = parseAddress(text);
      if (!a || this.heldBy(svc).some((h) => h.slot.range.family === a.family && h.ip === a.value)) continue;
      const wanted = svc.requestedIps.length > 0 ? svc.requestedIps.some((r) => r.family === a.family && r.value === a.value) : families.has(a.family);
      if (!wanted) continue;
      // Disabled and conflicting pools keep what they gave out; enabled ranges are looked at first.
      const candidates = this.slots.filter((s) => s.alloc.contains(a.value) && s.range.family === a.family && this.selects(s, svc));
      const slot = candidates.find((s) => s.enabled) ?? candidates[0];
      if (slot) this.claim(svc, slot, a.value);
    }
  }

  private fail(svc: Service, encoded: string): void {
    const [reason, message] = encoded.split('|', 2) as [string, string];
    this.failure.set(svc.key, condition(svc, false, reason, message));
  }

  private satisfyRequested(svc: Service): void {
    for (const want of svc.requestedIps) {
      if (this.heldBy(svc).some((h) => h.slot.range.family === want.family && h.ip === want.value)) continue;
      const text = formatValue(want.family, want.value);
      const containing = this.slots.filter((s) => s.enabled && s.range.family === want.family && s.alloc.contains(want.value));
      const slot = containing.find((s) => this.selects(s, svc));
      if (!slot) {
        if (containing.length > 0) this.fail(svc, `pool_selector_mismatch|The pool with the CIDR containing '${text}', doesn't select this service`);
        else this.fail(svc, `no_pool|No pool exists with a CIDR containing '${text}'`);
        continue;
      }
      const refused = this.claim(svc, slot, want.value);
      if (refused) this.fail(svc, refused);
    }
  }

  private joinSharingGroup(svc: Service, family: Family): boolean {
    for (const [key, list] of this.held) {
      const other = this.byKey.get(key);
      if (!other || key === svc.key || other.sharingKey !== svc.sharingKey) continue;
      for (const h of list) {
        if (h.slot.range.family !== family) continue;
        const holders = h.slot.alloc.holders(h.ip) ?? [];
        if (holders.every((k) => !incompatibility(this.byKey.get(k)!, svc, this.o.sharing))) {
          h.slot.alloc.update(h.ip, [...holders, svc.key]);
          this.heldBy(svc).push(h);
          return true;
        }
      }
    }
    return false;
  }

  private satisfyFamily(svc: Service, family: Family): void {
    if (svc.sharingKey !== '' && this.joinSharingGroup(svc, family)) return;
    let full = false;
    for (const slot of this.slots) {
      if (!slot.enabled || slot.pool.explicitOnly || slot.range.family !== family || !this.selects(slot, svc)) continue;
      const r = slot.alloc.allocateAny([svc.key]);
      if (r.ok) {
        this.heldBy(svc).push({ slot, ip: r.value });
        return;
      }
      full = true;
    }
    if (full) this.fail(svc, 'out_of_ips|All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs');
    else this.fail(svc, 'no_pool|There are no enabled CiliumLoadBalancerIPPools that match this service');
  }

  private satisfied(svc: Service, families: Set<Family>): boolean {
    const held = this.heldBy(svc);
    if (svc.requestedIps.length > 0) return svc.requestedIps.every((r) => held.some((h) => h.slot.range.family === r.family && h.ip === r.value));
    return [...families].every((f) => held.some((h) => h.slot.range.family === f));
  }

  /** Phase 2: serve what is still missing. */
  satisfy(svc: Service, families: Set<Family>): ServiceOutcome {
    if (svc.requestErrors.length > 0) {
      this.failure.set(svc.key, condition(svc, false, 'malformed_request', svc.requestErrors.join('; ')));
    } else if (!this.satisfied(svc, families)) {
      if (svc.requestedIps.length > 0) this.satisfyRequested(svc);
      else for (const f of [4, 6] as const) if (families.has(f) && !this.heldBy(svc).some((h) => h.slot.range.family === f)) this.satisfyFamily(svc, f);
    }
    const ok = svc.requestErrors.length === 0 && this.satisfied(svc, families);
    return { ingress: this.ingressOf(svc), condition: ok ? condition(svc, true, 'satisfied', '') : this.failure.get(svc.key)! };
  }

  /** Kept addresses in their current order, new ones after them. */
  private ingressOf(svc: Service): string[] {
    const texts = this.heldBy(svc).map((h) => formatValue(h.slot.range.family, h.ip));
    const current = svc.ingress.map((t) => { const a = parseAddress(t); return a ? formatValue(a.family, a.value) : t; });
    return [...texts.filter((t) => current.includes(t)).sort((a, b) => current.indexOf(a) - current.indexOf(b)), ...texts.filter((t) => !current.includes(t))];
  }

  poolConditions(pool: Pool): Condition[] {
    let used = 0n;
    let available = 0n;
    for (const s of this.slots) {
      if (s.pool !== pool) continue;
      const st = s.alloc.stats();
      used += st.used;
      available += st.available;
    }
    const g = pool.generation;
    const count = (type: string, n: bigint): Condition => ({ type, status: 'Unknown', reason: 'noreason', message: n.toString(), observedGeneration: g });
    const conflict = this.conflicts.get(pool.name);
    const out = [
      count(CONDITION_IPS_TOTAL, used + available),
      count(CONDITION_IPS_AVAILABLE, available),
      count(CONDITION_IPS_USED, used),
      conflict
        ? { type: CONDITION_POOL_CONFLICT, status: 'True' as const, reason: 'cidr_overlap', message: conflict, observedGeneration: g }
        : { type: CONDITION_POOL_CONFLICT, status: 'False' as const, reason: 'resolved', message: '', observedGeneration: g },
    ];
    if (pool.errors.length > 0) {
      out.push({ type: CONDITION_POOL_INVALID, status: 'True', reason: 'invalid_spec', message: pool.errors.join('; '), observedGeneration: g });
    }
    return out;
  }
}

export function decide(inputs: Inputs): Outcome {
  const { options: o } = inputs;
  const decider = new Decider(inputs.pools, findConflicts(inputs.pools), o);
  const services = new Map<string, ServiceOutcome>();
  const ours = inputs.services.filter((s) => isOurs(s, o)).sort(byCreation);
  const families = new Map(ours.map((s) => [s.key, requestedFamilies(s, o)]));
  for (const svc of ours) decider.keepExisting(svc, families.get(svc.key)!);
  for (const svc of ours) services.set(svc.key, decider.satisfy(svc, families.get(svc.key)!));
  // A service that left LB-IPAM's hands (type or class changed) is cleaned for whoever takes it.
  for (const svc of inputs.services) if (!services.has(svc.key) && hadOurCondition(svc)) services.set(svc.key, { ingress: [] });
  const pools = new Map(inputs.pools.map((p) => [p.name, decider.poolConditions(p)]));
  return { services, pools };
}

