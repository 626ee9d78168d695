/**
 * Kubernetes label selectors, field selectors and the name rules behind them. Pure: strings and
 * plain objects in, data out. Used by the sandbox API server (list/watch filtering) and by every
 * controller that selects objects (LB-IPAM pools, BGP, L2 and egress policies).
 *
 * Validators return the list of problems (empty = valid) worded like the Kubernetes API's
 * messages, so errors surfaced by meshlb read like a real cluster's.
 */
import type { Result } from '../lib/result.js';
import { fail, ok } from '../lib/result.js';
import { z } from 'zod';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const dns1123Label = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const dns1123Subdomain = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const qualifiedNamePart = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const labelValue = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

function tooLong(max: number): string {
  return `must be no more than ${max} characters`;
}

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(tooLong(DNS1123_LABEL_MAX));
  if (!dns1123Label.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
        `and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL_FMT}')`,
    );
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!dns1123Subdomain.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
        `start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`,
    );
  }
  return errs;
}

/** Label, annotation and finalizer keys: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 characters. */
export function isQualifiedName(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
        `'${QUALIFIED_NAME_FMT}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else {
    if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${tooLong(QUALIFIED_NAME_MAX)}`);
    if (!qualifiedNamePart.test(name)) {
      errs.push(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
          `alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME_FMT}')`,
      );
    }
  }
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(tooLong(LABEL_VALUE_MAX));
  if (!labelValue.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
        `start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE_FMT}')`,
    );
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

export type SelectorOperator =
  'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted and de-duplicated; one value for Equals/NotEquals/Gt/Lt, none for Exists/DoesNotExist. */
  readonly values: readonly string[];
}

/** All requirements must hold (AND). `nothing` marks the selector that matches no object at all. */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly nothing: boolean;
}

/** The empty selector: every object matches, also one without labels. */
export const MATCH_EVERYTHING: LabelSelector = Object.freeze({
  requirements: Object.freeze([]),
  nothing: false,
});
/** What a nil metav1.LabelSelector means in Kubernetes: no object matches. */
export const MATCH_NOTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]), nothing: true });

