// What a kustomization names, as the workspace model reads it (in the analysis worker: the
// kustomization is parsed by the engine). No vscode.
import { engine } from '../engineLoader';
import { normalise } from '../kustomizeFiles';

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
