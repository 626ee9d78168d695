import { expect, test } from 'vitest';
import { errorFromNetwork, errorFromStatus, errorFromThrown, isRetryable } from './errors.js';
import { collectionPath, objectPath } from './resource.js';

test('HTTP statuses map to typed errors with the server message', () => {
  const status = (code: number, reason?: string) => errorFromStatus(code, { kind: 'Status', code, reason, message: `m${code}` });
  expect(status(404, 'NotFound')).toEqual({ kind: 'not_found', status: 404, reason: 'NotFound', message: 'm404' });
  expect(status(409, 'AlreadyExists').kind).toBe('already_exists');
  expect(status(409, 'Conflict').kind).toBe('conflict');
  expect(status(422, 'Invalid').kind).toBe('invalid');
  expect(status(403, 'Forbidden').kind).toBe('forbidden');
  expect(status(401).kind).toBe('unauthorized');
  expect(status(415).kind).toBe('unsupported_media_type');
  expect(status(410, 'Expired').kind).toBe('gone');
  expect(status(503).kind).toBe('unavailable');
  expect(status(429).kind).toBe('unavailable');
  expect(errorFromStatus(502, 'Bad gateway from proxy').message).toBe('Bad gateway from proxy');
});

test('only unavailability and conflicts are retryable', () => {
  expect(isRetryable(errorFromStatus(503, {}))).toBe(true);
  expect(isRetryable(errorFromStatus(409, { reason: 'Conflict' }))).toBe(true);
  expect(isRetryable(errorFromStatus(409, { reason: 'AlreadyExists' }))).toBe(false);
  expect(isRetryable(errorFromStatus(422, {}))).toBe(false);
  expect(isRetryable(errorFromNetwork(new Error('ECONNREFUSED')))).toBe(true);
});

test("client-node's ApiException shape (code + JSON string body) is understood", () => {
  const thrown = Object.assign(new Error('HTTP-Code: 404'), { code: 404, body: '{"reason":"NotFound","message":"leases \\"x\\" not found"}' });
  expect(errorFromThrown(thrown)).toEqual({ kind: 'not_found', status: 404, reason: 'NotFound', message: 'leases "x" not found' });
  expect(errorFromThrown(new Error('socket hang up'))).toMatchObject({ kind: 'unavailable', status: 0 });
});

test('paths for core, grouped, namespaced and cluster-scoped resources', () => {
  expect(collectionPath({ group: '', version: 'v1', resource: 'nodes' })).toBe('/api/v1/nodes');
  expect(collectionPath({ group: '', version: 'v1', resource: 'pods', namespace: 'kube-system' })).toBe('/api/v1/namespaces/kube-system/pods');
  expect(objectPath({ group: 'cilium.io', version: 'v2', resource: 'ciliumidentities', name: '65536' })).toBe('/apis/cilium.io/v2/ciliumidentities/65536');
  expect(objectPath({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'ns', name: 'l' }, 'status')).toBe(
    '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l/status',
  );
});
