// The engine's entry points. Pure: text in, data out; no vscode, no Node built-ins.
import type { ClusterProfile, ClusterState, Diagnostic, FileRole, LoadedFile, LoadedObject } from './model';
import { fileRole } from './model';
import { loadYamlFile, unreadableFile } from './load';
import type { LoadLimits } from './load';
import { DEFAULT_LOAD_LIMITS } from './load';
import { defaultClusterProfile, loadClusterProfile, PROFILE_FILE_NAME } from './load/profile';
import type { LoadedProfile } from './load/profile';
import { kustomizePatchFiles, kustomizePatchSkipped } from './load/kustomize';
import type { KustomizeListing } from './load/kustomize';
import type { BuildCache, DeployTarget, HelmTargetOptions, RenderStage, TargetOutcome } from './deployment';
import { createBuildCache, hasKustomizations, renderStage } from './deployment';
import { createReconcileCache, prepareReconcile, reconcile } from './reconcile';
import type { ReconcileCache } from './reconcile';
import { Segments } from './reconcile/incremental';
import { serviceFindings } from './diagnose/serviceFindings';
import { l7Diagnostics } from './l7';
import { valuesRelated } from './queries';
import { memoized } from './util/memo';
import { YamlTokens } from './render/yamlTokens';

export interface WorkspaceFile {
  /** Path relative to the workspace root, '/'-separated; used in diagnostics. */
  path: string;
  /** The file's text; for a path isBinaryPath names (a packaged chart), its bytes, one character per byte. */
  text: string;
  /**
   * Set when the front end could not read the file (not a regular file, over the size
   * limit, gone, no permission): the file gets one error saying why and the rest is analysed.
   */
  unreadable?: string;
}

export interface WorkspaceInput {
  files: WorkspaceFile[];
  /** `kubepath.cluster.yaml`; null or absent = the built-in 3-node cluster. */
  profile?: WorkspaceFile | null;
  limits?: Partial<LoadLimits>;
  /** The deploy target to analyse (its directory); default: the first in path order. */
  target?: string;
  /** How charts are rendered (`helm template`'s flags); default release-name / default / values.yaml. */
  helm?: HelmTargetOptions;
  /** The absolute POSIX directory the relative paths are relative to (lets a build follow `../base`). */
  root?: string;
}

export interface Analysis extends ClusterState {
  /** Every Kubernetes object read from the files, in file order, then the built ones. */
  objects: LoadedObject[];
  /** The workspace's kustomize deploy targets, and those analysed (see deployment.ts). */
  deployTargets: {
    readonly all: readonly DeployTarget[];
    readonly analysed: readonly DeployTarget[];
    /** Every target's build: what it made of each source document (analysed or not). */
    readonly outcomes: readonly TargetOutcome[];
  };
}

export function analyzeWorkspace(input: WorkspaceInput): Analysis {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...input.limits };
  const profile = input.profile ? loadProfileFile(input.profile) : null;
  const loaded: LoadedFile[] = [];
  const files = [...input.files].sort((a, b) => comparePaths(a.path, b.path));
  for (const file of files) {
    if (!isManifestPath(file.path, input.profile?.path)) continue;
    loaded.push(
      file.unreadable === undefined
        ? loadYamlFile(file.path, file.text, limits)
        : unreadableFile(file.path, file.unreadable),
    );
  }
  const byPath = new Map(loaded.map((f) => [f.file, f]));
  const stage = renderStage({
    files: renderFiles(files, input.profile?.path),
    loaded: (p) => byPath.get(p) ?? null,
    target: input.target,
    root: input.root,
    limits,
    helm: helmOptions(input.helm, profile?.profile ?? defaultClusterProfile()),
  });
  return combine(profile, loaded, null, stage);
}

/** Charts see the profile's Kubernetes version as .Capabilities.KubeVersion unless told otherwise. */
function helmOptions(options: HelmTargetOptions | undefined, profile: ClusterProfile): HelmTargetOptions {
  return { kubeVersion: profile.kubernetesVersion, ...options };
}