function makeRequirement(
  key: string,
  operator: SelectorOperator,
  values: readonly string[],
): Result<Requirement> {
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) return fail(`invalid label key "${key}": ${keyErrs.join('; ')}`);
  const uniq = [...new Set(values)].sort();
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (uniq.length === 0)
        return fail(`key "${key}": for 'in', 'notin' operators, values set can't be empty`);
      break;
    case 'Equals':
    case 'NotEquals':
      if (uniq.length !== 1) return fail(`key "${key}": exact-match compatibility requires one single value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (uniq.length !== 0)
        return fail(`key "${key}": values set must be empty for exists and does not exist`);
      break;
    case 'Gt':
    case 'Lt':
      if (uniq.length !== 1 || !/^-?\d+$/.test(uniq[0] ?? '')) {
        return fail(`key "${key}": for 'Gt', 'Lt' operators, exactly one integer value is required`);
      }
      return ok({ key, operator, values: uniq });
  }
  for (const v of uniq) {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) return fail(`invalid label value "${v}" for key "${key}": ${errs.join('; ')}`);
  }
  return ok({ key, operator, values: uniq });
}

function selectorOf(requirements: Requirement[]): LabelSelector {
  // Sorted by key like Kubernetes, so equal selectors print equally.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements, nothing: false };
}

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<'; pos: number };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === '!') {
      const two = s.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ kind: 'op', text: two, pos: i });
        i += 2;
      } else {
        out.push({ kind: 'op', text: c, pos: i });
        i++;
      }
    } else if (SPECIAL.has(c)) {
      out.push({ kind: 'op', text: c as '(' | ')' | ',' | '<' | '>', pos: i });
      i++;
    } else {
      const start = i;
      while (i < s.length && !SPECIAL.has(s[i] ?? '') && !/\s/.test(s[i] ?? '')) i++;
      out.push({ kind: 'ident', text: s.slice(start, i), pos: start });
    }
  }
  return out;
}

class SelectorParser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private describe(t: Token | undefined): string {
    return t === undefined ? 'end of input' : `'${t.text}' at position ${t.pos}`;
  }

  private isOp(t: Token | undefined, text: string): boolean {
    return t !== undefined && t.kind === 'op' && t.text === text;
  }

  parse(): Result<LabelSelector> {
    const reqs: Requirement[] = [];
    if (this.tokens.length === 0) return ok(MATCH_EVERYTHING);
    for (;;) {
      const r = this.requirement();
      if (!r.ok) return r;
      reqs.push(r.value);
      const t = this.peek();
      if (t === undefined) return ok(selectorOf(reqs));
      if (!this.isOp(t, ','))
        return fail(`invalid label selector "${this.src}": found ${this.describe(t)}, expected ','`);
      this.i++;
    }
  }

  private requirement(): Result<Requirement> {
    let t = this.peek();
    if (this.isOp(t, '!')) {
      this.i++;
      t = this.peek();
      if (t?.kind !== 'ident')
        return fail(
          `invalid label selector "${this.src}": found ${this.describe(t)}, expected a key after '!'`,
        );
      this.i++;
      return makeRequirement(t.text, 'DoesNotExist', []);
    }
    if (t?.kind !== 'ident')
      return fail(`invalid label selector "${this.src}": found ${this.describe(t)}, expected a key`);
    this.i++;
    const key = t.text;
    const op = this.peek();
    if (op === undefined || this.isOp(op, ',')) return makeRequirement(key, 'Exists', []);
    this.i++;
    if (op.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
      const values = this.valueList();
      if (!values.ok) return values;
      return makeRequirement(key, op.text === 'in' ? 'In' : 'NotIn', values.value);
    }
    const operator = op.kind === 'op' ? OPERATORS[op.text] : undefined;
    if (operator === undefined) {
      return fail(
        `invalid label selector "${this.src}": found ${this.describe(op)}, expected one of '=', '==', '!=', 'in', 'notin', '>', '<'`,
      );
    }
    const v = this.peek();
    if (v?.kind === 'ident') {
      this.i++;
      return makeRequirement(key, operator, [v.text]);
    }
    if (operator === 'Gt' || operator === 'Lt')
      return fail(`invalid label selector "${this.src}": key "${key}": expected an integer value`);
    // `a=` selects the empty value, as in Kubernetes.
    return makeRequirement(key, operator, ['']);
  }

  private valueList(): Result<string[]> {
    if (!this.isOp(this.peek(), '('))
      return fail(`invalid label selector "${this.src}": found ${this.describe(this.peek())}, expected '('`);
    this.i++;
    const values: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'ident') {
        values.push(t.text);
        this.i++;
      } else if (this.isOp(t, ',') || this.isOp(t, ')')) {
        // An empty slot (`(a,)`) is the empty value, as in Kubernetes; `()` alone has no values.
        if (!(this.isOp(t, ')') && values.length === 0 && this.isOp(this.tokens[this.i - 1], '(')))
          values.push('');
      } else {
        return fail(`invalid label selector "${this.src}": found ${this.describe(t)}, expected a value`);
      }
      const sep = this.peek();
      if (this.isOp(sep, ')')) {
        this.i++;
        return ok(values);
      }
      if (!this.isOp(sep, ','))
        return fail(`invalid label selector "${this.src}": found ${this.describe(sep)}, expected ',' or ')'`);
      this.i++;
    }
  }
}

const OPERATORS: Partial<Record<string, SelectorOperator>> = {
  '=': 'Equals',
  '==': 'Equals',
  '!=': 'NotEquals',
  '>': 'Gt',
  '<': 'Lt',
};

/** Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). The empty string matches everything. */
export function parseLabelSelector(s: string): Result<LabelSelector, string> {
  return new SelectorParser(s, tokenize(s)).parse();
}

const metaSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).nullish(),
  matchExpressions: z
    .array(
      z.object({
        key: z.string(),
        operator: z.string(),
        values: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});

const EXPRESSION_OPERATORS: Partial<Record<string, SelectorOperator>> = {
  In: 'In',
  NotIn: 'NotIn',
  Exists: 'Exists',
  DoesNotExist: 'DoesNotExist',
};

/**
 * Converts a metav1.LabelSelector. Like Kubernetes, a nil selector (null/undefined) gives
 * MATCH_NOTHING and an empty one (`{}`) gives MATCH_EVERYTHING. Where an absent selector should
 * select everything (as for some Cilium policies), the caller checks for absence itself.
 */
export function labelSelectorFromObject(sel: unknown): Result<LabelSelector, string> {
  if (sel === null || sel === undefined) return ok(MATCH_NOTHING);
  const parsed = metaSelectorSchema.safeParse(sel);
  if (!parsed.success)
    return fail(`invalid label selector: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(parsed.data.matchLabels ?? {})) {
    const r = makeRequirement(key, 'Equals', [value]);
    if (!r.ok) return fail(`matchLabels: ${r.error}`);
    reqs.push(r.value);
  }
  for (const [i, expr] of (parsed.data.matchExpressions ?? []).entries()) {
    const operator = EXPRESSION_OPERATORS[expr.operator];
    if (operator === undefined) {
      return fail(
        `matchExpressions[${i}].operator: "${expr.operator}" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`,
      );
    }
    const values = expr.values ?? [];
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      return fail(
        `matchExpressions[${i}].values: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
      );
    }
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      return fail(`matchExpressions[${i}].values: must be specified when \`operator\` is 'In' or 'NotIn'`);
    }
    const r = makeRequirement(expr.key, operator, values);
    if (!r.ok) return fail(`matchExpressions[${i}]: ${r.error}`);
    reqs.push(r.value);
  }
  return ok(selectorOf(reqs));
}

