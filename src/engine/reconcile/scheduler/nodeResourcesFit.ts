// NodeResourcesFit: the pod's request against what the node has left (allocatable minus
// the requests of the pods on it) and the node's pod count. Every insufficient resource is
// a reason; a request larger than the node's whole allocatable is UnschedulableAndUnresolvable
// (no preemption could make room), as since InsufficientResource.Unresolvable.
import type { FilterPlugin } from './plugin';
import { proceed } from './plugin';
import type { NodeInfo, ResourceList, SchedulerArgs } from './types';
import { failure, requestTotals, SUCCESS } from './types';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
const FIXED = ['cpu', 'memory', 'ephemeral-storage'];

/** v1helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io, not a quota name. */
function isExtended(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false;
  return !name.startsWith('requests.');
}

/** schedutil.IsScalarResourceName: the resources framework.Resource keeps besides cpu, memory, storage, pods. */
function isScalar(name: string): boolean {
  return (
    isExtended(name) ||
    name.startsWith('hugepages-') ||
    name.includes('kubernetes.io/') ||
    name.startsWith('attachable-volumes-')
  );
}

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  unresolvable: boolean;
}

/** fitsRequest: every reason the pod does not fit, in upstream's order (pods, cpu, memory, storage, scalars). */
export function insufficientResources(
  request: ResourceList,
  nodeInfo: NodeInfo,
  args: SchedulerArgs,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const allocatable = nodeInfo.node.allocatable;
  // A node without allocatable (only one built in code: profiles always give one) limits nothing.
  if (!allocatable) return out;
  const allowedPods = allocatable.get('pods') ?? 0;
  if (nodeInfo.pods.length + 1 > allowedPods) {
    out.push({
      resourceName: 'pods',
      reason: 'Too many pods',
      requested: 1,
      used: nodeInfo.pods.length,
      capacity: allowedPods,
      unresolvable: false,
    });
  }
  const used = requestTotals(nodeInfo).requested;
  const check = (name: string, amount: number): void => {
    const capacity = allocatable.get(name) ?? 0;
    const inUse = used.get(name) ?? 0;
    if (amount > 0 && amount > capacity - inUse) {
      out.push({
        resourceName: name,
        reason: `Insufficient ${name}`,
        requested: amount,
        used: inUse,
        capacity,
        unresolvable: amount > capacity,
      });
    }
  };
  for (const name of FIXED) check(name, request.get(name) ?? 0);
  for (const [name, amount] of request) {
    if (FIXED.includes(name) || name === 'pods' || !isScalar(name) || amount === 0) continue;
    if (isExtended(name)) {
      const group = name.split('/')[0] ?? '';
      if (args.ignoredResources.includes(name) || args.ignoredResourceGroups.includes(group)) continue;
    }
    check(name, amount);
  }
  return out;
}

export const nodeResourcesFitPlugin: FilterPlugin = {
  name: NODE_RESOURCES_FIT,
  preFilter: () => proceed(NODE_RESOURCES_FIT, null),
  filter: (_state, pod, nodeInfo, args) => {
    const missing = insufficientResources(pod.requests, nodeInfo, args);
    if (missing.length === 0) return SUCCESS(NODE_RESOURCES_FIT);
    const code = missing.some((m) => m.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
    return failure(NODE_RESOURCES_FIT, code, ...missing.map((m) => m.reason));
  },
};