/** The texts the render stage may read: every readable file but the profile. */
function renderFiles(files: Iterable<WorkspaceFile>, profilePath: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) if (f.unreadable === undefined && f.path !== profilePath) out.set(f.path, f.text);
  return out;
}

/** The profile file, or the built-in cluster with an error saying why the file was not read. */
function loadProfileFile(file: WorkspaceFile): LoadedProfile {
  if (file.unreadable === undefined) return loadClusterProfile(file.path, file.text);
  return {
    profile: defaultClusterProfile(),
    diagnostics: unreadableFile(file.path, `${file.unreadable}; the built-in cluster is used`).diagnostics,
  };
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A manifest by its name (fileRole), and not the profile given. */
function isManifestPath(path: string, profilePath: string | undefined): boolean {
  return path !== profilePath && fileRole(path) === 'manifest';
}

function combine(
  loadedProfile: LoadedProfile | null,
  loaded: readonly LoadedFile[],
  cache: ReconcileCache | null,
  stage: RenderStage,
  defaultProfile: ClusterProfile = defaultClusterProfile(),
  patches: ReadonlyMap<string, KustomizeListing> = kustomizePatchFiles(loaded),
): Analysis {
  const diagnostics: Diagnostic[] = [];
  let profile: ClusterProfile = defaultProfile;
  if (loadedProfile) {
    profile = loadedProfile.profile;
    diagnostics.push(...loadedProfile.diagnostics);
  }
  const objects: LoadedObject[] = [];
  for (const file of loaded) {
    if (stage.consumed(file.file)) {
      // Read by a build: analysed as built. What its text itself says (syntax, decoding) stays.
      if (file.diagnostics.length > 0 && stage.resourceFile(file.file))
        for (const d of file.diagnostics) diagnostics.push(d);
      continue;
    }
    const listedIn = patches.get(file.file);
    if (listedIn !== undefined) {
      diagnostics.push(kustomizePatchSkipped(file.file, listedIn));
      continue;
    }
    for (const o of file.objects) objects.push(o);
    for (const d of file.diagnostics) diagnostics.push(d);
  }
  for (const o of stage.objects) objects.push(o);
  for (const d of stage.diagnostics) diagnostics.push(d);
  const state = reconcileAndDiagnose(objects, profile, cache ?? undefined);
  for (const d of state.diagnostics) diagnostics.push(viaTarget(d, stage));
  const analysis: Analysis = {
    ...state,
    objects,
    diagnostics,
    deployTargets: { all: stage.targets, analysed: stage.active, outcomes: stage.outcomes },
  };
  for (const d of l7Diagnostics(analysis)) diagnostics.push(viaTarget(d, stage));
  // Only a chart's build prints values (a workspace of overlays alone has none to name).
  const printsValues = stage.outcomes.some((o) => o.target.kind === 'helm');
  analysis.diagnostics = sortDiagnostics(
    printsValues ? diagnostics.map((d) => viaValues(d, analysis)) : diagnostics,
  );
  return analysis;
}

/**
 * The control plane over the objects, then the findings over what it exported (each Service's
 * selection): the cluster state with both the controllers' and the findings' diagnostics.
 */
function reconcileAndDiagnose(
  objects: readonly LoadedObject[],
  profile: ClusterProfile,
  cache: ReconcileCache | undefined,
): ClusterState {
  const { state, selections, podsByNamespace } = reconcile(objects, profile, cache);
  const findings = serviceFindings({ selections, podsByNamespace, pods: state.pods });
  if (findings.length === 0) return state;
  const diagnostics = state.diagnostics.slice();
  for (const d of findings) diagnostics.push(d);
  return { ...state, diagnostics };
}

/**
 * A finding on a file a build read names the deploy target it was built for: the same
 * object for the same finding and target (the reconcile keeps its unchanged findings, and
 * the lists downstream compare them by identity).
 */
function viaTarget(d: Diagnostic, stage: RenderStage): Diagnostic {
  const target = stage.readBy(d.range.file);
  if (!target || d.range.file === target.file) return d;
  const last = viaTargetOf(d);
  if (last.target === target) return last.diagnostic;
  const via = {
    range: { file: target.file, line: 1, column: 1, endLine: 1, endColumn: 1 },
    message: `via ${target.file} (kustomize build ${target.dir || '.'})`,
  };
  last.target = target;
  return (last.diagnostic = { ...d, related: [...(d.related ?? []), via] });
}

/** Per finding: the target it was last named with (deploy targets are kept while unchanged), and the result. */
const viaTargetOf = memoized((d: Diagnostic): { target?: DeployTarget; diagnostic: Diagnostic } => ({
  diagnostic: d,
}));

/** A finding on a Helm template line names the values lines (or --set flags) printed there. */
function viaValues(d: Diagnostic, analysis: Analysis): Diagnostic {
  const related = valuesRelated(analysis, d.range);
  return related.length === 0 ? d : { ...d, related: [...(d.related ?? []), ...related] };
}

/**
 * By file, line, column and code, in place; equal ones keep their order. Grouped by file
 * first: the file names are sorted once each, and each file's few diagnostics on their own.
 */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const list = byFile.get(d.range.file);
    if (list) list.push(d);
    else byFile.set(d.range.file, [d]);
  }
  const files = [...byFile.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let i = 0;
  for (const file of files) {
    const list = byFile.get(file) as Diagnostic[];
    if (list.length > 1)
      list.sort(
        (a, b) =>
          a.range.line - b.range.line || a.range.column - b.range.column || a.code.localeCompare(b.code),
      );
    for (const d of list) diagnostics[i++] = d;
  }
  return diagnostics;
}

