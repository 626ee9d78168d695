/**
 * One table service → the frontends it asks for, each with its backends in slot order, and the
 * problems with its own fields. Pure and per service, so the incremental planner only parses
 * the services that changed. Which service wins a frontend two services ask for is decided
 * later (service-state.ts): it depends on the other services, this does not.
 */
import { addressBytes, familyOf, formatAddress, type Family } from './layouts/addr.js';
import { LookupScope } from './layouts/constants.js';
import { backendIdentityKey, frontendIdentityKey, type BackendIdentity, type FrontendIdentity } from './service-ids.js';
import { frontendFlags, protoNumber, type TableBackend, type TableFrontend, type TableService } from './service-table.js';

export interface TableError {
  /** "namespace/name" of the service the problem is in. */
  readonly service: string;
  readonly message: string;
}

export interface ParsedBackend {
  readonly id: BackendIdentity;
  /** backendIdentityKey(id), computed once. */
  readonly key: string;
  readonly inUse: boolean;
}

export interface ParsedFrontend {
  readonly id: FrontendIdentity;
  /** frontendIdentityKey(id): what two services cannot both program. */
  readonly key: string;
  readonly flags: number;
  /** "address:port/protocol" as the table spells it, for error messages. */
  readonly label: string;
  /** Distinct matching backends, in-use first: index i goes to slot i + 1. */
  readonly backends: readonly ParsedBackend[];
}

/** A frontend as listed: either usable (subject to the claim check) or a problem. */
export type FrontendItem = { readonly frontend: ParsedFrontend } | { readonly problem: string };

export interface ParsedService {
  readonly name: string;
  readonly backendProblems: readonly string[];
  readonly items: readonly FrontendItem[];
}

function canonical(text: string, family: Family): string {
  // Dotted quads Node accepts have no leading zeros, so they are already canonical; only IPv6
  // text has several spellings. Skipping the round trip matters for 100k backends.
  if (family === 4) return text;
  const bytes = addressBytes(text, family);
  return bytes.ok ? formatAddress(bytes.value) : text;
}

function parseFrontendId(f: TableFrontend): FrontendIdentity | string {
  const family = familyOf(f.address);
  if (!family) return `frontend address ${JSON.stringify(f.address)} is not an IP address`;
  const proto = protoNumber(f.protocol);
  if (proto === undefined) return `frontend ${f.address}:${f.port} has unknown protocol ${JSON.stringify(f.protocol)}`;
  return { family, address: canonical(f.address, family), port: f.port, proto, scope: LookupScope.External };
}

function parseBackendId(b: TableBackend): BackendIdentity | string {
  const family = familyOf(b.address);
  if (!family) return `backend address ${JSON.stringify(b.address)} is not an IP address`;
  const proto = protoNumber(b.protocol);
  if (proto === undefined) return `backend ${b.address}:${b.port} has unknown protocol ${JSON.stringify(b.protocol)}`;
  return { family, address: canonical(b.address, family), port: b.port, proto, clusterId: b.clusterID };
}

/** The service's valid backends, each parsed once and shared by every frontend it matches. */
interface Backends {
  readonly raw: readonly TableBackend[];
  readonly parsed: readonly ParsedBackend[];
}

/** Backends of one frontend: same family and protocol (and port name when both have one), in use first. */
function frontendBackends(f: TableFrontend, fid: FrontendIdentity, backends: Backends): ParsedBackend[] {
  // A set only pays off for long lists; most services have a handful of backends.
  const seen = backends.parsed.length > 16 ? new Set<string>() : undefined;
  const inUse: ParsedBackend[] = [];
  const spare: ParsedBackend[] = [];
  const isDuplicate = (key: string): boolean => (seen ? seen.has(key) : inUse.some((b) => b.key === key) || spare.some((b) => b.key === key));
  for (let i = 0; i < backends.parsed.length; i++) {
    const raw = backends.raw[i]!;
    const b = backends.parsed[i]!;
    if (b.id.family !== fid.family || b.id.proto !== fid.proto) continue;
    if (f.portName !== undefined && raw.portName !== undefined && f.portName !== raw.portName) continue;
    if (isDuplicate(b.key)) continue;
    seen?.add(b.key);
    (b.inUse ? inUse : spare).push(b);
  }
  return spare.length === 0 ? inUse : inUse.concat(spare);
}

function parseFrontend(f: TableFrontend, backends: Backends): FrontendItem {
  const id = parseFrontendId(f);
  if (typeof id === 'string') return { problem: id };
  const flags = frontendFlags(f.type);
  if (flags === undefined) return { problem: `frontend ${f.address}:${f.port} has unknown type ${JSON.stringify(f.type)}` };
  return { frontend: { id, key: frontendIdentityKey(id), flags, label: `${f.address}:${f.port}/${f.protocol}`, backends: frontendBackends(f, id, backends) } };
}

export function parseService(svc: TableService): ParsedService {
  const backendProblems: string[] = [];
  const backends = { raw: [] as TableBackend[], parsed: [] as ParsedBackend[] };
  for (const raw of svc.backends) {
    const id = parseBackendId(raw);
    if (typeof id === 'string') {
      backendProblems.push(id);
      continue;
    }
    backends.raw.push(raw);
    backends.parsed.push({ id, key: backendIdentityKey(id), inUse: raw.inUse });
  }
  const items = svc.frontends.map((f) => parseFrontend(f, backends));
  return { name: `${svc.namespace}/${svc.name}`, backendProblems, items };
}

/** Claim keys a parsed service asks for (usable frontends; a key listed twice counts once). */
export function claimKeys(parsed: ParsedService): string[] {
  const only = parsed.items.length === 1 ? parsed.items[0]! : undefined;
  if (only) return 'frontend' in only ? [only.frontend.key] : [];
  const keys = new Set<string>();
  for (const item of parsed.items) if ('frontend' in item) keys.add(item.frontend.key);
  return [...keys];
}

/**
 * The frontends a service programs and its errors, in the order the table lists them, given
 * whether it wins each claim. A frontend it lists twice is programmed once.
 */
export function resolveService(parsed: ParsedService, wins: (frontendKey: string) => boolean): { frontends: ParsedFrontend[]; errors: TableError[] } {
  const errors: TableError[] = parsed.backendProblems.map((message) => ({ service: parsed.name, message }));
  const frontends: ParsedFrontend[] = [];
  const taken = new Set<string>();
  for (const item of parsed.items) {
    if ('problem' in item) {
      errors.push({ service: parsed.name, message: item.problem });
      continue;
    }
    const fe = item.frontend;
    if (taken.has(fe.key) || !wins(fe.key)) {
      errors.push({ service: parsed.name, message: `frontend ${fe.label} is already used by another service` });
      continue;
    }
    taken.add(fe.key);
    frontends.push(fe);
  }
  return { frontends, errors };
}
