// The data plane in front of the L7 decision. A Gateway is programmed by its implementation
// (Envoy Gateway, Istio, Contour, NGINX Gateway Fabric, …), which typically runs proxy pods
// for it and exposes them with a Service of type LoadBalancer; an ingress controller is
// exposed the same way. Neither Service is in the user's files, so kubepath predicts one per
// Gateway (named after it, in its namespace) and one per IngressClass (`<class>-controller`
// in namespace `<class>`), and gives each an address as the cloud controller would
// (`provisionLoadBalancers`, after the Services of the files, whose addresses it keeps).
// `spec.addresses` of a Gateway and `status.loadBalancer.ingress` of an Ingress are honoured.
import type { ClusterState, Service, SourceRange, ValueSource } from '../model';
import { provisionLoadBalancers } from '../reconcile/cloudLoadBalancer';

export interface FrontDoor {
  /** Who this data plane serves: `gateway` ns/name, or `ingress` class. */
  key: string;
  namespace: string;
  name: string;
  /** An address the user wrote (Gateway spec.addresses, Ingress status). */
  written: string | null;
  source: SourceRange;
}

export interface FrontDoorAddress {
  /** IP or host name; null while the load balancer is pending. */
  address: string | null;
  origin: ValueSource;
  nodes: string[];
  pendingReason: string;
}

function syntheticService(door: FrontDoor, status: string[]): Service {
  return {
    metadata: { namespace: door.namespace, name: door.name, labels: {}, annotations: {} },
    type: 'LoadBalancer',
    clusterIP: '',
    clusterIPs: [],
    selector: {},
    ports: [],
    externalIPs: [],
    externalName: '',
    sessionAffinity: 'None',
    sessionAffinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    loadBalancerSourceRanges: [],
    loadBalancerIP: '',
    loadBalancerClass: null,
    healthCheckNodePort: 0,
    publishNotReadyAddresses: false,
    ipFamilies: ['IPv4'],
    status: {
      loadBalancer: {
        ingress: status.map((a) => (/^[\d.]+$|:/.test(a) ? { ip: a } : { hostname: a })),
      },
    },
    source: door.source,
  };
}

/** The address of each front door, not colliding with the load balancers of the files. */
export function frontDoorAddresses(
  state: ClusterState,
  doors: readonly FrontDoor[],
): Map<string, FrontDoorAddress> {
  const existing = state.services
    .filter((s) => s.loadBalancer !== null)
    .map((s) => ({
      ...s.service,
      status: { loadBalancer: { ingress: s.loadBalancer?.ingress ?? [] } },
    }));
  const synthetic = doors.map((d) => syntheticService(d, d.written === null ? [] : [d.written]));
  const results = provisionLoadBalancers([...existing, ...synthetic], state.profile);
  const out = new Map<string, FrontDoorAddress>();
  doors.forEach((door, i) => {
    const service = synthetic[i] as Service;
    const lb = results.get(service);
    const first = lb?.ingress[0];
    out.set(door.key, {
      address: first?.ip ?? first?.hostname ?? null,
      origin: door.written !== null ? 'explicit' : 'predicted',
      nodes: lb?.nodes ?? [],
      pendingReason: lb?.pendingReason ?? '',
    });
  });
  return out;
}
