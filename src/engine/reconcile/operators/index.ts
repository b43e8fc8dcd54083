// Operators: controllers outside Kubernetes that create workloads at run time from custom
// resources. Modelled: prometheus-operator's Prometheus and Alertmanager (monitoring.coreos.com/v1),
// as v0.93.1 builds them. Each resource becomes the StatefulSets and governing Services the
// operator creates, inserted after it in the object list, so the workload controllers,
// scheduler, EndpointSlice controller and findings treat them as any other; their field
// ranges point at the resource's lines.
//
// Choice: a Prometheus or Alertmanager resource is modelled whether or not the operator's
// Deployment is among the analysed files (charts and repositories often install the operator
// separately); the info on the resource says which case it is. Objects the files already
// define (a StatefulSet or Service of the same name, as in an exported cluster) are not
// created again.
import type { Diagnostic, LoadedObject } from '../../model';
import { keyRangeAt, rangeAt } from '../../model';
import { memoized } from '../../util/memo';
import { serviceSelectorMatches } from '../labels';
import { planAlertmanager } from './alertmanager';
import type { OperatorConfig, OperatorPlan } from './common';
import { OPERATOR_VERSION, readOperatorConfig, record } from './common';
import { planPrometheus } from './prometheus';

export { OPERATOR_VERSION };

const GROUP_VERSION = 'monitoring.coreos.com/v1';

export function isOperatorResource(o: LoadedObject): boolean {
  return o.apiVersion === GROUP_VERSION && (o.kind === 'Prometheus' || o.kind === 'Alertmanager');
}

/** One plan per resource and operator configuration, so an unchanged pair gives the same objects. */
const plans = memoized(() => new Map<string, OperatorPlan>());

function planFor(cr: LoadedObject, config: OperatorConfig): OperatorPlan {
  const key = JSON.stringify([config.labels, config.reloaderResources]);
  const byConfig = plans(cr);
  let plan = byConfig.get(key);
  if (!plan) {
    plan = cr.kind === 'Prometheus' ? planPrometheus(cr, config) : planAlertmanager(cr, config);
    byConfig.set(key, plan);
  }
  return plan;
}

/**
 * The objects with the operator's StatefulSets and Services after each Prometheus and
 * Alertmanager resource; `objects` itself when there is none.
 */
export function expandOperators(
  objects: readonly LoadedObject[],
  diagnostics: Diagnostic[],
): readonly LoadedObject[] {
  if (!objects.some(isOperatorResource)) return objects;
  const config = readOperatorConfig(objects);
  const defined = new Set<string>();
  const services = new Map<string, LoadedObject>();
  for (const o of objects) {
    if (o.kind === 'StatefulSet' || (o.kind === 'Service' && o.apiVersion === 'v1')) {
      defined.add(`${o.kind}/${o.namespace}/${o.name}`);
    }
    if (o.kind === 'Service' && o.apiVersion === 'v1') services.set(`${o.namespace}/${o.name}`, o);
  }
  const out: LoadedObject[] = [];
  for (const o of objects) {
    out.push(o);
    if (!isOperatorResource(o) || o.name === '') continue;
    const spec = record(o.raw['spec']);
    const at = keyRangeAt(o, ['kind']);
    if (spec['paused'] === true) {
      diagnostics.push({
        range: keyRangeAt(o, ['spec', 'paused']),
        severity: 'info',
        code: 'operator-paused',
        message: `${o.kind} ${o.name} is paused: prometheus-operator does not reconcile it, so kubepath predicts no pods for it`,
      });
      continue;
    }
    const plan = planFor(o, config);
    if (plan.refused !== null) {
      diagnostics.push({
        range: rangeAt(o, ['spec', 'version']),
        severity: 'warning',
        code: 'operator-refused',
        message: `prometheus-operator ${OPERATOR_VERSION} fails to reconcile ${o.kind} ${o.name}: ${plan.refused}; it creates no pods`,
      });
      continue;
    }
    if (plan.customService !== null) {
      const problem = customServiceProblem(o, plan, services);
      if (problem) {
        diagnostics.push({
          range: rangeAt(o, ['spec', 'serviceName']),
          severity: 'warning',
          code: 'operator-refused',
          message: `prometheus-operator ${OPERATOR_VERSION} fails to reconcile ${o.kind} ${o.name}: ${problem}; it creates no pods`,
        });
        continue;
      }
    }
    const created: string[] = [];
    for (const sset of plan.statefulSets) {
      const key = `StatefulSet/${sset.namespace}/${sset.name}`;
      if (defined.has(key)) continue;
      defined.add(key);
      out.push(sset);
      created.push(`StatefulSet ${sset.name}`);
    }
    const svc = plan.governingService;
    if (svc && !defined.has(`Service/${svc.namespace}/${svc.name}`)) {
      // One per namespace: every resource of the kind there reconciles the same Service.
      defined.add(`Service/${svc.namespace}/${svc.name}`);
      out.push(svc);
      created.push(`headless Service ${svc.name}`);
    }
    const replicas = `${plan.replicas} replica${plan.replicas === 1 ? '' : 's'}${plan.statefulSets.length > 1 ? ' each' : ''}`;
    diagnostics.push({
      range: at,
      severity: 'info',
      code: 'operator-pods',
      message: `pods predicted as prometheus-operator ${OPERATOR_VERSION} creates them: ${created.length > 0 ? created.join(', ') : 'nothing new (the files define its objects)'} (${replicas}); ${operatorNote(config)}`,
    });
  }
  return out;
}

