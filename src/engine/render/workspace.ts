// The render stage over a workspace: which kustomizations are deploy targets (no other
// kustomization in the tree uses them), building each one over the workspace's files, and
// which files each build read (those are never analysed as written). Pure: the files are
// given as text, keyed by workspace path ('/'-separated, relative to the workspace root,
// possibly starting with `..` or `/`).
import { isKustomizationPath } from '../model/files';
import { parse } from 'yaml';
import { isPlainObject } from '../model';
import type { BuildError, BuildReuse, BuiltResource, KustomizeFs, ParseCache, SourceRef } from './kustomize';
import type {
  HelmRenderCache,
  HelmRenderOptions,
  HelmRenderResult,
  HelmTemplateFormat,
  HelmValueOrigin,
} from './helm';
import { formatHelmTemplate, renderChart, valueSpans } from './helm';
import { buildKustomization, KUSTOMIZATION_FILES } from './kustomize';
import type { FileVersions } from './kustomize/fs';
import { basename, cleanPath, dirname, resolvePath } from './kustomize/fs';

/**
 * What a workspace deploys: a kustomization directory that no other kustomization uses
 * (`kustomize build`), or a Helm chart that is not another chart's subchart (`helm template`).
 */
export interface DeployTarget {
  readonly kind: 'kustomize' | 'helm';
  /** Workspace path of the directory ('' for the workspace root). */
  readonly dir: string;
  /** Workspace path of its kustomization file or Chart.yaml. */
  readonly file: string;
}

/** A built resource; a Helm manifest also maps each line of its text to the template line that wrote it. */
export interface TargetResource extends BuiltResource {
  /** Helm: per line of `yaml` (index 0 = line 1), the template position (workspace path) it came from. */
  readonly lineMap?: readonly (SourceRef | undefined)[];
  /** Helm: the namespace objects without one are installed into (the release namespace). */
  readonly releaseNamespace?: string;
  /** Helm: the hook events, when the manifest is a hook (rendered, not part of the release). */
  readonly hook?: string;
  /** Helm: the pieces of `yaml` printed from values, with the template action and values lines. */
  readonly valueSpans?: readonly TemplateValueSpan[];
}

/** Where a rendered value was set: a values file line (workspace path), or a --set flag. */
export interface ValueRef {
  /** The path in that source (`service.port`, `hosts[0]`). */
  readonly path: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** `--set service.port=8080` */
  readonly flag?: string;
}

/** A piece of a Helm manifest an action printed from values (see render/helm valueSpans). */
export interface TemplateValueSpan {
  /** 1-based line of the manifest and the piece's columns there (end exclusive). */
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  readonly text: string;
  /** The action: workspace path of the template, 1-based line and column of its pipeline. */
  readonly template: SourceRef & { readonly column: number };
  readonly values: readonly ValueRef[];
}

export type TargetResult =
  | {
      readonly ok: true;
      readonly resources: readonly TargetResource[];
      readonly notes: readonly BuildError[];
    }
  | { readonly ok: false; readonly error: BuildError };

export interface TargetBuild {
  readonly target: DeployTarget;
  readonly result: TargetResult;
  /** Workspace paths of every file the build read (successful or not). */
  readonly reads: ReadonlySet<string>;
  /**
   * Files read as options rather than as part of the target (values files given to every
   * chart): two targets reading one are not alternative deployments of the same thing.
   */
  readonly optionReads?: ReadonlySet<string>;
}

/** How the workspace's charts are rendered (`helm template`'s flags; defaults as helm template's). */
export type HelmTargetOptions = Pick<
  HelmRenderOptions,
  'releaseName' | 'namespace' | 'set' | 'setString' | 'setJson' | 'kubeVersion' | 'apiVersions'
> & {
  /** Values files (workspace paths), after the chart's own values.yaml, in order. */
  readonly valuesFiles?: readonly string[];
};

/**
 * Files front ends give as bytes (one character per byte) rather than text: packaged charts
 * in a chart's `charts/` directory.
 */
export function isBinaryPath(path: string): boolean {
  return /\.tgz$/i.test(path);
}

/** Whether a workspace path names a Helm chart's Chart.yaml. */
export function isChartPath(path: string): boolean {
  return basename(`/${path}`) === 'Chart.yaml';
}

/** Workspace paths ↔ the absolute paths the kustomize build sees. */
export interface WorkspacePaths {
  toFs(path: string): string;
  /** The workspace path of an fs path; fs paths outside the workspace's files are kept as they are. */
  toWorkspace(fsPath: string): string;
}

