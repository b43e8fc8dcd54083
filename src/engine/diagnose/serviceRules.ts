// Findings about how Services meet the pods in the workspace: selectors that
// match nothing, target ports no container serves, Services with no ready endpoints.
import type {
  Diagnostic,
  EndpointSlice,
  Fix,
  Labels,
  LoadedObject,
  Pod,
  Service,
  SourceRange,
} from '../model';
import { forGeneratedObject, keyRangeAt, rangeAt } from '../model';
import { findPort, PodLabelIndex, selectedPods } from '../reconcile/endpointSlices';
import { serviceSelectorMatches } from '../reconcile/labels';
import { editDistance, isLikelyTypo } from '../util/editDistance';

export interface ServiceFacts {
  service: Service;
  object: LoadedObject;
  slices: readonly EndpointSlice[];
}

/** A pod template, seen once per workload rather than once per replica. */
export interface TemplateView {
  owner: string;
  namespace: string;
  labels: Labels;
  pods: Pod[];
  source: SourceRange;
}

/** The pod templates behind `pods`, in the order their first pod appears. */
export function templateViews(pods: readonly Pod[]): TemplateView[] {
  const byTemplate = new Map<string, TemplateView>();
  for (const pod of pods) {
    const owner = pod.owner ? `${pod.owner.kind} ${pod.owner.name}` : `Pod ${pod.metadata.name}`;
    const key = `${pod.metadata.namespace}/${owner}/${pod.source.file}:${pod.source.line}`;
    const view = byTemplate.get(key);
    if (view) view.pods.push(pod);
    else
      byTemplate.set(key, {
        owner,
        namespace: pod.metadata.namespace,
        labels: pod.metadata.labels,
        pods: [pod],
        source: pod.source,
      });
  }
  return [...byTemplate.values()];
}

/** Templates by namespace and by label pair, in template order. */
export interface TemplateIndex {
  all: TemplateView[];
  byNamespace: Map<string, TemplateView[]>;
  byLabel: Map<string, Map<string, TemplateView[]>>;
}

export function indexTemplates(views: TemplateView[]): TemplateIndex {
  const byNamespace = new Map<string, TemplateView[]>();
  const byLabel = new Map<string, Map<string, TemplateView[]>>();
  const add = <K>(map: Map<K, TemplateView[]>, key: K, view: TemplateView): void => {
    const list = map.get(key);
    if (list) list.push(view);
    else map.set(key, [view]);
  };
  for (const view of views) {
    add(byNamespace, view.namespace, view);
    for (const [key, value] of Object.entries(view.labels)) {
      let byValue = byLabel.get(key);
      if (!byValue) {
        byValue = new Map();
        byLabel.set(key, byValue);
      }
      add(byValue, value, view);
    }
  }
  return { all: views, byNamespace, byLabel };
}

/** The templates `serviceSelectorMatches` accepts, in template order. */
export function matchingTemplates(index: TemplateIndex, selector: Labels): TemplateView[] {
  let smallest: TemplateView[] | undefined;
  for (const [key, value] of Object.entries(selector)) {
    const list = index.byLabel.get(key)?.get(value);
    if (!list) return [];
    if (!smallest || list.length < smallest.length) smallest = list;
  }
  return (smallest ?? []).filter((v) => serviceSelectorMatches(selector, v.labels));
}

function where(range: SourceRange): string {
  return `${range.file}:${range.line}`;
}

function ownerLabel(view: TemplateView): string {
  const pod = view.pods[0];
  if (pod?.owner?.kind === 'ReplicaSet' && pod.metadata.labels['pod-template-hash']) {
    return `Deployment ${pod.owner.name.replace(/-[^-]+$/, '')}`;
  }
  return view.owner;
}

