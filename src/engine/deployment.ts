// Which objects a workspace deploys (DESIGN.md, CLI: "deploy targets"): its kustomizations
// that no other kustomization uses are built, and what they read (bases, patches, generator
// inputs, the kustomization files) is never analysed as written. Several targets that share
// a file (overlays/dev and overlays/prod on one base) are alternative deployments of the
// same thing: one of them is analysed — the one asked for, else the first in path order —
// together with every target that shares nothing with it; the others get a note saying so.
// Plain manifests that no build reads are analysed as they are, beside the builds.
import { isTestHook } from './model/helmHooks';
import { memoized } from './util/memo';
import type { YamlTokens } from './render/yamlTokens';
import type { Diagnostic, LoadedFile, LoadedObject, SourceRange } from './model';
import type { LoadLimits } from './load/yamlDocuments';
import { loadBuild } from './load/rendered';
import type { LoadedBuildMemo, SourceFile } from './load/rendered';
import { BuildReuse, ParseCache } from './render/kustomize';
import { HelmRenderCache } from './render/helm';
import type {
  DeployTarget,
  HelmTargetOptions,
  ResourceMapping,
  TargetBuild,
  TargetResource,
  TemplateValueSpan,
  WorkspaceLayout,
} from './render/workspace';
import {
  buildTarget,
  findDeployTargets,
  isChartPath,
  isKustomizationPath,
  referencedEntries,
  resourceMapping,
  workspaceLayout,
} from './render/workspace';

export type { DeployTarget, HelmTargetOptions } from './render/workspace';

/** One resource a deploy target built, named by what it became and where it came from. */
export interface BuiltFrom {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The source document (workspace path, 1-based line) or the generator entry. */
  readonly origin: { readonly file: string; readonly line: number };
  /** Fields the target's own layers set (patches, transformers, kustomization lines), and where. */
  readonly changes: readonly { readonly field: string; readonly file: string; readonly line: number }[];
  /** Helm: the pieces of its text printed from values, and where those values were set. */
  readonly values?: readonly TemplateValueSpan[];
}

/** What one deploy target builds, analysed or not (a hover on a base shows every target's result). */
export interface TargetOutcome {
  readonly target: DeployTarget;
  readonly analysed: boolean;
  readonly error?: { readonly file: string; readonly line: number; readonly message: string };
  readonly resources: readonly BuiltFrom[];
}

export interface RenderStage {
  /** Every deploy target, in path order. */
  readonly targets: readonly DeployTarget[];
  /** The targets analysed, in path order. */
  readonly active: readonly DeployTarget[];
  /** Whether a build read the workspace path: then it is never analysed as written. */
  consumed(path: string): boolean;
  /** Whether an analysed build has resources from the file: its own decoding diagnostics stay. */
  resourceFile(path: string): boolean;
  /** The built objects of the analysed targets, with ranges in the source files. */
  readonly objects: readonly LoadedObject[];
  /** Build errors, notes, and a note on each target not analysed. */
  readonly diagnostics: readonly Diagnostic[];
  /** The target of the analysed build that read the file, if one did. */
  readBy(path: string): DeployTarget | undefined;
  /** Every target's build, in path order. */
  readonly outcomes: readonly TargetOutcome[];
}

/** Builds kept between analyses: valid while every file a build read has the same text. */
export interface BuildCache {
  readonly entries: Map<string, CacheEntry>;
  /** The files builds parsed, so that a rebuild parses only what changed. */
  readonly parsed: ParseCache;
  /** The builds of bases and the printed resources, so that a rebuild redoes only what changed. */
  readonly reuse: BuildReuse;
  /** Template parse trees and manifest heads of chart renders, so that a re-render parses only what changed. */
  readonly helm: HelmRenderCache;
  /** Per target: its built resources in workspace paths (see ResourceMapping). */
  readonly mapped: Map<string, ResourceMapping>;
  /** Per target: its built resources as loaded last time (see LoadedBuildMemo). */
  readonly loaded: Map<string, LoadedBuildMemo>;
  /** Kustomization text → the bases and components it lists (last analysis's texts only). */
  references: Map<string, readonly string[]>;
  /** The deploy targets found for this layout and these texts of its kustomization files. */
  targets?: {
    readonly layout: WorkspaceLayout;
    readonly files: readonly string[];
    readonly texts: readonly (string | undefined)[];
    readonly targets: readonly DeployTarget[];
  };
  /** The files' layout, for these paths (in this order) and root. */
  layout?: {
    readonly keys: readonly string[];
    readonly root: string | undefined;
    readonly layout: WorkspaceLayout;
  };
}

