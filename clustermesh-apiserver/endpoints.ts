/**
 * ipcache entries from CiliumEndpoint objects: one entry per pod IP, carrying the pod's
 * identity, the IP of the node it runs on and its named ports. Like recent Cilium, only
 * endpoints in global namespaces are exported. An endpoint whose identity is not allocated yet
 * is left out until it is (publishing identity 0 would make remote nodes drop its traffic).
 */
import { IPCACHE_PREFIX } from '../clustermesh/keys.js';
import { canonicalIp } from '../lib/ip.js';
import { parseCiliumEndpoint } from './fast-parse.js';
import { NOTHING, rejection, type ObjectProjection, type ProjectionOptions } from './options.js';
import { namespaceIsGlobal } from './services.js';
import { ipcacheHostValue } from './values.js';

export function projectEndpoint(input: unknown, namespace: unknown, opts: ProjectionOptions): ObjectProjection {
  const parsed = parseCiliumEndpoint(input);
  if (!parsed.ok) return rejection('CiliumEndpoint', input, parsed.reason);
  const cep = parsed.value;
  const ns = namespaceIsGlobal(namespace, opts);
  if (!ns.global) return NOTHING;
  const status = cep.status;
  const networking = status?.networking;
  if (!status?.identity || !networking) return NOTHING;
  const hostIp = networking.node ? canonicalIp(networking.node) : undefined;
  if (networking.node && !hostIp) {
    return rejection('CiliumEndpoint', input, `networking.node ${JSON.stringify(networking.node)} is not an IP address`);
  }
  const ips: string[] = [];
  for (const pair of networking.addressing ?? []) {
    for (const [raw, family] of [[pair.ipv4, 4], [pair.ipv6, 6]] as const) {
      if (!raw) continue;
      const ip = canonicalIp(raw);
      if (!ip || ip.family !== family) return rejection('CiliumEndpoint', input, `ipv${family} ${JSON.stringify(raw)} is not an IPv${family} address`);
      ips.push(ip.text);
    }
  }
  const namedPorts = status['named-ports'] ?? [];
  const entries = ips.map((ip) => {
    const value = ipcacheHostValue({
      ip,
      hostIP: hostIp?.text ?? '',
      id: status.identity!.id,
      key: status.encryption?.key ?? 0,
      k8sNamespace: cep.metadata.namespace,
      k8sPodName: cep.metadata.name,
      k8sServiceAccount: status['service-account'],
      namedPorts,
    });
    return [IPCACHE_PREFIX + ip, value] as const;
  });
  return { entries, rejected: [] };
}