export function diagnoseServices(
  facts: readonly ServiceFacts[],
  pods: readonly Pod[] | PodLabelIndex,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const views = indexTemplates(templateViews(pods instanceof PodLabelIndex ? pods.pods : pods));
  for (const f of facts) {
    const selected = f.service.selector === null ? [] : selectedPods(f.service, pods);
    const ns = f.service.metadata.namespace;
    const context = (): NoMatchContext => ({
      inNamespace: views.byNamespace.get(ns) ?? [],
      elsewhere: matchingTemplates(views, f.service.selector ?? {}).filter((v) => v.namespace !== ns),
    });
    for (const d of diagnoseService(f, selected, context)) out.push(d);
  }
  return out;
}

/** The pod templates a Service that selects no pod is compared with. */
export interface NoMatchContext {
  /** Templates in the Service's namespace, in template order. */
  inNamespace: readonly TemplateView[];
  /** Templates in other namespaces its selector matches, in template order. */
  elsewhere: readonly TemplateView[];
}

/** The findings about one Service, given the pods its selector selects. */
export function diagnoseService(
  f: ServiceFacts,
  selected: readonly Pod[],
  noMatch: () => NoMatchContext,
): Diagnostic[] {
  return forGeneratedObject(f.object, serviceFindings(f, selected, noMatch));
}

function serviceFindings(
  f: ServiceFacts,
  selected: readonly Pod[],
  noMatch: () => NoMatchContext,
): Diagnostic[] {
  const { service, object } = f;
  if (service.type === 'ExternalName' || service.selector === null) return checkUserManaged(f);
  if (selected.length === 0) return [selectorNoMatch(f, noMatch())];
  const out = checkTargetPorts(f, selected);
  const anyReady = f.slices.some((s) => s.endpoints.some((e) => e.conditions.ready !== false));
  if (!anyReady) {
    out.push({
      range: rangeAt(object, ['spec', 'selector']),
      severity: 'warning',
      code: 'service-no-ready-endpoints',
      message: `Service ${service.metadata.name} selects ${selected.length} pod(s) but none is ready, so kube-proxy rejects its traffic`,
    });
  }
  return out;
}

/**
 * The kube-system pods every kubeadm-style cluster runs, by the labels their manifests carry:
 * CoreDNS (`k8s-app: kube-dns`), kube-proxy's DaemonSet, and the control plane's static pods
 * (`component: …`, `tier: control-plane`).
 */
const CLUSTER_COMPONENTS: readonly [string, string, string][] = [
  ['k8s-app', 'kube-dns', 'the cluster DNS pods (CoreDNS)'],
  ['k8s-app', 'kube-proxy', "kube-proxy's pods on every node"],
  ['component', 'kube-apiserver', 'the control plane’s kube-apiserver pods'],
  ['component', 'kube-controller-manager', 'the control plane’s kube-controller-manager pods'],
  ['component', 'kube-scheduler', 'the control plane’s kube-scheduler pods'],
  ['component', 'etcd', 'the control plane’s etcd pods'],
];

function clusterComponent(selector: Readonly<Record<string, string>>): string | null {
  for (const [key, value, what] of CLUSTER_COMPONENTS) if (selector[key] === value) return what;
  return null;
}

