import { describe, expect, test } from 'vitest';
import { decodeProtobufObject } from './protobuf.js';
import { encodeBytesField as bytes, encodeVarintField as varint, readMessage } from './wire.js';

const MAGIC = Buffer.from('k8s\0', 'binary');

function envelope(apiVersion: string, kind: string, raw: Buffer, extra: Buffer[] = []): Buffer {
  const typeMeta = Buffer.concat([bytes(1, apiVersion), bytes(2, kind)]);
  return Buffer.concat([MAGIC, bytes(1, typeMeta), bytes(2, raw), ...extra]);
}

const entry = (k: string, v: string | Buffer): Buffer => Buffer.concat([bytes(1, k), bytes(2, v)]);

/** Bytes captured from `/usr/bin/kubectl` v1.32 (see test/kubectl/recorder.test.ts). */
const CAPTURED = {
  namespace:
    '6b3873000a0f0a02763112094e616d657370616365121e0a160a067465616d2d6112001a0022002a0032003800420012001a020a001a002200',
  configmap:
    '6b3873000a0f0a0276311209436f6e6669674d617012250a130a03636d3112001a0022002a0032003800420012060a016112016212060a01631201641a002200',
  secret:
    '6b3873000a0c0a027631120653656372657412250a120a02733112001a0022002a00320038004200120d0a0475736572120561646d696e1a001a002200',
  serviceClusterIP:
    '6b3873000a0d0a02763112075365727669636512690a1f0a0377656212001a0022002a003200380042005a0a0a03617070120377656212420a1b0a0738302d38303830120354435018502207080010903f1a002800120a0a0361707012037765621a002209436c757374657249503a00420052005a00600068001a020a001a002200',
  serviceLoadBalancer:
    '6b3873000a0d0a02763112075365727669636512700a1d0a026c6212001a0022002a003200380042005a090a0361707012026c62124b0a220a093434332d6874747073120354435018bb03220b080110001a056874747073280012090a0361707012026c621a00220c4c6f616442616c616e6365723a00420052005a00600068001a020a001a002200',
};
const captured = (name: keyof typeof CAPTURED): Buffer => Buffer.from(CAPTURED[name], 'hex');

describe('bytes the real kubectl sends', () => {
  test('create namespace', () => {
    expect(decodeProtobufObject(captured('namespace'))).toEqual({
      ok: true,
      value: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'team-a' }, spec: {}, status: {} },
    });
  });
  test('create configmap --from-literal', () => {
    expect(decodeProtobufObject(captured('configmap'))).toEqual({
      ok: true,
      value: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm1' }, data: { a: 'b', c: 'd' } },
    });
  });
  test('create secret generic: data bytes become base64', () => {
    expect(decodeProtobufObject(captured('secret'))).toEqual({
      ok: true,
      value: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's1' }, data: { user: 'YWRtaW4=' } },
    });
  });
  test('create service clusterip web --tcp=80:8080', () => {
    expect(decodeProtobufObject(captured('serviceClusterIP'))).toEqual({
      ok: true,
      value: {
        kind: 'Service',
        apiVersion: 'v1',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
          selector: { app: 'web' },
          type: 'ClusterIP',
        },
        status: { loadBalancer: {} },
      },
    });
  });
  test('create service loadbalancer lb --tcp=443:https: a named target port', () => {
    const r = decodeProtobufObject(captured('serviceLoadBalancer'));
    expect(r).toMatchObject({
      ok: true,
      value: { spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }] } },
    });
  });
});

