/** Explicit outcome of an operation that can fail in an expected way. Only programming errors throw. */
export type Result<T, E = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly retry: boolean };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function fail<E>(error: E, retry = false): Result<never, E> {
  return { ok: false, error, retry };
}
