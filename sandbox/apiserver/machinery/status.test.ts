import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES } from '../resources.js';
import type { ResourceDef } from '../resources.js';
import { invalid as invalidField, required } from './field-errors.js';
import {
  MODIFIED_CONFLICT_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  internalError,
  invalid,
  methodNotAllowed,
  notFound,
  statusError,
  statusSuccess,
  tooLarge,
  unauthorized,
  unsupportedMediaType,
} from './status.js';

function def(kind: string): ResourceDef {
  const d = BUILTIN_RESOURCES.find((r) => r.kind === kind);
  if (d === undefined) throw new Error(`no builtin ${kind}`);
  return d;
}

describe('statusError', () => {
  test('is a metav1.Status failure', () => {
    expect(statusError(418, 'Teapot', 'short and stout')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'short and stout',
      reason: 'Teapot',
      code: 418,
    });
  });
  test('carries details when given', () => {
    expect(statusError(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 3 }).details).toEqual({
      retryAfterSeconds: 3,
    });
  });
});

describe('named builders', () => {
  test.each([
    [
      notFound(def('Service'), 'web'),
      404,
      'NotFound',
      'services "web" not found',
      { name: 'web', group: '', kind: 'services' },
    ],
    [
      notFound(def('Lease'), 'leader'),
      404,
      'NotFound',
      'leases.coordination.k8s.io "leader" not found',
      { name: 'leader', group: 'coordination.k8s.io', kind: 'leases' },
    ],
    [
      alreadyExists(def('Namespace'), 'a'),
      409,
      'AlreadyExists',
      'namespaces "a" already exists',
      { name: 'a', group: '', kind: 'namespaces' },
    ],
    [
      conflict(def('Service'), 'web', MODIFIED_CONFLICT_MESSAGE),
      409,
      'Conflict',
      'Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes to the latest version and try again',
      { name: 'web', group: '', kind: 'services' },
    ],
    [badRequest('bad'), 400, 'BadRequest', 'bad', undefined],
    [unauthorized(), 401, 'Unauthorized', 'Unauthorized', undefined],
    [
      methodNotAllowed(),
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
      undefined,
    ],
    [
      unsupportedMediaType('application/strategic-merge-patch+json'),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      undefined,
    ],
    [gone('too old resource version: 1 (5)'), 410, 'Expired', 'too old resource version: 1 (5)', undefined],
    [tooLarge(), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728', undefined],
    [internalError('boom'), 500, 'InternalError', 'Internal error occurred: boom', undefined],
  ])('%#: code %i reason %s', (status, code, reason, message, details) => {
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason,
      message,
    });
    expect(status.details).toEqual(details);
  });
});

describe('invalid', () => {
  test('one error is printed inline', () => {
    const s = invalid(def('Service'), 'web', [
      invalidField('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive'),
    ]);
    expect(s.code).toBe(422);
    expect(s.reason).toBe('Invalid');
    expect(s.message).toBe(
      'Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    );
    expect(s.details).toEqual({
      name: 'web',
      group: '',
      kind: 'Service',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: must be between 1 and 65535, inclusive',
          field: 'spec.ports[0].port',
        },
      ],
    });
  });

  test('several errors are listed in brackets, grouped kinds are qualified', () => {
    const s = invalid(def('CustomResourceDefinition'), 'x', [
      required('spec.group'),
      required('spec.names.plural'),
    ]);
    expect(s.message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "x" is invalid: [spec.group: Required value, spec.names.plural: Required value]',
    );
    expect(s.details?.group).toBe('apiextensions.k8s.io');
    expect(s.details?.causes).toHaveLength(2);
  });
});

describe('statusSuccess', () => {
  test('describes the deleted object', () => {
    expect(statusSuccess(def('ConfigMap'), 'cfg', 'u-1')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'cfg', group: '', kind: 'configmaps', uid: 'u-1' },
      code: 200,
    });
    expect(statusSuccess(def('EndpointSlice'), 'e').details).toEqual({
      name: 'e',
      group: 'discovery.k8s.io',
      kind: 'endpointslices',
    });
  });
});