/**
 * `root`: the absolute POSIX path relative paths are relative to, when the front end knows it
 * (the CLI's working directory, so that `../base` and `/abs/base` name the same files).
 */
export function workspacePaths(paths: Iterable<string>, root?: string): WorkspacePaths {
  if (root === undefined) {
    // A root deep enough that `..` in any given path stays below it.
    let depth = 0;
    for (const p of paths) {
      let up = 0;
      for (const part of p.split('/')) {
        if (part === '..') up++;
        else if (part !== '' && part !== '.') break;
      }
      depth = Math.max(depth, up);
    }
    root = `/${Array.from({ length: depth + 1 }, (_, i) => `w${i}`).join('/')}`;
  } else root = cleanPath(root);
  const back = new Map<string, string>();
  const toFs = (path: string): string => (path.startsWith('/') ? cleanPath(path) : resolvePath(root, path));
  for (const p of paths) back.set(toFs(p), p);
  return {
    toFs,
    toWorkspace: (fsPath) => {
      const known = back.get(fsPath);
      if (known !== undefined) return known;
      if (fsPath === root) return '';
      if (root === '/') return fsPath.slice(1);
      if (fsPath.startsWith(`${root}/`)) return fsPath.slice(root.length + 1);
      return fsPath;
    },
  };
}

export { isKustomizationPath };

/** A kustomization file of kind Component (a top-level `kind: Component`). */
const COMPONENT_KIND = /^kind:[ \t]*(["']?)Component\1[ \t]*(#.*)?$/m;

/**
 * The deploy targets among the workspace's kustomizations, in path order: those that no
 * other kustomization lists under resources, bases or components, and that are no
 * Component. Read statically from each
 * kustomization file (an unparsable one uses nothing and is a target, so its build reports
 * the error).
 */
export function findDeployTargets(
  files: ReadonlyMap<string, string>,
  root?: string,
  references: (text: string) => readonly string[] = referencedEntries,
  paths: WorkspacePaths = workspacePaths(files.keys(), root),
): DeployTarget[] {
  // Directory (fs path) → its kustomization file (workspace path); kustomize reads the first name found.
  const kustomizations = new Map<string, string>();
  for (const name of KUSTOMIZATION_FILES) {
    for (const path of files.keys()) {
      if (basename(`/${path}`) !== name) continue;
      const dir = dirname(paths.toFs(path));
      if (!kustomizations.has(dir)) kustomizations.set(dir, path);
    }
  }
  const used = new Set<string>();
  for (const [dir, file] of kustomizations) {
    for (const entry of references(files.get(file) ?? '')) {
      const target = resolvePath(dir, entry);
      if (target !== dir && kustomizations.has(target)) used.add(target);
    }
  }
  const targets: DeployTarget[] = [];
  for (const [dir, file] of kustomizations) {
    // A Component is built only into the kustomizations that list it, never deployed alone.
    if (used.has(dir) || COMPONENT_KIND.test(files.get(file) ?? '')) continue;
    targets.push({ kind: 'kustomize', dir: paths.toWorkspace(dir), file });
  }
  for (const t of chartTargets(files.keys(), paths)) targets.push(t);
  return targets.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Charts (directories with a Chart.yaml) that are not inside another chart's `charts/`. */
function chartTargets(paths: Iterable<string>, ws: WorkspacePaths): DeployTarget[] {
  const charts = new Map<string, string>();
  for (const path of paths) if (isChartPath(path)) charts.set(dirname(ws.toFs(path)), path);
  const out: DeployTarget[] = [];
  for (const [dir, file] of charts) {
    let nested = false;
    for (let d = dirname(dir); d !== '/' && !nested; d = dirname(d))
      if (basename(d) === 'charts' && charts.has(dirname(d))) nested = true;
    if (dir !== '/' && basename(dirname(dir)) === 'charts' && charts.has(dirname(dirname(dir))))
      nested = true;
    if (!nested) out.push({ kind: 'helm', dir: ws.toWorkspace(dir), file });
  }
  return out;
}

function parseKustomization(text: string): Record<string, unknown> | null {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: false, maxAliasCount: 100 });
  } catch {
    return null;
  }
  return isPlainObject(doc) ? doc : null;
}

