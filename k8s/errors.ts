/** Kubernetes API failures as typed values; the mapping from HTTP status is pure. */
export type KubeErrorKind =
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'invalid'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'forbidden'
  | 'unauthorized'
  | 'gone'
  | 'unavailable';

export interface KubeError {
  readonly kind: KubeErrorKind;
  /** HTTP status, 0 when the request never got an answer. */
  readonly status: number;
  /** metav1.Status reason when the server sent one. */
  readonly reason?: string;
  readonly message: string;
}

interface StatusLike {
  readonly reason?: unknown;
  readonly message?: unknown;
}

function kindFor(status: number, reason: string | undefined): KubeErrorKind {
  if (status === 404) return 'not_found';
  if (status === 409) return reason === 'AlreadyExists' ? 'already_exists' : 'conflict';
  if (status === 422) return 'invalid';
  if (status === 400) return 'bad_request';
  if (status === 415) return 'unsupported_media_type';
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthorized';
  if (status === 410) return 'gone';
  return 'unavailable';
}

/** Only unavailability (5xx, 429, no answer) and conflicts are worth retrying unchanged. */
export function isRetryable(err: KubeError): boolean {
  return err.kind === 'unavailable' || err.kind === 'conflict';
}

export function errorFromStatus(status: number, body: unknown): KubeError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as StatusLike;
  const reason = typeof s.reason === 'string' ? s.reason : undefined;
  const text = typeof s.message === 'string' ? s.message : typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${status}`;
  return { kind: kindFor(status, reason), status, ...(reason ? { reason } : {}), message: text };
}

export function errorFromNetwork(err: unknown): KubeError {
  return { kind: 'unavailable', status: 0, message: err instanceof Error ? err.message : String(err) };
}

/** Maps what client-node's generated APIs throw (ApiException: code + body) to a KubeError. */
export function errorFromThrown(err: unknown): KubeError {
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e?.code === 'number' && e.code >= 400) {
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the raw text as the message
      }
    }
    return errorFromStatus(e.code, body);
  }
  return errorFromNetwork(err);
}
