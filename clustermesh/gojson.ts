/**
 * JSON exactly as Go's encoding/json writes it, because Cilium agents compare and hash the
 * values we publish. Two Go behaviours differ from JSON.stringify:
 *  - map keys are sorted bytewise (JS objects put integer-like keys first), so Go maps are
 *    passed as `Map` instances and struct fields as plain objects in field order;
 *  - '<', '>', '&', U+2028 and U+2029 are escaped as \u00XX (HTML-safe output).
 * `undefined` fields are dropped, which is how callers express `omitempty`.
 */
export type GoValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly GoValue[]
  | ReadonlyMap<string, GoValue>
  | { readonly [field: string]: GoValue };

const htmlUnsafe = /[<>&\u2028\u2029]/g;

function goString(s: string): string {
  return JSON.stringify(s).replace(htmlUnsafe, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function compareBytes(a: string, b: string): number {
  // Go sorts map keys by their UTF-8 bytes; for keys below U+D800 code-unit order is the same.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function goJson(value: GoValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`goJson: non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[' + value.map((v: GoValue) => goJson(v)).join(',') + ']';
  if (value instanceof Map) {
    const keys = [...value.keys()].sort(compareBytes);
    return '{' + keys.map((k) => goString(k) + ':' + goJson(value.get(k) as GoValue)).join(',') + '}';
  }
  const fields = Object.entries(value as Record<string, GoValue>).filter(([, v]) => v !== undefined);
  return '{' + fields.map(([k, v]) => goString(k) + ':' + goJson(v)).join(',') + '}';
}

/** A Go map[string]string from a plain record (absent → empty map, as our writers want `{}`). */
export function goStringMap(record: Readonly<Record<string, string>> | undefined): Map<string, string> {
  return new Map(Object.entries(record ?? {}));
}
