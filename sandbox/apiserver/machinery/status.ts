/**
 * metav1.Status bodies for failures (and for deletes that answer with a Status), with the
 * codes, reasons and message shapes Kubernetes uses: clients branch on `reason` and `code`
 * (client-node's informer on 410, kubectl on NotFound/AlreadyExists/Conflict), and people read
 * `message`.
 */
import type { ResourceDef } from '../resources.js';
import type { FieldError } from './field-errors.js';
import { formatFieldError } from './field-errors.js';

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

type ResourceRef = Pick<ResourceDef, 'group' | 'resource'>;
type KindRef = Pick<ResourceDef, 'group' | 'kind'>;

/** `services`, `leases.coordination.k8s.io`: how Kubernetes names a resource in messages. */
export function qualifiedResource(def: ResourceRef): string {
  return def.group === '' ? def.resource : `${def.resource}.${def.group}`;
}

/** `Service`, `CustomResourceDefinition.apiextensions.k8s.io`. */
export function qualifiedKind(def: KindRef): string {
  return def.group === '' ? def.kind : `${def.kind}.${def.group}`;
}

export function statusError(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const body: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  return details === undefined ? body : { ...body, details };
}

export function notFound(def: ResourceRef, name: string): Status {
  return statusError(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, {
    name,
    group: def.group,
    kind: def.resource,
  });
}

export function alreadyExists(def: ResourceRef, name: string): Status {
  return statusError(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, {
    name,
    group: def.group,
    kind: def.resource,
  });
}

/** Optimistic-concurrency failures; `msg` is the why, e.g. the object has been modified. */
export function conflict(def: ResourceRef, name: string, msg: string): Status {
  return statusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${msg}`,
    {
      name,
      group: def.group,
      kind: def.resource,
    },
  );
}

/** The message used when a resourceVersion precondition fails, as Kubernetes words it. */
export const MODIFIED_CONFLICT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with one cause per field error: `Service "x" is invalid: spec.ports[0].port: Invalid value: ...`. */
export function invalid(def: KindRef, name: string, errors: readonly FieldError[]): Status {
  const lines = errors.map(formatFieldError);
  const summary = lines.length === 1 ? (lines[0] ?? '') : `[${lines.join(', ')}]`;
  return statusError(422, 'Invalid', `${qualifiedKind(def)} "${name}" is invalid: ${summary}`, {
    name,
    group: def.group,
    kind: def.kind,
    causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}

export function badRequest(msg: string): Status {
  return statusError(400, 'BadRequest', msg);
}

export function unauthorized(msg = 'Unauthorized'): Status {
  return statusError(401, 'Unauthorized', msg);
}

export function forbidden(msg: string): Status {
  return statusError(403, 'Forbidden', msg);
}

/** For paths that name no resource at all. */
export function notFoundPath(path: string): Status {
  return statusError(404, 'NotFound', `the server could not find the requested resource (${path})`);
}

export function methodNotAllowed(): Status {
  return statusError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

export function notAcceptable(accepted: readonly string[]): Status {
  return statusError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: ${accepted.join(', ')}`,
  );
}

/** Custom resources answer strategic merge patch with this, and kubectl then falls back to merge patch. */
export const PATCH_MEDIA_TYPES_FOR_CUSTOM = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** The message has Kubernetes' exact wording, which does not name the refused type. */
export function unsupportedMediaType(
  _type: string,
  accepted: readonly string[] = PATCH_MEDIA_TYPES_FOR_CUSTOM,
): Status {
  return statusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/** Watches and lists from a compacted resourceVersion: client-node and kubectl relist on 410. */
export function gone(msg: string): Status {
  return statusError(410, 'Expired', msg);
}

export function tooLarge(limitBytes = 3 * 1024 * 1024): Status {
  return statusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

export function tooManyRequests(msg: string, retryAfterSeconds: number): Status {
  return statusError(429, 'TooManyRequests', msg, { retryAfterSeconds });
}

export function internalError(msg: string): Status {
  return statusError(500, 'InternalError', `Internal error occurred: ${msg}`);
}

export function serviceUnavailable(msg: string, retryAfterSeconds = 1): Status {
  return statusError(503, 'ServiceUnavailable', msg, { retryAfterSeconds });
}

export function timeout(msg: string, retryAfterSeconds = 1): Status {
  return statusError(504, 'Timeout', msg, { retryAfterSeconds });
}

/** What DELETE answers when the object is gone at once and the client did not ask for the object. */
export function statusSuccess(def: ResourceRef, name: string, uid?: string): Status {
  const details: StatusDetails = {
    name,
    group: def.group,
    kind: def.resource,
    ...(uid === undefined ? {} : { uid }),
  };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