function matchesRequirement(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.operator) {
    case 'Equals':
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return value === undefined || !req.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const have = BigInt(value);
      const want = BigInt(req.values[0] ?? '0');
      return req.operator === 'Gt' ? have > want : have < want;
    }
  }
}

export function matchesLabelSelector(
  sel: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  if (sel.nothing) return false;
  const l = labels ?? {};
  return sel.requirements.every((r) => matchesRequirement(r, l));
}

/** The string form Kubernetes prints (`a=b,c in (x,y),!d`); MATCH_NOTHING has none and gives ''. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0] ?? ''}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'Gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'Lt':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldRequirement {
  readonly field: string;
  readonly operator: 'Equals' | 'NotEquals';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Splits on a separator that is not escaped with a backslash; escapes stay for unescapeValue. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function splitTerm(term: string): { field: string; op: string; value: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(v: string): Result<string> {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = v[i + 1];
    if (next !== '\\' && next !== ',' && next !== '=')
      return fail(`invalid escape sequence in field selector value "${v}"`);
    out += next;
    i++;
  }
  return ok(out);
}

/** Parses `f=v`, `f==v`, `f!=v` joined by ','; `\,` `\=` `\\` escape inside values. '' matches everything. */
export function parseFieldSelector(s: string): Result<FieldSelector, string> {
  const reqs: FieldRequirement[] = [];
  for (const part of splitUnescaped(s, ',')) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (term === undefined || term.field === '')
      return fail(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeValue(term.value);
    if (!value.ok) return value;
    reqs.push({ field: term.field, operator: term.op === '!=' ? 'NotEquals' : 'Equals', value: value.value });
  }
  return ok({ requirements: reqs });
}

/** Reads a dotted path; absent fields read as '' like the field sets Kubernetes builds (`spec.nodeName=`). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

export function matchesFieldSelector(sel: FieldSelector, obj: unknown): boolean {
  return sel.requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === 'Equals'));
}