const isRemote = (entry: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@');

/**
 * Every local path a kustomization file names (relative to its directory, as written):
 * resources, bases, components, patch files, generator inputs, replacement sources, crds,
 * plugin configs. A front end that reads files by name uses it to give a build what it reads.
 */
export function kustomizationReferences(text: string): string[] {
  const doc = parseKustomization(text);
  if (!doc) return [];
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.trim() !== '' && !v.includes('\n') && !isRemote(v.trim()))
      out.push(v.trim());
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const key of ['resources', 'bases', 'components', 'crds', 'generators', 'transformers', 'validators'])
    for (const e of list(doc[key])) add(e);
  for (const e of list(doc['patchesStrategicMerge'])) add(e);
  for (const key of ['patches', 'patchesJson6902', 'replacements'])
    for (const e of list(doc[key])) if (isPlainObject(e)) add(e['path']);
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    for (const g of list(doc[key])) {
      if (!isPlainObject(g)) continue;
      for (const f of list(g['files']))
        if (typeof f === 'string') add(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
      for (const f of list(g['envs'])) add(f);
      add(g['env']);
    }
  }
  const openapi = doc['openapi'];
  if (isPlainObject(openapi)) add(openapi['path']);
  return out;
}

/** The bases and components a kustomization file lists (what makes another directory used). */
export function referencedEntries(text: string): string[] {
  const doc = parseKustomization(text);
  if (!doc) return [];
  const out: string[] = [];
  for (const key of ['resources', 'bases', 'components']) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== 'string' || isRemote(entry.trim())) continue;
      out.push(entry.trim());
    }
  }
  return out;
}

/**
 * The workspace's files as the builds see them: their paths, each fs path's workspace path,
 * and each directory's entries. Depends on the paths alone: a front end keeps it while no
 * file is added or removed.
 */
export interface WorkspaceLayout {
  readonly paths: WorkspacePaths;
  readonly byFs: ReadonlyMap<string, string>;
  readonly dirs: ReadonlyMap<string, ReadonlySet<string>>;
}

export function workspaceLayout(files: Iterable<string>, root?: string): WorkspaceLayout {
  const list = [...files];
  const paths = workspacePaths(list, root);
  const byFs = new Map<string, string>();
  const dirs = new Map<string, Set<string>>();
  for (const path of list) {
    const fsPath = paths.toFs(path);
    byFs.set(fsPath, path);
    let child = fsPath;
    for (let d = dirname(fsPath); ; d = dirname(d)) {
      let names = dirs.get(d);
      const fresh = !names;
      if (!names) dirs.set(d, (names = new Set()));
      names.add(basename(child));
      if (!fresh || d === '/') break;
      child = d;
    }
  }
  return { paths, byFs, dirs };
}

/**
 * Brings `versions` to the workspace's files (by fs path): each file whose text differs from
 * the last one seen, that appears or that goes, is a change. A file the layout lists without
 * a text is told apart from one with a text (it exists, reads as nothing).
 */
function syncVersions(
  versions: FileVersions,
  files: ReadonlyMap<string, string>,
  layout: WorkspaceLayout,
): void {
  const { byFs } = layout;
  const synced = versions.synced;
  if (synced?.from === layout) {
    // The same paths, in the same order: their texts as last seen are at the same positions.
    const texts = synced.texts;
    let i = 0;
    for (const [fsPath, path] of byFs) {
      const text = files.get(path) ?? NO_TEXT;
      if (texts[i] !== text) {
        versions.set(fsPath, text);
        texts[i] = text;
      }
      i++;
    }
    return;
  }
  // Another list of paths (or another root: fs paths all differ then): those gone first,
  // then each one's text.
  const gone: string[] = [];
  for (const p of versions.paths()) if (!byFs.has(p)) gone.push(p);
  for (const p of gone) versions.set(p, undefined);
  const texts: string[] = [];
  for (const [fsPath, path] of byFs) {
    const text = files.get(path) ?? NO_TEXT;
    versions.set(fsPath, text);
    texts.push(text);
  }
  versions.synced = { from: layout, texts };
}

/** What versions holds for a path the layout lists but the files give no text for. */
const NO_TEXT = '\u0000no text';

