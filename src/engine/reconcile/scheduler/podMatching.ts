// Which pods a pod-affinity term or a spread constraint selects: the term's namespaces
// (its own, listed, or by namespaceSelector over the namespace's labels) and label selector.
import type { Labels } from '../../model';
import type { LabelSelector } from '../labels';
import { labelSelectorMatches } from '../labels';
import type { PodAffinityTerm, SchedPod } from './types';

/** A selector the scheduler parsed from a nil LabelSelector selects nothing. */
export function selects(selector: LabelSelector | null, labels: Labels): boolean {
  return selector !== null && labelSelectorMatches(selector, labels);
}

/** Namespaces carry only the label the API server sets (no Namespace objects are modelled). */
function namespaceLabels(namespace: string): Labels {
  return { 'kubernetes.io/metadata.name': namespace };
}

/** framework.AffinityTerm.Matches, with the term's namespaces defaulted from its owner. */
export function termMatches(term: PodAffinityTerm, owner: SchedPod, pod: SchedPod): boolean {
  const namespaces =
    term.namespaces.length === 0 && term.namespaceSelector === null ? [owner.namespace] : term.namespaces;
  const inNamespace =
    namespaces.includes(pod.namespace) ||
    (term.namespaceSelector !== null &&
      labelSelectorMatches(term.namespaceSelector, namespaceLabels(pod.namespace)));
  return inNamespace && selects(term.labelSelector, pod.labels);
}

/** podMatchesAllAffinityTerms: false for no terms. */
export function matchesAllTerms(terms: readonly PodAffinityTerm[], owner: SchedPod, pod: SchedPod): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, owner, pod));
}
