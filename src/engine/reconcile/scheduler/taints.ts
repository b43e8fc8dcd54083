// Toleration matching (v1 Toleration.ToleratesTaint) and the first untolerated taint of a
// node, shared by TaintToleration, NodeUnschedulable and PodTopologySpread's nodeTaintsPolicy.
import type { Taint, Toleration } from './types';

const INT64 = /^[+-]?\d+$/;
/** strconv's canonical decimal form, which the comparison operators require of a taint's value. */
const CANONICAL_INT = /^-?(0|[1-9]\d*)$/;

export interface TolerationOptions {
  /** The TaintTolerationComparisonOperators gate: numeric Gt / Lt operators. */
  comparisonOperators: boolean;
}

export function tolerates(t: Toleration, taint: Taint, options: TolerationOptions): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case '':
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    case 'Gt':
    case 'Lt': {
      if (!options.comparisonOperators || !INT64.test(t.value) || !INT64.test(taint.value)) return false;
      const have = BigInt(taint.value);
      const bound = BigInt(t.value);
      return t.operator === 'Gt' ? have > bound : have < bound;
    }
    default:
      return false;
  }
}

/**
 * With the comparison-operators gate, a Gt / Lt toleration that applies to a taint whose
 * value is not an integer makes the filter fail with the parse error (newest master).
 */
export function comparisonError(t: Toleration, taint: Taint, options: TolerationOptions): string | null {
  if (!options.comparisonOperators || (t.operator !== 'Gt' && t.operator !== 'Lt')) return null;
  if ((t.effect !== '' && t.effect !== taint.effect) || (t.key !== '' && t.key !== taint.key)) return null;
  if (CANONICAL_INT.test(taint.value)) return null;
  return `failed to parse taint value ${JSON.stringify(taint.value)} as int64: must be a valid decimal integer in canonical form`;
}

/** The first taint (node order) that passes `relevant` and no toleration tolerates. */
export function firstUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  relevant: (t: Taint) => boolean,
  options: TolerationOptions,
): Taint | null {
  for (const taint of taints) {
    if (!relevant(taint)) continue;
    if (!tolerations.some((t) => tolerates(t, taint, options))) return taint;
  }
  return null;
}

export const doNotSchedule = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
