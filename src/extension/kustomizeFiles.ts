// Which workspace files a kustomization names besides manifests: generator inputs (`.env`,
// `.properties`, any file), bases named by directory, and `Kustomization` files. The model
// reads them even where `kubepath.include` does not match, so that builds see what
// `kustomize build` reads (the names are read by the analysis worker: service/
// kustomizeReferences.ts). Pure (no vscode, no engine) for tests.
import { isKustomizationPath, KUSTOMIZATION_FILES } from '../engine/model';

/** `a/./b/../c` → `a/c`; undefined when `..` climbs above the folder. */
export function normalise(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** The kustomization files a directory may hold, in the order kustomize looks for them. */
export function kustomizationFilesIn(dir: string): string[] {
  return KUSTOMIZATION_FILES.map((f) => (dir ? `${dir}/${f}` : f));
}

export function isKustomization(path: string): boolean {
  return isKustomizationPath(path);
}