export { DEFAULT_LOAD_LIMITS, defaultClusterProfile, loadClusterProfile, PROFILE_FILE_NAME };
export { fileRole } from './model';
export { kubeletLabels, PROFILE_SHAPE_HINT } from './load/profile';
export {
  checkProfileShape,
  closestName,
  PROFILE_SCHEMA,
  profileFieldAt,
  profileFieldsAt,
  profileJsonSchema,
  profileTypeLabel,
} from './load/profileSchema';
export type { ProfileField, ProfileFieldType, ProfileFinding } from './load/profileSchema';
export { describeProfileField, profileCompletions, profileHoverAt } from './load/profileAssist';
export type { ProfileCompletion, ProfileHover } from './load/profileAssist';
/** Manifest bytes → text as Kubernetes' YAML reader decodes them (BOMs, UTF-16, invalid UTF-8 marked). */
export { decodeManifestBytes } from './load';
export { kubeChainLines, sortIPTablesRules, unifiedDiff } from './proxy/iptables';
export { renderTrace, renderTraceSummary, traceJson } from './report/traceText';
export { buildKustomization, KUSTOMIZATION_FILES } from './render/kustomize';
export {
  isBinaryPath,
  isChartPath,
  isKustomizationPath,
  kustomizationReferences,
  renderedText,
} from './render/workspace';
export type { DeployTarget, HelmTargetOptions } from './render/workspace';
export type { BuildError, BuildOptions, KustomizeBuildResult, KustomizeFs } from './render/kustomize';
export { formatHelmTemplate, renderChart } from './render/helm';
export type {
  HelmManifest,
  HelmRenderOptions,
  HelmRenderResult,
  HelmTemplateFormat,
  HelmTemplateOutput,
  HelmValueOrigin,
  TemplatePosition,
} from './render/helm';
export { ORIGIN_WORKLOAD_KINDS, originText, TraceTargetError, traceRequest } from './trace/request';
export { keyRangeAt, rangeAt } from './model';
export type { RequestOptions, RequestOrigin, RequestTrace } from './trace/request';
export { toAnalyzeJson } from './report/analyzeJson';
export type { AnalyzeJson } from './report/analyzeJson';
export { endpointsOf, endpointsOfPort } from './report/analyzeJson';

/**
 * Analysis of a workspace that changes one file at a time (an editor): each file is
 * parsed again only when its text changed, and per-object work of the controllers
 * (API-server admission, workload planning) is reused for objects that did not
 * change. `analyze()` returns what `analyzeWorkspace` returns for the same files and
 * profile, byte for byte; the objects of unchanged files are the same instances.
 */
