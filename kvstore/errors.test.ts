import { expect, test } from 'vitest';
import { classifyError } from './errors.js';

test.each([
  [{ type: 'EtcdPermissionDeniedError', message: 'etcdserver: permission denied' }, 'permission_denied', false],
  [{ type: 'GRPCUnavailableError', message: '14 UNAVAILABLE: No connection established' }, 'unavailable', true],
  [{ type: 'BrokenCircuitError', message: 'Execution prevented because the circuit breaker is open' }, 'unavailable', true],
  [{ type: 'GRPCOutOfRangeError', message: '11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted' }, 'compacted', false],
  [{ type: 'GRPCUnauthenticatedError', message: '16 UNAUTHENTICATED: bad' }, 'unauthenticated', false],
  [{ type: 'EtcdError', message: 'etcdserver: too many operations in txn request' }, 'invalid', false],
  [{ type: 'EtcdLeaseInvalidError', message: 'etcdserver: requested lease not found' }, 'lease_lost', false],
  [{ type: 'Error', message: 'something odd', code: 14 }, 'unavailable', true],
  [{ type: 'ClientClosedError', message: 'Tried to call a Watch method on etcd3 after it was closed' }, 'unavailable', false],
  [{ type: 'Error', message: 'something odd' }, 'unknown', false],
  [
    { type: 'GRPCUnavailableError', message: '14 UNAVAILABLE: No connection established. Last error: SSL routines:ssl3_read_bytes:sslv3 alert bad certificate' },
    'unauthenticated',
    false,
  ],
])('%o → %s', (raw, kind, retry) => {
  const c = classifyError(raw);
  expect(c.error.kind).toBe(kind);
  expect(c.retry).toBe(retry);
  expect(c.error.message).toBe(raw.message);
});
