// What kube-proxy watches, for either backend: Services (with the load-balancer status the
// cloud controller wrote) and EndpointSlices.
import type { ClusterState, EndpointSlice, Service } from '../model';

export interface ProxyInput {
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

/**
 * What kube-proxy watches, taken from the reconciled cluster: each Service with the
 * load-balancer status the cloud controller wrote, and every EndpointSlice.
 */
export function proxyInputFromState(state: Pick<ClusterState, 'services' | 'endpointSlices'>): ProxyInput {
  return {
    services: state.services.map((s) =>
      s.loadBalancer && s.loadBalancer.ingress.length > 0
        ? { ...s.service, status: { loadBalancer: { ingress: s.loadBalancer.ingress } } }
        : s.service,
    ),
    endpointSlices: state.endpointSlices,
  };
}
