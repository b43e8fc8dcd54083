// The control plane, in the order a real cluster runs it: API server admission
// and allocation, workload controllers, scheduler, pod IPAM, EndpointSlice
// controller, cloud load balancers, DNS. Then the findings over the result.
import type {
  ClusterProfile,
  ClusterState,
  Diagnostic,
  EndpointSlice,
  LoadBalancerIngress,
  LoadedObject,
  Pod,
  ServiceState,
  WorkloadState,
} from '../model';
import { isPlainObject, keyRangeAt } from '../load';
import { runServiceApiServer } from './apiserver';
import type { AdmittedService } from './apiserver';
import { planWorkloads } from './workloads';
import type { WorkloadPlanCache } from './workloads';
import { schedule } from './scheduler';
import { assignPodIPs } from './podIPAM';
import { PodLabelIndex, reconcileEndpointSlices } from './endpointSlices';
import { mirrorEndpoints, readUserEndpointSlice } from './userEndpoints';
import { provisionLoadBalancers } from './cloudLoadBalancer';
import { dnsRecords, serviceDnsName } from './dns';
import { diagnoseServices } from '../diagnose/serviceRules';

export interface ReconcileResult {
  state: ClusterState;
  /** Admitted Services with the objects they came from, same order as state.services. */
  admitted: AdmittedService[];
}

/**
 * Per-object results kept between runs of an incremental analyzer (objects of files
 * that did not change are the same instances). Valid for one profile at a time.
 */
export interface ReconcileCache {
  profile: ClusterProfile | null;
  admissions: WeakMap<LoadedObject, unknown>;
  workloads: WorkloadPlanCache;
}

export function createReconcileCache(): ReconcileCache {
  return { profile: null, admissions: new WeakMap(), workloads: new WeakMap() };
}

