/**
 * ipcache entries from CiliumEndpoint objects: one entry per pod IP, carrying the pod's
 * identity, the IP of the node it runs on and its named ports. Like recent Cilium, only
 * endpoints in global namespaces are exported. An endpoint whose identity is not allocated yet
 * is left out until it is (publishing identity 0 would make remote nodes drop its traffic).
 */
import { parseIp } from '../clustermesh/ip.js';
import { encodeIpIdentityPair, ipcacheEntryKey } from '../clustermesh/ipcache.js';
import { zodReason } from '../clustermesh/zod-reason.js';
import { ciliumEndpointSchema } from './k8s-objects.js';
import { NOTHING, rejection, type ObjectProjection, type ProjectionOptions } from './options.js';
import { namespaceIsGlobal } from './services.js';

export function projectEndpoint(input: unknown, namespace: unknown, opts: ProjectionOptions): ObjectProjection {
  const parsed = ciliumEndpointSchema.safeParse(input);
  if (!parsed.success) return rejection('CiliumEndpoint', input, zodReason(parsed.error));
  const cep = parsed.data;
  const ns = namespaceIsGlobal(namespace, opts);
  if (!ns.global) return NOTHING;
  const status = cep.status;
  const networking = status?.networking;
  if (!status?.identity || !networking) return NOTHING;
  const hostIp = networking.node ? parseIp(networking.node) : undefined;
  if (networking.node && !hostIp) {
    return rejection('CiliumEndpoint', input, `networking.node ${JSON.stringify(networking.node)} is not an IP address`);
  }
  const ips: string[] = [];
  for (const pair of networking.addressing ?? []) {
    for (const [raw, family] of [[pair.ipv4, 4], [pair.ipv6, 6]] as const) {
      if (!raw) continue;
      const ip = parseIp(raw);
      if (!ip || ip.family !== family) return rejection('CiliumEndpoint', input, `ipv${family} ${JSON.stringify(raw)} is not an IPv${family} address`);
      ips.push(ip.text);
    }
  }
  const namedPorts = (status['named-ports'] ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));
  const entries = ips.map((ip) => {
    const pair = {
      ip,
      hostIP: hostIp?.text,
      id: status.identity!.id,
      key: status.encryption?.key ?? 0,
      metadata: '',
      k8sNamespace: cep.metadata.namespace,
      k8sPodName: cep.metadata.name,
      k8sServiceAccount: status['service-account'],
      namedPorts,
    };
    return [ipcacheEntryKey(pair), encodeIpIdentityPair(pair)] as const;
  });
  return { entries, rejected: [] };
}