interface CacheEntry {
  readonly build: TargetBuild;
  /** The files the build read and their texts, at the same positions. */
  readonly paths: readonly string[];
  readonly texts: readonly string[];
  readonly listing: number;
  /** The Helm options it was rendered with (JSON). */
  readonly helm: string;
  /** The build's objects, mapped with these loads of its resource files (originFilesOf's order). */
  objects?: { readonly loads: readonly (LoadedFile | null)[]; readonly list: readonly LoadedObject[] };
}

/** `tokens`: YAML syntax trees shared with the loader (an edited base file is parsed once). */
export function createBuildCache(tokens?: YamlTokens): BuildCache {
  return {
    entries: new Map(),
    parsed: new ParseCache(tokens),
    reuse: new BuildReuse(),
    helm: new HelmRenderCache(),
    mapped: new Map(),
    loaded: new Map(),
    references: new Map(),
  };
}

export interface RenderStageInput {
  /** Every workspace file's text (manifests and the other files a build may read). */
  readonly files: ReadonlyMap<string, string>;
  /** What a manifest file loaded as written (for the positions of base resources). */
  readonly loaded: (path: string) => LoadedFile | null;
  /** The deploy target asked for (workspace path of its directory). */
  readonly target?: string | undefined;
  /** The absolute POSIX directory relative paths are relative to, if known (see workspacePaths). */
  readonly root?: string | undefined;
  readonly limits: LoadLimits;
  readonly cache?: BuildCache | undefined;
  /** Changes whenever a file is added or removed (directory listings); with `cache`. */
  readonly listing?: number;
  /** How charts are rendered (release, namespace, values files, --set…). */
  readonly helm?: HelmTargetOptions;
}

const EMPTY: RenderStage = {
  targets: [],
  active: [],
  consumed: () => false,
  resourceFile: () => false,
  objects: [],
  diagnostics: [],
  readBy: () => undefined,
  outcomes: [],
};

/**
 * The files a kustomize build's resources come from. The stage asks of its builds by path
 * instead of gathering their reads into new sets: an edit rebuilds one target, and sets of
 * every path it read were a measurable part of re-analysing it.
 */
const originFilesOf = memoized((b: TargetBuild): ReadonlySet<string> =>
  b.result.ok ? new Set(b.result.resources.map((r) => r.origin.file)) : new Set(),
);
const NO_FILES: ReadonlySet<string> = new Set();
const resourceFilesOf = (b: TargetBuild): ReadonlySet<string> =>
  b.target.kind === 'kustomize' ? originFilesOf(b) : NO_FILES;

/** Whether any file is a kustomization or a chart (the render stage has nothing to do otherwise). */
export function hasKustomizations(paths: Iterable<string>): boolean {
  for (const p of paths) if (isKustomizationPath(p) || isChartPath(p)) return true;
  return false;
}

