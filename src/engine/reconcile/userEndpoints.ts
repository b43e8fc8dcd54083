// EndpointSlices and legacy Endpoints written by the user (selector-less
// Services, or on their own). Legacy Endpoints reach kube-proxy through the
// EndpointSliceMirroring controller, which copies them into slices.
import type { Diagnostic, Endpoint, EndpointPort, EndpointSlice, LoadedObject, Protocol } from '../model';
import { isPlainObject, rangeAt } from '../model';
import { readStringMap } from './podTemplate';

const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';

function protocolOf(value: unknown): Protocol {
  return value === 'UDP' || value === 'SCTP' ? value : 'TCP';
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function boolOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function readPorts(value: unknown): EndpointPort[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isPlainObject).map((p) => ({
    name: typeof p['name'] === 'string' ? p['name'] : '',
    port: typeof p['port'] === 'number' ? p['port'] : null,
    protocol: protocolOf(p['protocol']),
    ...(typeof p['appProtocol'] === 'string' ? { appProtocol: p['appProtocol'] } : {}),
  }));
}

export function readUserEndpointSlice(object: LoadedObject, diagnostics: Diagnostic[]): EndpointSlice | null {
  const raw = object.raw;
  const labels = readStringMap(isPlainObject(raw['metadata']) ? raw['metadata']['labels'] : undefined);
  const serviceName = labels['kubernetes.io/service-name'] ?? '';
  if (serviceName === '') {
    diagnostics.push({
      range: rangeAt(object, ['metadata', 'labels']),
      severity: 'warning',
      code: 'endpointslice-no-service',
      message: `EndpointSlice ${object.name} has no kubernetes.io/service-name label, so kube-proxy ignores it`,
    });
  }
  const addressType = raw['addressType'];
  const endpoints: Endpoint[] = [];
  if (Array.isArray(raw['endpoints'])) {
    for (const e of raw['endpoints']) {
      if (!isPlainObject(e)) continue;
      const conditions = isPlainObject(e['conditions']) ? e['conditions'] : {};
      const hints = isPlainObject(e['hints']) ? e['hints'] : null;
      const targetRef = isPlainObject(e['targetRef']) ? e['targetRef'] : null;
      endpoints.push({
        addresses: Array.isArray(e['addresses']) ? e['addresses'].map(String) : [],
        conditions: {
          ready: boolOrNull(conditions['ready']),
          serving: boolOrNull(conditions['serving']),
          terminating: boolOrNull(conditions['terminating']),
        },
        nodeName: typeof e['nodeName'] === 'string' ? e['nodeName'] : null,
        zone: typeof e['zone'] === 'string' ? e['zone'] : null,
        hostname: typeof e['hostname'] === 'string' ? e['hostname'] : null,
        hints: hints
          ? {
              forZones: Array.isArray(hints['forZones'])
                ? hints['forZones'].filter(isPlainObject).map((z) => String(z['name']))
                : [],
              forNodes: Array.isArray(hints['forNodes'])
                ? hints['forNodes'].filter(isPlainObject).map((z) => String(z['name']))
                : [],
            }
          : null,
        targetRef: targetRef
          ? {
              kind: str(targetRef['kind'], ''),
              namespace: str(targetRef['namespace'], object.namespace),
              name: str(targetRef['name'], ''),
            }
          : null,
      });
    }
  }
  return {
    metadata: { namespace: object.namespace, name: object.name, labels, annotations: {} },
    serviceName,
    addressType: addressType === 'IPv6' || addressType === 'FQDN' ? addressType : 'IPv4',
    ports: readPorts(raw['ports']),
    endpoints,
    managedBy: labels['endpointslice.kubernetes.io/managed-by'] ?? '',
    source: object.range,
  };
}

/** v1 Endpoints → the slice the mirroring controller would write (one per subset). */
export function mirrorEndpoints(object: LoadedObject): EndpointSlice[] {
  const subsets = object.raw['subsets'];
  if (!Array.isArray(subsets)) return [];
  const slices: EndpointSlice[] = [];
  subsets.forEach((subset, i) => {
    if (!isPlainObject(subset)) return;
    const endpoints: Endpoint[] = [];
    const add = (list: unknown, ready: boolean): void => {
      if (!Array.isArray(list)) return;
      for (const a of list) {
        if (!isPlainObject(a) || typeof a['ip'] !== 'string') continue;
        endpoints.push({
          addresses: [a['ip']],
          conditions: { ready, serving: ready, terminating: false },
          nodeName: typeof a['nodeName'] === 'string' ? a['nodeName'] : null,
          zone: null,
          hostname: typeof a['hostname'] === 'string' ? a['hostname'] : null,
          hints: null,
          targetRef: null,
        });
      }
    };
    add(subset['addresses'], true);
    add(subset['notReadyAddresses'], false);
    slices.push({
      metadata: {
        namespace: object.namespace,
        name: `${object.name}-${i}`,
        labels: {
          'kubernetes.io/service-name': object.name,
          'endpointslice.kubernetes.io/managed-by': MIRRORING_CONTROLLER,
        },
        annotations: {},
      },
      serviceName: object.name,
      addressType: 'IPv4',
      ports: readPorts(subset['ports']),
      endpoints,
      managedBy: MIRRORING_CONTROLLER,
      source: object.range,
    });
  });
  return slices;
}
