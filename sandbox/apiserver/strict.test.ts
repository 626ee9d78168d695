import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES, type ResourceDef } from './resources.js';
import { parseFieldValidation, strictDecodingMessage, unknownFieldPaths } from './strict.js';

const configMaps = BUILTIN_RESOURCES.find((d) => d.resource === 'configmaps')!;
const pool: ResourceDef = {
  ...configMaps,
  group: 'cilium.io',
  version: 'v2',
  resource: 'pools',
  kind: 'Pool',
  builtin: false,
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          blocks: { type: 'array', items: { type: 'object', properties: { cidr: { type: 'string' } } } },
          selector: { type: 'object', additionalProperties: { type: 'string' } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  },
};

describe('unknownFieldPaths', () => {
  test('custom resources: nested unknown fields by path, known ones and maps pass', () => {
    const obj = {
      apiVersion: 'cilium.io/v2',
      kind: 'Pool',
      metadata: { name: 'p', labels: { a: 'b' } },
      spec: {
        blocks: [{ cidr: '10.0.0.0/24', bogus: 1 }],
        selector: { any: 'x' },
        free: { x: 1 },
        extra: true,
      },
      top: 1,
    };
    expect(unknownFieldPaths(pool, obj)).toEqual(['spec.blocks[0].bogus', 'spec.extra', 'top']);
  });

  test('built-in kinds: unknown top-level and metadata fields', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', nmae: 'typo' },
      data: {},
      bogus: 1,
    };
    expect(unknownFieldPaths(configMaps, obj)).toEqual(['metadata.nmae', 'bogus']);
  });

  test('a clean object has none', () => {
    expect(
      unknownFieldPaths(configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        data: { a: 'b' },
      }),
    ).toEqual([]);
  });
});

describe('parseFieldValidation', () => {
  test('modes, default and bad values', () => {
    expect(parseFieldValidation(null)).toBe('Warn');
    expect(parseFieldValidation('Strict')).toBe('Strict');
    expect(parseFieldValidation('strict')).toEqual({
      error: expect.stringContaining('Strict, Warn or Ignore'),
    });
  });
  test('message wording matches Kubernetes', () => {
    expect(strictDecodingMessage(['spec.bogus', 'x'])).toBe(
      'strict decoding error: unknown field "spec.bogus", unknown field "x"',
    );
  });
});
