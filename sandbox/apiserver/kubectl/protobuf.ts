/**
 * Decodes the protobuf bodies kubectl's typed `create` subcommands send
 * (`Content-Type: application/vnd.kubernetes.protobuf`) into the JSON objects the rest of the
 * server works with. Envelope: `k8s\0` + runtime.Unknown{1 typeMeta{1 apiVersion, 2 kind},
 * 2 raw, 3 contentEncoding, 4 contentType}; `raw` is the object in its generated.proto layout.
 *
 * Go's generated marshallers write non-pointer fields even when empty, so zero values are dropped
 * (as `omitempty` does in JSON) unless the field is a pointer in Go (`keepZero`).
 */
import { fail, ok, type Result } from '../../../lib/result.js';
import { readMessage, type WireField } from './wire.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Scalar = 'string' | 'bytes' | 'int' | 'bool';
type FieldSpec =
  | { readonly name: string; readonly type: Scalar; readonly repeated?: boolean; readonly keepZero?: boolean }
  | {
      readonly name: string;
      readonly type: 'message';
      readonly of: MessageSpec;
      readonly repeated?: boolean;
      readonly keepEmpty?: boolean;
    }
  | { readonly name: string; readonly type: 'map'; readonly value: 'string' | 'bytes' }
  | { readonly name: string; readonly type: 'time' }
  | { readonly name: string; readonly type: 'intOrString' };
type MessageSpec = Readonly<Record<number, FieldSpec>>;

const TYPE_META: MessageSpec = {
  1: { name: 'apiVersion', type: 'string' },
  2: { name: 'kind', type: 'string' },
};

const OWNER_REFERENCE: MessageSpec = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool', keepZero: true },
  7: { name: 'blockOwnerDeletion', type: 'bool', keepZero: true },
};

const OBJECT_META: MessageSpec = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int', keepZero: true },
  11: { name: 'labels', type: 'map', value: 'string' },
  12: { name: 'annotations', type: 'map', value: 'string' },
  13: { name: 'ownerReferences', type: 'message', of: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const SERVICE_PORT: MessageSpec = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string', keepZero: true },
};

const SERVICE_SPEC: MessageSpec = {
  1: { name: 'ports', type: 'message', of: SERVICE_PORT, repeated: true },
  2: { name: 'selector', type: 'map', value: 'string' },
  3: { name: 'clusterIP', type: 'string' },
  4: { name: 'type', type: 'string' },
  5: { name: 'externalIPs', type: 'string', repeated: true },
  7: { name: 'sessionAffinity', type: 'string' },
  8: { name: 'loadBalancerIP', type: 'string' },
  9: { name: 'loadBalancerSourceRanges', type: 'string', repeated: true },
  10: { name: 'externalName', type: 'string' },
  11: { name: 'externalTrafficPolicy', type: 'string' },
  12: { name: 'healthCheckNodePort', type: 'int' },
  13: { name: 'publishNotReadyAddresses', type: 'bool' },
  17: { name: 'ipFamilyPolicy', type: 'string', keepZero: true },
  18: { name: 'clusterIPs', type: 'string', repeated: true },
  19: { name: 'ipFamilies', type: 'string', repeated: true },
  20: { name: 'allocateLoadBalancerNodePorts', type: 'bool', keepZero: true },
  21: { name: 'loadBalancerClass', type: 'string', keepZero: true },
  22: { name: 'internalTrafficPolicy', type: 'string', keepZero: true },
  23: { name: 'trafficDistribution', type: 'string', keepZero: true },
};

const LB_INGRESS: MessageSpec = {
  1: { name: 'ip', type: 'string' },
  2: { name: 'hostname', type: 'string' },
};
const SERVICE_STATUS: MessageSpec = {
  1: {
    name: 'loadBalancer',
    type: 'message',
    of: { 1: { name: 'ingress', type: 'message', of: LB_INGRESS, repeated: true } },
    keepEmpty: true,
  },
};

const metadata: FieldSpec = { name: 'metadata', type: 'message', of: OBJECT_META, keepEmpty: true };

