// Which workspace file is what, decided once for the engine, the CLI and the extension.

/** The cluster profile's file name, at a folder's root (or given with --cluster). */
export const PROFILE_FILE_NAME = 'kubepath.cluster.yaml';

/**
 * `manifest`: read for Kubernetes objects (`*.yaml|*.yml|*.json`, DESIGN.md); `profile`: a
 * cluster profile by its name (configuration, never a manifest); `other`: not read.
 */
export type FileRole = 'manifest' | 'profile' | 'other';

export function fileRole(path: string): FileRole {
  if (path === PROFILE_FILE_NAME || path.endsWith(`/${PROFILE_FILE_NAME}`)) return 'profile';
  return /\.(ya?ml|json)$/i.test(path) ? 'manifest' : 'other';
}

/** Kinds whose pod template makes pods: the controllers kubepath models, and those it reads only. */
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Pod',
  'ReplicationController',
]);

/** The names a kustomization file may have, in the order kustomize looks for them in a directory. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Whether a workspace path names a kustomization file. */
export function isKustomizationPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (KUSTOMIZATION_FILES as readonly string[]).includes(name);
}
