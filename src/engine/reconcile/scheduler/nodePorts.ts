// NodePorts: a pod's host ports (protocol, hostIP, hostPort) must be free on the node;
// 0.0.0.0 (or no hostIP) conflicts with every address on the same protocol and port.
import type { FilterPlugin } from './plugin';
import { proceed, skip } from './plugin';
import type { HostPort, SchedPod } from './types';
import { failure, SUCCESS } from './types';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const ANY = '0.0.0.0';

function sanitized(p: HostPort): HostPort {
  return { protocol: p.protocol || 'TCP', hostIP: p.hostIP || ANY, hostPort: p.hostPort };
}

/** HostPortInfo.CheckConflict over the ports the node's pods use. */
function conflicts(wanted: HostPort, used: readonly HostPort[]): boolean {
  const w = sanitized(wanted);
  return used.some((raw) => {
    const u = sanitized(raw);
    if (u.protocol !== w.protocol || u.hostPort !== w.hostPort) return false;
    return w.hostIP === ANY || u.hostIP === ANY || u.hostIP === w.hostIP;
  });
}

export function usedPorts(pods: readonly SchedPod[]): HostPort[] {
  return pods.flatMap((p) => p.hostPorts);
}

export const nodePortsPlugin: FilterPlugin = {
  name: NODE_PORTS,
  preFilter: (pod) => (pod.hostPorts.length === 0 ? skip(NODE_PORTS, null) : proceed(NODE_PORTS, null)),
  filter: (_state, pod, nodeInfo) => {
    const used = usedPorts(nodeInfo.pods);
    return pod.hostPorts.some((p) => conflicts(p, used))
      ? failure(NODE_PORTS, 'Unschedulable', ERR_REASON_PORTS)
      : SUCCESS(NODE_PORTS);
  },
};
