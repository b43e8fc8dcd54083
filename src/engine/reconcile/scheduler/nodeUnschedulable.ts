// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { FilterPlugin } from './plugin';
import { proceed } from './plugin';
import { tolerates } from './taints';
import { failure, SUCCESS } from './types';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const TAINT = { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' };

export const nodeUnschedulablePlugin: FilterPlugin = {
  name: NODE_UNSCHEDULABLE,
  preFilter: () => proceed(NODE_UNSCHEDULABLE, null),
  filter: (_state, pod, { node }, args) => {
    if (!node.unschedulable) return SUCCESS(NODE_UNSCHEDULABLE);
    const options = { comparisonOperators: args.featureGates['TaintTolerationComparisonOperators'] === true };
    if (pod.tolerations.some((t) => tolerates(t, TAINT, options))) return SUCCESS(NODE_UNSCHEDULABLE);
    return failure(NODE_UNSCHEDULABLE, 'UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE);
  },
};
