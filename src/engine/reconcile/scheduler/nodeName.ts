// NodeName: a pod that names its node fits only there.
import type { FilterPlugin } from './plugin';
import { proceed } from './plugin';
import { failure, SUCCESS } from './types';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeNamePlugin: FilterPlugin = {
  name: NODE_NAME,
  preFilter: () => proceed(NODE_NAME, null),
  filter: (_state, pod, { node }) =>
    pod.nodeName === '' || pod.nodeName === node.name
      ? SUCCESS(NODE_NAME)
      : failure(NODE_NAME, 'UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME),
};
