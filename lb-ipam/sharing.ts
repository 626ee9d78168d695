/**
 * May two services share one LoadBalancer IP? Pure. The reasons are Cilium's words, because
 * they end up in the service condition's message ("... Reason: same port").
 */

export interface SharingPort {
  readonly port: number;
  readonly protocol: string;
}

export interface SharingView {
  readonly namespace: string;
  readonly sharingKey: string;
  /** Namespaces this service agrees to share with; '*' is every namespace. */
  readonly crossNamespace: readonly string[];
  readonly ports: readonly SharingPort[];
  readonly externalTrafficPolicy: string;
  readonly selector: Readonly<Record<string, string>>;
}

export interface SharingOptions {
  /**
   * Cilium compares port numbers only (its datapath cannot tell protocols apart on one
   * frontend); with this on, 53/UDP and 53/TCP may share an address, as in MetalLB.
   */
  readonly protocolAware: boolean;
}

export const CILIUM_SHARING: SharingOptions = { protocolAware: false };

function allows(view: SharingView, namespace: string): boolean {
  return view.crossNamespace.includes(namespace) || view.crossNamespace.includes('*');
}

function sameSelector(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

function portClash(a: readonly SharingPort[], b: readonly SharingPort[], opts: SharingOptions): boolean {
  return a.some((p) => b.some((q) => p.port === q.port && (!opts.protocolAware || p.protocol === q.protocol)));
}

/** Undefined when `a` and `b` may share an address, else why not. */
export function incompatibility(a: SharingView, b: SharingView, opts: SharingOptions = CILIUM_SHARING): string | undefined {
  if (a.sharingKey !== b.sharingKey) return 'different sharing key';
  // Both sides must agree: otherwise a tenant could attach itself to another namespace's address.
  if (a.namespace !== b.namespace && !(allows(a, b.namespace) && allows(b, a.namespace))) {
    return 'different and not permitted namespace';
  }
  if (portClash(a.ports, b.ports, opts)) return 'same port';
  if (a.externalTrafficPolicy !== b.externalTrafficPolicy) return 'different ExternalTrafficPolicy';
  // With Local, traffic only reaches nodes running the service's pods, so both services must
  // run on the same pods; a selector-less service's pods are unknown, so it never qualifies.
  if (a.externalTrafficPolicy === 'Local') {
    const empty = Object.keys(a.selector).length === 0 || Object.keys(b.selector).length === 0;
    if (empty || !sameSelector(a.selector, b.selector)) {
      return 'compatible ExternalTrafficPolicy local but selecting different set of pods';
    }
  }
  return undefined;
}