export function reconcile(
  allObjects: readonly LoadedObject[],
  profile: ClusterProfile,
  cache?: ReconcileCache,
): ReconcileResult {
  if (cache && cache.profile !== profile) {
    cache.profile = profile;
    cache.admissions = new WeakMap();
    cache.workloads = new WeakMap();
  }
  const diagnostics: Diagnostic[] = [];
  const objects = dropDuplicates(allObjects, diagnostics);

  const serviceObjects = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
  const api = runServiceApiServer(serviceObjects, profile, cache?.admissions);
  diagnostics.push(...api.diagnostics);

  const planned = planWorkloads(objects, profile.nodes, diagnostics, cache?.workloads);
  const placements = schedule(planned, profile.nodes, diagnostics);
  const ips = assignPodIPs(placements, profile.nodes);
  const podsByWorkload = new Map<string, Pod[]>();
  const pods: Pod[] = [];
  for (const placement of placements) {
    const { pod: p } = placement;
    const ip = ips.get(placement) ?? '';
    const pod: Pod = {
      metadata: {
        namespace: p.namespace,
        name: p.name,
        labels: p.labels,
        annotations: p.template.annotations,
      },
      nodeName: placement.nodeName,
      nodeNameSource: placement.source,
      nodeSelector: p.template.nodeSelector,
      hostname: p.template.hostname,
      subdomain: p.template.subdomain,
      containers: p.template.containers,
      podIP: ip,
      podIPSource: 'predicted',
      phase: ip === '' ? 'Pending' : 'Running',
      ready: ip !== '',
      terminating: false,
      owner: p.owner,
      source: p.template.source,
    };
    pods.push(pod);
    const key = p.workloadKey;
    const list = podsByWorkload.get(key) ?? [];
    list.push(pod);
    podsByWorkload.set(key, list);
  }
  const workloads: WorkloadState[] = planned.map((w) => ({
    kind: w.kind,
    namespace: w.namespace,
    name: w.name,
    pods: podsByWorkload.get(`${w.kind}/${w.namespace}/${w.name}`) ?? [],
    source: w.object.range,
  }));

  const userSlices: EndpointSlice[] = [];
  for (const o of objects) {
    if (o.kind === 'EndpointSlice' && o.apiVersion === 'discovery.k8s.io/v1') {
      const slice = readUserEndpointSlice(o, diagnostics);
      if (slice) userSlices.push(slice);
    }
  }
  const selectorServices = new Set(
    api.services
      .filter((a) => a.service.selector !== null)
      .map((a) => `${a.service.metadata.namespace}/${a.service.metadata.name}`),
  );
  for (const o of objects) {
    // Endpoints of selector Services are written by the endpoints controller, not mirrored.
    if (
      o.kind === 'Endpoints' &&
      o.apiVersion === 'v1' &&
      !selectorServices.has(`${o.namespace}/${o.name}`)
    ) {
      userSlices.push(...mirrorEndpoints(o));
    }
  }

  // Listed by namespace/name, whatever the file order.
  api.services.sort((a, b) => {
    const ka = `${a.service.metadata.namespace}/${a.service.metadata.name}`;
    const kb = `${b.service.metadata.namespace}/${b.service.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  // Status is the cloud controller's (or, in a manifest exported from a live cluster, what it
  // reported; the API server ignores status on create). Admitted Services are not mutated:
  // an incremental analyzer may reuse them.
  const withStatus = api.services.map((a) => ({
    ...a.service,
    status: {
      loadBalancer: { ingress: a.service.type === 'LoadBalancer' ? reportedIngress(a.object.raw) : [] },
    },
  }));
  const lbs = provisionLoadBalancers(withStatus, profile);
  const podIndex = new PodLabelIndex(pods);
  const endpointSlices: EndpointSlice[] = [];
  const services: ServiceState[] = [];
  const dns = [];
  for (const [i, admitted] of api.services.entries()) {
    const base = withStatus[i] ?? admitted.service;
    const lb = lbs.get(base) ?? null;
    const service = lb ? { ...base, status: { loadBalancer: { ingress: lb.ingress } } } : base;
    const slices =
      service.selector !== null
        ? reconcileEndpointSlices(service, podIndex, profile.nodes)
        : userSlices.filter(
            (s) =>
              s.metadata.namespace === service.metadata.namespace && s.serviceName === service.metadata.name,
          );
    endpointSlices.push(...slices);
    services.push({
      service,
      clusterIPSource: admitted.clusterIPSource,
      nodePortSources: admitted.nodePortSources,
      healthCheckNodePortSource: admitted.healthCheckNodePortSource,
      dns: serviceDnsName(service, profile.clusterDomain),
      endpointSlices: slices,
      loadBalancer: lb,
      source: admitted.object.range,
    });
    dns.push(...dnsRecords(service, slices, profile.clusterDomain));
  }
  // Slices for Services not in the files still reach kube-proxy.
  const claimed = new Set(endpointSlices);
  for (const s of userSlices) if (!claimed.has(s)) endpointSlices.push(s);

  diagnostics.push(
    ...diagnoseServices(
      api.services.map((a, i) => ({
        service: a.service,
        object: a.object,
        slices: services[i]?.endpointSlices ?? [],
      })),
      podIndex,
    ),
  );
  return {
    state: { profile, services, workloads, pods, endpointSlices, dns, diagnostics },
    admitted: api.services,
  };
}

function reportedIngress(raw: Record<string, unknown>): LoadBalancerIngress[] {
  const status = raw['status'];
  const lb = isPlainObject(status) ? status['loadBalancer'] : undefined;
  const ingress = isPlainObject(lb) ? lb['ingress'] : undefined;
  if (!Array.isArray(ingress)) return [];
  return ingress.filter(isPlainObject).flatMap((i): LoadBalancerIngress[] => {
    const ip = typeof i['ip'] === 'string' ? i['ip'] : undefined;
    const hostname = typeof i['hostname'] === 'string' ? i['hostname'] : undefined;
    if (!ip && !hostname) return [];
    const ipMode = i['ipMode'] === 'Proxy' || i['ipMode'] === 'VIP' ? i['ipMode'] : undefined;
    return [{ ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}), ...(ipMode ? { ipMode } : {}) }];
  });
}

/** Two definitions of one object: like `kubectl apply`, the last one wins. */
function dropDuplicates(objects: readonly LoadedObject[], diagnostics: Diagnostic[]): LoadedObject[] {
  const last = new Map<string, LoadedObject>();
  for (const o of objects) {
    if (o.name === '') continue;
    last.set(`${o.apiVersion.split('/')[0]}/${o.kind}/${o.namespace}/${o.name}`, o);
  }
  return objects.filter((o) => {
    if (o.name === '') return true;
    const winner = last.get(`${o.apiVersion.split('/')[0]}/${o.kind}/${o.namespace}/${o.name}`);
    if (winner === o || !winner) return true;
    diagnostics.push({
      range: keyRangeAt(o, ['metadata', 'name']),
      severity: 'warning',
      code: 'object-duplicate',
      message: `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} is defined again at ${winner.file}:${winner.range.line}; the later definition wins`,
      related: [{ range: winner.range, message: 'the definition that wins' }],
    });
    return false;
  });
}
