/**
 * Which labels are identity-relevant, following Cilium's default label filter: patterns are
 * regular expressions anchored at the start of the label key; a label is kept when no
 * exclusion matches it, or when an inclusion matches a longer part of it than the shortest
 * matching exclusion (so io.kubernetes.pod.namespace survives "!io.kubernetes").
 */
import type { Label } from '../../clustermesh/labels.js';

interface LabelPattern {
  readonly ignore: boolean;
  readonly source?: string;
  readonly expr: RegExp;
}

function pattern(text: string, source?: string): LabelPattern {
  const ignore = text.startsWith('!');
  return { ignore, source, expr: new RegExp(ignore ? text.slice(1) : text) };
}

export const DEFAULT_LABEL_PATTERNS: readonly LabelPattern[] = [
  pattern('.*', 'reserved'),
  pattern('io\\.kubernetes\\.pod\\.namespace'),
  pattern('io\\.cilium\\.k8s\\.namespace\\.labels'),
  pattern('app\\.kubernetes\\.io'),
  pattern('io\\.cilium\\.k8s\\.policy\\.cluster'),
  pattern('!io\\.kubernetes'),
  pattern('!kubernetes\\.io'),
  pattern('!statefulset\\.kubernetes\\.io/pod-name'),
  pattern('!apps\\.kubernetes\\.io/pod-index'),
  pattern('!batch\\.kubernetes\\.io/job-completion-index'),
  pattern('!batch\\.kubernetes\\.io/controller-uid'),
  pattern('!.*beta\\.kubernetes\\.io'),
  pattern('!k8s\\.io'),
  pattern('!pod-template-generation'),
  pattern('!pod-template-hash'),
  pattern('!controller-revision-hash'),
  pattern('!annotation.*'),
  pattern('!controller-uid'),
  pattern('!etcd_node'),
];

/** Length of the match at the start of the key, or 0 when the pattern does not match there. */
function matchLength(p: LabelPattern, label: Label): number {
  if (p.source !== undefined && p.source !== label.source) return 0;
  const m = p.expr.exec(label.key);
  return m && m.index === 0 ? Math.max(m[0].length, 1) : 0;
}

export function isIdentityRelevant(label: Label, patterns: readonly LabelPattern[] = DEFAULT_LABEL_PATTERNS): boolean {
  let included = 0;
  let ignored = 0;
  for (const p of patterns) {
    const len = matchLength(p, label);
    if (len === 0) continue;
    if (p.ignore) ignored = ignored === 0 || len < ignored ? len : ignored;
    else included = Math.max(included, len);
  }
  // Defaults contain no user inclusions, so anything not excluded is relevant.
  return ignored === 0 || included > ignored;
}
