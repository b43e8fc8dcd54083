// Whether a file that contains `{{ … }}` is a template or rendered YAML that merely carries
// template text as data (Grafana dashboards and Prometheus rules in a ConfigMap, alert
// annotations). It is a template where the markers are YAML syntax (an unquoted `{{` opens
// a flow collection), where they break the parse, or where they sit in a value kubepath
// models (a Service's or workload's fields other than annotations and the containers'
// commands, arguments, environment, probes' commands and volumes).
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { POD_TEMPLATE_KINDS } from '../model';

/** Kinds whose fields kubepath reads: template text in them (other than annotations) is a template. */
const MODELLED_KINDS = new Set([
  ...POD_TEMPLATE_KINDS,
  'Service',
  'EndpointSlice',
  'Endpoints',
  'HorizontalPodAutoscaler',
]);

/** Container fields kubepath never reads: template text there is data (a `sed 's/{{X}}/…/'` command). */
const CONTAINER_DATA_KEYS = new Set([
  'command',
  'args',
  'env',
  'envFrom',
  'workingDir',
  'lifecycle',
  'livenessProbe',
  'startupProbe',
  'volumeMounts',
  'terminationMessagePath',
]);
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Whether `path` (inside a modelled object) is a field kubepath does not read. */
function unmodelledField(path: readonly string[]): boolean {
  if (path[0] === 'metadata' && path[1] === 'annotations') return true;
  for (let i = 0; i + 2 < path.length; i++) {
    if (CONTAINER_LISTS.has(path[i] as string) && CONTAINER_DATA_KEYS.has(path[i + 2] as string)) return true;
  }
  for (let i = 1; i < path.length; i++) if (path[i] === 'volumes' && path[i - 1] === 'spec') return true;
  return false;
}

/** Offsets of every `{{` in the text (linear). */
function markers(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('{{'); i >= 0; i = text.indexOf('{{', i + 2)) out.push(i);
  return out;
}

/** [start, end) ranges of string scalars whose template text is data, in text order. */
function dataScalars(doc: Document.Parsed): [number, number][] {
  const out: [number, number][] = [];
  // `path` is relative to the innermost mapping that has a `kind` (a List's items, or a
  // Kubernetes object embedded in foreign YAML, as an Ansible task's `definition`).
  const walk = (node: YamlNode | null | undefined, modelled: boolean, path: readonly string[]): void => {
    if (!node) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.range && (!modelled || unmodelledField(path))) {
        out.push([node.range[0], node.range[1]]);
      }
      return;
    }
    if (isMap(node)) {
      const kind = node.get('kind');
      if (typeof kind === 'string') {
        modelled = MODELLED_KINDS.has(kind);
        path = [];
      }
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        walk(pair.key as YamlNode | null, modelled, [...path, key]);
        walk(pair.value as YamlNode | null, modelled, [...path, key]);
      }
      return;
    }
    if (isSeq(node))
      node.items.forEach((item, i) => walk(item as YamlNode | null, modelled, [...path, String(i)]));
  };
  walk(doc.contents, false, []);
  return out;
}

/**
 * The offset of the first `{{` that makes the file a template, or null when every marker is
 * data. `documents` is the file parsed as YAML.
 */
export function templateMarker(text: string, documents: readonly Document.Parsed[]): number | null {
  const all = markers(text);
  if (all.length === 0) return null;
  if (documents.some((d) => d.errors.length > 0)) return all[0] ?? null;
  const safe = documents.flatMap(dataScalars).sort((a, b) => a[0] - b[0]);
  for (const at of all) {
    // The last data scalar starting at or before the marker.
    let lo = 0;
    let hi = safe.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((safe[mid]?.[0] ?? 0) <= at) lo = mid + 1;
      else hi = mid;
    }
    const range = safe[lo - 1];
    if (!range || at + 2 > range[1]) return at;
  }
  return null;
}
