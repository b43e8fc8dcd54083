// The engine's entry points. Pure: text in, data out; no vscode, no Node built-ins.
import type { ClusterProfile, ClusterState, Diagnostic, LoadedObject } from './model';
import { loadYamlFile } from './load';
import type { LoadLimits } from './load';
import { DEFAULT_LOAD_LIMITS } from './load';
import { defaultClusterProfile, loadClusterProfile, PROFILE_FILE_NAME } from './load/profile';
import { reconcile } from './reconcile';

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
  const diagnostics: Diagnostic[] = [];
  let profile: ClusterProfile = defaultClusterProfile();
  if (input.profile) {
    const loaded = loadClusterProfile(input.profile.path, input.profile.text);
    profile = loaded.profile;
    diagnostics.push(...loaded.diagnostics);
  }
  const objects: LoadedObject[] = [];
  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of files) {
    if (input.profile && file.path === input.profile.path) continue;
    if (file.path.endsWith(PROFILE_FILE_NAME)) continue;
    const loaded = loadYamlFile(file.path, file.text, limits);
    objects.push(...loaded.objects);
    diagnostics.push(...loaded.diagnostics);
  }
  const { state } = reconcile(objects, profile);
  return { ...state, objects, diagnostics: sortDiagnostics([...diagnostics, ...state.diagnostics]) };
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
