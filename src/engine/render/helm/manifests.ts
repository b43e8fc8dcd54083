// pkg/releaseutil: rendered files split into documents (SplitManifests), each document's head
// read (apiVersion, kind, metadata.name, annotations), hooks separated (helm.sh/hook), and
// the install order (SortManifests with InstallOrder: files by path, documents in file
// order, then a stable sort by kind; unknown kinds last, alphabetically).
import type { CachedHead, HelmRenderCache } from './cache';
import type { Value } from '../gotemplate';
import { readYaml, isTable, jsonKind } from './values';
import { scanHead } from './headScan';

/** releaseutil.InstallOrder. */
export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export { isTestHook } from '../../model/helmHooks';

const HOOK_EVENTS = new Set([
  'pre-install',
  'post-install',
  'pre-delete',
  'post-delete',
  'pre-upgrade',
  'post-upgrade',
  'pre-rollback',
  'post-rollback',
  'test',
  'test-success',
]);

/** A document of a rendered file, with its offset in that file's text. */
export interface SplitDocument {
  readonly content: string;
  readonly offset: number;
}

const SPACE = /^[\t\n\v\f\r \u0085\u00a0]*/;

function trimSpace(s: string, offset: number): SplitDocument {
  const lead = SPACE.exec(s)?.[0].length ?? 0;
  let end = s.length;
  while (end > lead && /[\t\n\v\f\r \u0085\u00a0]/.test(s[end - 1] ?? '')) end--;
  return { content: s.slice(lead, end), offset: offset + lead };
}