/** A KustomizeFs over the workspace's files that records which files were read. */
function trackingFs(
  files: ReadonlyMap<string, string>,
  layout: WorkspaceLayout,
  versions?: FileVersions,
): { fs: KustomizeFs; reads: Set<string> } {
  const { byFs, dirs } = layout;
  const reads = new Set<string>();
  // The paths a build asks about are clean but for a few: looked up as given first (the
  // layout's keys are clean, so a hit is the answer), cleaned when that misses.
  const read = (p: string): string | undefined => {
    const path = byFs.get(p) ?? byFs.get(cleanPath(p));
    const text = path === undefined ? undefined : files.get(path);
    if (path !== undefined && text !== undefined) reads.add(path);
    return text;
  };
  const fs: KustomizeFs = {
    readFile: read,
    // A packaged chart (`.tgz`) is given by the front end as its bytes, one character per byte.
    readBinary: (p) => {
      const text = read(p);
      return text === undefined ? undefined : isBinaryPath(p) ? text : utf8Binary(text);
    },
    listDir: (p) => [...(dirs.get(cleanPath(p)) ?? [])].sort(),
    exists: (p) => {
      if (byFs.has(p) || dirs.has(p)) return true;
      const c = cleanPath(p);
      return c !== p && (byFs.has(c) || dirs.has(c));
    },
    // A file's path is clean: its answer is dirs.has(p) (no cleaning).
    isDir: (p) => dirs.has(p) || (!byFs.has(p) && dirs.has(cleanPath(p))),
  };
  if (versions) {
    syncVersions(versions, files, layout);
    return {
      fs: {
        ...fs,
        changes: versions,
        // A kept build is used while the files it read have the texts it read: they have one.
        reread: (list) => {
          let memo = versions.readKeys;
          if (memo?.from !== layout) versions.readKeys = memo = { from: layout, keys: new WeakMap() };
          let keys = memo.keys.get(list);
          if (!keys) {
            const out: string[] = [];
            for (const p of list) {
              const path = byFs.get(p);
              if (path !== undefined) out.push(path);
            }
            memo.keys.set(list, (keys = out));
          }
          for (const k of keys) reads.add(k);
        },
      },
      reads,
    };
  }
  return { fs, reads };
}

/** The UTF-8 bytes of `s`, one character per byte (ASCII text is its own encoding). */
export function utf8Binary(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192)
    out += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  return out;
}

/**
 * `kustomize build <target>` over the workspace's files (legacy output order, as the CLI;
 * rootOnly unless told otherwise), with the files it read.
 */
export function buildTarget(
  files: ReadonlyMap<string, string>,
  target: DeployTarget,
  root?: string,
  parseCache?: ParseCache,
  loadRestrictions: 'rootOnly' | 'none' = 'rootOnly',
  helm: HelmTargetOptions = {},
  reuse?: BuildReuse,
  /** The layout of `files` (see WorkspaceLayout), when the caller keeps it. */
  layout: WorkspaceLayout = workspaceLayout(files.keys(), root),
  helmCache?: HelmRenderCache,
  /** Each built resource as mapped to workspace paths last time (kept by the caller per target). */
  mapped?: ResourceMapping,
): TargetBuild {
  const paths = layout.paths;
  // A kustomization build that keeps builds for the next is told what changed since.
  const { fs, reads } = trackingFs(
    files,
    layout,
    reuse && target.kind === 'kustomize' ? reuse.files : undefined,
  );
  if (target.kind === 'helm') return chartBuild(files, target, paths, fs, reads, helm, helmCache);
  const raw = buildKustomization(fs, paths.toFs(target.dir), {
    loadRestrictions,
    reorder: 'unspecified',
    ...(parseCache ? { parseCache } : {}),
    ...(reuse ? { reuse } : {}),
  });
  reads.add(target.file);
  const toWs = (e: BuildError): BuildError => ({ ...e, file: paths.toWorkspace(e.file) });
  const result: TargetResult = raw.ok
    ? {
        ok: true,
        notes: raw.notes.map(toWs),
        resources: raw.resources.map((r) => inWorkspace(r, paths, mapped)),
      }
    : { ok: false, error: toWs(raw.error) };
  if (mapped && raw.ok) {
    // Only this build's resources are kept (the build keeps returning the same instances).
    const keep = new Set(raw.resources);
    for (const r of mapped.byBuilt.keys()) if (!keep.has(r)) mapped.byBuilt.delete(r);
  }
  return { target, result, reads };
}

/**
 * What a target's built resources became in workspace paths: a build that hands out the same
 * BuiltResource (an output it did not rebuild) gets the same TargetResource, so that what is
 * kept downstream by resource (the loaded objects) is found by identity.
 */
