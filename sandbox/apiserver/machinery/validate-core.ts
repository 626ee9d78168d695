/** Pod, Node, Namespace, Secret, ConfigMap and Lease: what the real API refuses for each. */
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../../k8s/labels.js';
import { has, isInt, listAt, objAt, strAt } from './access.js';
import type { FieldError } from './field-errors.js';
import { duplicate, forbidden, invalid, notSupported, required, tooLong, tooMany } from './field-errors.js';
import { CIDR_EXAMPLE, isCIDR } from './ip.js';
import { isObject } from './json.js';
import { isConfigMapKey, isValidPortName } from './names.js';
import { PROTOCOLS, validPort } from './validate-service.js';

type Obj = Record<string, unknown>;

/** Secrets and ConfigMaps are stored whole in etcd and mounted as files; Kubernetes caps them at 1 MiB. */
export const MAX_DATA_BYTES = 1024 * 1024;

function checkWith(field: string, value: unknown, rule: (s: string) => string[]): FieldError[] {
  if (typeof value !== 'string') return [invalid(field, value, 'must be a string')];
  const errs = rule(value);
  return errs.length > 0 ? [invalid(field, value, errs.join(', '))] : [];
}

function validateContainer(c: unknown, f: string): FieldError[] {
  if (!isObject(c)) return [invalid(f, c, 'must be an object')];
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${f}.name`));
  else errs.push(...checkWith(`${f}.name`, c.name, isDNS1123Label));
  if (!c.image) errs.push(required(`${f}.image`));
  else if (typeof c.image !== 'string') errs.push(invalid(`${f}.image`, c.image, 'must be a string'));
  const portNames = new Set<string>();
  listAt(c, 'ports').forEach((p, i) => {
    const pf = `${f}.ports[${i}]`;
    const port = isObject(p) ? p : {};
    if (port.containerPort === undefined) errs.push(required(`${pf}.containerPort`));
    else if (!validPort(port.containerPort))
      errs.push(invalid(`${pf}.containerPort`, port.containerPort, 'must be between 1 and 65535, inclusive'));
    if (port.hostPort !== undefined && port.hostPort !== 0 && !validPort(port.hostPort)) {
      errs.push(invalid(`${pf}.hostPort`, port.hostPort, 'must be between 1 and 65535, inclusive'));
    }
    if (port.protocol !== undefined && !PROTOCOLS.includes(String(port.protocol)))
      errs.push(notSupported(`${pf}.protocol`, port.protocol, PROTOCOLS));
    if (typeof port.name === 'string' && port.name !== '') {
      errs.push(...checkWith(`${pf}.name`, port.name, isValidPortName));
      if (portNames.has(port.name)) errs.push(duplicate(`${pf}.name`, port.name));
      portNames.add(port.name);
    }
  });
  listAt(c, 'env').forEach((e, i) => {
    if (!strAt(e, 'name')) errs.push(required(`${f}.env[${i}].name`));
  });
  return errs;
}

export function validatePod(obj: Obj): FieldError[] {
  const spec = objAt(obj, 'spec');
  if (spec === undefined) return [required('spec')];
  const errs: FieldError[] = [];
  const containers = listAt(spec, 'containers');
  if (containers.length === 0) errs.push(required('spec.containers'));
  const names = new Set<string>();
  for (const key of ['initContainers', 'containers']) {
    listAt(spec, key).forEach((c, i) => {
      const f = `spec.${key}[${i}]`;
      errs.push(...validateContainer(c, f));
      const name = strAt(c, 'name');
      if (name !== undefined && name !== '') {
        if (names.has(name)) errs.push(duplicate(`${f}.name`, name));
        names.add(name);
      }
    });
  }
  const restart = spec.restartPolicy;
  if (
    restart !== undefined &&
    restart !== '' &&
    !['Always', 'Never', 'OnFailure'].includes(String(restart))
  ) {
    errs.push(notSupported('spec.restartPolicy', restart, ['Always', 'OnFailure', 'Never']));
  }
  if (has(spec, 'nodeName') && spec.nodeName !== '')
    errs.push(...checkWith('spec.nodeName', spec.nodeName, isDNS1123Subdomain));
  return errs;
}

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNode(obj: Obj): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {};
  const errs: FieldError[] = [];
  if (has(spec, 'podCIDR') && spec.podCIDR !== '' && !isCIDR(String(spec.podCIDR))) {
    errs.push(invalid('spec.podCIDR', spec.podCIDR, CIDR_EXAMPLE));
  }
  const cidrs = listAt(spec, 'podCIDRs');
  cidrs.forEach((c, i) => {
    if (typeof c !== 'string' || !isCIDR(c)) errs.push(invalid(`spec.podCIDRs[${i}]`, c, CIDR_EXAMPLE));
  });
  if (cidrs.length > 2) errs.push(tooMany('spec.podCIDRs', cidrs.length, 2));
  listAt(spec, 'taints').forEach((t, i) => {
    const f = `spec.taints[${i}]`;
    if (!strAt(t, 'key')) errs.push(required(`${f}.key`));
    else errs.push(...checkWith(`${f}.key`, strAt(t, 'key'), isQualifiedName));
    const effect = strAt(t, 'effect');
    if (!effect) errs.push(required(`${f}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${f}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

export function validateNamespace(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  listAt(objAt(obj, 'spec'), 'finalizers').forEach((f, i) =>
    errs.push(...checkWith(`spec.finalizers[${i}]`, f, isQualifiedName)),
  );
  return errs;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Keys, values and total size of `data`-like maps; `base64` when the wire form is base64 (Secret data, binaryData). */
function validateDataMap(
  field: string,
  data: unknown,
  base64: boolean,
  seen: Set<string>,
): { errs: FieldError[]; bytes: number } {
  if (data === undefined || data === null) return { errs: [], bytes: 0 };
  if (!isObject(data))
    return { errs: [invalid(field, data, 'must be a map of string keys to string values')], bytes: 0 };
  const errs: FieldError[] = [];
  let bytes = 0;
  for (const [k, v] of Object.entries(data)) {
    const f = `${field}[${k}]`;
    const keyErrs = isConfigMapKey(k);
    if (keyErrs.length > 0) errs.push(invalid(f, k, keyErrs.join(', ')));
    if (seen.has(k)) errs.push(duplicate(f, k));
    seen.add(k);
    if (typeof v !== 'string') {
      errs.push(invalid(f, v, 'must be a string'));
      continue;
    }
    if (base64 && !BASE64.test(v)) {
      errs.push(invalid(f, '<value omitted>', 'must be base64-encoded'));
      continue;
    }
    bytes += base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
  }
  return { errs, bytes };
}

function validateImmutableData(obj: Obj, old: Obj | undefined, fields: readonly string[]): FieldError[] {
  if (old === undefined || old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {}))
      errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export function validateSecret(obj: Obj, old: Obj | undefined): FieldError[] {
  const seen = new Set<string>();
  const data = validateDataMap('data', obj.data, true, seen);
  // stringData is merged into data on write, so its keys may repeat data's.
  const stringData = validateDataMap('stringData', obj.stringData, false, new Set());
  const errs = [...data.errs, ...stringData.errs];
  if (data.bytes + stringData.bytes > MAX_DATA_BYTES)
    errs.push(tooLong('data', `must have at most ${MAX_DATA_BYTES} bytes`));
  const type = obj.type;
  if (type === 'kubernetes.io/tls') {
    for (const key of ['tls.crt', 'tls.key']) {
      if (!has(obj.data, key) && !has(obj.stringData, key)) errs.push(required(`data[${key}]`));
    }
  }
  if (old !== undefined && (old.type ?? 'Opaque') !== (type ?? 'Opaque'))
    errs.push(invalid('type', type ?? null, 'field is immutable'));
  errs.push(...validateImmutableData(obj, old, ['data', 'stringData']));
  return errs;
}

export function validateConfigMap(obj: Obj, old: Obj | undefined): FieldError[] {
  const seen = new Set<string>();
  const data = validateDataMap('data', obj.data, false, seen);
  const binary = validateDataMap('binaryData', obj.binaryData, true, seen);
  const errs = [...data.errs, ...binary.errs];
  if (data.bytes + binary.bytes > MAX_DATA_BYTES)
    errs.push(tooLong('', `must have at most ${MAX_DATA_BYTES} bytes`));
  errs.push(...validateImmutableData(obj, old, ['data', 'binaryData']));
  return errs;
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function validateLease(obj: Obj): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {};
  const errs: FieldError[] = [];
  if (has(spec, 'holderIdentity') && typeof spec.holderIdentity !== 'string') {
    errs.push(invalid('spec.holderIdentity', spec.holderIdentity, 'must be a string'));
  }
  if (
    has(spec, 'leaseDurationSeconds') &&
    !(isInt(spec.leaseDurationSeconds) && spec.leaseDurationSeconds > 0)
  ) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (has(spec, 'leaseTransitions') && !(isInt(spec.leaseTransitions) && spec.leaseTransitions >= 0)) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  for (const key of ['acquireTime', 'renewTime']) {
    const v = spec[key];
    if (
      v !== undefined &&
      v !== null &&
      (typeof v !== 'string' || !MICRO_TIME.test(v) || Number.isNaN(Date.parse(v)))
    ) {
      errs.push(invalid(`spec.${key}`, v, 'must be an RFC 3339 time with optional fractional seconds'));
    }
  }
  return errs;
}
