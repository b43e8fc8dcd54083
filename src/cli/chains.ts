import type { Analysis } from '../engine';
import type { ServiceState } from '../engine/model';

/** Chain names per node for `analyze --json`; filled in once the kube-proxy model is wired. */
export function chainsForJson(
  _analysis: Analysis,
): ((state: ServiceState, portIndex: number) => Record<string, string[]>) | undefined {
  return undefined;
}
