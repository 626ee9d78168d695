/**
 * The two values an initial sync writes by the tens of thousands (ClusterService, ipcache host
 * entry), encoded straight to text instead of through goJson's intermediate Maps and objects.
 * The output is byte for byte what clustermesh/service.ts encodeClusterService and
 * clustermesh/ipcache.ts encodeIpIdentityPair produce (values.test.ts compares them); those
 * stay the reference and the readers' side.
 */
import type { L4Addr } from '../clustermesh/service.js';

const htmlUnsafe = /[<>&\u2028\u2029]/;
const htmlUnsafeAll = /[<>&\u2028\u2029]/g;

/** A JSON string the way Go's encoding/json writes it (HTML-safe escapes). */
export function goQuote(s: string): string {
  const json = JSON.stringify(s);
  return htmlUnsafe.test(json) ? json.replace(htmlUnsafeAll, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : json;
}

/** Go sorts map keys by their bytes; for these keys code-unit order (the default sort) agrees. */
function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

/** A Go map[string]string from a plain record. */
export function stringMapText(record: Readonly<Record<string, string>> | null | undefined): string {
  if (!record) return '{}';
  const keys = sortedKeys(Object.keys(record));
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? ',' : '') + goQuote(keys[i]!) + ':' + goQuote(record[keys[i]!]!);
  return out + '}';
}

/** A PortConfiguration (port name → {Protocol, Port}). */
export function portsText(ports: Readonly<Record<string, L4Addr>>): string {
  const names = sortedKeys(Object.keys(ports));
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const a = ports[names[i]!]!;
    out += (i > 0 ? ',' : '') + goQuote(names[i]!) + ':{"Protocol":' + goQuote(a.protocol) + ',"Port":' + String(a.port) + '}';
  }
  return out + '}';
}

/** IP → already-encoded value, as a Go map. */
function mapText(byKey: ReadonlyMap<string, string>): string {
  const keys = sortedKeys(byKey.keys());
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? ',' : '') + goQuote(keys[i]!) + ':' + byKey.get(keys[i]!)!;
  return out + '}';
}

export interface ServiceValueParts {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Frontend IP → its ports encoded with portsText. */
  readonly frontends: ReadonlyMap<string, string>;
  /** Backend IP → its ports encoded with portsText. */
  readonly backends: ReadonlyMap<string, string>;
  /** Backend IP → hostname; left out when empty. */
  readonly hostnames: ReadonlyMap<string, string>;
  readonly labels: Readonly<Record<string, string>> | null | undefined;
  readonly selector: Readonly<Record<string, string>> | null | undefined;
  readonly clusterID: number;
}

/** A ClusterService as this apiserver publishes it: no zones, includeExternal and shared true. */
export function serviceValue(p: ServiceValueParts): string {
  let hostnames = '';
  if (p.hostnames.size > 0) {
    const quoted = new Map<string, string>();
    for (const [ip, host] of p.hostnames) quoted.set(ip, goQuote(host));
    hostnames = ',"hostnames":' + mapText(quoted);
  }
  return (
    '{"cluster":' + goQuote(p.cluster) +
    ',"namespace":' + goQuote(p.namespace) +
    ',"name":' + goQuote(p.name) +
    ',"frontends":' + mapText(p.frontends) +
    ',"backends":' + mapText(p.backends) +
    hostnames +
    ',"labels":' + stringMapText(p.labels) +
    ',"selector":' + stringMapText(p.selector) +
    ',"includeExternal":true,"shared":true,"clusterID":' + String(p.clusterID) + '}'
  );
}

export interface IpcacheHostParts {
  /** Canonical IP text. */
  readonly ip: string;
  /** Canonical host IP text, or '' when unknown. */
  readonly hostIP: string;
  readonly id: number;
  readonly key: number;
  readonly k8sNamespace: string;
  readonly k8sPodName: string;
  readonly k8sServiceAccount: string | undefined;
  readonly namedPorts: readonly { readonly name: string; readonly port: number; readonly protocol: string }[];
}

/** An IPIdentityPair for a single address (Mask null, empty Metadata). */
export function ipcacheHostValue(p: IpcacheHostParts): string {
  let out =
    '{"IP":' + goQuote(p.ip) + ',"Mask":null,"HostIP":' + goQuote(p.hostIP) +
    ',"ID":' + String(p.id) + ',"Key":' + String(p.key) + ',"Metadata":""';
  if (p.k8sNamespace) out += ',"K8sNamespace":' + goQuote(p.k8sNamespace);
  if (p.k8sPodName) out += ',"K8sPodName":' + goQuote(p.k8sPodName);
  if (p.k8sServiceAccount) out += ',"K8sServiceAccount":' + goQuote(p.k8sServiceAccount);
  if (p.namedPorts.length > 0) {
    const ports = [...p.namedPorts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out += ',"NamedPorts":[' + ports.map((np) => '{"Name":' + goQuote(np.name) + ',"Port":' + String(np.port) + ',"Protocol":' + goQuote(np.protocol) + '}').join(',') + ']';
  }
  return out + '}';
}
