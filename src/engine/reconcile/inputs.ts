// Reconcile's first step: the objects each controller reads. The HPA controller's replica
// counts applied, duplicate definitions dropped (the last one wins, like `kubectl apply`),
// then split by controller: Services, workloads, user EndpointSlices/Endpoints. Kept
// across runs: only the changed part of the object list is looked at.
import type { Diagnostic, LoadedObject } from '../model';
import { keyRangeAt } from '../model';
import { applyAutoscalers } from './hpa';
import { expandOperators } from './operators';
import { isWorkloadObject } from './workloads';
import { cacheFor, commonEnds, splice } from './incremental';

export const SERVICE = 1;
export const WORKLOAD = 2;
export const USER_ENDPOINTS = 3;

export function category(o: LoadedObject): number {
  if (o.kind === 'Service' && o.apiVersion === 'v1') return SERVICE;
  if (isWorkloadObject(o)) return WORKLOAD;
  if (
    (o.kind === 'EndpointSlice' && o.apiVersion === 'discovery.k8s.io/v1') ||
    (o.kind === 'Endpoints' && o.apiVersion === 'v1')
  ) {
    return USER_ENDPOINTS;
  }
  return 0;
}

/** The objects each controller acts on, in object order. */
export interface ControllerInputs {
  services: LoadedObject[];
  workloads: LoadedObject[];
  userEndpoints: LoadedObject[];
}

/** Owns the object list of the previous run and the duplicate counts kept across runs. */
export class ObjectInputs {
  private rawObjects: LoadedObject[] = [];
  private readonly duplicateKeys: WeakMap<LoadedObject, string>;
  private readonly keyCounts = new Map<string, number>();
  private duplicatedKeys = 0;
  private objects: LoadedObject[] = [];
  private categories: number[] = [];
  private readonly lists = new Map<number, LoadedObject[]>([
    [SERVICE, []],
    [WORKLOAD, []],
    [USER_ENDPOINTS, []],
  ]);

  constructor(keep: boolean) {
    this.duplicateKeys = cacheFor(keep);
  }

  read(allObjects: readonly LoadedObject[], diagnostics: Diagnostic[]): ControllerInputs {
    // Operators create their workloads first; the HPA controller acts before the workload
    // controllers read replicas.
    const withOperators = expandOperators(allObjects, diagnostics);
    this.classify(this.dropDuplicates(applyAutoscalers(withOperators, diagnostics), diagnostics));
    return {
      services: this.lists.get(SERVICE) ?? [],
      workloads: this.lists.get(WORKLOAD) ?? [],
      userEndpoints: this.lists.get(USER_ENDPOINTS) ?? [],
    };
  }

  /** Two definitions of one object: like `kubectl apply`, the last one wins. Counts kept across runs. */
  private dropDuplicates(allObjects: readonly LoadedObject[], diagnostics: Diagnostic[]): LoadedObject[] {
    const objects = allObjects.slice();
    const prev = this.rawObjects;
    const [prefix, suffix] = commonEnds(prev, objects);
    for (let i = prefix; i < prev.length - suffix; i++) this.count(prev[i] as LoadedObject, -1);
    for (let i = prefix; i < objects.length - suffix; i++) this.count(objects[i] as LoadedObject, 1);
    this.rawObjects = objects;
    if (this.duplicatedKeys === 0) return objects;
    return dropDuplicates(objects, diagnostics, (o) => this.keyOf(o));
  }

  private keyOf(o: LoadedObject): string {
    let key = this.duplicateKeys.get(o);
    if (key === undefined) {
      key = `${o.apiVersion.split('/')[0]}/${o.kind}/${o.namespace}/${o.name}`;
      this.duplicateKeys.set(o, key);
    }
    return key;
  }

  private count(o: LoadedObject, delta: 1 | -1): void {
    if (o.name === '') return;
    const key = this.keyOf(o);
    const before = this.keyCounts.get(key) ?? 0;
    const after = before + delta;
    if (after === 0) this.keyCounts.delete(key);
    else this.keyCounts.set(key, after);
    if (before <= 1 && after > 1) this.duplicatedKeys++;
    if (before > 1 && after <= 1) this.duplicatedKeys--;
  }

  /** The objects each controller acts on, in object order; only the changed part is looked at. */
  private classify(objects: LoadedObject[]): void {
    const prev = this.objects;
    const [prefix, suffix] = commonEnds(prev, objects);
    const middle = objects.slice(prefix, objects.length - suffix).map(category);
    for (const [kind, list] of this.lists) {
      let before = 0;
      for (let i = 0; i < prefix; i++) if (this.categories[i] === kind) before++;
      let after = 0;
      for (let i = prev.length - suffix; i < prev.length; i++) if (this.categories[i] === kind) after++;
      const added = objects.slice(prefix, objects.length - suffix).filter((_, i) => middle[i] === kind);
      this.lists.set(kind, splice(list, before, after, added));
    }
    this.categories = splice(this.categories, prefix, suffix, middle);
    this.objects = objects;
  }
}

/** Two definitions of one object: like `kubectl apply`, the last one wins. */
function dropDuplicates(
  objects: readonly LoadedObject[],
  diagnostics: Diagnostic[],
  keyOf: (o: LoadedObject) => string,
): LoadedObject[] {
  const last = new Map<string, LoadedObject>();
  for (const o of objects) {
    if (o.name === '') continue;
    last.set(keyOf(o), o);
  }
  return objects.filter((o) => {
    if (o.name === '') return true;
    const winner = last.get(keyOf(o));
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