export interface ResourceMapping {
  paths?: WorkspacePaths;
  readonly byBuilt: Map<BuiltResource, TargetResource>;
}

export function resourceMapping(): ResourceMapping {
  return { byBuilt: new Map() };
}

function inWorkspace(
  r: BuiltResource,
  paths: WorkspacePaths,
  mapped: ResourceMapping | undefined,
): TargetResource {
  if (mapped && mapped.paths !== paths) {
    mapped.byBuilt.clear();
    mapped.paths = paths;
  }
  const kept = mapped?.byBuilt.get(r);
  if (kept) return kept;
  const out: TargetResource = {
    ...r,
    origin: { ...r.origin, file: paths.toWorkspace(r.origin.file) },
    fields: new Map([...r.fields].map(([k, v]) => [k, { ...v, file: paths.toWorkspace(v.file) }])),
  };
  mapped?.byBuilt.set(r, out);
  return out;
}

/**
 * `helm template <chart>` over the workspace's files: every file of the chart is read (as
 * Helm loads a chart whole), each manifest keeps the template line of each of its lines.
 */
function chartBuild(
  files: ReadonlyMap<string, string>,
  target: DeployTarget,
  paths: WorkspacePaths,
  fs: KustomizeFs,
  reads: Set<string>,
  options: HelmTargetOptions,
  cache: HelmRenderCache | undefined,
): TargetBuild {
  const valuesFiles: { name: string; text: string }[] = [];
  const optionReads = new Set<string>();
  // A values file inside another chart's directory is that chart's (values-prod.yaml beside its Chart.yaml).
  const owner = (v: string): string | undefined => {
    for (let d = v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : ''; ;) {
      if (files.has(d === '' ? 'Chart.yaml' : `${d}/Chart.yaml`)) return d;
      if (d === '') return undefined;
      d = d.includes('/') ? d.slice(0, d.lastIndexOf('/')) : '';
    }
  };
  for (const v of options.valuesFiles ?? []) {
    const chart = owner(v);
    if (chart !== undefined && chart !== target.dir) continue;
    const text = files.get(v);
    if (text === undefined)
      return {
        target,
        reads,
        result: { ok: false, error: { file: target.file, message: `open ${v}: no such file or directory` } },
      };
    if (chart === undefined) optionReads.add(v);
    else reads.add(v);
    valuesFiles.push({ name: v, text });
  }
  const { valuesFiles: _paths, ...rest } = options;
  // Dependencies are often not vendored in a repository (charts/*.tgz ignored): as remote
  // kustomize bases, they are named in a note and the rest renders.
  const rendered = renderChart(fs, paths.toFs(target.dir), {
    ...rest,
    valuesFiles,
    missingDependencies: 'note',
    ...(cache ? { cache } : {}),
  });
  reads.add(target.file);
  // A chart is loaded whole: a change to any file of it may change what it renders.
  const prefix = target.dir === '' ? '' : `${target.dir}/`;
  for (const p of files.keys()) if (p.startsWith(prefix)) reads.add(p);
  return {
    target,
    reads,
    optionReads,
    result: helmResult(rendered, target, paths, files, options.namespace ?? 'default', cache),
  };
}

interface HelmResourceMemo {
  readonly paths: WorkspacePaths;
  readonly context: string;
  readonly checked: ReadonlyMap<string, boolean>;
  readonly resource: TargetResource;
}

