/**
 * Structured logging: one logfmt-ish line per event on stderr. Small on purpose; processes log
 * rejected input here (with a metric beside it), so lines must say what was wrong and where.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

function envLevel(): Level {
  const v = process.env.MESHLB_LOG_LEVEL;
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? 'undefined';
}

export function createLogger(
  base: Record<string, unknown> = {},
  sink: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  level: Level = envLevel(),
): Logger {
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (order[lvl] < order[level]) return;
    const all = { ...base, ...fields };
    const parts = [`time=${new Date().toISOString()}`, `level=${lvl}`, `msg=${JSON.stringify(msg)}`];
    for (const [k, v] of Object.entries(all)) parts.push(`${k}=${formatValue(v)}`);
    sink(parts.join(' '));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink, level),
  };
}

/** For tests and library callers that do not want output. */
export const silentLogger: Logger = createLogger({}, () => {}, 'error');
