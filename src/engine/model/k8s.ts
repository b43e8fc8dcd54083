// Plain typed Kubernetes shapes after API-server defaulting. Every object says
// where it came from; predicted objects (pods, EndpointSlices) point at the
// YAML that caused them.
import type { SourceRange, ValueSource } from './source';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type IPFamily = 'IPv4' | 'IPv6';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';
export type Labels = Record<string, string>;

export interface ObjectMeta {
  namespace: string;
  name: string;
  labels: Labels;
  annotations: Labels;
}

export interface ServicePort {
  /** '' when unnamed. */
  name: string;
  protocol: Protocol;
  port: number;
  /** Defaulted to `port` when unset. */
  targetPort: number | string;
  /** 0 = none. */
  nodePort: number;
  appProtocol?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: 'VIP' | 'Proxy';
}

export interface Service {
  metadata: ObjectMeta;
  type: ServiceType;
  /** '' for ExternalName, 'None' for headless. */
  clusterIP: string;
  clusterIPs: string[];
  /** null = no selector: endpoints are user-managed. */
  selector: Labels | null;
  ports: ServicePort[];
  externalIPs: string[];
  externalName: string;
  sessionAffinity: 'None' | 'ClientIP';
  /** Only meaningful for ClientIP affinity; API default 10800. */
  sessionAffinityTimeoutSeconds: number;
  externalTrafficPolicy: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  loadBalancerSourceRanges: string[];
  loadBalancerIP: string;
  loadBalancerClass: string | null;
  /** 0 = none. */
  healthCheckNodePort: number;
  publishNotReadyAddresses: boolean;
  ipFamilies: IPFamily[];
  status: { loadBalancer: { ingress: LoadBalancerIngress[] } };
  source: SourceRange;
}

export interface EndpointConditions {
  /** null = unset; kube-proxy treats unset ready as true, unset serving as ready, unset terminating as false. */
  ready: boolean | null;
  serving: boolean | null;
  terminating: boolean | null;
}

export interface Endpoint {
  addresses: string[];
  conditions: EndpointConditions;
  nodeName: string | null;
  zone: string | null;
  hostname: string | null;
  hints: { forZones: string[]; forNodes: string[] } | null;
  targetRef: { kind: string; namespace: string; name: string } | null;
}

export interface EndpointPort {
  /** '' when unnamed. */
  name: string;
  /** null = all ports (allowed by the API; kube-proxy skips it). */
  port: number | null;
  protocol: Protocol;
  appProtocol?: string;
}

export interface EndpointSlice {
  metadata: ObjectMeta;
  /** `kubernetes.io/service-name` label. */
  serviceName: string;
  addressType: IPFamily | 'FQDN';
  ports: EndpointPort[];
  endpoints: Endpoint[];
  /** `endpointslice.kubernetes.io/managed-by`; the controller's value for predicted slices. */
  managedBy: string;
  source: SourceRange;
}

export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: Protocol;
  source: SourceRange;
}

export interface Container {
  name: string;
  ports: ContainerPort[];
  /** Init containers with restartPolicy Always (sidecars) serve ports too. */
  sidecar: boolean;
  source: SourceRange;
}

export interface Pod {
  metadata: ObjectMeta;
  nodeName: string;
  nodeNameSource: ValueSource;
  nodeSelector: Labels;
  hostname: string;
  subdomain: string;
  containers: Container[];
  /** The primary address (status.podIP); '' = none yet. */
  podIP: string;
  /** status.podIPs of a dual-stack pod, primary first (absent: just podIP). */
  podIPs?: string[];
  podIPSource: ValueSource;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  ready: boolean;
  terminating: boolean;
  /** The workload that owns the pod, or null for a bare Pod. */
  owner: { kind: string; name: string } | null;
  /** The pod template (or Pod document) this pod was made from. */
  source: SourceRange;
}

export interface Node {
  name: string;
  ips: string[];
  labels: Labels;
  /** The primary pod CIDR (spec.podCIDR). */
  podCIDR: string;
  /** spec.podCIDRs of a dual-stack node, primary first (absent: just podCIDR). */
  podCIDRs?: string[];
  /** spec.taints (absent: none). */
  taints?: NodeTaint[];
  /** status.allocatable as quantities; profiles always set it (DEFAULT_NODE_ALLOCATABLE fills gaps); absent: not limited. */
  allocatable?: Record<string, string>;
  /** spec.unschedulable (a cordoned node). */
  unschedulable?: boolean;
}

export interface NodeTaint {
  key: string;
  value: string;
  effect: string;
}

/** The pod's addresses of one family (status.podIPs in order; all of them without `family`). */
export function podIPsOf(pod: Pick<Pod, 'podIP' | 'podIPs'>, family?: IPFamily): string[] {
  const all = pod.podIPs ?? (pod.podIP === '' ? [] : [pod.podIP]);
  return family === undefined ? all : all.filter((ip) => ip.includes(':') === (family === 'IPv6'));
}