export interface WorkspaceAnalyzer {
  /**
   * Adds or replaces a file (path relative to the workspace root, '/'-separated);
   * `unreadable` says why the front end could not read it (see WorkspaceFile).
   */
  setFile(path: string, text: string, unreadable?: string): void;
  deleteFile(path: string): void;
  /** `kubepath.cluster.yaml`; null = the built-in 3-node cluster. */
  setProfile(profile: WorkspaceFile | null): void;
  /** The deploy target to analyse (its directory); undefined = the first in path order. */
  setTarget(target: string | undefined): void;
  /** How charts are rendered (see WorkspaceInput.helm). */
  setHelm(options: HelmTargetOptions | undefined): void;
  /** Paths of the files set, sorted. */
  paths(): string[];
  /**
   * Parses files set since the last analysis, one at a time, until `stop()` returns true
   * (asked after each file, so every call makes progress). True when none is left. Lets a
   * caller spread a large workspace's parsing over several turns of its event loop;
   * `analyze()` parses whatever is left.
   */
  loadSome(stop: () => boolean): boolean;
  analyze(): Analysis;
}

interface FileEntry {
  text: string;
  unreadable: string | undefined;
  loaded: LoadedFile | null;
  /** fileRole of its path (asked for every file on every analysis with a render stage). */
  readonly role: FileRole;
}

