/**
 * Table columns and cells for built-in kinds, as Kubernetes' server-side printers produce them
 * (the server prints "wide"; kubectl hides priority>0 columns unless `-o wide`). Pure.
 */
import { formatAge } from './age.js';

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export type Cell = string | number | boolean | null;

export interface Printer {
  readonly columns: readonly Column[];
  cells(object: unknown, now: Date): Cell[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
const orNone = (s: string): string => (s === '' ? '<none>' : s);

export function col(name: string, description: string, opts: Partial<Column> = {}): Column {
  return { name, type: 'string', format: '', description, priority: 0, ...opts };
}

export const NAME_COLUMN = col('Name', 'Name must be unique within a namespace.', { format: 'name' });
export const AGE_COLUMN = col('Age', 'CreationTimestamp is the time the object was created.');

export function nameOf(o: unknown): string {
  return str(obj(obj(o).metadata).name);
}
export function ageOf(o: unknown, now: Date): string {
  return formatAge(str(obj(obj(o).metadata).creationTimestamp), now);
}

/** `a=b,c=d`, sorted by key, as labels.FormatLabels does. */
function formatLabels(m: unknown): string {
  const entries = Object.entries(obj(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return orNone(entries.map(([k, v]) => `${k}=${str(v)}`).join(','));
}

/** `first,second,third + 2 more...` — the way Kubernetes abbreviates long address lists. */
function listWithMore(items: readonly string[], empty: string): string {
  const max = 3;
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? empty : shown;
}

function serviceExternalIP(svc: Obj): string {
  const spec = obj(svc.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (str(spec.type) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return orNone(externalIPs.join(','));
    case 'LoadBalancer': {
      const ingress = arr(obj(obj(svc.status).loadBalancer).ingress).map(
        (i) => str(obj(i).ip) || str(obj(i).hostname),
      );
      const all = [...ingress.filter((s) => s !== ''), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(svc: Obj): string {
  const ports = arr(obj(svc.spec).ports).map((p) => {
    const port = obj(p);
    const protocol = str(port.protocol) || 'TCP';
    const nodePort = num(port.nodePort);
    return nodePort > 0 ? `${num(port.port)}:${nodePort}/${protocol}` : `${num(port.port)}/${protocol}`;
  });
  return orNone(ports.join(','));
}

function endpointsList(ep: Obj): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const all = subsets.flatMap((s) => {
    const addresses = arr(obj(s).addresses).map((a) => str(obj(a).ip));
    const ports = arr(obj(s).ports);
    if (ports.length === 0) return addresses;
    return ports.flatMap((p) => addresses.map((ip) => joinHostPort(ip, num(obj(p).port))));
  });
  return listWithMore(all, '');
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function podStatus(pod: Obj): string {
  if (obj(pod.metadata).deletionTimestamp) return 'Terminating';
  const status = obj(pod.status);
  let reason = str(status.reason) || str(status.phase);
  for (const cs of arr(status.containerStatuses)) {
    const state = obj(obj(cs).state);
    const waiting = str(obj(state.waiting).reason);
    const terminated = obj(state.terminated);
    if (waiting) reason = waiting;
    else if (str(terminated.reason)) reason = str(terminated.reason);
    else if (Object.keys(terminated).length > 0) reason = `ExitCode:${num(terminated.exitCode)}`;
  }
  return reason;
}

function podReady(pod: Obj): string {
  const total = arr(obj(pod.spec).containers).length;
  const ready = arr(obj(pod.status).containerStatuses).filter((c) => obj(c).ready === true).length;
  return `${ready}/${total}`;
}

/** `3`, or `3 (5m ago)` when the last restart's finish time is known, as kubectl 1.22+ prints. */
function podRestarts(pod: Obj, now: Date): string {
  const statuses = arr(obj(pod.status).containerStatuses).map(obj);
  const restarts = statuses.reduce<number>((n, c) => n + num(c.restartCount), 0);
  const finished = statuses
    .map((c) => str(obj(obj(c.lastState).terminated).finishedAt))
    .filter((t) => t !== '')
    .sort();
  const last = finished[finished.length - 1];
  return restarts > 0 && last ? `${restarts} (${formatAge(last, now)} ago)` : String(restarts);
}

function nodeStatus(node: Obj): string {
  const ready = arr(obj(node.status).conditions)
    .map(obj)
    .find((c) => c.type === 'Ready');
  const base = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  return obj(node.spec).unschedulable === true ? `${base},SchedulingDisabled` : base;
}

function nodeRoles(node: Obj): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(obj(node.metadata).labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && str(v) !== '') roles.add(str(v));
  }
  return orNone(
    [...roles]
      .filter((r) => r !== '')
      .sort()
      .join(','),
  );
}

function nodeAddress(node: Obj, type: string): string {
  const found = arr(obj(node.status).addresses)
    .map(obj)
    .find((a) => a.type === type);
  return orNone(str(found?.address));
}

function nodeInfo(node: Obj, field: string): string {
  return str(obj(obj(node.status).nodeInfo)[field]) || '<unknown>';
}

const wide = { priority: 1 };

const PRINTERS: Readonly<Record<string, Printer>> = {
  Namespace: {
    columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
    cells: (o, now) => [nameOf(o), str(obj(obj(o).status).phase), ageOf(o, now)],
  },
  Service: {
    columns: [
      NAME_COLUMN,
      col('Type', 'The type of the service.'),
      col('Cluster-IP', 'The cluster IP of the service.'),
      col('External-IP', 'The external IP of the service.'),
      col('Port(s)', 'The ports of the service.'),
      AGE_COLUMN,
      col(
        'Selector',
        'Route service traffic to pods with label keys and values matching this selector.',
        wide,
      ),
    ],
    cells: (o, now) => {
      const svc = obj(o);
      const spec = obj(svc.spec);
      return [
        nameOf(o),
        str(spec.type) || 'ClusterIP',
        orNone(str(spec.clusterIP)),
        serviceExternalIP(svc),
        servicePorts(svc),
        ageOf(o, now),
        formatLabels(spec.selector),
      ];
    },
  },
  Endpoints: {
    columns: [NAME_COLUMN, col('Endpoints', 'Endpoints of the object.'), AGE_COLUMN],
    cells: (o, now) => [nameOf(o), endpointsList(obj(o)), ageOf(o, now)],
  },
  Pod: {
    columns: [
      NAME_COLUMN,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted.'),
      AGE_COLUMN,
      col('IP', 'IP address assigned to the pod.', wide),
      col('Node', 'Name of the node the pod is assigned to.', wide),
      col('Nominated Node', 'Name of the node the pod is nominated to.', wide),
      col('Readiness Gates', 'The readiness gates of the pod.', wide),
    ],
    cells: (o, now) => {
      const pod = obj(o);
      const gates = arr(obj(pod.spec).readinessGates);
      return [
        nameOf(o),
        podReady(pod),
        podStatus(pod),
        podRestarts(pod, now),
        ageOf(o, now),
        orNone(str(obj(pod.status).podIP)),
        orNone(str(obj(pod.spec).nodeName)),
        orNone(str(obj(pod.status).nominatedNodeName)),
        gates.length === 0 ? '<none>' : `0/${gates.length}`,
      ];
    },
  },
  Node: {
    columns: [
      NAME_COLUMN,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE_COLUMN,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs in the node.', wide),
      col('External-IP', 'List of external IPs in the node.', wide),
      col('OS-Image', 'OS Image reported by the node.', wide),
      col('Kernel-Version', 'Kernel Version reported by the node.', wide),
      col('Container-Runtime', 'Container Runtime Version reported by the node.', wide),
    ],
    cells: (o, now) => {
      const node = obj(o);
      return [
        nameOf(o),
        nodeStatus(node),
        nodeRoles(node),
        ageOf(o, now),
        str(obj(obj(node.status).nodeInfo).kubeletVersion),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        nodeInfo(node, 'osImage'),
        nodeInfo(node, 'kernelVersion'),
        nodeInfo(node, 'containerRuntimeVersion'),
      ];
    },
  },
  Secret: {
    columns: [
      NAME_COLUMN,
      col('Type', 'The type of the secret'),
      col('Data', 'The number of entries in the secret', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const s = obj(o);
      return [nameOf(o), str(s.type), Object.keys(obj(s.data)).length, ageOf(o, now)];
    },
  },
  ConfigMap: {
    columns: [
      NAME_COLUMN,
      col('Data', 'Number of entries in the configmap', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const c = obj(o);
      return [
        nameOf(o),
        Object.keys(obj(c.data)).length + Object.keys(obj(c.binaryData)).length,
        ageOf(o, now),
      ];
    },
  },
  EndpointSlice: {
    columns: [
      NAME_COLUMN,
      col('AddressType', 'The IP protocol family of the addresses in the slice.'),
      col('Ports', 'The ports exposed by the slice.'),
      col('Endpoints', 'The addresses in the slice.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const s = obj(o);
      const ports = arr(s.ports).map((p) => {
        const port = obj(p);
        return typeof port.port === 'number' ? String(port.port) : str(port.name) || '*';
      });
      const addresses = arr(s.endpoints).flatMap((e) => arr(obj(e).addresses).map(str));
      return [
        nameOf(o),
        str(s.addressType),
        listWithMore(ports, '<unset>'),
        listWithMore(addresses, '<unset>'),
        ageOf(o, now),
      ];
    },
  },
  Lease: {
    columns: [NAME_COLUMN, col('Holder', 'The holder of the lease.'), AGE_COLUMN],
    cells: (o, now) => [nameOf(o), str(obj(obj(o).spec).holderIdentity), ageOf(o, now)],
  },
};

/** The default table of the API server for kinds without a printer (CRDs print this way too). */
export const DEFAULT_PRINTER: Printer = {
  columns: [
    NAME_COLUMN,
    col('Created At', 'CreationTimestamp is the time the object was created.', { type: 'date' }),
  ],
  cells: (o) => [nameOf(o), str(obj(obj(o).metadata).creationTimestamp)],
};

export function builtinPrinter(kind: string): Printer | undefined {
  return PRINTERS[kind];
}