/** What prometheus-operator creates for one Prometheus or Alertmanager resource, by name. */
export interface OperatorCreates {
  statefulSets: string[];
  /** The governing Service: the default one, or spec.serviceName (which the user defines). */
  service: { name: string; generated: boolean } | null;
  replicas: number;
  /** Why it creates nothing (paused, or its reconcile error), or null. */
  none: string | null;
}

/** The names of what the operator creates for `cr` (null when `cr` is no operator resource). */
export function operatorCreates(objects: readonly LoadedObject[], cr: LoadedObject): OperatorCreates | null {
  if (!isOperatorResource(cr) || cr.name === '') return null;
  if (record(cr.raw['spec'])['paused'] === true) {
    return {
      statefulSets: [],
      service: null,
      replicas: 0,
      none: 'paused: the operator does not reconcile it',
    };
  }
  const plan = planFor(cr, readOperatorConfig(objects));
  if (plan.refused !== null) return { statefulSets: [], service: null, replicas: 0, none: plan.refused };
  const service =
    plan.customService !== null
      ? { name: plan.customService, generated: false }
      : plan.governingService
        ? { name: plan.governingService.name, generated: true }
        : null;
  return {
    statefulSets: plan.statefulSets.map((s) => s.name),
    service,
    replicas: plan.replicas,
    none: null,
  };
}

function operatorNote(config: OperatorConfig): string {
  const deployment = config.deployment;
  if (!deployment) {
    return 'no prometheus-operator Deployment is in the analysed files: this assumes the operator runs in the cluster';
  }
  const version =
    config.imageTag !== '' && config.imageTag !== OPERATOR_VERSION
      ? ` (it runs ${config.imageTag}; kubepath follows ${OPERATOR_VERSION})`
      : '';
  return `the operator is Deployment ${deployment.namespace}/${deployment.name}${version}`;
}

/** EnsureCustomGoverningService: the named Service exists and selects the pods' selector labels. */
function customServiceProblem(
  cr: LoadedObject,
  plan: OperatorPlan,
  services: ReadonlyMap<string, LoadedObject>,
): string | null {
  const name = plan.customService ?? '';
  const svc = services.get(`${cr.namespace}/${name}`);
  if (!svc) {
    return `failed to get custom governing service ${cr.namespace}/${name}: services ${JSON.stringify(name)} not found (in the analysed files)`;
  }
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(record(svc.raw['spec'])['selector']))) {
    if (typeof v === 'string') selector[k] = v;
  }
  // An empty selector is labels.Everything() to LabelSelectorAsSelector.
  if (Object.keys(selector).length === 0 || serviceSelectorMatches(selector, plan.selectorLabels))
    return null;
  const show = (m: Record<string, string>): string =>
    Object.keys(m)
      .sort()
      .map((k) => `${k}=${m[k] ?? ''}`)
      .join(',');
  return `custom governing service ${cr.namespace}/${name} with selector ${JSON.stringify(show(selector))} does not select pods with labels ${JSON.stringify(show(plan.selectorLabels))}`;
}