export function renderStage(input: RenderStageInput): RenderStage {
  if (!hasKustomizations(input.files.keys())) return EMPTY;
  const layout = layoutOf(input);
  const targets = deployTargets(input, layout);
  const builds = targets.map((t) => cachedBuild(input, t, layout));
  // What no build of this analysis parsed and no file holds any more (old texts of edited files) is dropped.
  input.cache?.parsed.sweep(() => {
    const texts = new Set(input.files.values());
    return (text) => texts.has(text);
  });
  input.cache?.helm.sweep();
  const diagnostics: Diagnostic[] = [];
  const source = (path: string): SourceFile | undefined => {
    const text = input.files.get(path);
    return text === undefined ? undefined : { text, loaded: input.loaded(path) };
  };
  for (const b of builds) {
    const r = b.result;
    const helm = b.target.kind === 'helm';
    if (!r.ok) {
      diagnostics.push({
        range: lineRange(source, r.error.file, r.error.line ?? 1),
        severity: 'error',
        code: helm ? 'helm-render-error' : 'kustomize-build-error',
        message: `${helm ? 'helm template' : 'kustomize build'} ${b.target.dir || '.'}: ${r.error.message}`,
      });
      continue;
    }
    for (const n of r.notes) {
      diagnostics.push({
        range: lineRange(source, n.file, n.line ?? 1),
        severity: 'info',
        code: helm ? 'helm-render-note' : 'kustomize-build-note',
        message: n.message,
      });
    }
    const tests = r.resources.filter((x) => isTestHook(x.hook)).length;
    if (tests > 0)
      diagnostics.push({
        range: lineRange(source, b.target.file, 1),
        severity: 'info',
        code: 'helm-test-hooks-not-analysed',
        message: `helm template ${b.target.dir || '.'}: ${tests} test hook${tests === 1 ? '' : 's'} (helm.sh/hook: test) rendered but not analysed: they run only with \`helm test\``,
      });
  }
  // The target asked for (else the first), then every target sharing no file with those taken.
  const asked = input.target === undefined ? -1 : builds.findIndex((b) => b.target.dir === input.target);
  const order = asked >= 0 ? [builds[asked] as TargetBuild, ...builds.filter((_, i) => i !== asked)] : builds;
  const taken: TargetBuild[] = [];
  for (const b of order) {
    let shared: string | undefined;
    let other: TargetBuild | undefined;
    if (taken.length > 0)
      for (const p of b.reads) {
        other = taken.find((t) => t.reads.has(p));
        if (other) {
          shared = p;
          break;
        }
      }
    if (shared === undefined || !other) {
      taken.push(b);
      continue;
    }
    diagnostics.push({
      range: lineRange(source, b.target.file, 1),
      severity: 'info',
      code: 'kustomize-target-not-analysed',
      message:
        `not analysed: deploy target ${b.target.dir || '.'} shares ${shared} with ${other.target.dir || '.'}, ` +
        `which is analysed; each is its own deployment (analyse this one with --target ${b.target.dir || '.'})`,
    });
  }
  if (input.target !== undefined && asked < 0) {
    const first = targets[0];
    if (first)
      diagnostics.push({
        range: lineRange(source, first.file, 1),
        severity: 'warning',
        code: 'kustomize-target-unknown',
        message: `no deploy target ${input.target}; the targets are ${targets.map((t) => t.dir || '.').join(', ')}`,
      });
  }
  taken.sort((a, b) => (a.target.file < b.target.file ? -1 : a.target.file > b.target.file ? 1 : 0));
  const objects: LoadedObject[] = [];
  for (const b of taken) for (const o of builtObjects(input, b, source)) objects.push(o);
  const analysed = new Set(taken);
  return {
    // The last analysed build that read it (path order), as when their reads filled one map.
    readBy: (path) => {
      for (let i = taken.length - 1; i >= 0; i--) {
        const b = taken[i] as TargetBuild;
        if (b.reads.has(path)) return b.target;
      }
      return undefined;
    },
    outcomes: builds.map((b) => outcomeOf(b, analysed.has(b))),
    targets,
    active: taken.map((b) => b.target),
    consumed: (path) => builds.some((b) => b.reads.has(path)),
    // A kustomization's resource files are YAML as written (their decoding findings stay); a chart's templates are not.
    resourceFile: (path) => taken.some((b) => resourceFilesOf(b).has(path)),
    objects,
    diagnostics,
  };
}

/**
 * The build's objects: the same instances while the build and its resource files' loads
 * are, and, after a rebuild, for each resource that built the same as before.
 */
function builtObjects(
  input: RenderStageInput,
  b: TargetBuild,
  source: (path: string) => SourceFile | undefined,
): readonly LoadedObject[] {
  const entry = input.cache?.entries.get(b.target.file);
  const files = originFilesOf(b);
  if (entry?.build === b && entry.objects) {
    const loads = entry.objects.loads;
    let same = true;
    let i = 0;
    for (const f of files) if (!(same = loads[i++] === input.loaded(f))) break;
    if (same) return entry.objects.list;
  }
  const previous = input.cache?.loaded.get(b.target.file);
  const { objects, memo } = loadBuild(b, source, input.limits, previous);
  if (input.cache) input.cache.loaded.set(b.target.file, memo);
  if (entry?.build === b) {
    const loads: (LoadedFile | null)[] = [];
    for (const f of files) loads.push(input.loaded(f));
    entry.objects = { loads, list: objects };
  }
  return objects;
}

function outcomeOf(b: TargetBuild, analysed: boolean): TargetOutcome {
  const r = b.result;
  if (!r.ok)
    return {
      target: b.target,
      analysed,
      error: { file: r.error.file, line: r.error.line ?? 1, message: r.error.message },
      resources: [],
    };
  return {
    target: b.target,
    analysed,
    resources: r.resources.map(builtFrom),
  };
}