/** Kinds kubectl's typed `create` subcommands send, by `apiVersion/kind`. */
const KINDS: Readonly<Record<string, MessageSpec>> = {
  'v1/Namespace': {
    1: metadata,
    2: {
      name: 'spec',
      type: 'message',
      of: { 1: { name: 'finalizers', type: 'string', repeated: true } },
      keepEmpty: true,
    },
    3: { name: 'status', type: 'message', of: { 1: { name: 'phase', type: 'string' } }, keepEmpty: true },
  },
  'v1/ConfigMap': {
    1: metadata,
    2: { name: 'data', type: 'map', value: 'string' },
    3: { name: 'binaryData', type: 'map', value: 'bytes' },
    4: { name: 'immutable', type: 'bool', keepZero: true },
  },
  'v1/Secret': {
    1: metadata,
    2: { name: 'data', type: 'map', value: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map', value: 'string' },
    5: { name: 'immutable', type: 'bool', keepZero: true },
  },
  'v1/Service': {
    1: metadata,
    2: { name: 'spec', type: 'message', of: SERVICE_SPEC, keepEmpty: true },
    3: { name: 'status', type: 'message', of: SERVICE_STATUS, keepEmpty: true },
  },
};

export function protobufKinds(): readonly string[] {
  return Object.keys(KINDS);
}

type Json = string | number | boolean | Json[] | { [k: string]: Json };

function varintOf(f: WireField, where: string): Result<bigint> {
  return f.wire === 'varint' ? ok(f.value) : fail(`${where}: expected a varint, got ${f.wire}`);
}

function bytesOf(f: WireField, where: string): Result<Buffer> {
  return f.wire === 'bytes' ? ok(f.value) : fail(`${where}: expected length-delimited bytes, got ${f.wire}`);
}

function scalar(f: WireField, type: Scalar, where: string): Result<string | number | boolean> {
  if (type === 'string' || type === 'bytes') {
    const b = bytesOf(f, where);
    if (!b.ok) return b;
    return ok(type === 'string' ? b.value.toString('utf8') : b.value.toString('base64'));
  }
  const v = varintOf(f, where);
  if (!v.ok) return v;
  return ok(type === 'bool' ? v.value !== 0n : Number(BigInt.asIntN(64, v.value)));
}

function mapEntry(f: WireField, value: 'string' | 'bytes', where: string): Result<[string, string]> {
  const b = bytesOf(f, where);
  if (!b.ok) return b;
  const entry = decodeMessage(
    b.value,
    { 1: { name: 'k', type: 'string' }, 2: { name: 'v', type: value } },
    where,
  );
  if (!entry.ok) return entry;
  const k = entry.value.k;
  const v = entry.value.v;
  return ok([typeof k === 'string' ? k : '', typeof v === 'string' ? v : '']);
}

function time(f: WireField, where: string): Result<string | undefined> {
  const b = bytesOf(f, where);
  if (!b.ok) return b;
  const t = decodeMessage(b.value, { 1: { name: 's', type: 'int' }, 2: { name: 'n', type: 'int' } }, where);
  if (!t.ok) return t;
  const seconds = typeof t.value.s === 'number' ? t.value.s : 0;
  if (seconds === 0) return ok(undefined);
  return ok(new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

function intOrString(f: WireField, where: string): Result<string | number> {
  const b = bytesOf(f, where);
  if (!b.ok) return b;
  const spec: MessageSpec = {
    1: { name: 'type', type: 'int' },
    2: { name: 'intVal', type: 'int' },
    3: { name: 'strVal', type: 'string' },
  };
  const v = decodeMessage(b.value, spec, where);
  if (!v.ok) return v;
  if (v.value.type === 1) return ok(typeof v.value.strVal === 'string' ? v.value.strVal : '');
  return ok(typeof v.value.intVal === 'number' ? v.value.intVal : 0);
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/** Applies one wire field to `out` according to its spec. */
function applyField(out: Record<string, Json>, f: WireField, spec: FieldSpec, where: string): Result<true> {
  const at = `${where}.${spec.name}`;
  switch (spec.type) {
    case 'message': {
      const b = bytesOf(f, at);
      if (!b.ok) return b;
      const m = decodeMessage(b.value, spec.of, at);
      if (!m.ok) return m;
      if (spec.repeated) out[spec.name] = [...((out[spec.name] as Json[] | undefined) ?? []), m.value];
      else if (spec.keepEmpty || Object.keys(m.value).length > 0) out[spec.name] = m.value;
      return ok(true);
    }
    case 'map': {
      const e = mapEntry(f, spec.value, at);
      if (!e.ok) return e;
      const current = (out[spec.name] as Record<string, Json> | undefined) ?? {};
      out[spec.name] = { ...current, [e.value[0]]: e.value[1] };
      return ok(true);
    }
    case 'time': {
      const t = time(f, at);
      if (!t.ok) return t;
      if (t.value !== undefined) out[spec.name] = t.value;
      return ok(true);
    }
    case 'intOrString': {
      const v = intOrString(f, at);
      if (!v.ok) return v;
      if (!isZero(v.value)) out[spec.name] = v.value;
      return ok(true);
    }
    default: {
      const v = scalar(f, spec.type, at);
      if (!v.ok) return v;
      if (spec.repeated) out[spec.name] = [...((out[spec.name] as Json[] | undefined) ?? []), v.value];
      else if (spec.keepZero || !isZero(v.value)) out[spec.name] = v.value;
      return ok(true);
    }
  }
}

/** Decodes one message; fields the spec does not know are skipped, as protobuf readers do. */
function decodeMessage(buf: Buffer, spec: MessageSpec, where: string): Result<Record<string, Json>> {
  const fields = readMessage(buf);
  if (!fields.ok) return fail(`${where}: ${fields.error}`);
  const out: Record<string, Json> = {};
  for (const f of fields.value) {
    const fieldSpec = spec[f.field];
    if (!fieldSpec) continue;
    const applied = applyField(out, f, fieldSpec, where);
    if (!applied.ok) return applied;
  }
  return ok(out);
}

interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Buffer;
  readonly contentEncoding: string;
}

function decodeEnvelope(body: Buffer): Result<Envelope> {
  const fields = readMessage(body);
  if (!fields.ok) return fail(`runtime.Unknown: ${fields.error}`);
  let typeMeta: Record<string, Json> = {};
  let raw: Buffer = Buffer.alloc(0);
  let contentEncoding = '';
  for (const f of fields.value) {
    if (f.wire !== 'bytes') continue;
    if (f.field === 1) {
      const tm = decodeMessage(f.value, TYPE_META, 'typeMeta');
      if (!tm.ok) return tm;
      typeMeta = tm.value;
    } else if (f.field === 2) raw = f.value;
    else if (f.field === 3) contentEncoding = f.value.toString('utf8');
  }
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  return ok({ apiVersion, kind, raw, contentEncoding });
}

/** A protobuf request body as a JSON object with apiVersion and kind; errors say what was wrong. */
export function decodeProtobufObject(buf: Buffer): Result<object, string> {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    return fail('protobuf body does not start with the Kubernetes magic prefix "k8s\\0"');
  }
  const envelope = decodeEnvelope(buf.subarray(MAGIC.length));
  if (!envelope.ok) return envelope;
  const { apiVersion, kind, raw, contentEncoding } = envelope.value;
  if (!apiVersion || !kind) return fail('protobuf body has no apiVersion/kind in runtime.Unknown.typeMeta');
  if (contentEncoding)
    return fail(`protobuf body with contentEncoding "${contentEncoding}" is not supported`);
  const spec = KINDS[`${apiVersion}/${kind}`];
  if (!spec) {
    return fail(
      `protobuf encoding of ${apiVersion}, Kind=${kind} is not supported by this server; ` +
        `send application/json (protobuf is decoded for ${protobufKinds().join(', ')})`,
    );
  }
  const object = decodeMessage(raw, spec, kind);
  if (!object.ok) return object;
  return ok({ kind, apiVersion, ...object.value });
}
