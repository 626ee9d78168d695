/** Accept header parsing shared by discovery and table negotiation. Pure. */

export interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function parseMediaRange(part: string): MediaRange | undefined {
  const [head, ...rest] = part.split(';');
  const type = head?.trim().toLowerCase();
  if (!type) return undefined;
  const params = new Map<string, string>();
  let q = 1;
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const value = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
    else params.set(key, value);
  }
  return { type, params, q };
}

/** Media ranges of an Accept header, most preferred first (stable for equal q, as sent). */
export function parseAccept(accept: string | undefined): readonly MediaRange[] {
  if (!accept) return [];
  const ranges = accept
    .split(',')
    .map(parseMediaRange)
    .filter((r): r is MediaRange => r !== undefined && r.q > 0);
  return ranges
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i)
    .map(({ r }) => r);
}

/** A range without parameters that JSON satisfies (`application/json`, `application/*`, `*\/*`). */
export function isPlainJson(range: MediaRange): boolean {
  return range.params.size === 0 && ['application/json', 'application/*', '*/*'].includes(range.type);
}
