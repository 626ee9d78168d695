/**
 * Pure: turns what the etcd client library throws (a typed error class, a gRPC status code, an
 * etcd server message) into the project's KvError kinds, and says whether retrying can help.
 */
import type { KvError, KvErrorKind } from './types.js';

export interface RawError {
  /** Constructor name of the thrown error (etcd3 and cockatiel use one class per case). */
  readonly type: string;
  readonly message: string;
  /** gRPC status code when the error carries one. */
  readonly code?: number;
}

export interface Classified {
  readonly error: KvError;
  readonly retry: boolean;
}

const byMessage: ReadonlyArray<readonly [RegExp, KvErrorKind]> = [
  [/required revision has been compacted/i, 'compacted'],
  [/permission denied/i, 'permission_denied'],
  [/authentication failed|invalid auth token|user name is empty|unauthenticated/i, 'unauthenticated'],
  // The server refused our TLS client certificate (wrong CA, none sent): gRPC reports that as
  // UNAVAILABLE, but retrying with the same certificate cannot succeed.
  [/alert bad certificate|alert unknown ca|certificate required|certificate verify failed|self[- ]signed certificate/i, 'unauthenticated'],
  [/requested lease not found|lease expired/i, 'lease_lost'],
  [/too many operations|request is too large|key is not provided|future revision|duplicate key|invalid argument/i, 'invalid'],
  [/no leader|leader changed|request timed out|timed out|deadline|unavailable|no connection established|econnrefused|connect failed|stream ended|not serving/i, 'unavailable'],
];

const byType: Readonly<Record<string, KvErrorKind>> = {
  EtcdPermissionDeniedError: 'permission_denied',
  EtcdAuthenticationFailedError: 'unauthenticated',
  EtcdInvalidAuthTokenError: 'unauthenticated',
  GRPCUnauthenticatedError: 'unauthenticated',
  EtcdLeaseInvalidError: 'lease_lost',
  GRPCInvalidArgumentError: 'invalid',
  GRPCUnavailableError: 'unavailable',
  GRPCDeadlineExceededError: 'unavailable',
  GRPCCancelledError: 'unavailable',
  EtcdWatchStreamEnded: 'unavailable',
  BrokenCircuitError: 'unavailable',
  ClientClosedError: 'unavailable',
};

const byCode: Readonly<Record<number, KvErrorKind>> = {
  1: 'unavailable',
  3: 'invalid',
  4: 'unavailable',
  7: 'permission_denied',
  14: 'unavailable',
  16: 'unauthenticated',
};

export function classifyError(raw: RawError): Classified {
  // Messages first: etcd3 casts by gRPC code, which files compaction under OutOfRange and
  // several etcd conditions under Unknown, while the etcd message says what really happened.
  const kind =
    byMessage.find(([re]) => re.test(raw.message))?.[1] ??
    byType[raw.type] ??
    (raw.code !== undefined ? byCode[raw.code] : undefined) ??
    'unknown';
  const retry = kind === 'unavailable' && raw.type !== 'ClientClosedError';
  return { error: { kind, message: raw.message }, retry };
}

export function rawError(err: unknown): RawError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { type: err.constructor.name, message: err.message, code: typeof code === 'number' ? code : undefined };
  }
  return { type: typeof err, message: String(err) };
}
