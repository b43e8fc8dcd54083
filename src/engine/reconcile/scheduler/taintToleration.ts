// TaintToleration: a node's NoSchedule and NoExecute taints must each be tolerated; the
// first untolerated one is named (the v1.25–v1.34 reason text).
import type { FilterPlugin } from './plugin';
import { proceed } from './plugin';
import { comparisonError, doNotSchedule, firstUntoleratedTaint } from './taints';
import { failure, SUCCESS } from './types';

export const TAINT_TOLERATION = 'TaintToleration';

export const taintTolerationPlugin: FilterPlugin = {
  name: TAINT_TOLERATION,
  preFilter: () => proceed(TAINT_TOLERATION, null),
  filter: (_state, pod, { node }, args) => {
    const options = { comparisonOperators: args.featureGates['TaintTolerationComparisonOperators'] === true };
    for (const taint of node.taints.filter(doNotSchedule)) {
      for (const t of pod.tolerations) {
        const error = comparisonError(t, taint, options);
        if (error) return failure(TAINT_TOLERATION, 'UnschedulableAndUnresolvable', error);
      }
    }
    const taint = firstUntoleratedTaint(node.taints, pod.tolerations, doNotSchedule, options);
    if (!taint) return SUCCESS(TAINT_TOLERATION);
    return failure(
      TAINT_TOLERATION,
      'UnschedulableAndUnresolvable',
      `node(s) had untolerated taint {${taint.key}: ${taint.value}}`,
    );
  },
};
