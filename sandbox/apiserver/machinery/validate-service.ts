/** Service, Endpoints and EndpointSlice: the rules the real API applies (k8s core/discovery validation). */
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from '../../../k8s/labels.js';
import { has, isInt, listAt, objAt, strAt } from './access.js';
import type { FieldError } from './field-errors.js';
import { duplicate, forbidden, invalid, notSupported, required, tooMany } from './field-errors.js';
import { CIDR_EXAMPLE, IP_EXAMPLE, isCIDR, isIP, isIPv4, isIPv6 } from './ip.js';
import { isObject } from './json.js';
import { isValidPortName } from './names.js';

type Obj = Record<string, unknown>;

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';

export function validPort(v: unknown): boolean {
  return isInt(v) && v >= 1 && v <= 65535;
}

function checkEnum(field: string, value: unknown, allowed: readonly string[]): FieldError[] {
  if (value === undefined || value === null || value === '') return [];
  return typeof value === 'string' && allowed.includes(value) ? [] : [notSupported(field, value, allowed)];
}

function checkIP(field: string, value: unknown): FieldError[] {
  return typeof value === 'string' && isIP(value) ? [] : [invalid(field, value, IP_EXAMPLE)];
}

function checkWith(field: string, value: unknown, rule: (s: string) => string[]): FieldError[] {
  if (typeof value !== 'string') return [invalid(field, value, 'must be a string')];
  const errs = rule(value);
  return errs.length > 0 ? [invalid(field, value, errs.join(', '))] : [];
}

/** Port names must be present and unique once there is more than one port (they key the endpoints). */
function checkPortNames(field: string, ports: unknown[], rule: (s: string) => string[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const name = strAt(p, 'name') ?? '';
    const f = `${field}[${i}].name`;
    if (name === '') {
      if (ports.length > 1) errs.push(required(f));
      return;
    }
    errs.push(...checkWith(f, name, rule));
    if (seen.has(name)) errs.push(duplicate(f, name));
    seen.add(name);
  });
  return errs;
}

function checkTargetPort(field: string, v: unknown): FieldError[] {
  if (v === undefined || v === null || v === 0 || v === '') return [];
  if (isInt(v)) return validPort(v) ? [] : [invalid(field, v, PORT_RANGE_MSG)];
  if (typeof v === 'string') return checkWith(field, v, isValidPortName);
  return [invalid(field, v, 'must be an integer or a port name')];
}

function validateServicePort(p: unknown, i: number, type: string): FieldError[] {
  const f = `spec.ports[${i}]`;
  if (!isObject(p)) return [invalid(f, p, 'must be an object')];
  const errs: FieldError[] = [];
  if (!validPort(p.port))
    errs.push(p.port === undefined ? required(`${f}.port`) : invalid(`${f}.port`, p.port, PORT_RANGE_MSG));
  errs.push(...checkEnum(`${f}.protocol`, p.protocol, PROTOCOLS));
  errs.push(...checkTargetPort(`${f}.targetPort`, p.targetPort));
  if (p.appProtocol !== undefined)
    errs.push(...checkWith(`${f}.appProtocol`, p.appProtocol, isQualifiedName));
  const nodePort = p.nodePort;
  if (nodePort !== undefined && nodePort !== null && nodePort !== 0) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
    } else if (!isInt(nodePort) || nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
      errs.push(
        invalid(
          `${f}.nodePort`,
          nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        ),
      );
    }
  }
  return errs;
}