export function createWorkspaceAnalyzer(options: { limits?: Partial<LoadLimits> } = {}): WorkspaceAnalyzer {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...options.limits };
  const files = new Map<string, FileEntry>();
  let profileFile: WorkspaceFile | null = null;
  let profile: LoadedProfile | null = null;
  const cache = createReconcileCache();
  // One instance, so the reconcile cache (valid for one profile) survives analyses without a profile.
  const defaultProfile = defaultClusterProfile();
  let last: Analysis | null = null;
  // What the last analysis read, file by file in path order: each file's objects and
  // diagnostics as segments of the flat lists, so an edit replaces one file's segment.
  let manifests: string[] | null = null;
  let position = new Map<string, number>();
  const objectSegments = new Segments<LoadedObject>();
  const diagnosticSegments = new Segments<Diagnostic>();
  /** Files changed since the last analysis (all of them after a file was added or removed). */
  const dirty = new Set<string>();
  /** Patch files of the last analysis, with the kustomization listing each. */
  let patches = new Map<string, KustomizeListing>();
  /** Files (loaded) that hold a kustomization. */
  const kustomizations = new Set<string>();
  /** Objects of files loaded by loadSome, whose per-object reconcile work is still to do. */
  let toPrepare: LoadedObject[] = [];
  let prepared = 0;
  // The render stage: builds kept while what they read is unchanged; `listing` counts adds and removes.
  // YAML syntax trees of the last texts read, shared by the loader and the builds.
  const tokens = new YamlTokens();
  const builds: BuildCache = createBuildCache(tokens);
  let listing = 0;
  /** Whether the paths hold a kustomization or chart, for the listing it was asked at. */
  let renders: { readonly listing: number; readonly any: boolean } | null = null;
  const rendering = (): boolean => {
    if (renders?.listing !== listing) renders = { listing, any: hasKustomizations(files.keys()) };
    return renders.any;
  };
  let target: string | undefined;
  let helm: HelmTargetOptions | undefined;
  // With a render stage: the manifest paths in order, and the texts the builds may read
  // (kept while no file is added or removed and the profile's path is the same).
  let renderPaths: string[] | null = null;
  let renderTexts: Map<string, string> | null = null;
  const currentProfile = (): ClusterProfile => {
    if (profileFile && !profile) profile = loadProfileFile(profileFile);
    return profile?.profile ?? defaultProfile;
  };
  /** The patch files the kustomizations list, kept while those files' loads are the same. */
  let listed: {
    readonly files: readonly LoadedFile[];
    readonly patches: Map<string, KustomizeListing>;
  } | null = null;
  const patchListings = (): Map<string, KustomizeListing> => {
    const now = [...kustomizations]
      .filter((p) => files.has(p) && isManifestPath(p, profileFile?.path))
      .sort(comparePaths)
      .map((p) => load(p));
    if (listed && listed.files.length === now.length && listed.files.every((f, i) => f === now[i]))
      return listed.patches;
    listed = { files: now, patches: kustomizePatchFiles(now) };
    return listed.patches;
  };
  const load = (path: string): LoadedFile => {
    const entry = files.get(path) as FileEntry;
    if (!entry.loaded) {
      entry.loaded =
        entry.unreadable === undefined
          ? loadYamlFile(path, entry.text, limits, rendering() ? tokens : undefined)
          : unreadableFile(path, entry.unreadable);
      if (hasKustomization(entry.loaded)) kustomizations.add(path);
      else kustomizations.delete(path);
    }
    return entry.loaded;
  };
  return {
    setFile(path, text, unreadable) {
      const entry = files.get(path);
      if (entry && entry.text === text && entry.unreadable === unreadable) return;
      if (!entry) {
        manifests = null;
        listing++;
        renderPaths = null;
        renderTexts = null;
      } else if (
        renderTexts &&
        entry.unreadable === undefined &&
        unreadable === undefined &&
        renderTexts.has(path)
      )
        renderTexts.set(path, text);
      else renderTexts = null;
      files.set(path, { text, unreadable, loaded: null, role: entry?.role ?? fileRole(path) });
      dirty.add(path);
      last = null;
    },
    deleteFile(path) {
      if (!files.delete(path)) return;
      manifests = null;
      renderPaths = null;
      renderTexts = null;
      listing++;
      kustomizations.delete(path);
      last = null;
    },
    setProfile(next) {
      if (next === profileFile) return;
      if (
        next &&
        profileFile &&
        next.path === profileFile.path &&
        next.text === profileFile.text &&
        next.unreadable === profileFile.unreadable
      )
        return;
      const pathChanged = next?.path !== profileFile?.path;
      profileFile = next ? { ...next } : null;
      profile = null;
      // Which file is the profile decides which files are manifests (and which the builds read).
      if (pathChanged) {
        manifests = null;
        renderPaths = null;
        renderTexts = null;
      }
      last = null;
    },
    setTarget(next) {
      if (next === target) return;
      target = next;
      last = null;
    },
    setHelm(next) {
      if (JSON.stringify(next ?? {}) === JSON.stringify(helm ?? {})) return;
      helm = next;
      last = null;
    },
    paths() {
      return [...files.keys()].sort(comparePaths);
    },
    loadSome(stop) {
      for (const path of dirty) {
        const entry = files.get(path);
        if (!entry || entry.loaded || !isManifestPath(path, profileFile?.path)) continue;
        for (const o of load(path).objects) toPrepare.push(o);
        if (stop()) return false;
      }
      // Then the per-object part of the reconcile (admission, workload plans) of what was read.
      const clusterProfile = currentProfile();
      while (prepared < toPrepare.length) {
        prepareReconcile(toPrepare[prepared++] as LoadedObject, clusterProfile, cache);
        if (stop()) return false;
      }
      toPrepare = [];
      prepared = 0;
      return true;
    },
    analyze() {
      if (last) return last;
      toPrepare = [];
      prepared = 0;
      const clusterProfile = currentProfile();
      if (rendering()) {
        // With a render stage, the lists are assembled whole (files and builds are still reused).
        renderPaths ??= [...files.keys()]
          .filter((p) => isManifestPath(p, profileFile?.path))
          .sort(comparePaths);
        const loadedFiles = renderPaths.map((p) => load(p));
        if (!renderTexts) {
          renderTexts = new Map<string, string>();
          for (const [p, e] of files)
            if (e.unreadable === undefined && p !== profileFile?.path) renderTexts.set(p, e.text);
        }
        const texts = renderTexts;
        const stage = renderStage({
          files: texts,
          loaded: (p) => {
            const entry = files.get(p);
            return entry?.role === 'manifest' && p !== profileFile?.path ? load(p) : null;
          },
          target,
          limits,
          cache: builds,
          listing,
          helm: helmOptions(helm, clusterProfile),
        });
        dirty.clear();
        manifests = null;
        last = combine(profile, loadedFiles, cache, stage, defaultProfile, patchListings());
        return last;
      }
      const full = !manifests;
      if (!manifests) {
        manifests = [...files.keys()].filter((p) => isManifestPath(p, profileFile?.path)).sort(comparePaths);
        position = new Map(manifests.map((p, i) => [p, i]));
        for (const path of manifests) load(path);
      }
      for (const path of dirty) if (position.has(path)) load(path);
      // Kustomize patch files are skipped; a changed kustomization can skip or restore any file.
      const nextPatches = patchListings();
      const objectsOf = (path: string, loaded: LoadedFile): LoadedObject[] =>
        nextPatches.has(path) ? [] : loaded.objects;
      const diagnosticsOf = (path: string, loaded: LoadedFile): Diagnostic[] => {
        const listedIn = nextPatches.get(path);
        return listedIn === undefined ? loaded.diagnostics : [kustomizePatchSkipped(path, listedIn)];
      };
      if (full) {
        objectSegments.reset(manifests.map((p) => objectsOf(p, load(p))));
        diagnosticSegments.reset(manifests.map((p) => diagnosticsOf(p, load(p))));
      } else {
        const update = new Set(dirty);
        for (const p of patches.keys()) if (nextPatches.get(p) !== patches.get(p)) update.add(p);
        for (const p of nextPatches.keys()) if (nextPatches.get(p) !== patches.get(p)) update.add(p);
        for (const path of update) {
          const at = position.get(path);
          if (at === undefined) continue;
          const loaded = load(path);
          objectSegments.set(at, objectsOf(path, loaded));
          diagnosticSegments.set(at, diagnosticsOf(path, loaded));
        }
      }
      patches = nextPatches;
      dirty.clear();
      const diagnostics: Diagnostic[] = profile ? [...profile.diagnostics] : [];
      for (const d of diagnosticSegments.list()) diagnostics.push(d);
      const objects = objectSegments.list();
      const state = reconcileAndDiagnose(objects, clusterProfile, cache);
      for (const d of state.diagnostics) diagnostics.push(d);
      const analysis: Analysis = { ...state, objects, diagnostics, deployTargets: NO_TARGETS };
      // The Gateway API and Ingress controllers' findings, beside the Services' (issue 19).
      for (const d of l7Diagnostics(analysis)) diagnostics.push(d);
      analysis.diagnostics = sortDiagnostics(diagnostics);
      last = analysis;
      return last;
    },
  };
}

