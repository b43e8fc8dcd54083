// The engine's entry points. Pure: text in, data out; no vscode, no Node built-ins.
import type { ClusterProfile, ClusterState, Diagnostic, LoadedFile, LoadedObject } from './model';
import { loadYamlFile } from './load';
import type { LoadLimits } from './load';
import { DEFAULT_LOAD_LIMITS } from './load';
import { defaultClusterProfile, loadClusterProfile, PROFILE_FILE_NAME } from './load/profile';
import type { LoadedProfile } from './load/profile';
import { kustomizePatchFiles, kustomizePatchSkipped } from './load/kustomize';
import { createReconcileCache, reconcile } from './reconcile';
import type { ReconcileCache } from './reconcile';

export interface WorkspaceFile {
  /** Path relative to the workspace root, '/'-separated; used in diagnostics. */
  path: string;
  text: string;
}

export interface WorkspaceInput {
  files: WorkspaceFile[];
  /** `kubepath.cluster.yaml`; null or absent = the built-in 3-node cluster. */
  profile?: WorkspaceFile | null;
  limits?: Partial<LoadLimits>;
}

export interface Analysis extends ClusterState {
  /** Every Kubernetes object read from the files, in file order. */
  objects: LoadedObject[];
}

export function analyzeWorkspace(input: WorkspaceInput): Analysis {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...input.limits };
  const profile = input.profile ? loadClusterProfile(input.profile.path, input.profile.text) : null;
  const loaded: LoadedFile[] = [];
  const files = [...input.files].sort((a, b) => comparePaths(a.path, b.path));
  for (const file of files) {
    if (!isManifestPath(file.path, input.profile?.path)) continue;
    loaded.push(loadYamlFile(file.path, file.text, limits));
  }
  return combine(profile, loaded, null);
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The profile is configuration, not a manifest, wherever it lies. */
function isManifestPath(path: string, profilePath: string | undefined): boolean {
  return path !== profilePath && !path.endsWith(PROFILE_FILE_NAME);
}

function combine(
  loadedProfile: LoadedProfile | null,
  loaded: readonly LoadedFile[],
  cache: ReconcileCache | null,
): Analysis {
  const diagnostics: Diagnostic[] = [];
  let profile: ClusterProfile = defaultClusterProfile();
  if (loadedProfile) {
    profile = loadedProfile.profile;
    diagnostics.push(...loadedProfile.diagnostics);
  }
  const objects: LoadedObject[] = [];
  const patches = kustomizePatchFiles(loaded);
  for (const file of loaded) {
    const listedIn = patches.get(file.file);
    if (listedIn !== undefined) {
      diagnostics.push(kustomizePatchSkipped(file.file, listedIn));
      continue;
    }
    for (const o of file.objects) objects.push(o);
    for (const d of file.diagnostics) diagnostics.push(d);
  }
  const { state } = reconcile(objects, profile, cache ?? undefined);
  for (const d of state.diagnostics) diagnostics.push(d);
  return { ...state, objects, diagnostics: sortDiagnostics(diagnostics) };
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      (a.range.file < b.range.file ? -1 : a.range.file > b.range.file ? 1 : 0) ||
      a.range.line - b.range.line ||
      a.range.column - b.range.column ||
      a.code.localeCompare(b.code),
  );
}

export { defaultClusterProfile, loadClusterProfile, PROFILE_FILE_NAME };
export { toAnalyzeJson } from './report/analyzeJson';
export type { AnalyzeJson } from './report/analyzeJson';

/**
 * Analysis of a workspace that changes one file at a time (an editor): each file is
 * parsed again only when its text changed, and per-object work of the controllers
 * (API-server admission, workload planning) is reused for objects that did not
 * change. `analyze()` returns what `analyzeWorkspace` returns for the same files and
 * profile, byte for byte; the objects of unchanged files are the same instances.
 */
export interface WorkspaceAnalyzer {
  /** Adds or replaces a file (path relative to the workspace root, '/'-separated). */
  setFile(path: string, text: string): void;
  deleteFile(path: string): void;
  /** `kubepath.cluster.yaml`; null = the built-in 3-node cluster. */
  setProfile(profile: WorkspaceFile | null): void;
  /** Paths of the files set, sorted. */
  paths(): string[];
  analyze(): Analysis;
}

interface FileEntry {
  text: string;
  loaded: LoadedFile | null;
}

export function createWorkspaceAnalyzer(options: { limits?: Partial<LoadLimits> } = {}): WorkspaceAnalyzer {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...options.limits };
  const files = new Map<string, FileEntry>();
  let sortedPaths: string[] | null = null;
  let profileFile: WorkspaceFile | null = null;
  let profile: LoadedProfile | null = null;
  const cache = createReconcileCache();
  let last: Analysis | null = null;
  return {
    setFile(path, text) {
      const entry = files.get(path);
      if (entry && entry.text === text) return;
      if (!entry) sortedPaths = null;
      files.set(path, { text, loaded: null });
      last = null;
    },
    deleteFile(path) {
      if (!files.delete(path)) return;
      sortedPaths = null;
      last = null;
    },
    setProfile(next) {
      if (next === profileFile) return;
      if (next && profileFile && next.path === profileFile.path && next.text === profileFile.text) return;
      profileFile = next ? { path: next.path, text: next.text } : null;
      profile = null;
      last = null;
    },
    paths() {
      sortedPaths ??= [...files.keys()].sort(comparePaths);
      return [...sortedPaths];
    },
    analyze() {
      if (last) return last;
      if (profileFile && !profile) profile = loadClusterProfile(profileFile.path, profileFile.text);
      sortedPaths ??= [...files.keys()].sort(comparePaths);
      const loaded: LoadedFile[] = [];
      for (const path of sortedPaths) {
        if (!isManifestPath(path, profileFile?.path)) continue;
        const entry = files.get(path);
        if (!entry) continue;
        entry.loaded ??= loadYamlFile(path, entry.text, limits);
        loaded.push(entry.loaded);
      }
      last = combine(profile, loaded, cache);
      return last;
    },
  };
}
