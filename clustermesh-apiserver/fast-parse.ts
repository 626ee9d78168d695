/**
 * Cheap validation of the hot kinds (Service, EndpointSlice, CiliumEndpoint, CiliumIdentity):
 * an initial sync parses ~100k objects, and a zod parse copies every object it validates. Each
 * check here accepts only objects that the zod schema in k8s-objects.ts accepts *and* that are
 * already in the parsed form (defaults present), and then hands back the object itself
 * (unknown fields stay, nothing reads them). Anything else, valid or not, goes to zod, which
 * applies defaults and words the rejection, so the fast path can never change an outcome.
 * fast-parse.test.ts checks this against the schemas on fixtures and mutated fixtures.
 */
import type { z } from 'zod';
import { zodReason } from '../clustermesh/zod-reason.js';
import {
  ciliumEndpointSchema,
  ciliumIdentitySchema,
  endpointSliceSchema,
  serviceSchema,
  type K8sCiliumEndpoint,
  type K8sCiliumIdentity,
  type K8sEndpointSlice,
  type K8sService,
} from './k8s-objects.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined;
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const nullishString = (v: unknown): boolean => isNullish(v) || typeof v === 'string';
const nullishBool = (v: unknown): boolean => isNullish(v) || typeof v === 'boolean';
const intIn = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function isStringMap(v: unknown): boolean {
  if (!isObj(v)) return false;
  for (const k in v) if (typeof v[k] !== 'string') return false;
  // A prototype other than Object's (or inherited enumerable keys) is left to zod.
  return Object.getPrototypeOf(v) === Object.prototype;
}
const nullishStringMap = (v: unknown): boolean => isNullish(v) || isStringMap(v);

function everyItem(v: unknown, check: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!check(item)) return false;
  return true;
}
const nullishArray = (v: unknown, check: (item: unknown) => boolean): boolean => isNullish(v) || everyItem(v, check);

function metadataOk(v: unknown, namespaced: boolean): boolean {
  if (!isObj(v)) return false;
  const { name, namespace } = v;
  if (typeof name !== 'string' || name === '') return false;
  if (namespaced ? typeof namespace !== 'string' || namespace === '' : !optString(namespace)) return false;
  return nullishStringMap(v.labels) && nullishStringMap(v.annotations);
}

/** Already-defaulted protocol: a missing one needs zod's default. */
const protocolOk = (v: unknown): boolean => v === 'TCP' || v === 'UDP' || v === 'SCTP';

function servicePortOk(p: unknown): boolean {
  return isObj(p) && optString(p.name) && intIn(p.port, 1, 65535) && protocolOk(p.protocol);
}

export function fastService(o: unknown): K8sService | undefined {
  if (!isObj(o) || !metadataOk(o.metadata, true)) return undefined;
  const spec = o.spec;
  if (!isObj(spec) || !optString(spec.type) || !optString(spec.clusterIP)) return undefined;
  if (!nullishArray(spec.clusterIPs, (ip) => typeof ip === 'string') || !nullishStringMap(spec.selector)) return undefined;
  return nullishArray(spec.ports, servicePortOk) ? (o as K8sService) : undefined;
}

function conditionsOk(c: unknown): boolean {
  return isNullish(c) || (isObj(c) && nullishBool(c.ready) && nullishBool(c.serving) && nullishBool(c.terminating));
}

function sliceEndpointOk(e: unknown): boolean {
  if (!isObj(e)) return false;
  const addresses = e.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0 || !everyItem(addresses, (a) => typeof a === 'string')) return false;
  return conditionsOk(e.conditions) && nullishString(e.hostname) && nullishString(e.nodeName) && nullishString(e.zone);
}

function slicePortOk(p: unknown): boolean {
  return isObj(p) && nullishString(p.name) && (isNullish(p.port) || intIn(p.port, 1, 65535)) && protocolOk(p.protocol);
}

export function fastEndpointSlice(o: unknown): K8sEndpointSlice | undefined {
  if (!isObj(o) || !metadataOk(o.metadata, true)) return undefined;
  const t = o.addressType;
  if (t !== 'IPv4' && t !== 'IPv6' && t !== 'FQDN') return undefined;
  if (!nullishArray(o.endpoints, sliceEndpointOk)) return undefined;
  return nullishArray(o.ports, slicePortOk) ? (o as K8sEndpointSlice) : undefined;
}

function addressingOk(a: unknown): boolean {
  return isObj(a) && optString(a.ipv4) && optString(a.ipv6);
}

function namedPortOk(p: unknown): boolean {
  // A missing protocol needs zod's default.
  return isObj(p) && typeof p.name === 'string' && intIn(p.port, 0, 65535) && typeof p.protocol === 'string';
}

function endpointStatusOk(s: unknown): boolean {
  if (isNullish(s)) return true;
  if (!isObj(s)) return false;
  const { identity, encryption, networking } = s;
  if (!isNullish(identity) && !(isObj(identity) && intIn(identity.id, 0, 0xffffffff))) return false;
  if (!isNullish(encryption) && !(isObj(encryption) && (encryption.key === undefined || intIn(encryption.key, 0, 255)))) return false;
  if (!isNullish(networking) && !(isObj(networking) && nullishArray(networking.addressing, addressingOk) && optString(networking.node))) {
    return false;
  }
  return nullishArray(s['named-ports'], namedPortOk) && optString(s['service-account']);
}

export function fastCiliumEndpoint(o: unknown): K8sCiliumEndpoint | undefined {
  if (!isObj(o) || !metadataOk(o.metadata, true)) return undefined;
  return endpointStatusOk(o.status) ? (o as K8sCiliumEndpoint) : undefined;
}

export function fastCiliumIdentity(o: unknown): K8sCiliumIdentity | undefined {
  if (!isObj(o) || !metadataOk(o.metadata, false)) return undefined;
  return isStringMap(o['security-labels']) ? (o as K8sCiliumIdentity) : undefined;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function parseWith<T>(fast: (o: unknown) => T | undefined, schema: z.ZodType<T>): (o: unknown) => Parsed<T> {
  return (o) => {
    const quick = fast(o);
    if (quick !== undefined) return { ok: true, value: quick };
    const r = schema.safeParse(o);
    return r.success ? { ok: true, value: r.data } : { ok: false, reason: zodReason(r.error) };
  };
}

export const parseService = parseWith(fastService, serviceSchema as z.ZodType<K8sService>);
export const parseEndpointSlice = parseWith(fastEndpointSlice, endpointSliceSchema as z.ZodType<K8sEndpointSlice>);
export const parseCiliumEndpoint = parseWith(fastCiliumEndpoint, ciliumEndpointSchema as z.ZodType<K8sCiliumEndpoint>);
export const parseCiliumIdentity = parseWith(fastCiliumIdentity, ciliumIdentitySchema as z.ZodType<K8sCiliumIdentity>);
