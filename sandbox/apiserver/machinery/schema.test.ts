import { describe, expect, test } from 'vitest';
import type { JSONSchemaProps, ResourceDef } from '../resources.js';
import { formatFieldError } from './field-errors.js';
import { pruneAndValidateCustom } from './validation.js';

const poolSchema: JSONSchemaProps = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['blocks'],
      properties: {
        blocks: {
          type: 'array',
          minItems: 1,
          maxItems: 3,
          items: {
            type: 'object',
            properties: {
              cidr: { type: 'string', format: 'cidr' },
              start: { type: 'string', format: 'ipv4' },
              stop: { type: 'string', format: 'ipv6' },
            },
          },
        },
        disabled: { type: 'boolean', default: false },
        allowFirstLastIPs: { type: 'string', enum: ['Yes', 'No'], default: 'No' },
        serviceSelector: {
          type: 'object',
          properties: {
            matchLabels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
          },
        },
        priority: { type: 'integer', minimum: 0, maximum: 100 },
        weight: { type: 'number' },
        port: { 'x-kubernetes-int-or-string': true },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        note: { type: 'string', nullable: true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        peers: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['address'],
          items: { type: 'object', properties: { address: { type: 'string' }, asn: { type: 'integer' } } },
        },
        uid: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        mode: {
          anyOf: [{ type: 'integer' }, { type: 'string', enum: ['auto'] }],
          'x-kubernetes-int-or-string': true,
        },
        nested: {
          type: 'object',
          properties: {
            inner: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } },
          },
        },
      },
    },
    status: {
      type: 'object',
      properties: {
        conditions: {
          type: 'array',
          items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  },
};

const def: ResourceDef = {
  group: 'cilium.io',
  version: 'v2alpha1',
  resource: 'ciliumloadbalancerippools',
  singular: 'ciliumloadbalancerippool',
  kind: 'CiliumLoadBalancerIPPool',
  listKind: 'CiliumLoadBalancerIPPoolList',
  namespaced: false,
  shortNames: ['ippools'],
  categories: [],
  statusSubresource: true,
  verbs: [],
  builtin: false,
  schema: poolSchema,
};

const base = {
  apiVersion: 'cilium.io/v2alpha1',
  kind: 'CiliumLoadBalancerIPPool',
  metadata: { name: 'p', labels: { a: 'b' }, unknownMetaField: 1 },
};

function run(spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = pruneAndValidateCustom(def, {
    ...base,
    spec: { blocks: [{ cidr: '10.0.0.0/24' }], ...spec },
    ...extra,
  });
  return {
    object: r.object as { spec: Record<string, unknown> } & Record<string, unknown>,
    errors: r.errors.map(formatFieldError),
  };
}

describe('pruning and defaulting', () => {
  test('unknown fields are pruned, apiVersion/kind/metadata kept, defaults applied', () => {
    const r = run({ unknown: 1, blocks: [{ cidr: '10.0.0.0/24', junk: true }] }, { topLevelJunk: 'x' });
    expect(r.errors).toEqual([]);
    expect(r.object).toEqual({
      ...base,
      spec: { blocks: [{ cidr: '10.0.0.0/24' }], disabled: false, allowFirstLastIPs: 'No' },
    });
  });

  test('defaults do not override given values; nested defaults apply inside given objects', () => {
    const r = run({ disabled: true, nested: { inner: {} } });
    expect(r.object.spec).toMatchObject({ disabled: true, nested: { inner: { level: 3 } } });
    // A defaulted object gets its own fields' defaults too.
    expect(run({ nested: {} }).object.spec.nested).toEqual({ inner: { level: 3 } });
  });

  test('preserve-unknown-fields and additionalProperties keep what they cover', () => {
    const r = run({
      extra: { anything: { goes: [1] } },
      serviceSelector: { matchLabels: { x: 'y' }, other: 1 },
    });
    expect(r.object.spec.extra).toEqual({ anything: { goes: [1] } });
    expect(r.object.spec.serviceSelector).toEqual({ matchLabels: { x: 'y' } });
    const withStatus = run({}, { status: { conditions: [{ type: 'Ready', whatever: true }] } });
    expect(withStatus.object.status).toEqual({ conditions: [{ type: 'Ready', whatever: true }] });
  });

  test('nulls are pruned where not nullable (then defaulted) and kept where nullable', () => {
    const r = run({ disabled: null, note: null, priority: null });
    expect(r.errors).toEqual([]);
    expect(r.object.spec.disabled).toBe(false);
    expect(r.object.spec.note).toBeNull();
    expect('priority' in r.object.spec).toBe(false);
  });

  test('the input is not mutated', () => {
    const input = { ...base, spec: { blocks: [{ cidr: '10.0.0.0/24', junk: 1 }] } };
    pruneAndValidateCustom(def, input);
    expect(input.spec.blocks[0]).toEqual({ cidr: '10.0.0.0/24', junk: 1 });
  });

  test('without a schema the object passes as is', () => {
    const { schema: _schema, ...noSchema } = def;
    const obj = { ...base, spec: { anything: 1 } };
    expect(pruneAndValidateCustom(noSchema, obj)).toEqual({ object: obj, errors: [] });
  });
});

describe('validation', () => {
  test.each([
    [{ blocks: undefined }, 'spec.blocks: Required value'],
    [{ blocks: [] }, 'spec.blocks: Invalid value: 0: spec.blocks in body should have at least 1 items'],
    [{ blocks: [{}, {}, {}, {}] }, 'spec.blocks: Too many: 4: must have at most 3 items'],
    [
      { blocks: [{ cidr: '10.0.0.0/33' }] },
      'spec.blocks[0].cidr: Invalid value: "10.0.0.0/33": spec.blocks[0].cidr in body must be of type cidr: "10.0.0.0/33"',
    ],
    [
      { blocks: [{ start: '10.0.0.256' }] },
      'spec.blocks[0].start: Invalid value: "10.0.0.256": spec.blocks[0].start in body must be of type ipv4',
    ],
    [
      { blocks: [{ stop: '10.0.0.1' }] },
      'spec.blocks[0].stop: Invalid value: "10.0.0.1": spec.blocks[0].stop in body must be of type ipv6',
    ],
    [
      { blocks: 'x' },
      'spec.blocks: Invalid value: "string": spec.blocks in body must be of type array: "string"',
    ],
    [
      { blocks: [null] },
      'spec.blocks[0]: Invalid value: null: spec.blocks[0] in body must be of type object: "null"',
    ],
    [
      { disabled: 'yes' },
      'spec.disabled: Invalid value: "string": spec.disabled in body must be of type boolean: "string"',
    ],
    [
      { allowFirstLastIPs: 'Maybe' },
      'spec.allowFirstLastIPs: Unsupported value: "Maybe": supported values: "Yes", "No"',
    ],
    [
      { priority: 1.5 },
      'spec.priority: Invalid value: "number": spec.priority in body must be of type integer: "number"',
    ],
    [
      { priority: -1 },
      'spec.priority: Invalid value: -1: spec.priority in body should be greater than or equal to 0',
    ],
    [
      { priority: 101 },
      'spec.priority: Invalid value: 101: spec.priority in body should be less than or equal to 100',
    ],
    [{ weight: 'heavy' }, 'spec.weight: Invalid value: "string": spec.weight in body must be of type number'],
    [
      { port: true },
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    ],
    [{ port: 1.5 }, 'spec.port: Invalid value: "number": spec.port in body must be of type integer,string'],
    [{ name: 'a' }, 'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'],
    [{ name: 'abcdef' }, 'spec.name: Too long: may not be more than 5 bytes'],
    [{ name: 'AB' }, 'spec.name: Invalid value: "AB": spec.name in body should match \'^[a-z]+$\''],
    [
      { serviceSelector: { matchLabels: { k: 'v'.repeat(64) } } },
      'spec.serviceSelector.matchLabels[k]: Too long: may not be more than 63 bytes',
    ],
    [
      { serviceSelector: { matchLabels: { k: 1 } } },
      'spec.serviceSelector.matchLabels[k]: Invalid value: "integer"',
    ],
    [{ tags: ['a', 'b', 'a'] }, 'spec.tags[2]: Duplicate value: "a"'],
    [
      {
        peers: [
          { address: '1.1.1.1', asn: 1 },
          { address: '1.1.1.1', asn: 2 },
        ],
      },
      'spec.peers[1]: Duplicate value: ["1.1.1.1"]',
    ],
    [{ uid: 'not-a-uuid' }, 'spec.uid: Invalid value: "not-a-uuid": spec.uid in body must be of type uuid'],
    [
      { when: '2024-13-45' },
      'spec.when: Invalid value: "2024-13-45": spec.when in body must be of type date-time',
    ],
    [
      { mode: 'manual' },
      'spec.mode: Invalid value: "manual": spec.mode in body must match at least one schema (anyOf)',
    ],
  ])('%j → %s', (spec, expected) => {
    const errs = run(spec as Record<string, unknown>).errors;
    expect(
      errs.some((e) => e.startsWith(expected)),
      errs.join('\n'),
    ).toBe(true);
  });

  test.each([
    { port: 8080 },
    { port: 'http' },
    { mode: 'auto' },
    { mode: 3 },
    { weight: 1 },
    { weight: 0.5 },
    { when: '2024-01-02T03:04:05Z' },
    { uid: '123e4567-e89b-12d3-a456-426614174000' },
    { tags: ['a', 'b'] },
    { blocks: [{ cidr: 'fd00::/64' }, { start: '10.0.0.1', stop: 'fd00::1' }] },
  ])('%j is valid', (spec) => {
    expect(run(spec).errors).toEqual([]);
  });

  test('a missing required top-level field is reported at its path', () => {
    const r = pruneAndValidateCustom(def, base);
    expect(r.errors.map(formatFieldError)).toEqual(['spec: Required value']);
  });

  test('a non-object body is refused', () => {
    expect(pruneAndValidateCustom(def, [1]).errors.map(formatFieldError)).toEqual([
      'Invalid value: [1]: must be a JSON object',
    ]);
  });

  test('an uncompilable pattern refuses values instead of throwing', () => {
    const bad: ResourceDef = {
      ...def,
      schema: {
        type: 'object',
        properties: { spec: { type: 'object', properties: { s: { type: 'string', pattern: '(' } } } },
      },
    };
    expect(pruneAndValidateCustom(bad, { ...base, spec: { s: 'x' } }).errors).toHaveLength(1);
  });
});
