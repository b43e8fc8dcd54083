// v1.NodeSelector matching as component-helpers' nodeaffinity does it: terms are ORed, a
// term's matchExpressions and matchFields are ANDed, an empty term matches nothing, and a
// term with an invalid requirement is dropped (it matches nothing; the others still count).
import type { Labels } from '../../model';
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, SchedNode } from './types';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INT64 = /^[+-]?\d+$/;

/** validation.IsQualifiedName: `[prefix/]name`, name ≤ 63 characters. */
function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1] ?? '';
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return true;
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME.test(value));
}

/** labels.NewRequirement's checks for one matchExpressions entry. */
function validExpression(r: NodeSelectorRequirement): boolean {
  if (!isQualifiedName(r.key)) return false;
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      return r.values.length > 0 && r.values.every(isLabelValue);
    case 'Exists':
    case 'DoesNotExist':
      return r.values.length === 0;
    case 'Gt':
    case 'Lt':
      return r.values.length === 1 && INT64.test(r.values[0] ?? '');
    default:
      return false;
  }
}

/** matchFields: only `In` / `NotIn` with exactly one value (fields.OneTermEqualSelector). */
function validField(r: NodeSelectorRequirement): boolean {
  return (r.operator === 'In' || r.operator === 'NotIn') && r.values.length === 1;
}

function expressionMatches(r: NodeSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key] ?? '';
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(value);
    case 'NotIn':
      return !has || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !INT64.test(value)) return false;
      const label = BigInt(value);
      const bound = BigInt(r.values[0] ?? '0');
      return r.operator === 'Gt' ? label > bound : label < bound;
    }
    default:
      return false;
  }
}

function fieldMatches(r: NodeSelectorRequirement, fields: Labels): boolean {
  const value = fields[r.key] ?? '';
  return r.operator === 'In' ? value === r.values[0] : value !== r.values[0];
}

/** nodeSelectorTerm.match: an empty or unparsable term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: SchedNode): boolean {
  if (term.matchExpressions.length === 0 && term.matchFields.length === 0) return false;
  if (!term.matchExpressions.every(validExpression) || !term.matchFields.every(validField)) return false;
  if (!term.matchExpressions.every((r) => expressionMatches(r, node.labels))) return false;
  // A node without a name has no fields to select on (nodeaffinity's extractNodeFields).
  const fields: Labels = node.name === '' ? {} : { 'metadata.name': node.name };
  if (Object.keys(fields).length > 0 && !term.matchFields.every((r) => fieldMatches(r, fields))) return false;
  return true;
}

export function nodeSelectorMatches(selector: NodeSelector, node: SchedNode): boolean {
  return selector.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match: spec.nodeSelector and the required terms. */
export function requiredNodeAffinityMatches(
  pod: { nodeSelector: Labels | null; requiredNodeAffinity: NodeSelector | null },
  node: SchedNode,
): boolean {
  if (pod.nodeSelector) {
    for (const [k, v] of Object.entries(pod.nodeSelector)) {
      if (!Object.prototype.hasOwnProperty.call(node.labels, k) || node.labels[k] !== v) return false;
    }
  }
  return pod.requiredNodeAffinity === null || nodeSelectorMatches(pod.requiredNodeAffinity, node);
}
