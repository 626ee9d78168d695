/**
 * The JSONPath subset CRD printer columns use: `.a.b`, escaped dots (`.labels.app\.io/x`),
 * `['key']`, `[0]`, `[-1]`, `[*]`, and filters `[?(@.type=="Ready")]` (== and !=, string, number
 * or boolean literals). Pure; a bad path is an error result, a missing key just yields nothing,
 * as Kubernetes evaluates printer columns with missing keys allowed.
 */
import { fail, ok, type Result } from '../../../lib/result.js';

type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' }
  | {
      readonly kind: 'filter';
      readonly path: readonly Step[];
      readonly op: '==' | '!=';
      readonly value: unknown;
    };

function readName(path: string, from: number): { name: string; next: number } {
  let name = '';
  let i = from;
  while (i < path.length && path[i] !== '.' && path[i] !== '[') {
    if (path[i] === '\\' && i + 1 < path.length) i++;
    name += path[i];
    i++;
  }
  return { name, next: i };
}

function parseLiteral(text: string): Result<unknown> {
  const t = text.trim();
  const quoted = /^"(.*)"$/.exec(t) ?? /^'(.*)'$/.exec(t);
  if (quoted) return ok(quoted[1]);
  if (t === 'true' || t === 'false') return ok(t === 'true');
  if (t !== '' && Number.isFinite(Number(t))) return ok(Number(t));
  return fail(`unsupported literal ${JSON.stringify(t)} in JSONPath filter`);
}

function parseFilter(inner: string): Result<Step> {
  const m = /^\?\(@((?:\.[^=!]*)?)\s*(==|!=)\s*(.+)\)$/.exec(inner.trim());
  if (!m) return fail(`unsupported JSONPath filter [${inner}]`);
  const path = parseJsonPath(m[1] ?? '');
  if (!path.ok) return path;
  const value = parseLiteral(m[3] ?? '');
  if (!value.ok) return value;
  return ok({ kind: 'filter', path: path.value, op: m[2] as '==' | '!=', value: value.value });
}

function parseBracket(inner: string): Result<Step> {
  const t = inner.trim();
  if (t === '*') return ok({ kind: 'all' });
  if (/^-?\d+$/.test(t)) return ok({ kind: 'index', index: Number(t) });
  const quoted = /^'(.*)'$/.exec(t) ?? /^"(.*)"$/.exec(t);
  if (quoted) return ok({ kind: 'field', name: quoted[1] ?? '' });
  if (t.startsWith('?')) return parseFilter(t);
  return fail(`unsupported JSONPath subscript [${inner}]`);
}

/** Finds the `]` closing the bracket opened at `from`, skipping quoted strings and nested parens. */
function closingBracket(path: string, from: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = from + 1; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ']' && depth === 0) return i;
  }
  return -1;
}

/** Parses `.spec.x[0]` (optionally wrapped in `{}` and with a leading `$`). */
export function parseJsonPath(expression: string): Result<readonly Step[]> {
  let path = expression.trim();
  if (path.startsWith('{') && path.endsWith('}')) path = path.slice(1, -1).trim();
  if (path.startsWith('$')) path = path.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const { name, next } = readName(path, i + 1);
      if (name === '' && next < path.length && path[next] !== '[')
        return fail(`empty field name in ${expression}`);
      if (name === '*') steps.push({ kind: 'all' });
      else if (name !== '') steps.push({ kind: 'field', name });
      i = next;
    } else if (c === '[') {
      const end = closingBracket(path, i);
      if (end < 0) return fail(`unclosed [ in JSONPath ${expression}`);
      const step = parseBracket(path.slice(i + 1, end));
      if (!step.ok) return step;
      steps.push(step.value);
      i = end + 1;
    } else {
      return fail(`JSONPath ${expression} must start with "." at ${JSON.stringify(path.slice(i))}`);
    }
  }
  return ok(steps);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isRecord(v)) return Object.values(v);
  return [];
}

function applyStep(values: readonly unknown[], step: Step): unknown[] {
  switch (step.kind) {
    case 'field':
      return values.flatMap((v) => (isRecord(v) && step.name in v ? [v[step.name]] : []));
    case 'index':
      return values.flatMap((v) => {
        if (!Array.isArray(v)) return [];
        const i = step.index < 0 ? v.length + step.index : step.index;
        return i >= 0 && i < v.length ? [v[i]] : [];
      });
    case 'all':
      return values.flatMap(children);
    case 'filter':
      return values.flatMap(children).filter((item) => {
        const found = evaluateSteps(item, step.path);
        const equal = found.some((f) => f === step.value);
        return step.op === '==' ? equal : found.length > 0 && !equal;
      });
  }
}

function evaluateSteps(root: unknown, steps: readonly Step[]): unknown[] {
  return steps.reduce<unknown[]>((values, step) => applyStep(values, step), [root]);
}

/** Every value the path selects in `root` (empty when a key is missing). */
export function evaluateJsonPath(root: unknown, expression: string): Result<unknown[]> {
  const steps = parseJsonPath(expression);
  if (!steps.ok) return steps;
  return ok(evaluateSteps(root, steps.value));
}