function validateServicePorts(spec: Obj, type: string, headless: boolean): FieldError[] {
  const ports = listAt(spec, 'ports');
  if (spec.ports !== undefined && spec.ports !== null && !Array.isArray(spec.ports)) {
    return [invalid('spec.ports', spec.ports, 'must be a list')];
  }
  if (ports.length === 0) return type === 'ExternalName' || headless ? [] : [required('spec.ports')];
  const errs = ports.flatMap((p, i) => validateServicePort(p, i, type));
  errs.push(...checkPortNames('spec.ports', ports, isDNS1123Label));
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${String(objAtOr(p, 'port'))}/${strAt(p, 'protocol') ?? 'TCP'}`;
    if (seen.has(key))
      errs.push(
        duplicate(`spec.ports[${i}]`, { port: objAtOr(p, 'port'), protocol: strAt(p, 'protocol') ?? 'TCP' }),
      );
    seen.add(key);
  });
  return errs;
}

function objAtOr(v: unknown, key: string): unknown {
  return isObject(v) ? v[key] : undefined;
}

function validateClusterIPs(spec: Obj, type: string): FieldError[] {
  const errs: FieldError[] = [];
  const clusterIP = spec.clusterIP;
  if (clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None') {
    errs.push(...checkIP('spec.clusterIP', clusterIP));
    if (type === 'ExternalName')
      errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  }
  const ips = listAt(spec, 'clusterIPs');
  ips.forEach((ip, i) => {
    if (ip !== 'None') errs.push(...checkIP(`spec.clusterIPs[${i}]`, ip));
  });
  if (ips.length > 2) errs.push(tooMany('spec.clusterIPs', ips.length, 2));
  if (typeof clusterIP === 'string' && clusterIP !== '' && ips.length > 0 && ips[0] !== clusterIP) {
    errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  }
  return errs;
}

function validateExternalAccess(spec: Obj, type: string): FieldError[] {
  const errs: FieldError[] = [];
  listAt(spec, 'externalIPs').forEach((ip, i) => errs.push(...checkIP(`spec.externalIPs[${i}]`, ip)));
  if (spec.loadBalancerIP !== undefined && spec.loadBalancerIP !== '') {
    errs.push(...checkIP('spec.loadBalancerIP', spec.loadBalancerIP));
  }
  listAt(spec, 'loadBalancerSourceRanges').forEach((c, i) => {
    if (typeof c !== 'string' || !isCIDR(c.trim()))
      errs.push(invalid(`spec.loadBalancerSourceRanges[${i}]`, c, CIDR_EXAMPLE));
  });
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (type !== 'LoadBalancer')
      errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
    else errs.push(...checkWith('spec.loadBalancerClass', spec.loadBalancerClass, isQualifiedName));
  }
  if (type === 'ExternalName') {
    if (!strAt(spec, 'externalName')) errs.push(required('spec.externalName'));
    else
      errs.push(
        ...checkWith('spec.externalName', spec.externalName, (s) => isDNS1123Subdomain(s.replace(/\.$/, ''))),
      );
  }
  return errs;
}

function validateFamilies(spec: Obj): FieldError[] {
  const errs = checkEnum('spec.ipFamilyPolicy', spec.ipFamilyPolicy, [
    'PreferDualStack',
    'RequireDualStack',
    'SingleStack',
  ]);
  const families = listAt(spec, 'ipFamilies');
  families.forEach((f, i) => {
    errs.push(...checkEnum(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (families.indexOf(f) !== i) errs.push(duplicate(`spec.ipFamilies[${i}]`, f));
  });
  if (families.length > 2) errs.push(tooMany('spec.ipFamilies', families.length, 2));
  return errs;
}

export function validateService(obj: Obj, old: Obj | undefined): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {};
  const type = strAt(spec, 'type') || 'ClusterIP';
  const errs = checkEnum('spec.type', spec.type, SERVICE_TYPES);
  const headless = spec.clusterIP === 'None';
  errs.push(...validateServicePorts(spec, type, headless));
  errs.push(...validateClusterIPs(spec, type));
  errs.push(...validateExternalAccess(spec, type));
  errs.push(...validateFamilies(spec));
  errs.push(...checkEnum('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  errs.push(...checkEnum('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
  errs.push(...checkEnum('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  errs.push(...validateSelector(spec.selector));
  if (old !== undefined) errs.push(...validateServiceUpdate(spec, objAt(old, 'spec') ?? {}));
  return errs;
}

function validateSelector(selector: unknown): FieldError[] {
  if (selector === undefined || selector === null) return [];
  if (!isObject(selector))
    return [invalid('spec.selector', selector, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(selector)) {
    errs.push(...checkWith('spec.selector', k, isQualifiedName));
    errs.push(...checkWith('spec.selector', v, isValidLabelValue));
  }
  return errs;
}

/** The cluster IP is allocated once: it may be set when it was empty, or change with a move to/from ExternalName. */
function validateServiceUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  const oldIP = strAt(oldSpec, 'clusterIP') ?? '';
  const externalName = spec.type === 'ExternalName' || oldSpec.type === 'ExternalName';
  if (oldIP === '' || externalName || spec.clusterIP === oldIP) return [];
  return [invalid('spec.clusterIP', spec.clusterIP ?? '', 'field is immutable')];
}

// ---------------------------------------------------------------------------------------------

function validateEndpointPorts(field: string, ports: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  ports.forEach((p, i) => {
    const f = `${field}[${i}]`;
    if (!validPort(objAtOr(p, 'port')))
      errs.push(invalid(`${f}.port`, objAtOr(p, 'port') ?? null, PORT_RANGE_MSG));
    errs.push(...checkEnum(`${f}.protocol`, objAtOr(p, 'protocol'), PROTOCOLS));
  });
  errs.push(...checkPortNames(field, ports, isDNS1123Label));
  return errs;
}

export function validateEndpoints(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  listAt(obj, 'subsets').forEach((subset, s) => {
    for (const key of ['addresses', 'notReadyAddresses']) {
      listAt(subset, key).forEach((a, i) =>
        errs.push(...checkIP(`subsets[${s}].${key}[${i}].ip`, objAtOr(a, 'ip'))),
      );
    }
    errs.push(...validateEndpointPorts(`subsets[${s}].ports`, listAt(subset, 'ports')));
  });
  return errs;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_SLICE_ENDPOINTS = 1000;
const MAX_SLICE_PORTS = 100;
const MAX_ENDPOINT_ADDRESSES = 100;

function checkSliceAddress(field: string, addressType: string, a: unknown): FieldError[] {
  if (typeof a !== 'string') return [invalid(field, a, 'must be a string')];
  if (addressType === 'IPv4') return isIPv4(a) ? [] : [invalid(field, a, 'must be a valid IPv4 address')];
  if (addressType === 'IPv6') return isIPv6(a) ? [] : [invalid(field, a, 'must be a valid IPv6 address')];
  if (addressType === 'FQDN') return checkWith(field, a, isDNS1123Subdomain);
  return [];
}

function validateSliceEndpoint(e: unknown, i: number, addressType: string): FieldError[] {
  const f = `endpoints[${i}]`;
  if (!isObject(e)) return [invalid(f, e, 'must be an object')];
  const addresses = listAt(e, 'addresses');
  const errs: FieldError[] = [];
  if (addresses.length === 0) errs.push(required(`${f}.addresses`, 'must contain at least 1 address'));
  if (addresses.length > MAX_ENDPOINT_ADDRESSES)
    errs.push(tooMany(`${f}.addresses`, addresses.length, MAX_ENDPOINT_ADDRESSES));
  addresses.forEach((a, j) => errs.push(...checkSliceAddress(`${f}.addresses[${j}]`, addressType, a)));
  const conditions = objAt(e, 'conditions') ?? {};
  for (const c of ['ready', 'serving', 'terminating']) {
    const v = conditions[c];
    if (v !== undefined && v !== null && typeof v !== 'boolean')
      errs.push(invalid(`${f}.conditions.${c}`, v, 'must be a boolean'));
  }
  if (has(e, 'nodeName')) errs.push(...checkWith(`${f}.nodeName`, e.nodeName, isDNS1123Subdomain));
  if (has(e, 'hostname')) errs.push(...checkWith(`${f}.hostname`, e.hostname, isDNS1123Label));
  return errs;
}

function validateSlicePorts(ports: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ports.length > MAX_SLICE_PORTS) errs.push(tooMany('ports', ports.length, MAX_SLICE_PORTS));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `ports[${i}]`;
    const port = objAtOr(p, 'port');
    // A nil port means "all ports" in an EndpointSlice.
    if (port !== undefined && port !== null && !validPort(port))
      errs.push(invalid(`${f}.port`, port, PORT_RANGE_MSG));
    errs.push(...checkEnum(`${f}.protocol`, objAtOr(p, 'protocol'), PROTOCOLS));
    const name = strAt(p, 'name') ?? '';
    if (name !== '') errs.push(...checkWith(`${f}.name`, name, isDNS1123Label));
    if (names.has(name)) errs.push(duplicate(`${f}.name`, name));
    names.add(name);
    if (has(p, 'appProtocol'))
      errs.push(...checkWith(`${f}.appProtocol`, objAtOr(p, 'appProtocol'), isQualifiedName));
  });
  return errs;
}

export function validateEndpointSlice(obj: Obj, old: Obj | undefined): FieldError[] {
  const addressType = obj.addressType;
  const errs: FieldError[] = [];
  if (addressType === undefined || addressType === '') errs.push(required('addressType'));
  else errs.push(...checkEnum('addressType', addressType, ADDRESS_TYPES));
  if (old !== undefined && old.addressType !== undefined && addressType !== old.addressType) {
    errs.push(invalid('addressType', addressType ?? null, 'field is immutable'));
  }
  const endpoints = listAt(obj, 'endpoints');
  if (endpoints.length > MAX_SLICE_ENDPOINTS)
    errs.push(tooMany('endpoints', endpoints.length, MAX_SLICE_ENDPOINTS));
  const type = typeof addressType === 'string' ? addressType : '';
  endpoints.forEach((e, i) => errs.push(...validateSliceEndpoint(e, i, type)));
  errs.push(...validateSlicePorts(listAt(obj, 'ports')));
  return errs;
}
