// metav1.LabelSelector: matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist).
import type { Labels } from '../model';
import { isPlainObject } from '../model';

export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export interface LabelSelector {
  matchLabels: Labels;
  matchExpressions: LabelRequirement[];
}

export function readLabelSelector(value: unknown): LabelSelector | null {
  if (!isPlainObject(value)) return null;
  const matchLabels: Labels = {};
  if (isPlainObject(value['matchLabels'])) {
    for (const [k, v] of Object.entries(value['matchLabels'])) matchLabels[k] = String(v);
  }
  const matchExpressions: LabelRequirement[] = [];
  if (Array.isArray(value['matchExpressions'])) {
    for (const e of value['matchExpressions']) {
      if (!isPlainObject(e) || typeof e['key'] !== 'string') continue;
      const op = e['operator'];
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') continue;
      matchExpressions.push({
        key: e['key'],
        operator: op,
        values: Array.isArray(e['values']) ? e['values'].map(String) : [],
      });
    }
  }
  return { matchLabels, matchExpressions };
}

export function labelSelectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  for (const r of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A Service selector (a plain map) matches when every pair is present; an empty selector matches nothing here. */
export function serviceSelectorMatches(selector: Labels, labels: Labels): boolean {
  // Object.entries(selector).every(…), without the array (asked for every pod a Service looks at).
  let any = false;
  for (const k in selector) {
    if (!Object.prototype.hasOwnProperty.call(selector, k)) continue;
    any = true;
    if (labels[k] !== selector[k]) return false;
  }
  return any;
}
