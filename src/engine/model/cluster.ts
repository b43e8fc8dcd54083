import type { EndpointSlice, LoadBalancerIngress, Pod, Service } from './k8s';
import type { ClusterProfile } from './profile';
import type { Diagnostic, SourceRange, ValueSource } from './source';

/** A Service after the API server, allocators, EndpointSlice controller and cloud controller ran. */
export interface ServiceState {
  service: Service;
  clusterIPSource: ValueSource;
  /** Same order as service.ports. */
  nodePortSources: ValueSource[];
  healthCheckNodePortSource: ValueSource | null;
  /** `name.namespace.svc.<clusterDomain>`. */
  dns: string;
  /** Slices for this Service: predicted by the controller, or user-managed. */
  endpointSlices: EndpointSlice[];
  /** null when the Service is not type LoadBalancer. */
  loadBalancer: {
    ingress: LoadBalancerIngress[];
    ingressSource: ValueSource;
    /** Node names behind the load balancer. */
    nodes: string[];
    /** Why there is no ingress (e.g. no cloud controller), or ''. */
    pendingReason: string;
  } | null;
  source: SourceRange;
}

export interface WorkloadState {
  kind: string;
  namespace: string;
  name: string;
  pods: Pod[];
  source: SourceRange;
}

export interface DnsRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'SRV';
  values: string[];
  service: { namespace: string; name: string };
}

/** What the simulated cluster looks like after every controller has run. */
export interface ClusterState {
  profile: ClusterProfile;
  services: ServiceState[];
  workloads: WorkloadState[];
  pods: Pod[];
  /** Every EndpointSlice kube-proxy sees: predicted and user-managed. */
  endpointSlices: EndpointSlice[];
  dns: DnsRecord[];
  diagnostics: Diagnostic[];
}
