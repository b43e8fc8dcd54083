// The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler, reconcileAutoscaler)
// with no metrics: kubepath predicts no load, so the HPA only clamps the target's replicas
// to [minReplicas, maxReplicas] (a target at 0 with minReplicas > 0 has scaling disabled and
// stays at 0), exactly the branches it takes before it asks for metrics.
import type { Diagnostic, LoadedObject } from '../model';
import { isPlainObject, keyRangeAt, rangeAt } from '../model';
import { memoized } from '../util/memo';

const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'ReplicationController', 'StatefulSet']);

function isAutoscaler(o: LoadedObject): boolean {
  return o.kind === 'HorizontalPodAutoscaler' && /^autoscaling\/v(1|2|2beta1|2beta2)$/.test(o.apiVersion);
}

function wholeNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

interface Decision {
  replicas: number;
  why: string;
}

/** reconcileAutoscaler's replica count for a target at `current`, before metrics. */
export function autoscaledReplicas(current: number, minReplicas: number, maxReplicas: number): Decision {
  if (current === 0 && minReplicas !== 0) {
    return { replicas: 0, why: 'scaling is disabled since the replica count of the target is zero' };
  }
  if (current > maxReplicas)
    return { replicas: maxReplicas, why: 'current number of replicas above maxReplicas' };
  if (current < minReplicas)
    return { replicas: minReplicas, why: 'current number of replicas below minReplicas' };
  return {
    replicas: current,
    why: 'within [minReplicas, maxReplicas]; no metrics are predicted, so it stays',
  };
}

/** The target as the HPA leaves it: the same object when the count does not change. */
const scaledCopies = memoized(() => new Map<number, LoadedObject>());

function withReplicas(target: LoadedObject, replicas: number): LoadedObject {
  const spec = isPlainObject(target.raw['spec']) ? target.raw['spec'] : {};
  if (spec['replicas'] === replicas) return target;
  // One copy per target and count, so an unchanged pair is the same object on every run
  // (the incremental reconciler reuses the work of objects it has seen).
  const copies = scaledCopies(target);
  let copy = copies.get(replicas);
  if (!copy) {
    copy = { ...target, raw: { ...target.raw, spec: { ...spec, replicas } } };
    copies.set(replicas, copy);
  }
  return copy;
}

/**
 * The objects with every HPA's target scaled as its controller scales it; findings on the
 * HPAs and where each count came from. Returns `objects` itself when there is no HPA.
 */
export function applyAutoscalers(
  objects: readonly LoadedObject[],
  diagnostics: Diagnostic[],
): readonly LoadedObject[] {
  const autoscalers = objects.filter(isAutoscaler);
  if (autoscalers.length === 0) return objects;
  const scaled = new Map<LoadedObject, LoadedObject>();
  const byTarget = new Map<string, LoadedObject>();
  for (const o of objects) if (SCALABLE.has(o.kind)) byTarget.set(`${o.kind}/${o.namespace}/${o.name}`, o);
  const claimed = new Map<LoadedObject, LoadedObject>();
  for (const hpa of autoscalers) {
    const spec = isPlainObject(hpa.raw['spec']) ? hpa.raw['spec'] : {};
    const ref = isPlainObject(spec['scaleTargetRef']) ? spec['scaleTargetRef'] : {};
    const kind = typeof ref['kind'] === 'string' ? ref['kind'] : '';
    const name = typeof ref['name'] === 'string' ? ref['name'] : '';
    const minReplicas = spec['minReplicas'] === undefined ? 1 : wholeNumber(spec['minReplicas']);
    const maxReplicas = wholeNumber(spec['maxReplicas']);
    if (minReplicas === null || maxReplicas === null || maxReplicas < 1 || maxReplicas < minReplicas) {
      diagnostics.push({
        range: rangeAt(hpa, ['spec', maxReplicas === null ? 'maxReplicas' : 'minReplicas']),
        severity: 'error',
        code: 'hpa-invalid',
        message:
          maxReplicas === null
            ? 'spec.maxReplicas: Required value: a whole number ≥ 1'
            : minReplicas === null
              ? 'spec.minReplicas: Invalid value: must be a whole number'
              : `spec.maxReplicas: Invalid value: ${maxReplicas}: must be greater than or equal to \`minReplicas\` and at least 1`,
      });
      continue;
    }
    const target = byTarget.get(`${kind}/${hpa.namespace}/${name}`);
    if (!target) {
      diagnostics.push({
        range: rangeAt(hpa, ['spec', 'scaleTargetRef', 'name']),
        severity: 'warning',
        code: 'hpa-target-not-found',
        message: `no ${kind || 'workload'} "${name}" in namespace ${hpa.namespace} in the analysed files: the HPA cannot get its scale (FailedGetScale)`,
      });
      continue;
    }
    const other = claimed.get(target);
    if (other) {
      diagnostics.push({
        range: rangeAt(hpa, ['spec', 'scaleTargetRef']),
        severity: 'warning',
        code: 'hpa-target-shared',
        message: `${kind} ${name} is already scaled by HorizontalPodAutoscaler ${other.name}: two HPAs on one target fight over its replicas (the first is modelled)`,
      });
      continue;
    }
    claimed.set(target, hpa);
    const targetSpec = isPlainObject(target.raw['spec']) ? target.raw['spec'] : {};
    const written = wholeNumber(targetSpec['replicas']);
    const current = targetSpec['replicas'] === undefined ? 1 : written;
    if (current === null) continue; // the workload reports its own invalid replicas
    const decision = autoscaledReplicas(current, minReplicas, maxReplicas);
    scaled.set(target, withReplicas(target, decision.replicas));
    const where = targetSpec['replicas'] === undefined ? ['spec'] : ['spec', 'replicas'];
    diagnostics.push({
      range:
        targetSpec['replicas'] === undefined
          ? rangeAt(target, ['metadata', 'name'])
          : keyRangeAt(target, where),
      severity: 'info',
      code: 'hpa-replicas',
      message: `HorizontalPodAutoscaler ${hpa.name} (minReplicas ${minReplicas}, maxReplicas ${maxReplicas}) ${decision.replicas === current ? 'keeps' : 'sets'} ${kind} ${name} at ${decision.replicas} replica${decision.replicas === 1 ? '' : 's'}${targetSpec['replicas'] === undefined ? ' (replicas not written: 1 by default)' : ''}: ${decision.why}`,
    });
  }
  if (scaled.size === 0) return objects;
  return objects.map((o) => scaled.get(o) ?? o);
}
