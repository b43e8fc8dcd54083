import type { Pod, Service, ServicePort } from '../../src/engine/model';

const here = { file: 't.yaml', line: 1, column: 1, endLine: 1, endColumn: 1 };

export function makeService(over: Partial<Service> & { name?: string; namespace?: string } = {}): Service {
  const { name = 'svc', namespace = 'default', ...rest } = over;
  return {
    metadata: { namespace, name, labels: {}, annotations: {} },
    type: 'ClusterIP',
    clusterIP: '10.96.0.50',
    clusterIPs: ['10.96.0.50'],
    selector: { app: name },
    ports: [port()],
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
    status: { loadBalancer: { ingress: [] } },
    source: here,
    ...rest,
  };
}

export function port(over: Partial<ServicePort> = {}): ServicePort {
  return { name: '', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 0, ...over };
}

export function makePod(
  name: string,
  labels: Record<string, string>,
  ports: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[],
  over: Partial<Pod> = {},
): Pod {
  return {
    metadata: { namespace: 'default', name, labels, annotations: {} },
    nodeName: 'node-1',
    nodeNameSource: 'predicted',
    nodeSelector: {},
    hostname: '',
    subdomain: '',
    containers: [
      {
        name: 'c',
        sidecar: false,
        source: here,
        ports: ports.map((p) => ({
          name: p.name ?? '',
          containerPort: p.containerPort,
          protocol: p.protocol ?? 'TCP',
          source: here,
        })),
      },
    ],
    podIP: '10.244.1.10',
    podIPSource: 'predicted',
    phase: 'Running',
    ready: true,
    terminating: false,
    owner: null,
    source: here,
    ...over,
  };
}