function helmResult(
  r: HelmRenderResult,
  target: DeployTarget,
  paths: WorkspacePaths,
  files: ReadonlyMap<string, string>,
  releaseNamespace: string,
  cache?: HelmRenderCache,
): TargetResult {
  const where = (file: string | undefined): string =>
    file === undefined ? target.file : paths.toWorkspace(file);
  if (r.error) {
    const e = r.error;
    // A template error names the template; others are about the chart (its Chart.yaml).
    const named = e.file !== undefined ? templateFile(e.file, target, paths) : undefined;
    const file = named !== undefined && files.has(named) ? named : target.file;
    return {
      ok: false,
      error: { file, message: e.message, ...(e.line !== undefined ? { line: e.line } : {}) },
    };
  }
  // Which workspace files the values lines named are (a resource is kept while they are the same).
  let checked = new Map<string, boolean>();
  const has = (file: string): boolean => {
    const h = files.has(file);
    checked.set(file, h);
    return h;
  };
  // A values file in a packaged subchart is no workspace file: it is named, without a line.
  const ref = (v: HelmValueOrigin): ValueRef => {
    if (v.flag !== undefined) return { path: v.path, flag: v.flag };
    const file = v.source === 'chart' ? where(v.file) : (v.file ?? target.file);
    if (!has(file) || v.line === undefined) return { path: v.path, file };
    return { path: v.path, file, line: v.line, column: v.column ?? 1 };
  };
  // The same manifest (a template the render did not execute again) gives the same resource.
  const context = `${target.file}\u0000${target.dir}\u0000${releaseNamespace}`;
  const resources: TargetResource[] = r.manifests.map((m) => {
    const hit = cache?.derived(m) as HelmResourceMemo | undefined;
    if (
      hit !== undefined &&
      hit.paths === paths &&
      hit.context === context &&
      [...hit.checked].every(([f, h]) => files.has(f) === h)
    )
      return hit.resource;
    checked = new Map();
    const resource = helmResource(m);
    cache?.derive(m, { paths, context, checked, resource } satisfies HelmResourceMemo);
    return resource;
  });
  function helmResource(m: HelmRenderResult['manifests'][number]): TargetResource {
    const lineMap = m.sourceMap.map((p) => (p ? { file: where(p.file), line: p.line } : undefined));
    const first = lineMap.find((p) => p !== undefined);
    const spans = valueSpans(m).map((v) => ({
      line: v.line,
      column: v.column,
      endColumn: v.endColumn,
      text: v.text,
      template: { file: where(v.origin.file), line: v.origin.line, column: v.origin.column },
      values: v.values.map(ref),
    }));
    return {
      apiVersion: m.apiVersion,
      kind: m.kind,
      name: m.name,
      namespace: '',
      yaml: m.content,
      origin: first ?? { file: target.file, line: 1 },
      fields: new Map(),
      lineMap,
      releaseNamespace,
      ...(m.hook !== undefined ? { hook: m.hook } : {}),
      ...(spans.length > 0 ? { valueSpans: spans } : {}),
    };
  }
  return {
    ok: true,
    resources,
    notes: r.notes.map((message) => ({ file: target.file, line: 1, message })),
  };
}

/** A template named in an error (`chart/templates/x.yaml` or an fs path) → its workspace path. */
function templateFile(name: string, target: DeployTarget, paths: WorkspacePaths): string {
  if (name.startsWith('/')) return paths.toWorkspace(name);
  // `<chart name>/templates/x.yaml`: the first segment is the chart's name, not its directory.
  const rest = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
  return target.dir === '' ? rest : `${target.dir}/${rest}`;
}

/**
 * What a deploy target renders, as the tool prints it: `helm template` for a chart (with the
 * workspace's Helm options; missing dependencies noted, not fatal), `kustomize build` for a
 * kustomization. For the editor's rendered-manifest preview.
 */
export function renderedText(
  files: ReadonlyMap<string, string>,
  target: DeployTarget,
  helm: HelmTargetOptions = {},
  root?: string,
  /** For a chart: helm template's output flags (`--show-only templates/x.yaml`). */
  format: HelmTemplateFormat = {},
): { text: string; error?: string } {
  const layout = workspaceLayout(files.keys(), root);
  const paths = layout.paths;
  const { fs } = trackingFs(files, layout);
  if (target.kind === 'helm') {
    const valuesFiles: { name: string; text: string }[] = [];
    for (const v of helm.valuesFiles ?? []) {
      const text = files.get(v);
      if (text === undefined) return { text: '', error: `Error: open ${v}: no such file or directory` };
      valuesFiles.push({ name: v, text });
    }
    const { valuesFiles: _given, ...rest } = helm;
    const out = formatHelmTemplate(
      renderChart(fs, paths.toFs(target.dir), { ...rest, valuesFiles, missingDependencies: 'note' }),
      format,
    );
    return out.error === undefined ? { text: out.stdout } : { text: out.stdout, error: out.error.trim() };
  }
  // As the kustomize CLI: its default (legacy) order, rootOnly.
  const r = buildKustomization(fs, paths.toFs(target.dir), {
    reorder: 'unspecified',
    loadRestrictions: 'rootOnly',
  });
  if (!r.ok) {
    const where = `${paths.toWorkspace(r.error.file)}${r.error.line !== undefined ? `:${r.error.line}` : ''}`;
    return { text: '', error: `Error: ${where}: ${r.error.message}` };
  }
  return { text: r.yaml };
}