/** What a built resource is to a hover (one per resource: a build hands out the same resource while it is unchanged). */
const builtFrom = memoized((res: TargetResource): BuiltFrom => ({
  kind: res.kind,
  namespace: res.namespace,
  name: res.name,
  origin: { file: res.origin.file, line: res.origin.line },
  changes: [...res.fields]
    .filter(([, at]) => at.file !== res.origin.file)
    .map(([field, at]) => ({ field, file: at.file, line: at.line })),
  ...(res.valueSpans !== undefined ? { values: res.valueSpans } : {}),
}));

/**
 * The deploy targets: the ones found last time while the paths and every kustomization
 * file's text are the same (they depend on nothing else).
 */
function deployTargets(input: RenderStageInput, layout: WorkspaceLayout): readonly DeployTarget[] {
  const cache = input.cache;
  if (!cache) return findDeployTargets(input.files, input.root, undefined, layout.paths);
  const kept = cache.targets;
  if (kept && kept.layout === layout && kept.files.every((p, i) => input.files.get(p) === kept.texts[i]))
    return kept.targets;
  const before = cache.references;
  const now = new Map<string, readonly string[]>();
  const references = (text: string): readonly string[] => {
    const refs = now.get(text) ?? before.get(text) ?? referencedEntries(text);
    now.set(text, refs);
    return refs;
  };
  cache.references = now;
  const targets = findDeployTargets(input.files, input.root, references, layout.paths);
  const files = kept?.layout === layout ? kept.files : [...input.files.keys()].filter(isKustomizationPath);
  cache.targets = { layout, files, texts: files.map((p) => input.files.get(p)), targets };
  return targets;
}

/** The files' layout: the one kept while the paths (and their order) and the root are. */
function layoutOf(input: RenderStageInput): WorkspaceLayout {
  const cache = input.cache;
  const kept = cache?.layout;
  if (kept && kept.root === input.root && kept.keys.length === input.files.size) {
    let i = 0;
    let same = true;
    for (const p of input.files.keys()) {
      if (kept.keys[i++] !== p) {
        same = false;
        break;
      }
    }
    if (same) return kept.layout;
  }
  const layout = workspaceLayout(input.files.keys(), input.root);
  if (cache) cache.layout = { keys: [...input.files.keys()], root: input.root, layout };
  return layout;
}

function cachedBuild(input: RenderStageInput, target: DeployTarget, layout: WorkspaceLayout): TargetBuild {
  const listing = input.listing ?? -1;
  const hit = input.cache?.entries.get(target.file);
  const helm = target.kind === 'helm' ? JSON.stringify(input.helm ?? {}) : '';
  if (
    hit &&
    hit.listing === listing &&
    listing >= 0 &&
    hit.build.target.dir === target.dir &&
    hit.helm === helm
  ) {
    let same = true;
    for (let i = 0; i < hit.paths.length && same; i++)
      same = input.files.get(hit.paths[i] as string) === hit.texts[i];
    if (same) return hit.build;
  }
  const build = buildTarget(
    input.files,
    target,
    input.root,
    input.cache?.parsed,
    'rootOnly',
    input.helm,
    input.cache?.reuse,
    layout,
    input.cache?.helm,
    mappingOf(input.cache, target),
  );
  if (input.cache) {
    const paths: string[] = [];
    const texts: string[] = [];
    const add = (p: string): void => {
      paths.push(p);
      texts.push(input.files.get(p) ?? '');
    };
    build.reads.forEach(add);
    build.optionReads?.forEach(add);
    input.cache.entries.set(target.file, { build, paths, texts, listing, helm });
  }
  return build;
}

function mappingOf(cache: BuildCache | undefined, target: DeployTarget): ResourceMapping | undefined {
  if (!cache || target.kind !== 'kustomize') return undefined;
  let m = cache.mapped.get(target.file);
  if (!m) {
    m = resourceMapping();
    cache.mapped.set(target.file, m);
  }
  return m;
}

function lineRange(
  source: (path: string) => SourceFile | undefined,
  file: string,
  line: number,
): SourceRange {
  const text = source(file)?.text.split(/\r?\n/)[line - 1] ?? '';
  const column = text.length - text.trimStart().length + 1;
  return { file, line, column, endLine: line, endColumn: text.length + 1 };
}
