// Which workspace files a kustomization names besides manifests: generator inputs (`.env`,
// `.properties`, any file), bases named by directory, and `Kustomization` files. The model
// reads them even where `kubepath.include` does not match, so that builds see what
// `kustomize build` reads. Pure (no vscode) for tests.
import { engine } from './engine';

/**
 * The folder-relative paths `text` (the kustomization at `path`) names, normalised; names
 * that leave the folder (`../..` above it, absolute paths) are left out: the extension reads
 * only its own workspace folder.
 */
export function referencedPaths(path: string, text: string): string[] {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const out: string[] = [];
  for (const ref of engine().kustomizationReferences(text)) {
    if (ref.startsWith('/')) continue;
    const joined = normalise(dir ? `${dir}/${ref}` : ref);
    if (joined !== undefined && joined !== '') out.push(joined);
  }
  return out;
}

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
  return engine().KUSTOMIZATION_FILES.map((f) => (dir ? `${dir}/${f}` : f));
}

export function isKustomization(path: string): boolean {
  return engine().isKustomizationPath(path);
}