function selectorNoMatch(f: ServiceFacts, context: NoMatchContext): Diagnostic {
  const { service, object } = f;
  const selector = service.selector ?? {};
  const ns = service.metadata.namespace;
  const text = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const elsewhere = context.elsewhere;
  if (elsewhere.length > 0) {
    const v = elsewhere[0] as TemplateView;
    return {
      range: rangeAt(object, ['spec', 'selector']),
      severity: 'warning',
      code: 'service-selector-other-namespace',
      message: `selector ${text} matches no pods in namespace ${ns}, but matches ${ownerLabel(v)} in namespace ${v.namespace} (${where(v.source)}); a Service only selects pods in its own namespace`,
      related: elsewhere.map((e) => ({
        range: e.source,
        message: `${ownerLabel(e)} in namespace ${e.namespace}`,
      })),
    };
  }
  const component = ns === 'kube-system' ? clusterComponent(selector) : null;
  if (component) {
    return {
      range: rangeAt(object, ['spec', 'selector']),
      severity: 'info',
      code: 'service-selects-cluster-component',
      message: `selector ${text} selects ${component}, which the cluster itself runs (not defined in your files); kubepath does not model the cluster's own pods, so this Service's endpoints are not predicted`,
    };
  }
  // The nearest template in the namespace: fewest differing pairs, then smallest edit distance.
  let best: { view: TemplateView; misses: [string, string][]; score: number } | null = null;
  for (const view of context.inNamespace) {
    const misses = Object.entries(selector).filter(([k, v]) => view.labels[k] !== v);
    const score = misses.reduce((sum, [k, v]) => sum + nearestDistance(k, v, view.labels), 0);
    if (
      !best ||
      misses.length < best.misses.length ||
      (misses.length === best.misses.length && score < best.score)
    ) {
      best = { view, misses, score };
    }
  }
  const diagnostic: Diagnostic = {
    range: rangeAt(object, ['spec', 'selector']),
    severity: 'warning',
    code: 'service-selector-no-match',
    message: `selector ${text} matches no pods in namespace ${ns}`,
  };
  if (!best) {
    diagnostic.message +=
      ' (no workload in this namespace is defined in the analysed files; the pods may come from elsewhere)';
    return diagnostic;
  }
  const fixes: Fix[] = [];
  const hints: string[] = [];
  for (const [key, value] of best.misses) {
    const actual = best.view.labels[key];
    if (actual !== undefined && isLikelyTypo(value, actual)) {
      hints.push(`${key}=${actual}`);
      const range = rangeAt(object, ['spec', 'selector', key]);
      diagnostic.range = range;
      fixes.push({
        title: `Change selector to ${key}=${actual}`,
        edits: [{ range, newText: actual }],
        preferred: true,
      });
      continue;
    }
    const similarKey = Object.keys(best.view.labels).find(
      (k) => best.view.labels[k] === value && isLikelyTypo(key, k),
    );
    if (similarKey) {
      hints.push(`${similarKey}=${value}`);
      const range = keyRangeAt(object, ['spec', 'selector', key]);
      diagnostic.range = range;
      fixes.push({
        title: `Change selector key to ${similarKey}`,
        edits: [{ range, newText: similarKey }],
        preferred: true,
      });
    }
  }
  if (hints.length > 0 && hints.length === best.misses.length) {
    diagnostic.message += `; did you mean ${hints.join(',')} (${ownerLabel(best.view)}, ${where(best.view.source)})?`;
    diagnostic.fixes = fixes;
  } else {
    diagnostic.message += `; the closest is ${ownerLabel(best.view)} (${where(best.view.source)}) with labels ${Object.entries(
      best.view.labels,
    )
      .filter(([k]) => k !== 'pod-template-hash')
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
  }
  diagnostic.related = [{ range: best.view.source, message: `pod template of ${ownerLabel(best.view)}` }];
  return diagnostic;
}

function nearestDistance(key: string, value: string, labels: Labels): number {
  const actual = labels[key];
  if (actual !== undefined) return editDistance(value, actual);
  return Math.min(100, ...Object.keys(labels).map((k) => editDistance(key, k) + 1));
}

function checkTargetPorts(f: ServiceFacts, selected: readonly Pod[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { service, object } = f;
  service.ports.forEach((sp, i) => {
    // Resolved only for a finding (a range lookup walks the YAML of the Service).
    const rangeOf = (): SourceRange =>
      object.ranges.has(`spec.ports[${i}].targetPort`)
        ? rangeAt(object, ['spec', 'ports', i, 'targetPort'])
        : rangeAt(object, ['spec', 'ports', i]);
    const declared = selected.flatMap((p) =>
      p.containers.flatMap((c) => c.ports.filter((cp) => cp.protocol === sp.protocol)),
    );
    if (typeof sp.targetPort === 'number') {
      if (declared.length === 0) {
        // Legal (the image may listen there), and the classic cause of a dead Service.
        if (selected.length > 0 && selected.every((p) => p.containers.every((c) => c.ports.length === 0))) {
          out.push({
            range: rangeOf(),
            severity: 'info',
            code: 'service-target-port-not-found',
            message: `the selected pods declare no container ports: traffic goes to port ${sp.targetPort}, which works only if the process listens there`,
            related: uniqueBy(selected, (p) => `${p.source.file}:${p.source.line}`).map((p) => ({
              range: p.source,
              message: `pod template of ${p.metadata.namespace}/${p.owner?.name ?? p.metadata.name}`,
            })),
          });
        }
        return;
      }
      if (declared.some((cp) => cp.containerPort === sp.targetPort)) return;
      const range = rangeOf();
      const choices = uniqueBy(declared, (cp) => String(cp.containerPort));
      out.push({
        range,
        severity: 'warning',
        code: 'service-target-port-not-found',
        message: `targetPort ${sp.targetPort} is not a containerPort of the selected pods (they declare ${choices
          .map((cp) => (cp.name ? `${cp.containerPort} "${cp.name}"` : String(cp.containerPort)))
          .join(', ')}); traffic goes to port ${sp.targetPort} anyway`,
        related: choices.map((cp) => ({ range: cp.source, message: `containerPort ${cp.containerPort}` })),
        fixes: choices.map((cp, n) => ({
          title: `Set targetPort to ${cp.containerPort}`,
          edits: [targetPortEdit(object, i, String(cp.containerPort))],
          preferred: n === 0,
        })),
      });
      return;
    }
    const unresolved = selected.filter((p) => findPort(p, sp) === null);
    if (unresolved.length === 0) return;
    const range = rangeOf();
    const named = uniqueBy(
      declared.filter((cp) => cp.name !== ''),
      (cp) => cp.name,
    ).sort(
      (a, b) => editDistance(a.name, String(sp.targetPort)) - editDistance(b.name, String(sp.targetPort)),
    );
    const all = unresolved.length === selected.length;
    out.push({
      range,
      severity: all ? 'error' : 'warning',
      code: 'service-named-port-not-found',
      message: all
        ? `targetPort "${sp.targetPort}" names no ${sp.protocol} container port in the selected pods${named.length > 0 ? ` (they have ${named.map((cp) => `"${cp.name}"`).join(', ')})` : ''}; port ${sp.port} has no endpoints and kube-proxy rejects its traffic`
        : `targetPort "${sp.targetPort}" is missing in ${unresolved.length} of ${selected.length} selected pods (e.g. ${unresolved[0]?.metadata.name}); those pods get no endpoint for port ${sp.port}`,
      related: named.map((cp) => ({
        range: cp.source,
        message: `container port "${cp.name}" (${cp.containerPort})`,
      })),
      fixes: named.map((cp, n) => ({
        title: `Set targetPort to "${cp.name}"`,
        edits: [targetPortEdit(object, i, cp.name)],
        preferred: n === 0,
      })),
    });
  });
  return out;
}

function targetPortEdit(
  object: LoadedObject,
  portIndex: number,
  value: string,
): { range: SourceRange; newText: string } {
  if (object.ranges.has(`spec.ports[${portIndex}].targetPort`)) {
    return { range: rangeAt(object, ['spec', 'ports', portIndex, 'targetPort']), newText: value };
  }
  // No targetPort written: add one after the port number.
  const portRange = rangeAt(object, ['spec', 'ports', portIndex, 'port']);
  const keyRange = keyRangeAt(object, ['spec', 'ports', portIndex, 'port']);
  const indent = ' '.repeat(Math.max(0, keyRange.column - 1));
  return {
    range: { ...portRange, line: portRange.endLine, column: portRange.endColumn },
    newText: `\n${indent}targetPort: ${value}`,
  };
}

function checkUserManaged(f: ServiceFacts): Diagnostic[] {
  const { service, object } = f;
  if (service.type === 'ExternalName' || service.clusterIP === 'None') return [];
  if (f.slices.length > 0 && f.slices.every((s) => s.endpoints.every((e) => e.conditions.ready === false))) {
    return [
      {
        range: rangeAt(object, ['metadata', 'name']),
        severity: 'warning',
        code: 'service-no-ready-endpoints',
        message: `Service ${service.metadata.name} has no selector and its EndpointSlices/Endpoints list no ready address`,
      },
    ];
  }
  return [];
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
