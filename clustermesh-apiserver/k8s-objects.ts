/**
 * The parts of Kubernetes objects the projection reads, validated with zod because they come
 * from the API server (external input). Unknown fields are ignored; missing optional fields get
 * Kubernetes' defaults where the API server would have applied them.
 */
import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

export const metadataSchema = z.object({
  name: z.string().min(1, 'metadata.name is empty'),
  namespace: z.string().optional(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
});
const namespacedMetadata = metadataSchema.extend({ namespace: z.string().min(1, 'metadata.namespace is empty') });

const protocol = z.enum(['TCP', 'UDP', 'SCTP']).default('TCP');

export const serviceSchema = z.object({
  metadata: namespacedMetadata,
  spec: z.object({
    type: z.string().optional(),
    clusterIP: z.string().optional(),
    clusterIPs: z.array(z.string()).nullish(),
    selector: stringMap.nullish(),
    ports: z
      .array(z.object({ name: z.string().optional(), port: z.number().int().min(1).max(65535), protocol }))
      .nullish(),
  }),
});
export type K8sService = z.infer<typeof serviceSchema>;

export const endpointSliceSchema = z.object({
  metadata: namespacedMetadata,
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z
    .array(
      z.object({
        addresses: z.array(z.string()).min(1, 'endpoint without addresses'),
        conditions: z
          .object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() })
          .nullish(),
        hostname: z.string().nullish(),
        nodeName: z.string().nullish(),
        zone: z.string().nullish(),
      }),
    )
    .nullish(),
  ports: z
    .array(z.object({ name: z.string().nullish(), port: z.number().int().min(1).max(65535).nullish(), protocol }))
    .nullish(),
});
export type K8sEndpointSlice = z.infer<typeof endpointSliceSchema>;

export const namespaceSchema = z.object({ metadata: metadataSchema });
export type K8sNamespace = z.infer<typeof namespaceSchema>;

export const nodeSchema = z.object({
  metadata: metadataSchema,
  spec: z.object({ podCIDR: z.string().optional(), podCIDRs: z.array(z.string()).nullish() }).default({}),
  status: z
    .object({ addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish() })
    .default({}),
});
export type K8sNode = z.infer<typeof nodeSchema>;

export const ciliumIdentitySchema = z.object({
  metadata: metadataSchema,
  'security-labels': stringMap,
});
export type K8sCiliumIdentity = z.infer<typeof ciliumIdentitySchema>;

export const ciliumEndpointSchema = z.object({
  metadata: namespacedMetadata,
  status: z
    .object({
      identity: z.object({ id: z.number().int().min(0).max(0xffffffff) }).nullish(),
      encryption: z.object({ key: z.number().int().min(0).max(255).optional() }).nullish(),
      networking: z
        .object({
          addressing: z.array(z.object({ ipv4: z.string().optional(), ipv6: z.string().optional() })).nullish(),
          node: z.string().optional(),
        })
        .nullish(),
      'named-ports': z
        .array(z.object({ name: z.string(), port: z.number().int().min(0).max(65535), protocol: z.string().default('TCP') }))
        .nullish(),
      'service-account': z.string().optional(),
    })
    .nullish(),
});
export type K8sCiliumEndpoint = z.infer<typeof ciliumEndpointSchema>;

/** Label on an EndpointSlice naming its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
