// Output order (api/krusty/kustomizer.go applySortOrder, api/internal/builtins/SortOrderTransformer.go):
// `sortOptions` in the kustomization wins; otherwise the reorder option (the CLI's default is
// the legacy order, the API's default keeps input order). The legacy order ranks kinds by
// orderFirst/orderLast, then by gvk string, then by namespace/name.
import type { Gvk, Resource } from './resource';
import { curId } from './resource';
import type { Value } from './value';
import { isValueMap } from './value';

const DEFAULT_ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const DEFAULT_ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

export type Reorder = 'none' | 'legacy' | 'unspecified';

const gvkSortString = (g: Gvk): string => `${g.group || '~G'}_${g.version || '~V'}_${g.kind || '~K'}`;
const gvkString = (g: Gvk): string =>
  `${g.kind || '[noKind]'}.${g.version || '[noVer]'}.${g.group || '[noGrp]'}`;

function legacySort(
  resources: Resource[],
  orderFirst: readonly string[],
  orderLast: readonly string[],
): Resource[] {
  const rank = new Map<string, number>();
  orderFirst.forEach((k, i) => rank.set(k, -orderFirst.length + i));
  orderLast.forEach((k, i) => rank.set(k, 1 + i));
  const less = (a: Resource, b: Resource): number => {
    const ia = curId(a);
    const ib = curId(b);
    if (ia.group !== ib.group || ia.version !== ib.version || ia.kind !== ib.kind) {
      const ra = rank.get(ia.kind) ?? 0;
      const rb = rank.get(ib.kind) ?? 0;
      if (ra !== rb) return ra - rb;
      const sa = gvkSortString(ia);
      const sb = gvkSortString(ib);
      const flip =
        ia.kind === 'Namespace' && ib.kind === 'Namespace' && (ia.group === '' || ib.group === '') ? -1 : 1;
      return sa < sb ? -flip : sa > sb ? flip : 0;
    }
    const ka = `${gvkString(ia)}|${ia.namespace || '~X'}|${ia.name || '~N'}`;
    const kb = `${gvkString(ib)}|${ib.namespace || '~X'}|${ib.name || '~N'}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  return [...resources].sort(less);
}

function names(v: Value | undefined, fallback: readonly string[]): readonly string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fallback;
}

/** The resources in output order, or kustomize's error message for bad sortOptions. */
export function applySortOrder(
  resources: Resource[],
  sortOptions: Value | undefined,
  reorder: Reorder,
): Resource[] | string {
  if (sortOptions !== undefined && sortOptions !== null) {
    const o = isValueMap(sortOptions) ? sortOptions : {};
    const order = o['order'];
    if (order !== 'fifo' && order !== 'legacy')
      return "the field 'sortOptions.order' must be one of [fifo, legacy]";
    const legacy = o['legacySortOptions'];
    if (order === 'fifo') {
      if (legacy !== undefined && legacy !== null) {
        return "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'";
      }
      return resources;
    }
    if (isValueMap(legacy))
      return legacySort(resources, names(legacy['orderFirst'], []), names(legacy['orderLast'], []));
    return legacySort(resources, DEFAULT_ORDER_FIRST, DEFAULT_ORDER_LAST);
  }
  if (reorder === 'legacy' || reorder === 'unspecified')
    return legacySort(resources, DEFAULT_ORDER_FIRST, DEFAULT_ORDER_LAST);
  return resources;
}
