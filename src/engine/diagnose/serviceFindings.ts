// The Service findings of one reconciled cluster, computed after reconcile from what it
// exports: each Service's selection (the EndpointSlice controller's answer) and the pods of
// each namespace. Every answer is memoised on the instances it is computed from; an
// incremental reconcile keeps those while they do not change, so an edit recomputes the
// findings of the Services it reaches, not all of them.
import type { Diagnostic, Pod } from '../model';
import type { EndpointSelection } from '../reconcile/endpointSlices';
import { sameItems } from '../reconcile/incremental';
import { memo } from '../util/memo';
import { diagnoseService, indexTemplates, matchingTemplates, templateViews } from './serviceRules';
import type { TemplateIndex, TemplateView } from './serviceRules';

/** What reconcile exports for the findings. */
export interface ReconciledSelections {
  /** One per Service, in the order of the Service list. */
  readonly selections: readonly EndpointSelection[];
  /** Each namespace's pods, in pod order; a list keeps its instance while the namespace's pods do. */
  readonly podsByNamespace: ReadonlyMap<string, readonly Pod[]>;
  /** Every pod, in pod order. */
  readonly pods: readonly Pod[];
}

/** The findings of every Service, in Service order. */
export function serviceFindings(reconciled: ReconciledSelections): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const selection of reconciled.selections) {
    for (const d of findingsOf(selection, reconciled)) out.push(d);
  }
  return out;
}

/** The last findings of a Service that selects no pod, with the templates they were computed from. */
interface NoMatchFindings {
  inNamespace: readonly Pod[] | null;
  elsewhere: readonly TemplateView[] | null;
  findings: Diagnostic[];
}

function findingsOf(selection: EndpointSelection, reconciled: ReconciledSelections): Diagnostic[] {
  const { service: state, object, pods: selected } = selection;
  const service = state.service;
  const facts = { service, object, slices: state.endpointSlices };
  const userManaged = service.type === 'ExternalName' || service.selector === null;
  if (userManaged || selected.length > 0) {
    return memo(selection, 'diagnose:findings', () =>
      diagnoseService(facts, selected, () => ({ inNamespace: [], elsewhere: [] })),
    );
  }
  // Compared with the templates of its namespace and those its selector matches elsewhere,
  // which change with other objects: the last answer is kept while they are the same.
  const namespace = service.metadata.namespace;
  const inNamespace = reconciled.podsByNamespace.get(namespace) ?? NO_PODS;
  const elsewhere = templatesElsewhere(reconciled, namespace, service.selector ?? {});
  const last = memo(selection, 'diagnose:noMatch', (): NoMatchFindings => ({
    inNamespace: null,
    elsewhere: null,
    findings: [],
  }));
  if (last.inNamespace === inNamespace && last.elsewhere !== null && sameItems(last.elsewhere, elsewhere)) {
    return last.findings;
  }
  last.findings = diagnoseService(facts, selected, () => ({
    inNamespace: templatesOf(inNamespace),
    elsewhere,
  }));
  last.inNamespace = inNamespace;
  last.elsewhere = elsewhere;
  return last.findings;
}

const NO_PODS: readonly Pod[] = [];

function templatesOf(pods: readonly Pod[]): TemplateView[] {
  return memo(pods, 'diagnose:templates', () => templateViews(pods));
}

function templateIndexOf(pods: readonly Pod[]): TemplateIndex {
  return memo(pods, 'diagnose:templateIndex', () => indexTemplates(templatesOf(pods)));
}

/** Templates in other namespaces a selector matches, in the order of their first pods. */
function templatesElsewhere(
  reconciled: ReconciledSelections,
  namespace: string,
  selector: Record<string, string>,
): TemplateView[] {
  const found: TemplateView[][] = [];
  for (const [name, pods] of reconciled.podsByNamespace) {
    if (name === namespace || pods.length === 0) continue;
    const matching = matchingTemplates(templateIndexOf(pods), selector);
    if (matching.length > 0) found.push(matching);
  }
  if (found.length <= 1) return found[0] ?? [];
  const order = podOrder(reconciled.pods);
  const position = (v: TemplateView): number => order.get(v.pods[0] as Pod) ?? 0;
  return found.flat().sort((x, y) => position(x) - position(y));
}

function podOrder(pods: readonly Pod[]): Map<Pod, number> {
  return memo(pods, 'diagnose:podOrder', () => new Map(pods.map((p, i) => [p, i])));
}