const NO_TARGETS: Analysis['deployTargets'] = { all: [], analysed: [], outcomes: [] };

function hasKustomization(file: LoadedFile): boolean {
  if (file.kustomization) return true;
  return file.objects.some(
    (o) =>
      (o.kind === 'Kustomization' || o.kind === 'Component') &&
      o.apiVersion.startsWith('kustomize.config.k8s.io/'),
  );
}

export {
  builtFrom,
  defaultEntry,
  dnsPath,
  entryPoints,
  isDnsOnly,
  podLabelsOf,
  podTemplateOf,
  POD_TEMPLATE_KINDS,
  portChains,
  requestPath,
  rules,
  nftablesRules,
  nftablesLayoutMinVersion,
  operatorObjects,
  selection,
  portKey,
  serviceFindings,
  servicesSelecting,
  templateValueAt,
  valueRefText,
  workloadOf,
} from './queries';
export type {
  BuiltFromTarget,
  IptablesForm,
  IptablesRules,
  NftablesForm,
  NftablesRules,
  OperatorObjects,
  PortTarget,
  DnsPathQuery,
  RequestPathQuery,
  ServiceSelection,
  TemplateValue,
} from './queries';
export type { TemplateValueSpan, ValueRef } from './render/workspace';
export type { BuiltFrom, TargetOutcome } from './deployment';
export { l7MatchText, l7Routes, l7RuleRefText } from './l7';
export type {
  L7Attachment,
  L7Backend,
  L7Match,
  L7RequestExample,
  L7Rule,
  L7RuleRef,
  L7RoutesQuery,
} from './l7';
export { normalizeIP } from './net/ip';
export { proxyFamilies } from './proxy/node';