/** releaseutil.SplitManifests, keeping where each document starts. */
export function splitManifests(text: string): SplitDocument[] {
  const whole = trimSpace(text, 0);
  const s = whole.content;
  const sep = /(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*/g;
  const docs: SplitDocument[] = [];
  let beg = 0;
  for (let m = sep.exec(s); m !== null; m = sep.exec(s)) {
    if (m[0].length === 0) {
      sep.lastIndex++;
      continue;
    }
    docs.push({ content: s.slice(beg, m.index), offset: whole.offset + beg });
    beg = m.index + m[0].length;
  }
  if (beg <= s.length) docs.push({ content: s.slice(beg), offset: whole.offset + beg });
  return docs.filter((d) => d.content !== '').map((d) => trimSpace(d.content, d.offset));
}

export interface Head {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** null when metadata.annotations is absent or empty. */
  readonly annotations: ReadonlyMap<string, string> | null;
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

function headString(v: Value, field: string, errors: string[]): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  errors.push(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type string`);
  return '';
}

/** yaml.Unmarshal into releaseutil.SimpleHead. Throws ManifestError with the text after "YAML parse error on X: ". */
export function readHead(doc: string): Head {
  const r = readYaml(doc);
  if (r.error !== undefined) throw new ManifestError(`error converting YAML to JSON: ${r.error}`);
  const prefix = 'error unmarshaling JSON: while decoding JSON: ';
  if (r.value === null) return { apiVersion: '', kind: '', name: '', annotations: null };
  if (!isTable(r.value))
    throw new ManifestError(
      `${prefix}json: cannot unmarshal ${jsonKind(r.value)} into Go value of type releaseutil.SimpleHead`,
    );
  const errors: string[] = [];
  const apiVersion = headString(r.value.get('apiVersion'), 'SimpleHead.apiVersion', errors);
  const kind = headString(r.value.get('kind'), 'SimpleHead.kind', errors);
  let name = '';
  let annotations: Map<string, string> | null = null;
  const md = r.value.get('metadata');
  if (md !== null && md !== undefined) {
    if (!isTable(md)) {
      errors.push(
        `json: cannot unmarshal ${jsonKind(md)} into Go struct field SimpleHead.metadata of type struct`,
      );
    } else {
      name = headString(md.get('name'), 'SimpleHead.metadata.name', errors);
      const a = md.get('annotations');
      if (isTable(a ?? null)) {
        annotations = new Map();
        for (const [k, v] of a as ReadonlyMap<string, Value>)
          annotations.set(k, headString(v, 'SimpleHead.metadata.annotations', errors));
      } else if (a !== null && a !== undefined) {
        errors.push(
          `json: cannot unmarshal ${jsonKind(a)} into Go struct field SimpleHead.metadata.annotations of type map[string]string`,
        );
      }
    }
  }
  if (errors.length > 0) throw new ManifestError(prefix + (errors[0] ?? ''));
  return {
    apiVersion,
    kind,
    name,
    annotations: annotations !== null && annotations.size > 0 ? annotations : null,
  };
}

function tryReadHead(content: string): CachedHead<Head> {
  // Most rendered documents are plain enough for a line scan; the rest are parsed.
  const scanned = scanHead(content);
  if (scanned !== undefined) return { head: scanned };
  try {
    return { head: readHead(content) };
  } catch (e) {
    if (e instanceof ManifestError) return { error: e.message };
    throw e;
  }
}

export interface SortedManifest {
  /** The file it came from (`chart/templates/x.yaml`). */
  readonly name: string;
  readonly content: string;
  /** Offset of `content` in the rendered file's text. */
  readonly offset: number;
  readonly head: Head;
  /** The hook events (`pre-install`, `test`), if it is a hook. */
  readonly hook?: readonly string[];
  readonly hookWeight?: number;
}

export interface SortResult {
  readonly manifests: SortedManifest[];
  readonly hooks: SortedManifest[];
  /** Info: hooks with an unknown event, skipped as Helm skips them. */
  readonly skipped: string[];
}

function kindLess(a: string, b: string, order: ReadonlyMap<string, number>): boolean {
  const first = order.get(a);
  const second = order.get(b);
  if (first === undefined && second === undefined) return a !== b ? a < b : false;
  if (first === undefined) return false;
  if (second === undefined) return true;
  return first < second;
}

function stableSortByKind(list: SortedManifest[]): SortedManifest[] {
  const order = new Map(INSTALL_ORDER.map((k, i) => [k, i]));
  return list
    .map((m, i) => ({ m, i }))
    .sort((x, y) => {
      if (kindLess(x.m.head.kind, y.m.head.kind, order)) return -1;
      if (kindLess(y.m.head.kind, x.m.head.kind, order)) return 1;
      return x.i - y.i;
    })
    .map((x) => x.m);
}

/** releaseutil.SortManifests(files, nil, InstallOrder). Throws ManifestError naming the file. */
export function sortManifests(files: ReadonlyMap<string, string>, cache?: HelmRenderCache): SortResult {
  const manifests: SortedManifest[] = [];
  const hooks: SortedManifest[] = [];
  const skipped: string[] = [];
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path) ?? '';
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base.startsWith('_')) continue;
    if (content.trim() === '') continue;
    for (const doc of splitManifests(content)) {
      const read = cache ? cache.head(doc.content, () => tryReadHead(doc.content)) : tryReadHead(doc.content);
      if ('error' in read) throw new ManifestError(`YAML parse error on ${path}: ${read.error}`);
      const head = read.head;
      const entry = { name: path, content: doc.content, offset: doc.offset, head };
      const hookTypes = head.annotations?.get('helm.sh/hook');
      if (hookTypes === undefined) {
        manifests.push(entry);
        continue;
      }
      const events = hookTypes.split(',').map((h) => h.trim().toLowerCase());
      if (events.some((e) => !HOOK_EVENTS.has(e))) {
        skipped.push(`info: skipping unknown hook: "${hookTypes}"`);
        continue;
      }
      // strconv.Atoi: the whole text must be an integer, else the weight is 0.
      const w = head.annotations?.get('helm.sh/hook-weight') ?? '';
      hooks.push({ ...entry, hook: events, hookWeight: /^[+-]?[0-9]+$/.test(w) ? Number(w) : 0 });
    }
  }
  return { manifests: stableSortByKind(manifests), hooks: stableSortByKind(hooks), skipped };
}