describe('hand-built encodings', () => {
  test('full ObjectMeta: namespace, generateName, labels, annotations, finalizers, ownerReferences, time', () => {
    const owner = Buffer.concat([
      bytes(1, 'Service'),
      bytes(3, 'web'),
      bytes(4, 'u-1'),
      bytes(5, 'v1'),
      varint(6, true),
    ]);
    const created = Buffer.concat([varint(1, 1_700_000_000), varint(2, 0)]);
    const meta = Buffer.concat([
      bytes(1, 'cfg'),
      bytes(2, 'cfg-'),
      bytes(3, 'team-a'),
      varint(7, 3),
      bytes(8, created),
      bytes(11, entry('app', 'web')),
      bytes(11, entry('tier', 'front')),
      bytes(12, entry('note', 'a b')),
      bytes(13, owner),
      bytes(14, 'example.com/keep'),
      bytes(99, 'ignored unknown field'),
    ]);
    const raw = Buffer.concat([
      bytes(1, meta),
      bytes(3, entry('bin', Buffer.from([0, 1, 2]))),
      varint(4, false),
    ]);
    expect(decodeProtobufObject(envelope('v1', 'ConfigMap', raw))).toEqual({
      ok: true,
      value: {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: {
          name: 'cfg',
          generateName: 'cfg-',
          namespace: 'team-a',
          generation: 3,
          creationTimestamp: '2023-11-14T22:13:20Z',
          labels: { app: 'web', tier: 'front' },
          annotations: { note: 'a b' },
          ownerReferences: [{ kind: 'Service', name: 'web', uid: 'u-1', apiVersion: 'v1', controller: true }],
          finalizers: ['example.com/keep'],
        },
        binaryData: { bin: 'AAEC' },
        immutable: false,
      },
    });
  });
  test('Secret type and stringData', () => {
    const raw = Buffer.concat([
      bytes(1, bytes(1, 's')),
      bytes(3, 'kubernetes.io/tls'),
      bytes(4, entry('k', 'v')),
    ]);
    expect(decodeProtobufObject(envelope('v1', 'Secret', raw))).toMatchObject({
      ok: true,
      value: { type: 'kubernetes.io/tls', stringData: { k: 'v' } },
    });
  });
  test('negative int32 (ten-byte varint) decodes as negative', () => {
    const port = Buffer.concat([varint(3, -1n)]);
    const spec = bytes(1, port);
    const raw = Buffer.concat([bytes(1, bytes(1, 'x')), bytes(2, spec)]);
    expect(decodeProtobufObject(envelope('v1', 'Service', raw))).toMatchObject({
      ok: true,
      value: { spec: { ports: [{ port: -1 }] } },
    });
  });
});

describe('bad input is an error, never a crash', () => {
  test('missing magic', () => {
    expect(decodeProtobufObject(Buffer.from('{"kind":"Namespace"}'))).toMatchObject({ ok: false });
  });
  test('unknown kind names the kind', () => {
    const r = decodeProtobufObject(envelope('v1', 'ServiceAccount', bytes(1, bytes(1, 'sa'))));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('Kind=ServiceAccount is not supported');
  });
  test('truncated body', () => {
    const full = captured('serviceClusterIP');
    for (const cut of [5, 20, 40, full.length - 3]) {
      const r = decodeProtobufObject(full.subarray(0, cut));
      expect(r.ok, `cut at ${cut}`).toBe(false);
    }
  });
  test('wrong wire type for a known field', () => {
    const raw = Buffer.concat([varint(1, 5)]);
    const r = decodeProtobufObject(envelope('v1', 'Namespace', raw));
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.error).toContain('Namespace.metadata');
  });
  test('content encoding is refused', () => {
    const r = decodeProtobufObject(envelope('v1', 'Namespace', Buffer.alloc(0), [bytes(3, 'gzip')]));
    expect(r).toMatchObject({ ok: false });
  });
});

test('wire reader: varint over 10 bytes and unsupported wire types fail', () => {
  expect(readMessage(Buffer.from([0x08, ...new Array<number>(11).fill(0xff)])).ok).toBe(false);
  expect(readMessage(Buffer.from([0x0b])).ok).toBe(false);
  expect(readMessage(Buffer.from([0x08, 0x96, 0x01]))).toEqual({
    ok: true,
    value: [{ field: 1, wire: 'varint', value: 150n }],
  });
});
