/**
 * API errors as data. Every failure a client can cause ends up as one of these and is answered
 * as a metav1.Status with the code and reason Kubernetes would use, so clients (kubectl,
 * client-node) take the same branches they take against a real cluster.
 */
import type { Result } from '../../lib/result.js';
import { type Status, type StatusDetails as MachineryDetails, statusError } from './machinery/status.js';
import type { ResourceDef } from './resources.js';

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface ApiError {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details?: StatusDetails;
}

export type ApiResult<T> = Result<T, ApiError>;

export function apiFail(error: ApiError): { ok: false; error: ApiError; retry: false } {
  return { ok: false, error, retry: false };
}

function qualified(def: Pick<ResourceDef, 'group' | 'resource'>): string {
  return def.group === '' ? def.resource : `${def.resource}.${def.group}`;
}

export const errors = {
  badRequest: (message: string): ApiError => ({ code: 400, reason: 'BadRequest', message }),
  unauthorized: (): ApiError => ({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' }),
  notFoundPath: (path: string): ApiError => ({
    code: 404,
    reason: 'NotFound',
    message: `the server could not find the requested resource (${path})`,
  }),
  notFound: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string): ApiError => ({
    code: 404,
    reason: 'NotFound',
    message: `${qualified(def)} "${name}" not found`,
    details: { name, group: def.group, kind: def.resource },
  }),
  methodNotAllowed: (method: string): ApiError => ({
    code: 405,
    reason: 'MethodNotAllowed',
    message: `the server does not allow this method on the requested resource (${method})`,
  }),
  alreadyExists: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string): ApiError => ({
    code: 409,
    reason: 'AlreadyExists',
    message: `${qualified(def)} "${name}" already exists`,
    details: { name, group: def.group, kind: def.resource },
  }),
  conflict: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string, why: string): ApiError => ({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${why}`,
    details: { name, group: def.group, kind: def.resource },
  }),
  gone: (message: string): ApiError => ({ code: 410, reason: 'Expired', message }),
  tooLarge: (limit: number): ApiError => ({
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: `the request body is larger than the limit of ${limit} bytes`,
  }),
  unsupportedMediaType: (contentType: string): ApiError => ({
    code: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types are not ${JSON.stringify(contentType)}`,
  }),
  invalid: (
    def: Pick<ResourceDef, 'group' | 'kind'>,
    name: string,
    causes: readonly StatusCause[],
  ): ApiError => ({
    code: 422,
    reason: 'Invalid',
    message: `${def.kind}${def.group ? '.' + def.group : ''} "${name}" is invalid: ${causes
      .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
      .join(', ')}`,
    details: { name, group: def.group, kind: def.kind, causes },
  }),
  internal: (message: string): ApiError => ({ code: 500, reason: 'InternalError', message }),
  unavailable: (message: string): ApiError => ({ code: 503, reason: 'ServiceUnavailable', message }),
};

/** The metav1.Status body for an error. */
export function toStatus(e: ApiError): Status {
  return statusError(e.code, e.reason, e.message, e.details as MachineryDetails | undefined);
}
